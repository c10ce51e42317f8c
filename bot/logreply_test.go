package bot_test

import (
	"strings"
	"testing"
)

// TestLogEvidenceRules: each evidence rule, on a log that shows its evidence, leads with its
// diagnosis, quotes the decisive lines verbatim in Evidence, and says the failure in its title.
func TestLogEvidenceRules(t *testing.T) {
	e := engine(t)
	tests := []struct {
		name     string
		log      string
		first    string   // Matches[0]
		evidence []string // lines that must be in Evidence
		title    string   // a substring of the title
	}{
		{
			name: "an SSH server on the port",
			log: "Status:\tConnecting to 203.0.113.7:22...\nStatus:\tConnection established, waiting for welcome message...\n" +
				"Response:\tSSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\nError:\tCould not connect to server",
			first: "ftp-ftps-sftp", evidence: []string{"Response:\tSSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6"}, title: "SSH server",
		},
		{
			name:  "an HTTP server on the port",
			log:   "* Connected to example.com (203.0.113.7) port 80 (#0)\n< HTTP/1.1 400 Bad Request\n* Weird server reply\ncurl: (8) Weird server reply",
			first: "connection-failures", evidence: []string{"< HTTP/1.1 400 Bad Request"}, title: "web server",
		},
		{
			name:  "a TLS record instead of a greeting",
			log:   "*cmd* 'USER bob'\n*get* '\\x15\\x03\\x01\\x00\\x02\\x02\\n'\nTraceback (most recent call last):\n  File \"up.py\", line 9, in <module>\nftplib.error_proto: \\x15\\x03\\x01\\x00\\x02\\x02",
			first: "explicit-implicit-ftps", evidence: []string{"*get* '\\x15\\x03\\x01\\x00\\x02\\x02\\n'"}, title: "TLS port",
		},
		{
			name:  "connected, then no greeting until the time-out",
			log:   "*   Trying 203.0.113.7:990...\n* Connected to ftp.example.com (203.0.113.7) port 990 (#0)\n* Operation timed out after 30000 milliseconds with 0 bytes received\ncurl: (28) Operation timed out after 30000 milliseconds with 0 bytes received",
			first: "explicit-implicit-ftps", evidence: []string{"* Connected to ftp.example.com (203.0.113.7) port 990 (#0)"}, title: "no FTP greeting",
		},
		{
			name: "a Python traceback: line numbers are not codes, the exception is the evidence",
			log: "Traceback (most recent call last):\n  File \"up.py\", line 226, in <module>\n    ftp = FTP_TLS('ftp.example.com')\n" +
				"  File \"/usr/lib/python3.11/ssl.py\", line 1379, in do_handshake\n    self._sslobj.do_handshake()\n" +
				"ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)",
			first: "tls-*", evidence: []string{"ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"}, title: "certificate",
		},
		{
			name: "NAT: the 227 names a private address, the control connection a public one",
			log: "Status:\tConnecting to 198.51.100.20:21...\nStatus:\tConnection established, waiting for welcome message...\nResponse:\t220 (vsFTPd 3.0.5)\n" +
				"Command:\tPASV\nResponse:\t227 Entering Passive Mode (172,17,0,2,156,68).\nCommand:\tMLSD\nError:\tConnection timed out after 20 seconds of inactivity\n",
			first: "pasv-epsv-nat", evidence: []string{"Status:\tConnecting to 198.51.100.20:21...", "Response:\t227 Entering Passive Mode (172,17,0,2,156,68)."}, title: "cannot reach",
		},
		{
			name: "a transfer cut after a login that announced a quota",
			log: "220 ready\nUSER bob\n331 Password required\nPASS x\n230-Your disk quota: 100 MB, used 99.8 MB\n230 User bob logged in\nPASV\n227 Entering Passive Mode (198,51,100,20,156,68).\n" +
				"STOR backup.tar\n150 Opening BINARY mode data connection for backup.tar\n426 Connection closed; transfer aborted.",
			first: "552", evidence: []string{"230-Your disk quota: 100 MB, used 99.8 MB"}, title: "quota",
		},
		{
			name: "Pure-FTPd's quota line at login, then the upload reset after 150",
			log: "---- Connecting to ftp.example.com (198.51.100.7) port 21\n<--- 220 Welcome to Pure-FTPd.\n---> USER bob\n<--- 331 User bob OK. Password required\n---> PASS XXXX\n" +
				"<--- 230-User bob has group access to:  bob\n<--- 230- 1023 Kbytes used (99%) - authorized: 1024 Kb\n<--- 230 OK. Current restricted directory is /\n" +
				"---> PASV\n<--- 227 Entering Passive Mode (198,51,100,7,195,80)\n---> STOR big.iso\n<--- 150 Accepted data connection\n**** Socket error (Connection reset by peer) - reconnecting",
			first: "552", evidence: []string{"<--- 230- 1023 Kbytes used (99%) - authorized: 1024 Kb", "**** Socket error (Connection reset by peer) - reconnecting"}, title: "quota",
		},
		{
			name: "lftp's own AUTH TLS probe refused, then the login failed: the login is the failure",
			log: "---- Connecting to ftp.example.com (198.51.100.7) port 21\n<--- 220 (vsFTPd 3.0.3)\n---> AUTH TLS\n<--- 530 Please login with USER and PASS.\n" +
				"---> USER bob\n<--- 331 Please specify the password.\n---> PASS XXXX\n<--- 530 Login incorrect.\nls: Login failed: 530 Login incorrect.",
			first: "530", evidence: []string{"<--- 530 Login incorrect.", "ls: Login failed: 530 Login incorrect."}, title: "login",
		},
		{
			name:  "vsftpd's OOPS names the failure, not 500's syntax error",
			log:   "> USER bob\n< 331 Please specify the password.\n> PASS secret\n< 500 OOPS: vsftpd: refusing to run with writable root inside chroot()\ncurl: (8) Weird server reply",
			first: "permissions-chroot", evidence: []string{"< 500 OOPS: vsftpd: refusing to run with writable root inside chroot()"}, title: "writable root",
		},
		{
			name:  "a refused PORT address",
			log:   "Command:\tPORT 10,0,0,5,195,80\nResponse:\t500 I won't open a connection to 10.0.0.5 (only to 203.0.113.9)\nError:\tFailed to retrieve directory listing",
			first: "active-vs-passive", evidence: []string{"Response:\t500 I won't open a connection to 10.0.0.5 (only to 203.0.113.9)"}, title: "PORT",
		},
		{
			name:  "a server that offers no TLS refuses AUTH, and the client insists",
			log:   "< 220 ProFTPD Server ready.\n> AUTH TLS\n< 500 AUTH not understood\n> AUTH SSL\n< 500 AUTH not understood\ncurl: (64) Requested SSL level failed",
			first: "explicit-implicit-ftps", evidence: []string{"< 500 AUTH not understood"}, title: "does not offer TLS",
		},
		{
			name:  "a server without EPSV and EPRT, on IPv6",
			log:   "Command:\tEPSV\nResponse:\t502 Command not recognized\nCommand:\tEPRT |2|2001:db8::5|48257|\nResponse:\t502 Command not recognized\nError:\tFailed to retrieve directory listing",
			first: "ipv6-*", evidence: []string{"Response:\t502 Command not recognized"}, title: "neither EPSV nor EPRT",
		},
		{
			name:  "a probe the client carried on after is not the failure",
			log:   "220 ready\nUSER a\n331 pw\nPASS b\n230 ok\nOPTS UTF8 ON\n504 Unknown command\nCWD missing\n550 Can't change directory to missing: No such file or directory",
			first: "550", evidence: []string{"550 Can't change directory to missing: No such file or directory"}, title: "550",
		},
		{
			name: "PROT P, then the server refuses the data connection without a time-out",
			log: "> PBSZ 0\n< 200 PBSZ 0 successful\n> PROT P\n< 200 Protection set to Private\n> PASV\n< 227 Entering Passive Mode (198,51,100,7,195,80).\n" +
				"> LIST\n< 425 Unable to build data connection: Operation not permitted\ncurl: (19) Failed to retrieve data",
			first: "tls-session-reuse", evidence: []string{"< 425 Unable to build data connection: Operation not permitted"}, title: "session reuse",
		},
		{
			name: "the right public address in 227, then the data connection times out: the passive ports are blocked",
			log: "Status:\tConnecting to 198.51.100.20:21...\nResponse:\t220 (vsFTPd 3.0.5)\nCommand:\tPASV\nResponse:\t227 Entering Passive Mode (198,51,100,20,156,68).\n" +
				"Command:\tMLSD\nError:\tConnection timed out after 20 seconds of inactivity",
			first: "firewall-ports", evidence: []string{"Response:\t227 Entering Passive Mode (198,51,100,20,156,68).", "Error:\tConnection timed out after 20 seconds of inactivity"}, title: "passive ports blocked",
		},
		{
			name:  "a time-out waiting for the answer to PASV",
			log:   "Response:\t230 Login successful.\nCommand:\tPASV\nError:\tConnection timed out after 20 seconds of inactivity\nError:\tFailed to retrieve directory listing",
			first: "active-vs-passive", evidence: []string{"Command:\tPASV"}, title: "after PASV",
		},
		{
			name:  "literal pasv at the Windows ftp prompt",
			log:   "ftp> literal pasv\n227 Entering Passive Mode (192,168,5,105,192,110).\nftp> put big.exe\n200 PORT command successful.\n425 Can't open data connection.",
			first: "active-vs-passive", evidence: []string{"ftp> literal pasv"}, title: "literal pasv",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Ask(tt.log)
			var ids []string
			for _, m := range r.Matches {
				ids = append(ids, m.ID)
			}
			if len(ids) == 0 || !wantFirst(tt.first, ids[0]) {
				t.Errorf("matches %v, want %s first (title %q)", ids, tt.first, r.Title)
			}
			if !strings.Contains(strings.ToLower(r.Title), strings.ToLower(tt.title)) {
				t.Errorf("title %q does not say %q", r.Title, tt.title)
			}
			for _, want := range tt.evidence {
				found := false
				for _, ev := range r.Evidence {
					found = found || ev == want
				}
				if !found {
					t.Errorf("evidence %q, want it to hold %q", r.Evidence, want)
				}
			}
			for _, ev := range r.Evidence {
				if !strings.Contains(tt.log, ev) {
					t.Errorf("evidence line %q is not verbatim from the log", ev)
				}
			}
		})
	}
}

