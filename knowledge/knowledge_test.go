package knowledge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// required lists every code the standards define (RFC 959, 2228, 2389, 2428, 2640, 3659, 1639,
// 4217, 7151, and 554 from RFC 1123) plus the non-standard ones users meet. The base must have all.
var required = []Code{
	110, 120, 125, 150,
	200, 202, 211, 212, 213, 214, 215, 220, 221, 225, 226, 227, 228, 229, 230, 232, 234, 235, 250, 257,
	331, 332, 334, 335, 336, 350,
	421, 425, 426, 431, 450, 451, 452,
	500, 501, 502, 503, 504, 521, 522, 530, 532, 533, 534, 535, 536, 537, 550, 551, 552, 553, 554,
	631, 632, 633,
	430, 434,
	10054, 10060, 10061, 10065, 10066, 10068,
}

func TestBuiltinIsValidAndComplete(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatalf("the embedded knowledge does not validate:\n%v", err)
	}
	for _, c := range required {
		if _, ok := b.Lookup(c); !ok {
			t.Errorf("Lookup(%s): missing from the knowledge base", c)
		}
	}
	for _, id := range []string{"1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "winsock"} {
		if cl, ok := b.Class(id); !ok || len(cl.Codes) == 0 {
			t.Errorf("Class(%s) = %v, %v; want a class with codes", id, cl, ok)
		}
	}
	for _, s := range []string{"vsftpd", "proftpd", "pure-ftpd", "filezilla-server", "iis"} {
		if _, ok := b.Server(s); !ok {
			t.Errorf("Server(%q) missing", s)
		}
	}
	// Every Debian server we can run must have real captured examples behind it.
	for _, s := range []string{"vsftpd", "proftpd", "pure-ftpd"} {
		if strings.TrimSpace(b.captured[s]) == "" {
			t.Errorf("no capture for %s in data/captured/%s.txt", s, s)
		}
	}
	if len(b.Topics()) < 10 {
		t.Errorf("only %d topics", len(b.Topics()))
	}
	if len(b.ClientErrors()) < 30 {
		t.Errorf("only %d client errors", len(b.ClientErrors()))
	}
}

// minimal is a tiny valid base; each bad case below breaks one thing in a copy of it.
func minimal() fstest.MapFS {
	return fstest.MapFS{
		"data/classes.toml": {Data: []byte(`
[[class]]
id = "5xx"
title = "Permanent"
meaning = "m"
retry = "r"
source = "RFC 959"
`)},
		"data/servers.toml": {Data: []byte(`
[[server]]
id = "vsftpd"
name = "vsftpd"
match = ["vsftpd"]
`)},
		"data/codes/5xx.toml": {Data: []byte(`
[[code]]
code = 530
title = "Not logged in"
standard = true
source = "RFC 959"
step = "login"
meaning = "m"
commands = ["PASS"]
causes = ["c"]
fixes = ["f"]
related = [550]

[[code.server]]
server = "vsftpd"
example = "530 Login incorrect."

[[code]]
code = 550
title = "Unavailable"
standard = true
source = "RFC 959"
step = "files"
meaning = "m"
commands = ["RETR"]
causes = ["c"]
fixes = ["f"]
`)},
		"data/captured/vsftpd.txt": {Data: []byte("< 530 Login incorrect.\n")},
		"data/topics/passive.toml": {Data: []byte(`
slug = "active-vs-passive"
title = "Active vs passive"
summary = "s"
aliases = ["passive"]
related = [530]
[[section]]
heading = "h"
body = "b"
`)},
	}
}

