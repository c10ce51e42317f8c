package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/golden"
	"github.com/ftpbot/ftpbot/internal/signtest"
)

// TestRenderGolden pins the card and the More view of the canonical replies, as recorded by the
// bot package (bot/testdata/replies). Refresh with go test ./adapters/discord -update.
func TestRenderGolden(t *testing.T) {
	for _, c := range bottest.Replies(t) {
		t.Run(c.Name, func(t *testing.T) {
			o := RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: true, MoreToken: "q1:" + c.Reply.ID}
			checkGolden(t, c.Name, Render(c.Reply, o))
			checkGolden(t, c.Name+".more", RenderMore(c.Reply, o))
		})
	}
}

func checkGolden(t *testing.T, name string, data *discordgo.InteractionResponseData) {
	t.Helper()
	got, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "golden", name+".json"), got)
}

// TestRenderWithinLimits checks every canonical reply's card and More view against every
// Discord limit, both ephemeral and public, and the card against its budget.
func TestRenderWithinLimits(t *testing.T) {
	for _, c := range bottest.Replies(t) {
		for _, eph := range []bool{true, false} {
			o := RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: eph, MoreToken: "0123456789ab:" + c.Reply.ID}
			for _, v := range []struct {
				name string
				data *discordgo.InteractionResponseData
			}{{"card", Render(c.Reply, o)}, {"more", RenderMore(c.Reply, o)}} {
				data := v.data
				for _, p := range limitProblems(data) {
					t.Errorf("%s %s (ephemeral %v): %s", c.Name, v.name, eph, p)
				}
				if v.name == "card" {
					for _, p := range CardProblems(data) {
						t.Errorf("%s card (ephemeral %v): %s", c.Name, eph, p)
					}
				}
				if data.AllowedMentions == nil || data.AllowedMentions.Parse == nil || len(data.AllowedMentions.Parse) != 0 {
					t.Errorf("%s: AllowedMentions = %+v, want an empty parse list", c.Name, data.AllowedMentions)
				}
				if eph != (data.Flags&discordgo.MessageFlagsEphemeral != 0) {
					t.Errorf("%s: flags %v for ephemeral=%v", c.Name, data.Flags, eph)
				}
			}
		}
	}
}

// TestRenderUniqueCustomIDs: a live-check report whose steps name one code twice once rendered
// two buttons with the custom_id ftp:ask:502, and Discord rejected the whole message.
func TestRenderUniqueCustomIDs(t *testing.T) {
	data := Render(bottest.Probe(), RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: true, MoreToken: "0123456789ab:x"})
	for _, p := range Problems(data) {
		t.Error(p)
	}
	m := menuOf(data)
	if m == nil || len(m.Options) != 1 || m.Options[0].Value != "502" {
		t.Errorf("related menu = %+v, want 502 once", m)
	}
}

// TestRenderLayout checks what a card and its More view are made of.
func TestRenderLayout(t *testing.T) {
	r := bottest.Engine(t).Handle(context.Background(), bot.Request{Text: "550 Failed to open file.", Platform: "test"})
	o := RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: true, MoreToken: "0123456789ab:550"}
	card := Render(r, o)
	e := card.Embeds[0]
	for _, want := range []string{"**Your server (vsftpd) said:** `550 Failed to open file.`", "**What to do first**\n1. "} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("card lacks %q:\n%s", want, e.Description)
		}
	}
	if strings.Contains(e.Description, "Likely causes") {
		t.Error("the card carries the causes, which belong to More")
	}
	if e.Footer == nil || !strings.HasPrefix(e.Footer.Text, "5xx · Files and directories · vsftpd · RFC 959") {
		t.Errorf("context line = %+v", e.Footer)
	}
	ids := customIDs(card)
	for _, want := range []string{idMore + "0123456789ab:550", idShare, idRelated} {
		if !ids[want] {
			t.Errorf("card lacks the control %q: %v", want, ids)
		}
	}
	more := RenderMore(r, o).Embeds[0].Description
	fix, causes := strings.Index(more, "**How to fix it**"), strings.Index(more, "**Likely causes**")
	if fix < 0 || causes < 0 || fix > causes {
		t.Errorf("More view: fixes at %d, causes at %d; want both, fixes first", fix, causes)
	}
	if customIDs(RenderMore(r, o))[idMore+"0123456789ab:550"] {
		t.Error("the More view has a More button")
	}
}

