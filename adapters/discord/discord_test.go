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

func TestRenderGolden(t *testing.T) {
	for _, c := range bottest.Replies(t) {
		t.Run(c.Name, func(t *testing.T) {
			data := Render(c.Reply, RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: true})
			got, err := json.MarshalIndent(data, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", c.Name+".json"), got)
		})
	}
}

// TestRenderWithinLimits checks every canonical reply against every Discord limit, both
// ephemeral and public.
func TestRenderWithinLimits(t *testing.T) {
	for _, c := range bottest.Replies(t) {
		for _, eph := range []bool{true, false} {
			data := Render(c.Reply, RenderOptions{BaseURL: "https://ftpbot.example.com", Ephemeral: eph})
			for _, p := range limitProblems(data) {
				t.Errorf("%s (ephemeral %v): %s", c.Name, eph, p)
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

func limitProblems(d *discordgo.InteractionResponseData) []string {
	var p []string
	n := utf8.RuneCountInString
	total := 0
	if len(d.Embeds) > 10 {
		p = append(p, "more than 10 embeds")
	}
	for _, e := range d.Embeds {
		if n(e.Title) > maxTitle {
			p = append(p, "title over 256")
		}
		if n(e.Description) > maxDescription {
			p = append(p, "description over 4096")
		}
		if len(e.Fields) > maxFields {
			p = append(p, "over 25 fields")
		}
		total += n(e.Title) + n(e.Description)
		for _, f := range e.Fields {
			if n(f.Name) > maxFieldName || n(f.Value) > maxFieldValue || f.Name == "" || f.Value == "" {
				p = append(p, "field name/value out of bounds: "+f.Name)
			}
			total += n(f.Name) + n(f.Value)
		}
		if e.Footer != nil {
			if n(e.Footer.Text) > maxFooter {
				p = append(p, "footer over 2048")
			}
			total += n(e.Footer.Text)
		}
		if len(e.URL) > maxURL {
			p = append(p, "url over 512")
		}
	}
	if total > maxEmbedTotal {
		p = append(p, "embeds total "+strconv.Itoa(total)+" over 6000")
	}
	if len(d.Components) > maxRows {
		p = append(p, "more than 5 rows")
	}
	for _, row := range d.Components {
		ar := row.(discordgo.ActionsRow)
		if len(ar.Components) > maxButtonsRow || len(ar.Components) == 0 {
			p = append(p, "a row with "+strconv.Itoa(len(ar.Components))+" buttons")
		}
		for _, c := range ar.Components {
			b := c.(discordgo.Button)
			if n(b.Label) > maxLabel || b.Label == "" {
				p = append(p, "button label out of bounds")
			}
			if b.URL == "" && (len(b.CustomID) == 0 || len(b.CustomID) > maxCustomID) {
				p = append(p, "custom id out of bounds")
			}
			if len(b.URL) > maxURL {
				p = append(p, "link over 512")
			}
		}
	}
	if n(d.Content) > maxContent {
		p = append(p, "content over 2000")
	}
	return p
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
		{"button on a public message", `{"type":3,"id":"1","token":"t",` + member + `,"message":{"id":"m","channel_id":"c"},"data":{"custom_id":"ftp:ask:331","component_type":2}}`, 7,
			func(t *testing.T, d map[string]any) {
				if strings.Contains(fmt.Sprint(d["components"]), "ftp:share") {
					t.Error("a public answer updated in place got a Share button")
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
			a.wg.Wait()
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
	a.wg.Wait()
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
	a.sem <- struct{}{} // the one worker is busy
	var i discordgo.Interaction
	if err := json.Unmarshal([]byte(`{"type":2,"id":"I2","application_id":"111","token":"tok","user":{"id":"U1","username":"ada"},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`), &i); err != nil {
		t.Fatal(err)
	}
	a.gatewayInteraction(&i)
	a.wg.Wait()
	calls := rec.Calls()
	if len(calls) != 1 || calls[0].Path != "/api/v"+discordgo.APIVersion+"/interactions/I2/tok/callback" {
		t.Fatalf("calls = %+v, want one interaction response", calls)
	}
	data, _ := calls[0].Body["data"].(map[string]any)
	if data["content"] != busyText || data["flags"] != float64(discordgo.MessageFlagsEphemeral) {
		t.Errorf("busy reply = %v", calls[0].Body)
	}
}
