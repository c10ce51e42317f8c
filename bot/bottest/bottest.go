// Package bottest is the shared test kit of the renderers and adapters: the same canonical replies
// feed the Slack, Discord, web and terminal golden tests, so a difference between platforms is
// always a rendering decision, never a different input; and one small knowledge base (SmallData)
// serves the adapters' transport and page tests, so they do not change meaning as the real base
// grows.
package bottest

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
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

// Replies returns the canonical replies: a code, a class, a topic, a log explanation, a
// no-match, a hostile one (mentions and markup in user text) and a maximal one far over every
// platform's limits.
func Replies(t testing.TB) []Case {
	t.Helper()
	e := Engine(t)
	ask := func(q string) bot.Reply {
		return e.Handle(context.Background(), bot.Request{Text: q, Platform: "test"})
	}
	return []Case{
		{"code", ask("530")},
		{"class", ask("5xx")},
		{"topic", ask("active vs passive")},
		{"log", ask(Log)},
		{"nomatch", ask("qwzx pltk")},
		{"hostile", ask("<!channel> @everyone <@U123> *bold* [x](http://evil.example) 550 Failed to open file. <script>")},
		{"maximal", Maximal()},
	}
}

// Maximal is a reply far over every platform limit: renderers must cut it, never send it whole.
func Maximal() bot.Reply {
	r := bot.Reply{
		Kind: bot.KindCode, ID: "530", Severity: bot.SeverityError,
		Title:   strings.Repeat("Very long title ", 30),
		Summary: strings.Repeat("A summary that goes on. ", 200),
		Footer:  strings.Repeat("RFC 959 ", 400),
		Links:   []bot.Link{{Label: bot.LinkGuide, URL: "/codes/530"}},
		Query:   "maximal",
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
