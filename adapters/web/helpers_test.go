package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/knowledge"
)

// testKB is the small test knowledge base with the team notes in testdata/team, so the page tests
// do not change meaning as the real base grows. The golden replies use the real base.
func testKB(t testing.TB) *knowledge.Base {
	t.Helper()
	return bottest.Small(t, "testdata/team")
}

// testOptions are the handler's options over testKB, with the fake platform previews.
func testOptions(t testing.TB) Options {
	t.Helper()
	return Options{Engine: bot.New(testKB(t)), Previews: fakePreviews(), Log: slog.New(slog.DiscardHandler)}
}

// serve starts the handler on a free loopback port and stops it when the test ends.
func serve(t testing.TB, o Options) (*Handler, *httptest.Server) {
	t.Helper()
	h := New(o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

// response is a finished request: status, headers and the whole body.
type response struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, srv *httptest.Server, method, path, contentType string, body io.Reader, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func get(t testing.TB, srv *httptest.Server, path string) response {
	t.Helper()
	return do(t, srv, http.MethodGet, path, "", nil)
}

func decodeJSON(t testing.TB, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
}

// fakePreviews stand in for the Slack and Discord renderers (this package may not import the
// adapters): payloads of the same shape, escaped the way each platform needs.
func fakePreviews() []Preview {
	return []Preview{
		{Name: "Slack", Render: func(r bot.Reply) (any, error) { return fakeSlack(r), nil }},
		{Name: "Discord", Render: func(r bot.Reply) (any, error) { return fakeDiscord(r), nil }},
	}
}

func slackEsc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func fakeSlack(r bot.Reply) map[string]any {
	text := func(t, s string) map[string]any { return map[string]any{"type": t, "text": s} }
	blocks := []any{map[string]any{"type": "header", "text": text("plain_text", r.Title)}}
	var fields []any
	for _, f := range r.Fields {
		fields = append(fields, text("mrkdwn", "*"+slackEsc(f.Label)+"*\n"+slackEsc(f.Value)))
	}
	sum := map[string]any{"type": "section", "text": text("mrkdwn", ":red_circle: "+slackEsc(r.Summary))}
	if fields != nil {
		sum["fields"] = fields
	}
	blocks = append(blocks, sum)
	for _, s := range r.Sections {
		var b strings.Builder
		b.WriteString("*" + slackEsc(s.Heading) + "*")
		switch {
		case s.Pre:
			b.WriteString("\n```" + slackEsc(s.Body) + "```")
		case s.Body != "":
			b.WriteString("\n" + slackEsc(s.Body))
		}
		for i, it := range s.Items {
			if s.Ordered {
				fmt.Fprintf(&b, "\n%d. %s", i+1, slackEsc(it))
			} else {
				b.WriteString("\n• " + slackEsc(it))
			}
		}
		blocks = append(blocks, map[string]any{"type": "section", "text": text("mrkdwn", b.String())})
	}
	var buttons []any
	for _, rel := range r.Related {
		buttons = append(buttons, map[string]any{"type": "button", "text": text("plain_text", rel.Label), "action_id": "rel_" + rel.ID})
	}
	if g := r.Guide(); g != "" {
		buttons = append(buttons, map[string]any{"type": "button", "text": text("plain_text", "Full guide"), "url": "https://ftpbot.example.com" + g})
	}
	buttons = append(buttons, map[string]any{"type": "button", "text": text("plain_text", "Share in channel"), "style": "primary", "action_id": "share"})
	blocks = append(blocks, map[string]any{"type": "actions", "elements": buttons}, map[string]any{"type": "divider"})
	if r.Footer != "" {
		blocks = append(blocks, map[string]any{"type": "context", "elements": []any{text("mrkdwn", ":books: "+slackEsc(r.Footer))}})
	}
	return map[string]any{"text": slackEsc(r.Title), "blocks": blocks}
}

func discordEsc(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`, "](", `]\(`).Replace(s)
}

func fakeDiscord(r bot.Reply) map[string]any {
	var desc strings.Builder
	desc.WriteString(discordEsc(r.Summary))
	for _, s := range r.Sections {
		desc.WriteString("\n\n**" + discordEsc(s.Heading) + "**")
		switch {
		case s.Pre:
			desc.WriteString("\n```\n" + s.Body + "\n```")
		case s.Body != "":
			desc.WriteString("\n" + discordEsc(s.Body))
		}
		for i, it := range s.Items {
			if s.Ordered {
				fmt.Fprintf(&desc, "\n%d. %s", i+1, discordEsc(it))
			} else {
				desc.WriteString("\n• " + discordEsc(it))
			}
		}
	}
	var fields []any
	for _, f := range r.Fields {
		fields = append(fields, map[string]any{"name": f.Label, "value": f.Value, "inline": true})
	}
	embed := map[string]any{"title": r.Title, "description": desc.String(), "color": 0xCF222E, "fields": fields}
	if g := r.Guide(); g != "" {
		embed["url"] = "https://ftpbot.example.com" + g
	}
	if r.Footer != "" {
		embed["footer"] = map[string]any{"text": "Defined in " + r.Footer}
	}
	var row []any
	for _, rel := range r.Related {
		row = append(row, map[string]any{"type": 2, "label": rel.Label, "style": 2, "custom_id": "ftp:ask:" + rel.ID})
	}
	last := []any{map[string]any{"type": 2, "label": "Share in channel", "style": 1, "custom_id": "ftp:share"}}
	if g := r.Guide(); g != "" {
		last = append([]any{map[string]any{"type": 2, "label": "Full guide", "style": 5, "url": "https://ftpbot.example.com" + g}}, last...)
	}
	comps := []any{}
	if row != nil {
		comps = append(comps, map[string]any{"type": 1, "components": row})
	}
	comps = append(comps, map[string]any{"type": 1, "components": last})
	return map[string]any{"embeds": []any{embed}, "components": comps, "flags": 64, "allowed_mentions": map[string]any{"parse": []any{}}}
}