func limitProblems(d *discordgo.InteractionResponseData) []string { return Problems(d) }

// customIDs are the custom_ids of a message's controls.
func customIDs(d *discordgo.InteractionResponseData) map[string]bool {
	out := map[string]bool{}
	for _, row := range d.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			switch x := c.(type) {
			case discordgo.Button:
				if x.CustomID != "" {
					out[x.CustomID] = true
				}
			case discordgo.SelectMenu:
				out[x.CustomID] = true
			}
		}
	}
	return out
}

// menuOf returns a message's related menu, or nil.
func menuOf(d *discordgo.InteractionResponseData) *discordgo.SelectMenu {
	for _, row := range d.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			if m, ok := c.(discordgo.SelectMenu); ok {
				return &m
			}
		}
	}
	return nil
}

func TestHostileTextCannotPing(t *testing.T) {
	r := bot.Reply{Title: "@everyone", Summary: "<@123> @here [click](http://evil.example) **x**", Severity: bot.SeverityInfo}
	d := Render(r, RenderOptions{})
	desc := d.Embeds[0].Description
	for _, bad := range []string{"@here", "<@123>", "](http", "**x**"} {
		if strings.Contains(desc, bad) {
			t.Errorf("description keeps %q: %q", bad, desc)
		}
	}
}

// --- HTTP interactions end to end ---

type signer struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newSigner(t *testing.T) signer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{pub, priv}
}

func (s signer) request(t *testing.T, url string, body []byte, ts time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	signtest.SignDiscord(req, s.priv, ts.Unix(), body)
	return req
}

// recorder is an http.RoundTripper that records Discord REST calls and answers them.
type recorder struct {
	mu     sync.Mutex
	calls  []call
	status []int // statuses to answer, in order; 200 after they run out
}

type call struct {
	Method, Path string
	Body         map[string]any // the JSON body, when it is an object
	Raw          []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body map[string]any
	var raw []byte
	if req.Body != nil {
		raw, _ = io.ReadAll(req.Body)
		json.Unmarshal(raw, &body)
	}
	r.mu.Lock()
	r.calls = append(r.calls, call{req.Method, req.URL.Path, body, raw})
	status := 200
	if len(r.status) > 0 {
		status, r.status = r.status[0], r.status[1:]
	}
	r.mu.Unlock()
	h := http.Header{"Content-Type": {"application/json"}}
	respBody := `{"id":"1","channel_id":"2"}`
	if strings.HasSuffix(req.URL.Path, "/commands") {
		respBody = `[]` // a bulk overwrite answers with the list of commands
	}
	if status == 429 {
		h.Set("Retry-After", "0.01")
		h.Set("X-RateLimit-Global", "false")
		respBody = `{"message":"You are being rate limited.","retry_after":0.01,"global":false}`
	} else if status >= 400 {
		respBody = `{"message":"error","code":0}`
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(respBody)), Request: req}, nil
}

func (r *recorder) Calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

func newHTTPAdapter(t *testing.T, s signer, rt http.RoundTripper, check bool) (*Adapter, *httptest.Server) {
	t.Helper()
	e := bottest.Engine(t)
	if check {
		e.Check = func(ctx context.Context, req bot.Request, target string) (bot.Reply, error) {
			return bot.Reply{Kind: bot.KindProbe, Title: "Check of " + target, Summary: "healthy", Severity: bot.SeveritySuccess}, nil
		}
	}
	a, err := New(Options{Mode: "http", PublicKey: hex.EncodeToString(s.pub), Engine: e, Health: &bot.Health{},
		BaseURL: "https://ftpbot.example.com", Transport: rt})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for p, h := range a.Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return a, srv
}

