// Package bottest is the shared test kit of the renderers and adapters: the same canonical replies
// feed the Slack, Discord, web and terminal golden tests, so a difference between platforms is
// always a rendering decision, never a different input; and one small knowledge base (SmallData)
// serves the adapters' transport and page tests, so they do not change meaning as the real base
// grows.
package bottest

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// SmallData is the small test knowledge base, laid out as knowledge's embedded data directory.
var SmallData = func() fs.FS {
	sub, err := fs.Sub(smallData, "kb")
	if err != nil {
		panic(err)
	}
	return sub
}()

//go:embed kb
var smallData embed.FS

// Small loads SmallData with the team's notes from teamDir ("" for none), failing the test if it
// does not load.
func Small(t testing.TB, teamDir string) *knowledge.Base {
	t.Helper()
	kb, err := knowledge.Load(SmallData, teamDir)
	if err != nil {
		t.Fatalf("test knowledge: %v", err)
	}
	return kb
}

// SmallEngine returns an engine over Small without team notes.
func SmallEngine(t testing.TB) *bot.Engine {
	t.Helper()
	return bot.New(Small(t, ""))
}

// Engine returns an engine over the built-in knowledge, failing the test if it does not load.
func Engine(t testing.TB) *bot.Engine {
	t.Helper()
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatalf("knowledge: %v", err)
	}
	return bot.New(kb)
}

// Case is one canonical reply with a file-name-safe name.
type Case struct {
	Name  string
	Reply bot.Reply
}

// Log is the canonical pasted log: a FileZilla session that fails at login on vsftpd.
const Log = `Status:	Connecting to 203.0.113.5:21...
Status:	Connection established, waiting for welcome message...
Response:	220 (vsFTPd 3.0.3)
Command:	AUTH TLS
Response:	530 Please login with USER and PASS.
Command:	USER bob
Response:	331 Please specify the password.
Command:	PASS ********
Response:	530 Login incorrect.
Error:	Critical error: Could not connect to server`

// Questions are the canonical questions: a code, a class, a topic, a log, a no-match, a hostile
// one (mentions and markup in user text), a server's line, and a log of the passive address
// problem. Their replies are recorded once, by the bot package's TestRecordReplies, under
// bot/testdata/replies, so that a knowledge edit changes fixtures in one place.
var Questions = []struct{ Name, Text string }{
	{"code", "530"},
	{"class", "5xx"},
	{"topic", "active vs passive"},
	{"log", Log},
	{"nomatch", "qwzx pltk"},
	{"hostile", "<!channel> @everyone <@U123> *bold* [x](http://evil.example) 550 Failed to open file. <script>"},
	{"line", "550 Failed to open file."},
	{"nat", NATLog},
}

// NATLog is a FileZilla session against vsftpd behind NAT: the 227 names a private address and
// the listing times out.
const NATLog = `Status:	Connecting to 203.0.113.5:21...
Response:	220 (vsFTPd 3.0.3)
Command:	USER bob
Response:	331 Please specify the password.
Command:	PASS ********
Response:	230 Login successful.
Command:	PASV
Response:	227 Entering Passive Mode (192,168,1,10,195,80).
Status:	Server sent passive reply with unroutable address. Using server address instead.
Command:	MLSD
Error:	Connection timed out after 20 seconds of inactivity
Error:	Failed to retrieve directory listing`

// RepliesDir is where the recorded replies live.
func RepliesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "replies")
}

// Replies returns the canonical replies as recorded (see Questions), then the synthetic ones: a
// maximal reply far over every platform's limits, and a live-check report that names one code
// twice.
func Replies(t testing.TB) []Case {
	t.Helper()
	var out []Case
	for _, q := range Questions {
		b, err := os.ReadFile(filepath.Join(RepliesDir(), q.Name+".json"))
		if err != nil {
			t.Fatalf("%v (run go test ./bot -run TestRecordReplies -update)", err)
		}
		var r bot.Reply
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		r.Stable = true
		out = append(out, Case{q.Name, r})
	}
	return append(out, Case{"maximal", Maximal()}, Case{"probe", Probe()})
}