// BenchmarkAskLog200Real: a 200-line lftp -d log in the shape the real client writes (FEAT list,
// its AUTH TLS probe, a long listing session) ending in a refused upload.
func BenchmarkAskLog200Real(b *testing.B) {
	e := uncached(b)
	var sb strings.Builder
	sb.WriteString("---- Resolving host address...\n---- 1 address found: 198.51.100.7\n---- Connecting to ftp.example.com (198.51.100.7) port 21\n<--- 220 (vsFTPd 3.0.3)\n---> FEAT\n<--- 211-Features:\n<---  EPRT\n<---  EPSV\n<---  MDTM\n<---  PASV\n<---  REST STREAM\n<---  SIZE\n<---  TVFS\n<--- 211 End\n---> AUTH TLS\n<--- 530 Please login with USER and PASS.\n---> USER bob\n<--- 331 Please specify the password.\n---> PASS XXXX\n<--- 230 Login successful.\n")
	for i := 0; i < 25; i++ {
		sb.WriteString("---> PASV\n<--- 227 Entering Passive Mode (198,51,100,7,195,80).\n---- Connecting data socket to (198.51.100.7) port 50000\n---- Data connection established\n---> RETR f.bin\n<--- 150 Opening BINARY mode data connection for f.bin (1 bytes).\n---- Got EOF on data connection\n<--- 226 Transfer complete.\n")
	}
	sb.WriteString("---> STOR x\n<--- 553 Could not create file.\nput: Access failed: 553 Could not create file. (x)\n")
	log := sb.String()
	if n := strings.Count(log, "\n"); n < 200 {
		b.Fatalf("%d lines", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := e.Ask(log); r.Matches[0].ID != "553" {
			b.Fatalf("got %v", r.Matches)
		}
	}
}