func post(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestHTTPInteractions(t *testing.T) {
	s := newSigner(t)
	_, srv := newHTTPAdapter(t, s, &recorder{}, false)
	url := srv.URL + "/discord/interactions"
	member := `"member":{"user":{"id":"U1","username":"ada"}}`
	tests := []struct {
		name     string
		body     string
		wantType float64
		check    func(t *testing.T, data map[string]any)
	}{
		{"ping", `{"type":1,"id":"1","token":"t"}`, 1, nil},
		{"command", `{"type":2,"id":"1","token":"t",` + member + `,"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`, 4,
			func(t *testing.T, d map[string]any) {
				if title := embed(d)["title"]; !strings.HasPrefix(title.(string), "530") {
					t.Errorf("title = %v", title)
				}
				if d["flags"] != float64(64) {
					t.Errorf("flags = %v, want ephemeral", d["flags"])
				}
			}},
		{"public command", `{"type":2,"id":"1","token":"t",` + member + `,"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"425"},{"name":"public","type":5,"value":true}]}}`, 4,
			func(t *testing.T, d map[string]any) {
				if d["flags"] != nil {
					t.Errorf("flags = %v, want a public message", d["flags"])
				}
			}},
		{"autocomplete", `{"type":4,"id":"1","token":"t",` + member + `,"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"53","focused":true}]}}`, 8,
			func(t *testing.T, d map[string]any) {
				ch := d["choices"].([]any)
				if len(ch) == 0 || len(ch) > 25 || ch[0].(map[string]any)["value"] != "530" {
					t.Errorf("choices = %v", ch)
				}
				for _, c := range ch {
					if name := c.(map[string]any)["name"].(string); utf8.RuneCountInString(name) > 100 || name == "" {
						t.Errorf("choice name %q: want 1 to 100 characters", name)
					}
				}
			}},
		{"button", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c","flags":64},"data":{"custom_id":"ftp:ask:331","component_type":2}}`, 7,
			func(t *testing.T, d map[string]any) {
				if title := embed(d)["title"]; !strings.HasPrefix(title.(string), "331") {
					t.Errorf("title = %v", title)
				}
				if !strings.Contains(fmt.Sprint(d["components"]), "ftp:share") {
					t.Error("a private answer updated in place lost its Share button")
				}
			}},
		{"button on a public message", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c"},"data":{"custom_id":"ftp:ask:331","component_type":2}}`, 4,
			func(t *testing.T, d map[string]any) {
				// A private answer to who pressed; the shared message is left as it is.
				if d["flags"] != float64(64) || !strings.HasPrefix(embed(d)["title"].(string), "331") {
					t.Errorf("answer = %v, want 331 privately (flags 64)", d)
				}
			}},
		{"menu", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c","flags":64},"data":{"custom_id":"ftp:rel","component_type":3,"values":["425"]}}`, 7,
			func(t *testing.T, d map[string]any) {
				if title := embed(d)["title"]; !strings.HasPrefix(title.(string), "425") {
					t.Errorf("title = %v", title)
				}
				if !strings.Contains(fmt.Sprint(d["components"]), "ftp:share") {
					t.Error("a private answer updated in place lost its Share button")
				}
			}},
		{"menu on a public message", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c"},"data":{"custom_id":"ftp:rel","component_type":3,"values":["425"]}}`, 4,
			func(t *testing.T, d map[string]any) {
				if d["flags"] != float64(64) || !strings.HasPrefix(embed(d)["title"].(string), "425") {
					t.Errorf("answer = %v, want 425 privately (flags 64)", d)
				}
			}},
		{"more", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c","flags":64},"data":{"custom_id":"ftp:more:000000000000:530","component_type":2}}`, 7,
			func(t *testing.T, d map[string]any) {
				desc := descriptions(d)
				// 530's fixes and server notes fill the message; its causes are cut, and it says so.
				if !strings.Contains(desc, "**How to fix it**") || !strings.Contains(desc, "**Server by server**") || !strings.Contains(desc, "Read the full guide") {
					t.Errorf("More view = %q, want fixes, server notes and a cut notice", desc)
				}
			}},
		{"more on a public message", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c"},"data":{"custom_id":"ftp:more:000000000000:530","component_type":2}}`, 4,
			func(t *testing.T, d map[string]any) {
				desc := descriptions(d)
				if d["flags"] != float64(64) || !strings.Contains(desc, "**How to fix it**") {
					t.Errorf("More on a shared message = %v, want the More view privately", d)
				}
			}},
		{"share", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c","embeds":[{"title":"530 Not logged in"}],"components":[{"type":1,"components":[{"type":2,"style":1,"label":"Share in channel","custom_id":"ftp:share"}]}]},"data":{"custom_id":"ftp:share","component_type":2}}`, 4,
			func(t *testing.T, d map[string]any) {
				if d["content"] != "Shared by ada" || d["flags"] != nil || embed(d)["title"] != "530 Not logged in" {
					t.Errorf("share = %v", d)
				}
			}},
		{"context menu", `{"type":2,"id":"1","token":"t",` + member + `,"data":{"id":"c","name":"Explain FTP error","type":3,"target_id":"M9","resolved":{"messages":{"M9":{"id":"M9","channel_id":"c","content":"curl: (67) Access denied: 530"}}}}}`, 4,
			func(t *testing.T, d map[string]any) {
				if title := embed(d)["title"]; !strings.HasPrefix(title.(string), "530") {
					t.Errorf("title = %v", title)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(t, s.request(t, url, []byte(tt.body), time.Now()))
			if status != 200 || out["type"] != tt.wantType {
				t.Fatalf("status %d, response %v; want type %v", status, out, tt.wantType)
			}
			if tt.check != nil {
				data, _ := out["data"].(map[string]any)
				am, _ := data["allowed_mentions"].(map[string]any)
				if tt.name != "autocomplete" && (am == nil || len(am["parse"].([]any)) != 0) {
					t.Errorf("allowed_mentions = %v, want empty parse", data["allowed_mentions"])
				}
				tt.check(t, data)
			}
		})
	}
}

// descriptions joins the descriptions of every embed of a message.
func descriptions(d map[string]any) string {
	es, _ := d["embeds"].([]any)
	var out []string
	for _, e := range es {
		desc, _ := e.(map[string]any)["description"].(string)
		out = append(out, desc)
	}
	return strings.Join(out, "\n\n")
}

func embed(d map[string]any) map[string]any {
	es, _ := d["embeds"].([]any)
	if len(es) == 0 {
		return map[string]any{"title": ""}
	}
	return es[0].(map[string]any)
}

func TestHTTPRejects(t *testing.T) {
	s := newSigner(t)
	other := newSigner(t)
	_, srv := newHTTPAdapter(t, s, &recorder{}, false)
	url := srv.URL + "/discord/interactions"
	ping := []byte(`{"type":1,"id":"1","token":"t"}`)
	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"wrong key", func() *http.Request { return other.request(t, url, ping, time.Now()) }, 401},
		{"tampered body", func() *http.Request {
			r := s.request(t, url, ping, time.Now())
			r.Body = io.NopCloser(strings.NewReader(`{"type":1,"id":"2","token":"t"}`))
			return r
		}, 401},
		{"missing headers", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(ping))
			return r
		}, 401},
		{"stale timestamp", func() *http.Request { return s.request(t, url, ping, time.Now().Add(-10*time.Minute)) }, 401},
		{"future timestamp", func() *http.Request { return s.request(t, url, ping, time.Now().Add(10*time.Minute)) }, 401},
		{"malformed JSON", func() *http.Request { return s.request(t, url, []byte(`{"type":`), time.Now()) }, 400},
		{"oversized body", func() *http.Request { return s.request(t, url, bytes.Repeat([]byte("x"), MaxBody+1), time.Now()) }, 400},
		{"wrong content type", func() *http.Request {
			r := s.request(t, url, ping, time.Now())
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, 400},
		{"GET", func() *http.Request { r, _ := http.NewRequest(http.MethodGet, url, nil); return r }, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(t, tt.req())
			if status != tt.want {
				t.Errorf("status %d, want %d (%v)", status, tt.want, out)
			}
			if out["type"] != nil {
				t.Errorf("answered anyway: %v", out)
			}
		})
	}
}