// Probe is a live-check report whose steps name the same code twice, as a server that refuses
// two optional commands with 502 gives, with what went wrong and its fix.
func Probe() bot.Reply {
	return bot.Reply{
		Kind: bot.KindProbe, ID: "ftp.example.com", Title: "Check of ftp.example.com:21", Severity: bot.SeverityWarning,
		Summary: "Connected and logged in; two commands were refused.",
		Sections: []bot.Section{{Heading: "Steps", Ordered: true, Items: []string{"✓ connect (12 ms)", "! FEAT 502 (3 ms): 502 Command not implemented", "✗ MLSD 502 (2 ms): 502 Command not implemented"}},
			{Heading: "What went wrong", Body: "The server does not implement MLSD.", Items: []string{"Use LIST: turn off MLSD in the client (FileZilla: Site Manager → Transfer Settings)."}}},
		Related: []bot.Ref{{ID: "502", Kind: "code", Label: "502 Command not implemented"}, {ID: "502", Kind: "code", Label: "502 Command not implemented"}},
		Query:   "check ftp.example.com",
	}
}

// Maximal is a reply far over every platform limit: renderers must cut it, never send it whole.
func Maximal() bot.Reply {
	r := bot.Reply{
		Kind: bot.KindCode, ID: "530", Severity: bot.SeverityError,
		Title:          strings.Repeat("Very long title ", 30),
		Summary:        strings.Repeat("A summary that goes on. ", 200),
		Footer:         strings.Repeat("RFC 959 ", 400),
		Links:          []bot.Link{{Label: bot.LinkGuide, URL: "/codes/530"}},
		Query:          "maximal",
		EvidenceSource: &bot.Link{Label: "message", URL: "https://example.slack.com/archives/C1/p1700000000000100"},
	}
	for i := 0; i < bot.MaxEvidence; i++ {
		r.Evidence = append(r.Evidence, strings.Repeat("Response: 530 `&<evidence>` ", 30))
	}
	for i := 0; i < 3; i++ {
		r.FirstSteps = append(r.FirstSteps, strings.Repeat("Do this & <that> first. ", 40))
	}
	for i := 0; i < 40; i++ {
		r.Fields = append(r.Fields, bot.Field{Label: fmt.Sprintf("Field %d", i), Value: strings.Repeat("value ", 500)})
	}
	for i := 0; i < 80; i++ {
		r.Sections = append(r.Sections, bot.Section{
			Heading: fmt.Sprintf("Section %d ", i) + strings.Repeat("h", 300),
			Body:    strings.Repeat("Body text & <angle> brackets. ", 150),
			Items:   []string{strings.Repeat("item ", 100), "second"},
			Ordered: i%2 == 0,
		})
	}
	for i := 0; i < 60; i++ {
		r.Related = append(r.Related, bot.Ref{ID: fmt.Sprintf("5%02d", i), Kind: "code", Label: strings.Repeat("related label ", 20)})
	}
	return r
}

// Everything returns every kind of answer the knowledge base behind e can give, by the
// question that gets it: every code, every server line the knowledge quotes, every class, every
// two-digit prefix, every topic, every client message, the canonical logs, help and a no-match.
// Budget tests render all of them.
func Everything(t testing.TB, e *bot.Engine) []Case {
	t.Helper()
	var qs []string
	seen := map[string]bool{}
	add := func(q string) {
		if q = strings.TrimSpace(q); !seen[q] {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	for _, c := range e.KB.Codes() {
		add(c.String())
		if c < 1000 {
			add(c.String()[:2])
		}
		en, _ := e.KB.Lookup(c)
		for _, s := range en.Servers {
			if s.Example != "" {
				add(s.Example)
			}
		}
	}
	for _, cl := range e.KB.Classes() {
		add(cl.ID)
	}
	for _, tp := range e.KB.Topics() {
		add(tp.Slug)
		add(tp.Title)
	}
	for _, ce := range e.KB.ClientErrors() {
		for _, m := range ce.Match {
			add(m)
		}
	}
	for _, q := range Questions {
		add(q.Text)
	}
	add("help")
	add("qwzx pltk")
	out := make([]Case, 0, len(qs))
	for _, q := range qs {
		out = append(out, Case{Name: q, Reply: e.Handle(context.Background(), bot.Request{Text: q, Platform: "test"})})
	}
	return out
}
