package bot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
)

// TestNotFTP: another protocol's message gets no FTP answer, and the reply says in one line
// what it looks like instead; an SFTP question gets the FTP/FTPS/SFTP topic.
func TestNotFTP(t *testing.T) {
	e := engine(t)
	tests := []struct{ text, looksLike, topic string }{
		{"S: 550-Requested action not taken: mailbox unavailable\nS: 550 Failure sending mail. Try again later", "SMTP", ""},
		{"421 Misdirected Request\nThe client needs a new connection for this request.\nApache Server at docs.example.org Port 443", "HTTP", ""},
		{"mount error(13): Permission denied\nRefer to the mount.cifs(8) manual page (e.g. man mount.cifs)", "SMB", ""},
		{"git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.", "SSH", ""},
		{"Running command: /usr/bin/tftp -g -l /tmp/x -r /pxelinux.cfg/default 10.0.0.1 69\ntftp: timeout", "TFTP", ""},
		{"$ sftp www-data@203.0.113.19\nwww-data@203.0.113.19's password:\nReceived message too long 1416128883", "", "ftp-ftps-sftp"},
	}
	for _, tt := range tests {
		r := e.Ask(tt.text)
		if tt.topic != "" {
			if len(r.Matches) == 0 || r.Matches[0].ID != tt.topic {
				t.Errorf("%q: matches %v, want %s first", short(tt.text), r.Matches, tt.topic)
			}
			continue
		}
		if r.Kind != bot.KindNoMatch || len(r.Matches) != 0 {
			t.Errorf("%q: kind %s with matches %v, want no match", short(tt.text), r.Kind, r.Matches)
		}
		want := "This looks like " + tt.looksLike
		if !strings.HasPrefix(r.Summary, want) || !strings.HasSuffix(r.Summary, "not FTP.") || strings.Contains(r.Summary, "\n") {
			t.Errorf("%q: summary %q, want one line starting %q and ending \"not FTP.\"", short(tt.text), r.Summary, want)
		}
	}
}

// TestLineLeadsWithTheFailure: a pasted line whose words name the failure is answered by that
// failure first, with its code next, the line as evidence, and a headline that names it.
func TestLineLeadsWithTheFailure(t *testing.T) {
	e := engine(t)
	tests := []struct{ line, first, code, headline string }{
		{"425 Unable to build data connection: TLS session of data connection not resumed", "tls-session-reuse", "425", "not resumed"},
		{"500 OOPS: vsftpd: refusing to run with writable root inside chroot()", "permissions-chroot", "500", "oops"},
		{"227 Entering Passive Mode (0,0,0,0,156,64).", "pasv-epsv-nat", "227", "0.0.0.0"},
		{"mirror: Login failed: 550 SSL/TLS required on the control channel", "", "550", "tls"},
		{"530 Login incorrect.", "530", "530", ""},
		{"goftp: 229 Entering Extended Passive Mode (|||21005|) then i/o timeout", "pasv-epsv-nat", "229", "data connection failed"},
		{"150 Opening data connection and then it hangs", "active-vs-passive", "150", "data connection failed"},
		{"227 Entering Passive Mode (203,0,113,5,195,80).", "227", "227", ""},
	}
	for _, tt := range tests {
		r := e.Ask(tt.line)
		ids := make([]string, 0, len(r.Matches))
		for _, m := range r.Matches {
			ids = append(ids, m.ID)
		}
		if len(ids) == 0 || tt.first != "" && ids[0] != tt.first || tt.first == "" && ids[0] == tt.code {
			t.Errorf("%q: matches %v, want %q first", tt.line, ids, tt.first)
			continue
		}
		if !slices.Contains(ids[:min(3, len(ids))], tt.code) {
			t.Errorf("%q: matches %v, want %s in the top 3", tt.line, ids, tt.code)
		}
		if tt.headline != "" && !strings.Contains(strings.ToLower(r.Summary), tt.headline) {
			t.Errorf("%q: summary %q, want it to name %q", tt.line, r.Summary, tt.headline)
		}
		if len(r.Evidence) == 0 || len(r.Evidence) > bot.MaxEvidence || !strings.Contains(tt.line, r.Evidence[0]) {
			t.Errorf("%q: evidence %q, want the line verbatim", tt.line, r.Evidence)
		}
	}
}

// TestClientNamedOnlyWhenItsOwn: a message every program prints does not name a client.
func TestClientNamedOnlyWhenItsOwn(t *testing.T) {
	e := engine(t)
	for _, tt := range []struct {
		text   string
		client bool
	}{
		{"Error: Connection timed out after 20 seconds of inactivity", true},
		{"Error: Failed to retrieve directory listing", true},
		{"ETIMEDOUT", false},
	} {
		r := e.Ask(tt.text)
		named := false
		found := false
		for _, s := range r.Sections {
			if strings.HasPrefix(s.Heading, "Your client") {
				found = true
				named = strings.Contains(s.Heading, "(")
			}
		}
		if !found {
			t.Errorf("%q: no client section in %v", tt.text, r.Sections)
		} else if named != tt.client {
			t.Errorf("%q: client named = %v, want %v", tt.text, named, tt.client)
		}
	}
}

// TestFTPToolMessagesAreFTP: a message only an FTP-using tool prints is answered as FTP even when
// it names something the not-FTP table lists (WordPress falls back to FTP to update itself).
func TestFTPToolMessagesAreFTP(t *testing.T) {
	e := engine(t)
	for _, text := range []string{
		"Unable to locate WordPress content directory (wp-content).",
		"Failed to connect to FTP Server ftp.example.com:21",
	} {
		if r := e.Ask(text); r.Kind == bot.KindNoMatch || len(r.Matches) == 0 {
			t.Errorf("%q: %s with %v, want an FTP answer", text, r.Kind, r.Matches)
		}
	}
}