// A slow command (a live check) is deferred and finished by editing the original response; a
// 500 from Discord on the edit is retried.
func TestDeferredFollowUpRetries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int // what Discord answers the edits with, in order; then 200
		calls    int
		failed   bool // given up, logged and counted
	}{
		{"500 then ok", []int{500}, 2, false},
		{"429 then ok", []int{429}, 2, false},
		{"500 three times", []int{500, 500, 500}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSigner(t)
			rec := &recorder{status: tt.statuses}
			a, srv := newHTTPAdapter(t, s, rec, true)
			var failures []string
			a.o.OnDeliveryFailure = func(what string) { failures = append(failures, what) }
			body := `{"type":2,"id":"1","application_id":"111","token":"tok","member":{"user":{"id":"U1","username":"ada"}},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"check ftp.example.com"}]}}`
			status, out := post(t, s.request(t, srv.URL+"/discord/interactions", []byte(body), time.Now()))
			if status != 200 || out["type"] != float64(5) {
				t.Fatalf("status %d, %v; want a deferred response (type 5)", status, out)
			}
			a.workers.Wait()
			a.busyWorkers.Wait()
			calls := rec.Calls()
			if len(calls) != tt.calls {
				t.Fatalf("%d calls (%+v), want %d", len(calls), calls, tt.calls)
			}
			for _, c := range calls {
				if c.Method != http.MethodPatch || c.Path != "/api/v"+discordgo.APIVersion+"/webhooks/111/tok/messages/@original" {
					t.Errorf("call %s %s, want PATCH of the original response", c.Method, c.Path)
				}
			}
			if emb := calls[len(calls)-1].Body["embeds"].([]any)[0].(map[string]any); emb["title"] != "Check of ftp.example.com" {
				t.Errorf("edited embed = %v", emb)
			}
			if got := len(failures) == 1; got != tt.failed {
				t.Errorf("delivery failures = %v, want given up: %v", failures, tt.failed)
			}
			// Whatever happened to that follow-up, the next question is answered.
			next := `{"type":2,"id":"2","token":"t2","member":{"user":{"id":"U1","username":"ada"}},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`
			if status, out := post(t, s.request(t, srv.URL+"/discord/interactions", []byte(next), time.Now())); status != 200 || out["type"] != float64(4) {
				t.Errorf("the next question: status %d, %v", status, out)
			}
		})
	}
}