func TestLoadReportsBadData(t *testing.T) {
	if _, err := Load(minimal(), ""); err != nil {
		t.Fatalf("Load(minimal) = %v, want no error", err)
	}
	edit := func(file, old, new string) func(fstest.MapFS) {
		return func(fs fstest.MapFS) {
			fs[file] = &fstest.MapFile{Data: []byte(strings.Replace(string(fs[file].Data), old, new, 1))}
		}
	}
	tests := []struct {
		name   string
		break_ func(fstest.MapFS)
		want   string
	}{
		{"dangling related code", edit("data/codes/5xx.toml", "related = [550]", "related = [559]"), "related code 559 does not exist"},
		{"related to itself", edit("data/codes/5xx.toml", "related = [550]", "related = [530]"), "related to itself"},
		{"bad step", edit("data/codes/5xx.toml", `step = "login"`, `step = "logon"`), `step "logon"`},
		{"missing class", edit("data/codes/5xx.toml", "code = 550", "code = 450"), `class "4xx"`},
		{"duplicate code", edit("data/codes/5xx.toml", "code = 550", "code = 530"), "defined twice"},
		{"standard without RFC", edit("data/codes/5xx.toml", `source = "RFC 959"`, `source = "folklore"`), "must name its RFC"},
		{"no fixes", edit("data/codes/5xx.toml", `fixes = ["f"]`, `fixes = []`), "needs commands, causes and fixes"},
		{"unknown key", edit("data/codes/5xx.toml", "meaning =", "meening ="), "unknown keys"},
		{"example of another code", edit("data/codes/5xx.toml", `example = "530 Login incorrect."`, `example = "550 Login incorrect."`), "does not parse back to 530"},
		{"example not captured", edit("data/captured/vsftpd.txt", "530 Login incorrect.", "530 Nope."), "is not in data/captured/vsftpd.txt"},
		{"unknown server", edit("data/codes/5xx.toml", `server = "vsftpd"`, `server = "wu-ftpd"`), `server "wu-ftpd" is not in servers.toml`},
		{"topic bad slug", edit("data/topics/passive.toml", `slug = "active-vs-passive"`, `slug = "Active Passive"`), "slug must be lowercase"},
		{"topic dangling code", edit("data/topics/passive.toml", "related = [530]", "related = [999]"), "related code 999 does not exist"},
		{"topic dangling topic", edit("data/topics/passive.toml", "related = [530]", `related = [530]
related_topics = ["nope"]`), `related topic "nope"`},
		{"bad TOML", edit("data/classes.toml", "[[class]]", "[[class"), "classes.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := minimal()
			tt.break_(fs)
			_, err := Load(fs, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestTeamNotes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ours.toml", `
[[note]]
code = 530
text = "On the SFTP gateway, 530 means your VPN password expired."
author = "#it-help"

[[note]]
topic = "active-vs-passive"
text = "Our firewall only forwards 50000-50100."
`)
	b, err := Load(minimal(), dir)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := b.Lookup(530)
	if len(e.Team) != 1 || e.Team[0].Author != "#it-help" || !strings.Contains(e.Team[0].Text, "VPN") {
		t.Errorf("530 team notes = %+v", e.Team)
	}
	tp, _ := b.Topic("active-vs-passive")
	if len(tp.Team) != 1 {
		t.Errorf("topic team notes = %+v", tp.Team)
	}

	write("bad.toml", "[[note]]\ncode = 999\ntext = \"x\"\n[[note]]\ntext = \"orphan\"\n")
	_, err = Load(minimal(), dir)
	for _, want := range []string{"code 999, which ftpbot does not know", "names neither a code nor a topic"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load with bad notes = %v, want %q", err, want)
		}
	}
}

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		in   string
		code Code
		text string
		ok   bool
	}{
		{"530 Login incorrect.", 530, "Login incorrect.", true},
		{"211-Features:", 211, "Features:", true},
		{"220", 220, "", true},
		{"226 Transfer complete.\r\n", 226, "Transfer complete.", true},
		{"5300 nope", 0, "", false},
		{"099 low", 0, "", false},
		{"700 high", 0, "", false},
		{"53", 0, "", false},
		{"abc def", 0, "", false},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		code, text, ok := ParseReplyLine(tt.in)
		if code != tt.code || text != tt.text || ok != tt.ok {
			t.Errorf("ParseReplyLine(%q) = %v, %q, %v; want %v, %q, %v", tt.in, code, text, ok, tt.code, tt.text, tt.ok)
		}
	}
}

func TestCodeString(t *testing.T) {
	for c, want := range map[Code]string{530: "530", 10054: "10054", 5: "005"} {
		if got := c.String(); got != want {
			t.Errorf("Code(%d).String() = %q, want %q", int(c), got, want)
		}
	}
}

func TestSearchSpellingAndPhrases(t *testing.T) {
	b, err := Load(minimal(), "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ q, want string }{
		{"not logged in", "530"},
		{"not loged in", "530"}, // one slip
		{"passive", "active-vs-passive"},
		{"pasive", "active-vs-passive"},
	}
	for _, tt := range tests {
		got := b.Search(tt.q, 3)
		if len(got) == 0 || got[0].ID != tt.want {
			t.Errorf("Search(%q) = %v, want %s first", tt.q, got, tt.want)
		}
	}
	if got := b.Search("zzzzqqq", 3); len(got) != 0 {
		t.Errorf("Search(nonsense) = %v, want nothing", got)
	}
}

// TestSearchLongSentences covers what only matters in sentences: a code's number names it, no
// spelling correction of everyday words, and one shared word is not enough.
func TestSearchLongSentences(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ q, want string }{
		{"is reply code 226 good or bad", "226"},
		{"my upload says 553 what now", "553"},
		{"best banana bread recipes today", ""},                                   // "bread" is not "read", "best" not "rest"
		{"wordpress permalinks give 404 not found", ""},                           // one shared word ("found") in five
		{"ftp keeps disconnecting when idle for minutes", "421"},                  // several words of one answer
		{"my website shows 503 service unavailable from nginx", ""},               // the web's 503, not FTP's
		{"@everyone 550 see https://example.com/log", "550"},                      // a link is not the web
		{"ftp upload from my website fails with 553", "553"},                      // FTP named: an FTP question
		{"it says can't open data connection", "425"},                             // apostrophes do not split words
		{"forgot my outlook password, how to reset it", ""},                       // a mail account, not FTP
		{"filezilla says 530 with my gmail address as user", "530"},               // an FTP program named
		{"anonymous login wants my email as password", "331"},                     // anonymous FTP asks for an email
		{"pure-ftpd on my website returns 530", "530"},                            // "ftpd" names FTP
		{"python ftplib upload to my wordpress site fails with 553", "553"},       // so does "ftplib"
		{"login fails with 530 when I use my hotmail address as username", "530"}, // an account, but a code
		{"smtp says 550 recipient rejected", ""},                                  // mail delivery, code or not
	}
	for _, tt := range tests {
		got := b.Search(tt.q, 3)
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("Search(%q) = %v, want nothing", tt.q, got)
		case tt.want != "" && (len(got) == 0 || got[0].ID != tt.want):
			t.Errorf("Search(%q) = %v, want %s first", tt.q, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"passive", "passive", 0},
		{"pasive", "passive", 1},
		{"psasive", "passive", 1}, // a swap
		{"active", "passive", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, 3); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestServerSignatures checks every server's signatures against the real captures: each reply
// line a Debian server sent is recognised as that server or as none, never as another one.
func TestServerSignatures(t *testing.T) {
	kb, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	recognised := map[string]int{}
	for id, capture := range kb.captured {
		for _, line := range strings.Split(capture, "\n") {
			reply, ok := strings.CutPrefix(line, "< ")
			if !ok {
				continue
			}
			s, ok := kb.RecogniseServer(reply)
			if !ok {
				continue
			}
			if s.ID != id {
				t.Errorf("%s sent %q, which is recognised as %s", id, reply, s.ID)
			}
			recognised[id]++
		}
	}
	for _, id := range []string{"vsftpd", "proftpd", "pure-ftpd"} {
		if recognised[id] < 20 {
			t.Errorf("only %d of %s's captured lines are recognised as %[2]s", recognised[id], id)
		}
	}
}

// TestQuantitiesAreNotCodes: a number followed by a unit is a size or a count, not a reply code.
func TestQuantitiesAreNotCodes(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"uploading a 500 MB file times out", "upload of 200 files fails with permission denied"} {
		for _, m := range b.Search(q, 3) {
			if m.ID == "500" || m.ID == "200" {
				t.Errorf("Search(%q) = %v: a quantity taken for a code", q, b.Search(q, 3))
			}
		}
	}
}

// TestSynonymsMeanKnownWords: a synonym whose words the base does not know adds nothing to a
// question, so every "means" word of data/words.toml must be a word of the knowledge base.
func TestSynonymsMeanKnownWords(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.synonyms) == 0 {
		t.Fatal("data/words.toml has no entries")
	}
	for _, s := range b.synonyms {
		for _, w := range stems(s.Means) {
			if _, ok := b.index.df[w]; !ok && !stopwords[w] {
				t.Errorf("words.toml: %q means %q, which no code or topic uses", s.Say[0], w)
			}
		}
	}
}
