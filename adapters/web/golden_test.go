package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/golden"
)

const goldenBase = "https://ftpbot.example.com"

// TestReplyGolden pins the HTML of the canonical replies (from the real knowledge base, shared
// with the other renderers' golden tests): a code, a class, a topic, a log, a no-match, a hostile
// one and a maximal one. Refresh with go test ./adapters/web -update.
func TestReplyGolden(t *testing.T) {
	h := New(Options{KB: bottest.Engine(t).KB, BaseURL: goldenBase})
	for _, c := range bottest.Replies(t) {
		t.Run(c.Name, func(t *testing.T) {
			checkGolden(t, c.Name, renderReply(t, h, c.Reply))
		})
	}
}

// TestReplyGoldenKinds pins the HTML of the kinds the canonical set lacks, from the test base:
// help, a prefix's suggestions, an unknown code, a usage error, a slow-down and a team note.
func TestReplyGoldenKinds(t *testing.T) {
	o := testOptions(t)
	o.BaseURL = goldenBase
	h := New(o)
	ask := func(q string) bot.Reply {
		return o.Engine.Handle(context.Background(), bot.Request{Text: q, Platform: "test"})
	}
	cases := []struct {
		name  string
		reply bot.Reply
	}{
		{"kb-help", ask("help")},
		{"kb-suggest", ask("53")},
		{"kb-unknown-code", ask("559")},
		{"kb-error", ask("check")},
		{"kb-slowdown", bot.SlowDown("530", 20)},
		{"kb-team", ask("530")},
		{"kb-client-error", ask("Error: Failed to retrieve directory listing")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.name, renderReply(t, h, c.reply))
		})
	}
}

// TestPageGolden pins whole pages over the test base: the index, a code, a class, a topic, a
// 404 and the playground with both previews.
func TestPageGolden(t *testing.T) {
	h := New(testOptions(t))
	for name, path := range map[string]string{
		"page-index": "/", "page-code-530": "/codes/530", "page-class-5xx": "/classes/5xx",
		"page-topic": "/topics/active-vs-passive", "page-404-559": "/codes/559", "page-play-530": "/play?q=530",
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			// the asset hashes change with every edit of the CSS or script; the pages do not
			body := assetHashRE.ReplaceAllString(rec.Body.String(), "?v=HASH")
			checkGolden(t, name, []byte(body))
		})
	}
}

func renderReply(t *testing.T, h *Handler, r bot.Reply) []byte {
	t.Helper()
	b, err := h.tmpl.renderPart("reply", viewReply(r, h.o.BaseURL))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name+".html"), got)
	if strings.Contains(string(got), "ZgotmplZ") {
		t.Errorf("%s: html/template rejected a value (ZgotmplZ) in the output", name)
	}
}

var assetHashRE = regexp.MustCompile(`\?v=[0-9a-f]{12}`)
