package slack

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/signtest"
)

// The fuzz targets cover what arrives from outside: slash-command forms, interaction payloads,
// event bodies, Slack's markup in message text, and the signature check in front of them. Seeds
// live in testdata/fuzz/<target>/; run one with go test ./adapters/slack -fuzz=FuzzParseCommand.

func FuzzParseCommand(f *testing.F) {
	f.Add([]byte(vectorBody))
	f.Add(commandForm("530 public", "https://hooks.slack.com/commands/T1/1/x"))
	f.Add([]byte("command=%2Fftp&user_id=U1&text=%ZZ"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseCommand(body)
		if err == nil && (c.Command == "" || c.UserID == "") {
			t.Errorf("accepted a command without command or user: %+v", c)
		}
	})
}

func FuzzParseInteraction(f *testing.F) {
	f.Add(interactionForm(blockActions(actionShare, "k\n530", "https://hooks.slack.com/actions/x", true)))
	f.Add(interactionForm(messageAction("530 Login incorrect.", "1.2", "1.1", "https://hooks.slack.com/actions/x")))
	f.Add([]byte(`payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5Bnull%5D%7D`))
	f.Add([]byte(`payload={"type":"view_submission","view":{"state":{"values":{}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := parseInteraction(body)
		if err != nil {
			return
		}
		// What parses must be safe to hand to the handler: it only spawns work and never panics.
		a := fuzzAdapter(t)
		a.interaction(cb)
		a.shutdown()
	})
}

func FuzzParseEvent(f *testing.F) {
	f.Add(mentionEvent("Ev1", "<@UBOTFTP> 530", "1.1", "1.2"))
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Add([]byte(`{"type":"event_callback","event":null}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, _, err := parseEvent(body)
		if err != nil {
			return
		}
		a := fuzzAdapter(t)
		a.event(ev)
		a.shutdown()
	})
}

// FuzzIncoming: whatever Slack sends, the text given to the engine is valid to render, and the
// rendered answer carries no markup and stays within the limits.
func FuzzIncoming(f *testing.F) {
	for _, s := range []string{"<@U1> 530", "&lt;!channel&gt;", "<http://x|y> <#C1|ops> <!here>", "<<>>|&amp;amp;", "<@UBOTFTP", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text := incoming(s, "UBOTFTP")
		r := bot.Reply{Kind: bot.KindCode, ID: "530", Title: text, Summary: text, Query: text,
			Fields:   []bot.Field{{Label: text, Value: text}},
			Sections: []bot.Section{{Heading: text, Body: text, Items: []string{text}}, {Heading: "log", Body: text, Pre: true}},
			Related:  []bot.Ref{{ID: text, Label: text}}, Links: []bot.Link{{Label: bot.LinkGuide, URL: "/codes/530"}}, Footer: text}
		m := Render(r, RenderOptions{BaseURL: base, Ephemeral: true, ShareKey: "k"})
		for _, p := range limitProblems(m.Text, m.Blocks, maxBlocks) {
			t.Error(p)
		}
		for _, line := range append(strings.Split(allText(m.Blocks), "\n"), m.Text) {
			for _, mk := range markupRE2.FindAllString(line, -1) {
				if !strings.HasPrefix(mk, "<"+base+"/") {
					t.Errorf("rendered markup %q from %q", mk, s)
				}
			}
		}
	})
}

// FuzzVerify: arbitrary headers and bodies are rejected unless signed with the secret.
func FuzzVerify(f *testing.F) {
	f.Add(vectorTS, vectorSig, []byte(vectorBody))
	f.Add("", "", []byte(""))
	f.Add("99999999999999999999", "v0=", []byte("x"))
	f.Add("-1531420618", "v0=zz", []byte("x"))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		if !utf8.ValidString(ts) || !utf8.ValidString(sig) || strings.ContainsAny(ts+sig, "\r\n") {
			return
		}
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", sig)
		err := verifySignature(testSecret, h, body)
		if err == nil && sig != signtest.Slack(testSecret, ts, body) {
			t.Errorf("accepted a wrong signature %q", sig)
		}
		// Through the handler: anything not verified is 401 and never reaches the engine.
		a := fuzzAdapter(t)
		defer a.shutdown()
		req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(string(body)))
		req.Header = h.Clone()
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		a.serveCommand(w, req)
		if err != nil && w.Code != http.StatusUnauthorized {
			t.Errorf("unverified request got %d", w.Code)
		}
	})
}

// fuzzAdapter is an HTTP-mode adapter with no bot token and no reachable Slack; its clock is the
// signing vector's.
func fuzzAdapter(t *testing.T) *Adapter {
	a, err := New(Options{Mode: "http", SigningSecret: testSecret, Engine: fuzzEngine(t),
		Now: func() time.Time { return time.Unix(1531420618, 0) }, Log: testLogger(&logtest.Buffer{}),
		HTTPClient: &http.Client{Transport: refuse{}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var (
	fuzzOnce sync.Once
	fuzzEng  *bot.Engine
)

func fuzzEngine(t *testing.T) *bot.Engine {
	fuzzOnce.Do(func() { fuzzEng = testEngine(t) })
	return fuzzEng
}

// refuse is a transport that dials nothing: fuzzed payloads name arbitrary response_urls.
type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in fuzzing")
}