// The gateway path: real discordgo types in, REST calls out through the session's client.
func TestGatewayInteractionAndRegistration(t *testing.T) {
	rec := &recorder{status: []int{429}}
	a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "111", GuildID: "222", Engine: bottest.Engine(t), Health: &bot.Health{}, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal([]byte(`{"type":2,"id":"I1","application_id":"111","token":"tok","user":{"id":"U1","username":"ada"},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"passive"}]}}`), &i); err != nil {
		t.Fatal(err)
	}
	a.gatewayInteraction(&i)
	a.workers.Wait()
	a.busyWorkers.Wait()
	calls := rec.Calls()
	if len(calls) != 3 {
		t.Fatalf("calls = %+v, want registration (429 then retried) and one response", calls)
	}
	v := "/api/v" + discordgo.APIVersion
	if calls[0].Path != v+"/applications/111/guilds/222/commands" || calls[0].Method != http.MethodPut || calls[1].Path != calls[0].Path {
		t.Errorf("registration calls = %+v", calls[:2])
	}
	var registered []discordgo.ApplicationCommand
	if err := json.Unmarshal(calls[1].Raw, &registered); err != nil {
		t.Fatalf("registration body is not a list of commands: %v\n%s", err, calls[1].Raw)
	}
	names := map[string]discordgo.ApplicationCommandType{}
	for _, c := range registered {
		names[c.Name] = c.Type
	}
	// An omitted type is Discord's default, a slash command (CHAT_INPUT).
	if typ, ok := names["ftp"]; !ok || (typ != 0 && typ != discordgo.ChatApplicationCommand) || names[ContextMenuName] != discordgo.MessageApplicationCommand || len(registered) != 2 {
		t.Errorf("registered %v, want /ftp and the %q message command in one overwrite", names, ContextMenuName)
	}
	if calls[2].Path != v+"/interactions/I1/tok/callback" || calls[2].Body["type"] != float64(4) {
		t.Errorf("response call = %+v", calls[2])
	}
	data := calls[2].Body["data"].(map[string]any)
	if embed(data)["title"] != "Active vs passive mode" && !strings.Contains(embed(data)["title"].(string), "ctive") {
		t.Errorf("answer = %v", embed(data)["title"])
	}
}

func TestCommandsWithinLimits(t *testing.T) {
	for _, c := range Commands() {
		if c.Type == discordgo.MessageApplicationCommand {
			continue
		}
		if len(c.Name) < 1 || len(c.Name) > 32 || strings.ToLower(c.Name) != c.Name || len(c.Description) > 100 || c.Description == "" {
			t.Errorf("command %q / %q breaks Discord's naming limits", c.Name, c.Description)
		}
		for _, o := range c.Options {
			if len(o.Description) > 100 || len(o.Name) > 32 {
				t.Errorf("option %q too long", o.Name)
			}
		}
	}
}

// FuzzInteraction sends every input, correctly signed, through the HTTP interactions endpoint:
// whatever the body, the answer is 200 or 400 (never a crash or a 5xx), and any embed it carries
// is within Discord's limits.
func FuzzInteraction(f *testing.F) {
	for _, s := range []string{`{"type":1}`, `{"type":2,"data":{"name":"ftp","options":[{"name":"query","type":3,"value":"530"}]}}`,
		`{"type":3,"data":{"custom_id":"ftp:share"}}`, `{"type":4,"data":{"options":[{"focused":true,"type":3,"value":"x"}]}}`,
		`{"type":2,"data":{"type":3,"target_id":"1","resolved":{"messages":{}}}}`, `{"type":3,"message":{"flags":64},"data":{"custom_id":"ftp:ask:425"}}`,
		`not json`, `{"type":2,"data":{"options":[{"name":"query","type":3,"value":5}]}}`} {
		f.Add([]byte(s))
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	a, err := New(Options{Mode: "http", PublicKey: hex.EncodeToString(pub), Engine: bottest.Engine(f), Transport: &recorder{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		signtest.SignDiscord(req, priv, time.Now().Unix(), body)
		w := httptest.NewRecorder()
		a.serveHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		var resp discordgo.InteractionResponse
		if w.Code == http.StatusOK && json.Unmarshal(w.Body.Bytes(), &resp) == nil && resp.Data != nil && len(resp.Data.Embeds) > 0 {
			if p := limitProblems(resp.Data); len(p) > 0 {
				t.Errorf("limits: %v", p)
			}
		}
	})
}

// TestHTTPCommandCached: the same question is rendered once and served from the cache after,
// byte for byte the same; "public" is a different question with its own entry.
func TestHTTPCommandCached(t *testing.T) {
	s := newSigner(t)
	a, srv := newHTTPAdapter(t, s, &recorder{}, false)
	url := srv.URL + "/discord/interactions"
	body := func(public bool) []byte {
		return []byte(fmt.Sprintf(`{"type":2,"id":"1","token":"t","member":{"user":{"id":"U1","username":"ada"}},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"},{"name":"public","type":5,"value":%v}]}}`, public))
	}
	get := func(public bool) []byte {
		resp, err := http.DefaultClient.Do(s.request(t, url, body(public), time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	first, second, public := get(false), get(false), get(true)
	if !bytes.Equal(first, second) || !bytes.Contains(first, []byte("530 Not logged in")) {
		t.Errorf("cached answer differs or is wrong:\n%s\n%s", first, second)
	}
	if bytes.Equal(first, public) {
		t.Error("the public answer is the private one (flags must differ)")
	}
	if _, ok := a.rendered.Get("530"); !ok {
		t.Error("530 is not in the rendered cache")
	}
	if _, ok := a.rendered.Get("530 public"); !ok {
		t.Error(`"530 public" is not in the rendered cache`)
	}
}

// TestGatewayBusy: an interaction that finds every worker taken gets a private "try again"
// instead of Discord's "This interaction failed".
func TestGatewayBusy(t *testing.T) {
	rec := &recorder{}
	a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "111", MaxConcurrent: 1, Engine: bottest.Engine(t), Health: &bot.Health{}, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	a.workers.TryGo(time.Minute, func(context.Context) { <-release }) // the one worker is busy
	defer close(release)
	var i discordgo.Interaction
	if err := json.Unmarshal([]byte(`{"type":2,"id":"I2","application_id":"111","token":"tok","user":{"id":"U1","username":"ada"},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`), &i); err != nil {
		t.Fatal(err)
	}
	a.gatewayInteraction(&i)
	a.busyWorkers.Wait()
	calls := rec.Calls()
	if len(calls) != 1 || calls[0].Path != "/api/v"+discordgo.APIVersion+"/interactions/I2/tok/callback" {
		t.Fatalf("calls = %+v, want one interaction response", calls)
	}
	data, _ := calls[0].Body["data"].(map[string]any)
	if data["content"] != busyText || data["flags"] != float64(discordgo.MessageFlagsEphemeral) {
		t.Errorf("busy reply = %v", calls[0].Body)
	}
}

// TestGatewayComponents: over the gateway, the related menu (a component interaction, type 3,
// with the chosen value) and More answer with a REST interaction response: an update (type 7)
// of a private answer, a private new message (type 4, flag 64) beside a shared one.
func TestGatewayComponents(t *testing.T) {
	tests := []struct {
		name, data string
		flags      int
		wantType   float64
		wantTitle  string
	}{
		{"menu on a private answer", `{"custom_id":"ftp:rel","component_type":3,"values":["425"]}`, 64, 7, "425"},
		{"menu on a shared answer", `{"custom_id":"ftp:rel","component_type":3,"values":["425"]}`, 0, 4, "425"},
		{"More on a shared answer", `{"custom_id":"ftp:more:000000000000:530","component_type":2}`, 0, 4, "530"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "111", Engine: bottest.Engine(t), Health: &bot.Health{}, Transport: rec})
			if err != nil {
				t.Fatal(err)
			}
			var i discordgo.Interaction
			body := `{"type":3,"id":"I3","application_id":"111","token":"tok","member":{"user":{"id":"U1","username":"ada"}},"message":{"id":"m","channel_id":"c","flags":` + strconv.Itoa(tt.flags) + `},"data":` + tt.data + `}`
			if err := json.Unmarshal([]byte(body), &i); err != nil {
				t.Fatal(err)
			}
			a.gatewayInteraction(&i)
			a.workers.Wait()
			calls := rec.Calls()
			if len(calls) != 1 || calls[0].Path != "/api/v"+discordgo.APIVersion+"/interactions/I3/tok/callback" {
				t.Fatalf("calls = %+v, want one interaction response", calls)
			}
			if calls[0].Body["type"] != tt.wantType {
				t.Errorf("response type %v, want %v", calls[0].Body["type"], tt.wantType)
			}
			data, _ := calls[0].Body["data"].(map[string]any)
			if tt.wantType == 4 && data["flags"] != float64(discordgo.MessageFlagsEphemeral) {
				t.Errorf("flags = %v, want ephemeral beside a shared answer", data["flags"])
			}
			if title, _ := embed(data)["title"].(string); !strings.HasPrefix(title, tt.wantTitle) {
				t.Errorf("title = %q, want %s", title, tt.wantTitle)
			}
		})
	}
}

// TestRenderCutNotice: a More view says it was cut only when text was left out.
func TestRenderCutNotice(t *testing.T) {
	o := RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: true}
	if d := descriptionsOf(RenderMore(bottest.Maximal(), o)); !strings.Contains(d, "cut here") || !strings.Contains(d, "Read the full guide") {
		t.Error("the maximal More view does not say it was cut")
	}
	r := bottest.SmallEngine(t).Handle(context.Background(), bot.Request{Text: "530", Platform: "test"})
	for i := 0; i < 40; i++ {
		r.Related = append(r.Related, bot.Ref{ID: fmt.Sprintf("5%02d", i), Kind: "code", Label: "related"})
	}
	for name, d := range map[string]*discordgo.InteractionResponseData{"card": Render(r, o), "more": RenderMore(r, o)} {
		if strings.Contains(descriptionsOf(d), "cut here") {
			t.Errorf("the %s of a complete answer with 40 related items says it was cut", name)
		}
	}
}

func descriptionsOf(d *discordgo.InteractionResponseData) string {
	var out []string
	for _, e := range d.Embeds {
		out = append(out, e.Description)
	}
	return strings.Join(out, "\n\n")
}

// TestReadmeCard keeps the card shown in README.md the renderer's real output for the recorded
// "line" reply (550 Failed to open file. from vsftpd), drawn as text: rerun with -update.
func TestReadmeCard(t *testing.T) {
	var r bot.Reply
	for _, c := range bottest.Replies(t) {
		if c.Name == "line" {
			r = c.Reply
		}
	}
	d := Render(r, RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: true, MoreToken: "q:550"})
	e := d.Embeds[0]
	var b strings.Builder
	b.WriteString("<!-- card:begin (go test ./adapters/discord -run ReadmeCard -update) -->\n```text\n")
	b.WriteString("┃ " + e.Title + "        (links to the full guide)\n")
	for _, l := range strings.Split(e.Description, "\n") {
		b.WriteString(strings.TrimRight("┃ "+l, " ") + "\n")
	}
	if e.Footer != nil {
		b.WriteString("┃ " + e.Footer.Text + "        (footer)\n")
	}
	for _, row := range d.Components {
		var els []string
		for _, c := range row.(discordgo.ActionsRow).Components {
			switch x := c.(type) {
			case discordgo.Button:
				els = append(els, "["+x.Label+"]")
			case discordgo.SelectMenu:
				els = append(els, "["+x.Placeholder+" ▾]")
			}
		}
		b.WriteString(strings.Join(els, " ") + "\n")
	}
	b.WriteString("```\n<!-- card:end -->")
	golden.CheckBlock(t, "README.md", "<!-- card:begin", "<!-- card:end -->", b.String())
}
