package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/buildinfo"
	"github.com/ftpbot/ftpbot/knowledge"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestHealthz(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	r := get(t, srv, "/healthz")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /healthz: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var body map[string]string
	decodeJSON(t, r.body, &body)
	if diff := cmp.Diff(map[string]string{"status": "ok"}, body); diff != "" {
		t.Errorf("/healthz body (-want +got):\n%s", diff)
	}
}

func TestReadyz(t *testing.T) {
	kb := testKB(t)
	cases := []struct {
		name       string
		opts       Options
		states     map[string][2]string // adapter → state, reason
		wantStatus int
		wantReady  string
		wantKB     bool
	}{
		{"no adapters", Options{KB: kb}, nil, http.StatusOK, "ready", true},
		{"connected and off", Options{KB: kb}, map[string][2]string{"slack": {bot.StateConnected, ""}, "discord": {bot.StateOff, "no DISCORD_BOT_TOKEN"}}, http.StatusOK, "ready", true},
		{"listening", Options{KB: kb}, map[string][2]string{"discord": {bot.StateListening, ""}}, http.StatusOK, "ready", true},
		// A platform that cannot be reached does not take the server out of the load balancer:
		// it still answers on the web and the other platforms (issue 15).
		{"one disconnected", Options{KB: kb}, map[string][2]string{"slack": {bot.StateDisconnected, "socket closed"}, "discord": {bot.StateConnected, ""}}, http.StatusOK, "ready", true},
		{"still connecting", Options{KB: kb}, map[string][2]string{"slack": {bot.StateConnecting, ""}}, http.StatusOK, "ready", true},
		{"every platform down", Options{KB: kb}, map[string][2]string{"slack": {bot.StateDisconnected, "no route to host"}, "discord": {bot.StateConnecting, "retrying in 400ms"}}, http.StatusOK, "ready", true},
		{"build shown", Options{KB: kb, Build: buildinfo.Info{Version: "v9.9.9", Revision: "abc123", GoVersion: "go1.26.8"}}, nil, http.StatusOK, "ready", true},
		{"no knowledge", Options{}, nil, http.StatusServiceUnavailable, "not ready", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			health := &bot.Health{}
			for name, st := range c.states {
				health.Set(name, st[0], st[1])
			}
			c.opts.Health = health
			_, srv := serve(t, c.opts)
			r := get(t, srv, "/readyz")
			if r.status != c.wantStatus {
				t.Errorf("status %d, want %d; body %s", r.status, c.wantStatus, r.body)
			}
			var body struct {
				Status    string `json:"status"`
				Knowledge struct {
					Loaded bool `json:"loaded"`
					Codes  int  `json:"codes"`
				} `json:"knowledge"`
				Adapters map[string]struct {
					State  string `json:"state"`
					Reason string `json:"reason"`
				} `json:"adapters"`
				Version buildinfo.Info `json:"version"`
			}
			decodeJSON(t, r.body, &body)
			if body.Status != c.wantReady || body.Knowledge.Loaded != c.wantKB {
				t.Errorf("status %q loaded %v, want %q %v", body.Status, body.Knowledge.Loaded, c.wantReady, c.wantKB)
			}
			if c.wantKB && body.Knowledge.Codes != len(kb.Codes()) {
				t.Errorf("knowledge codes %d, want %d", body.Knowledge.Codes, len(kb.Codes()))
			}
			if diff := cmp.Diff(c.opts.Build, body.Version); diff != "" {
				t.Errorf("version object (-want +got):\n%s", diff)
			}
			if len(body.Adapters) != len(c.states) {
				t.Errorf("adapters %v, want %v", body.Adapters, c.states)
			}
			for name, st := range c.states {
				if got := body.Adapters[name]; got.State != st[0] || got.Reason != st[1] {
					t.Errorf("adapter %s: %+v, want state %q reason %q", name, got, st[0], st[1])
				}
			}
		})
	}
}

// TestPages fetches every kind of page over loopback and checks its status, type and the
// content that must be there (and must not).
func TestPages(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	cases := []struct {
		path     string
		status   int
		want     []string
		wantNot  []string
		location string // for redirects
	}{
		{path: "/", status: 200, want: []string{
			"<h1>FTP reply codes and errors, explained</h1>",
			`id="class-1xx"`, `id="class-2xx"`, `id="class-3xx"`, `id="class-4xx"`, `id="class-5xx"`, `id="class-6xx"`, `id="class-winsock"`,
			`href="/codes/530"`, `href="/codes/10054"`, `href="/classes/5xx"`, `href="/topics/active-vs-passive"`, `href="/topics/ftps-vs-sftp"`,
			`action="/search"`, `<label for="site-q">`, `action="/play"`, "No codes in this class yet.", "Microsoft IIS FTP",
		}},
		{path: "/codes/530", status: 200, want: []string{
			`<h1 id="title"><span class="num">530</span> Not logged in</h1>`,
			"The server refused the login.", "Some servers also send it for a file command before login.", // both lines of the meaning
			`<a href="/classes/5xx">5xx · Permanent negative completion reply</a>`,
			"Do not retry as is", // the class's retry advice
			"<dd>Login</dd>", "<code>USER</code>, <code>PASS</code>, <code>CWD</code>, <code>RETR</code>",
			"<li>Wrong user name or password.</li>", "<li>Anonymous login is off.</li>",
			"<ol><li>Type the password again; watch out for a trailing space.</li>",
			"<h3>vsftpd</h3>", "<samp>530 Login incorrect.</samp>", "/var/log/vsftpd.log tells them apart",
			"<h3>FileZilla Server</h3>", "<samp>530 Login or password incorrect!</samp>",
			"<h3>Microsoft IIS FTP</h3>", "sc-win32-status",
			"your team’s note", "VPN password expired", "— #it-help",
			`href="/codes/331"`, `href="/codes/430"`, `href="/codes/550"`,
			"RFC 959 §4.2.2", `href="/play?q=530"`, `rel="prev" href="/codes/430"`, `rel="next" href="/codes/550"`,
		}},
		{path: "/codes/430", status: 200, want: []string{"(not a standard code)", "Not in an RFC"}},
		{path: "/codes/425", status: 200, want: []string{"What clients say", "Failed to retrieve directory listing", "Site Manager"}},
		{path: "/codes/10054", status: 200, want: []string{"Connection reset by peer", `href="/classes/winsock"`}},
		{path: "/classes/5xx", status: 200, want: []string{"5xx", "Permanent negative completion reply", "Should you retry?",
			`href="/codes/530"`, `href="/codes/550"`, `href="/codes/553"`, "The server refused the login."}},
		{path: "/classes/6xx", status: 200, want: []string{"ftpbot has no codes in this class yet."}},
		{path: "/topics/active-vs-passive", status: 200, want: []string{
			"<h1 id=\"title\">Active vs passive mode</h1>", "<h2>How it works</h2>", "<h2>Switching to passive</h2>",
			"<ol>\n<li>FileZilla: Edit → Settings → Connection → FTP → Passive.</li>", // an ordered section
			"Our office firewall blocks active mode", `href="/codes/227"`, `href="/topics/ftps-vs-sftp"`,
			"Failed to retrieve directory listing", `href="/codes/425"`, `href="/play?q=passive"`,
		}},
		{path: "/codes/559", status: 404, want: []string{"<h1>No reply code 559</h1>", "No reply code 559. Closest: 553, 550, 530.",
			`href="/codes/553"`, `href="/codes/550"`, `href="/codes/530"`}},
		{path: "/codes/999", status: 404, want: []string{"No reply code 999."}},
		{path: "/codes/abc", status: 404, want: []string{"No reply code abc", "Reply codes are three digits"}},
		{path: "/codes/%3Cscript%3E", status: 404, want: []string{"No reply code &lt;script&gt;"}, wantNot: []string{"<script>"}},
		{path: "/topics/pasive", status: 404, want: []string{"No topic “pasive”", `href="/topics/active-vs-passive"`}},
		{path: "/classes/7xx", status: 404, want: []string{"No reply class 7xx", `href="/classes/5xx"`}},
		{path: "/no/such/page", status: 404, want: []string{"Page not found", "There is no page at /no/such/page."}},
		{path: "/codes/0530", status: 301, location: "/codes/530"},
		{path: "/codes/5xx", status: 301, location: "/classes/5xx"},
		{path: "/classes/5XX", status: 301, location: "/classes/5xx"},
		{path: "/codes/", status: 301, location: "/#codes"},
		{path: "/search?q=login+incorrect", status: 200, want: []string{"Best answer", `<a href="/codes/530">530 Not logged in</a>`, "result"}},
		{path: "/search?q=530+Login+incorrect.", status: 200, want: []string{`<a href="/codes/530">530 Not logged in</a>`}},
		{path: "/search?q=passive", status: 200, want: []string{`href="/topics/active-vs-passive"`}},
		{path: "/search?q=53", status: 200, want: []string{`href="/codes/530"`}},
		{path: "/search?q=qqqzzz", status: 200, want: []string{"I don&#39;t know that one."}},
		{path: "/search", status: 200, want: []string{"Type a reply code"}},
		{path: "/search?q=%zz", status: 400, want: []string{"malformed"}},
		{path: "/play", status: 200, want: []string{"<h1>Playground</h1>", `<label for="play-q">`, `href="/play?q=530"`}, wantNot: []string{"reply-title"}},
		{path: "/play?q=530", status: 200, want: []string{
			`<h2 id="reply-title">530 Not logged in</h2>`, ">530</textarea>", "How to fix it",
			"In Slack", `class="card slack"`, "s-header", "Only visible to you", "The Slack payload as JSON",
			"In Discord", `class="card discord"`, `class="embed sev-error"`, "The Discord payload as JSON", "Only you can see this",
			"The reply as JSON", "&#34;kind&#34;: &#34;code&#34;",
		}},
		{path: "/play?q=check+ftp.example.com", status: 200, want: []string{"Live checks are not available on the web"}},
		{path: "/play?q=530&partial=1", status: 200, want: []string{`<div id="play-result"`, `530 Not logged in`}, wantNot: []string{"<html"}},
		{path: "/play?q=%zz", status: 400},
		{path: "/static/style.css", status: 200, want: []string{"prefers-color-scheme: dark"}},
		{path: "/static/app.js", status: 200, want: []string{"/api/complete"}},
		{path: "/static/nope.css", status: 404},
		{path: "/favicon.ico", status: 200, want: []string{"<svg"}},
		{path: "/metrics", status: 404}, // no Metrics handler given
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := get(t, srv, c.path)
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s", r.status, c.status, r.body)
			}
			if c.location != "" && r.header.Get("Location") != c.location {
				t.Errorf("Location %q, want %q", r.header.Get("Location"), c.location)
			}
			if c.status != 301 && !strings.HasPrefix(c.path, "/static") && c.path != "/favicon.ico" {
				if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(r.body, w) {
					t.Errorf("body has %q", w)
				}
			}
		})
	}
}

// TestEveryCodeHasAPage walks the index's links: every code, class and topic of the base is
// linked from the index and its page answers 200.
func TestEveryCodeHasAPage(t *testing.T) {
	o := testOptions(t)
	_, srv := serve(t, o)
	index := get(t, srv, "/").body
	var paths []string
	for _, c := range o.Engine.KB.Codes() {
		paths = append(paths, "/codes/"+c.String())
	}
	for _, cl := range o.Engine.KB.Classes() {
		paths = append(paths, "/classes/"+cl.ID)
	}
	for _, tp := range o.Engine.KB.Topics() {
		paths = append(paths, "/topics/"+tp.Slug)
	}
	for _, p := range paths {
		if !strings.Contains(index, `href="`+p+`"`) {
			t.Errorf("the index does not link %s", p)
		}
		if r := get(t, srv, p); r.status != http.StatusOK {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
}

// TestHEAD checks that HEAD works on every GET page: the same status and headers, no body.
func TestHEAD(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	for _, p := range []string{"/", "/codes/530", "/classes/5xx", "/topics/active-vs-passive", "/codes/559", "/search?q=530",
		"/play?q=530", "/play", "/healthz", "/readyz", "/api/ask?q=530", "/api/complete?q=53", "/static/style.css", "/nope"} {
		t.Run(p, func(t *testing.T) {
			g := get(t, srv, p)
			h := do(t, srv, http.MethodHead, p, "", nil)
			if h.status != g.status {
				t.Errorf("HEAD %d, GET %d", h.status, g.status)
			}
			if h.body != "" {
				t.Errorf("HEAD has a body of %d bytes", len(h.body))
			}
			if h.header.Get("Content-Type") != g.header.Get("Content-Type") {
				t.Errorf("HEAD Content-Type %q, GET %q", h.header.Get("Content-Type"), g.header.Get("Content-Type"))
			}
			if cl := h.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(g.body)) {
				t.Errorf("HEAD Content-Length %s, GET body %d bytes", cl, len(g.body))
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h, srv := serve(t, testOptions(t))
	// A route with no method must not conflict with the pages' routes (ServeMux panics if it does).
	h.Handle("/discord/interactions", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("discord")) }))
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"DELETE", "/", 405}, {"DELETE", "/codes/530", 405}, {"PUT", "/healthz", 405}, {"POST", "/api/complete", 405},
		{"POST", "/codes/530", 405}, {"POST", "/no/such/page", 404}, {"PUT", "/api/ask", 405},
		{"POST", "/discord/interactions", 200}, {"GET", "/discord/interactions", 200},
	} {
		if c.method == "PUT" && c.path == "/api/ask" {
			if r := do(t, srv, c.method, c.path, "", nil); r.header.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("PUT /api/ask: Allow %q", r.header.Get("Allow"))
			}
		}
		r := do(t, srv, c.method, c.path, "", nil)
		if r.status != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.status, c.status)
		}
		if c.status == 405 && !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("%s %s: Allow %q", c.method, c.path, r.header.Get("Allow"))
		}
	}
}

// cliJSON is what `ftpbot ask --json` prints for q: the engine's matches for the question.
func cliJSON(t *testing.T, e *bot.Engine, q string) bot.AskJSON {
	t.Helper()
	r := e.Handle(context.Background(), bot.Request{Text: q, Platform: "cli", User: "terminal"})
	return bot.NewAskJSON(q, r)
}

func TestAPIAsk(t *testing.T) {
	o := testOptions(t)
	_, srv := serve(t, o)
	long := strings.Repeat("x", bot.MaxQueryBytes+1)
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		query       string // the question the answer must be for (200 only)
		wantFirst   string // the first match's id ("" for none)
		wantErr     string // a substring of the JSON error
	}{
		{name: "get code", method: "GET", path: "/api/ask?q=530", status: 200, query: "530", wantFirst: "530"},
		{name: "get line", method: "GET", path: "/api/ask?q=" + url.QueryEscape("530 Login incorrect."), status: 200, query: "530 Login incorrect.", wantFirst: "530"},
		{name: "get words", method: "GET", path: "/api/ask?q=login+incorrect", status: 200, query: "login incorrect", wantFirst: "530"},
		{name: "get topic", method: "GET", path: "/api/ask?q=passive", status: 200, query: "passive", wantFirst: "active-vs-passive"},
		{name: "get class", method: "GET", path: "/api/ask?q=5xx", status: 200, query: "5xx", wantFirst: "5xx"},
		{name: "no match", method: "GET", path: "/api/ask?q=qqqzzz", status: 200, query: "qqqzzz"},
		{name: "unknown code", method: "GET", path: "/api/ask?q=559", status: 200, query: "559"},
		{name: "post json", method: "POST", path: "/api/ask", contentType: "application/json", body: `{"q": "550 Failed to open file."}`, status: 200, query: "550 Failed to open file.", wantFirst: "550"},
		{name: "post json charset", method: "POST", path: "/api/ask", contentType: "application/json; charset=utf-8", body: `{"q": "425"}`, status: 200, query: "425", wantFirst: "425"},
		{name: "post text", method: "POST", path: "/api/ask", contentType: "text/plain", body: "Response: 220 (vsFTPd 3.0.3)\nCommand: USER bob\nResponse: 331 Please specify the password.\nCommand: PASS x\nResponse: 530 Login incorrect.", status: 200,
			query: "Response: 220 (vsFTPd 3.0.3)\nCommand: USER bob\nResponse: 331 Please specify the password.\nCommand: PASS x\nResponse: 530 Login incorrect.", wantFirst: "530"},
		{name: "post form", method: "POST", path: "/api/ask", contentType: "application/x-www-form-urlencoded", body: "q=227", status: 200, query: "227", wantFirst: "227"},
		{name: "missing q", method: "GET", path: "/api/ask", status: 400, wantErr: "missing q"},
		{name: "blank q", method: "GET", path: "/api/ask?q=+++", status: 400, wantErr: "missing q"},
		{name: "empty json", method: "POST", path: "/api/ask", contentType: "application/json", body: `{}`, status: 400, wantErr: "missing q"},
		{name: "bad json", method: "POST", path: "/api/ask", contentType: "application/json", body: `{"q": 530`, status: 400, wantErr: "not JSON"},
		{name: "json wrong type", method: "POST", path: "/api/ask", contentType: "application/json", body: `{"q": 530}`, status: 400, wantErr: "not JSON"},
		{name: "bad query string", method: "GET", path: "/api/ask?q=%zz", status: 400, wantErr: "malformed"},
		{name: "bad query string semicolon", method: "GET", path: "/api/ask?q=530;x=1", status: 400, wantErr: "malformed"},
		{name: "oversized q", method: "POST", path: "/api/ask", contentType: "text/plain", body: long, status: 400, wantErr: "most one question may carry"},
		{name: "oversized json q", method: "POST", path: "/api/ask", contentType: "application/json", body: `{"q":"` + long + `"}`, status: 400, wantErr: "most one question may carry"},
		{name: "body over the limit", method: "POST", path: "/api/ask", contentType: "text/plain", body: strings.Repeat("y", maxBody+1), status: 413, wantErr: "over"},
		{name: "check refused", method: "GET", path: "/api/ask?q=check+ftp.example.com", status: 400, wantErr: "not available on the web"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, c.method, c.path, c.contentType, strings.NewReader(c.body))
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, trim(r.body))
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if c.status != 200 {
				var e errorJSON
				decodeJSON(t, r.body, &e)
				if !strings.Contains(e.Error, c.wantErr) {
					t.Errorf("error %q, want it to mention %q", e.Error, c.wantErr)
				}
				return
			}
			var got bot.AskJSON
			decodeJSON(t, r.body, &got)
			if diff := cmp.Diff(cliJSON(t, o.Engine, c.query), got, cmpopts.IgnoreFields(knowledge.Match{}, "Score")); diff != "" {
				t.Errorf("differs from ftpbot ask --json (-cli +web):\n%s", diff)
			}
			first := ""
			if len(got.Matches) > 0 {
				first = got.Matches[0].ID
			}
			if first != c.wantFirst {
				t.Errorf("first match %q, want %q", first, c.wantFirst)
			}
			// The raw keys are the contract, not just what decodes.
			var raw map[string]json.RawMessage
			decodeJSON(t, r.body, &raw)
			// evidence is the one optional key: present when the input had decisive lines
			_, hasEvidence := raw["evidence"]
			if _, ok := raw["matches"]; !ok || len(raw) != 2+btoi(hasEvidence) {
				t.Errorf("keys of %s, want exactly query and matches (and evidence when there is any)", r.body)
			}
		})
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestAPIAskRateLimit checks that web questions go through the engine's limiter: past the limit
// the API answers 429 with the bot's slow-down message, and so do the pages that ask.
func TestAPIAskRateLimit(t *testing.T) {
	o := testOptions(t)
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	l := bot.NewRateLimiter(2)
	l.Now = func() time.Time { return now }
	o.Engine.Limiter = l
	var outcomes []bot.Outcome
	o.Engine.Observe = func(oc bot.Outcome) { outcomes = append(outcomes, oc) }
	_, srv := serve(t, o)
	for i := 0; i < 2; i++ {
		if r := get(t, srv, "/api/ask?q=530"); r.status != 200 {
			t.Fatalf("question %d: %d", i+1, r.status)
		}
	}
	r := get(t, srv, "/api/ask?q=530")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("third question: %d, want 429", r.status)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	var e errorJSON
	decodeJSON(t, r.body, &e)
	if want := bot.SlowDown("530", 2).Summary; e.Error != want {
		t.Errorf("error %q, want the bot's slow-down message %q", e.Error, want)
	}
	for _, p := range []string{"/play?q=530", "/search?q=530", "/play?q=check+example.com"} {
		if r := get(t, srv, p); r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Slow down") {
			t.Errorf("GET %s over the limit: %d", p, r.status)
		}
	}
	// The reference pages do not count against the limit.
	if r := get(t, srv, "/codes/530"); r.status != 200 {
		t.Errorf("GET /codes/530 over the limit: %d", r.status)
	}
	if len(outcomes) < 3 || outcomes[0].Platform != "web" || outcomes[2].Result != "rate_limited" {
		t.Errorf("outcomes %+v: want web questions observed, the third rate limited", outcomes)
	}
}

func TestCheckAllowed(t *testing.T) {
	o := testOptions(t)
	o.AllowCheck = true
	var target string
	o.Engine.Check = func(_ context.Context, req bot.Request, tg string) (bot.Reply, error) {
		target = tg
		return bot.Reply{Kind: bot.KindProbe, Title: "Checked " + tg, Severity: bot.SeveritySuccess}, nil
	}
	_, srv := serve(t, o)
	r := get(t, srv, "/play?q=check+127.0.0.2")
	if r.status != 200 || !strings.Contains(r.body, "Checked 127.0.0.2") || target != "127.0.0.2" {
		t.Errorf("check with AllowCheck: %d, target %q", r.status, target)
	}
}

func TestAPIComplete(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	cases := []struct {
		path    string
		status  int
		wantIDs []string // a prefix of the result's ids
	}{
		{"/api/complete?q=53", 200, []string{"530"}},
		{"/api/complete?q=5", 200, []string{"530", "550", "553"}},
		{"/api/complete?q=login+incorrect", 200, []string{"530"}},
		{"/api/complete?q=passiv", 200, []string{"active-vs-passive"}},
		{"/api/complete", 200, []string{"active-vs-passive", "ftps-vs-sftp"}},
		{"/api/complete?q=5&limit=1", 200, []string{"530"}},
		{"/api/complete?q=5&limit=0", 400, nil},
		{"/api/complete?q=5&limit=x", 400, nil},
		{"/api/complete?q=" + strings.Repeat("a", maxCompleteBytes+1), 400, nil},
		{"/api/complete?q=%zz", 400, nil},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := get(t, srv, c.path)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, trim(r.body))
			}
			if c.status != 200 {
				var e errorJSON
				if decodeJSON(t, r.body, &e); e.Error == "" {
					t.Error("no error message")
				}
				return
			}
			var got completeJSON
			decodeJSON(t, r.body, &got)
			if len(got.Matches) < len(c.wantIDs) {
				t.Fatalf("matches %+v, want at least %v", got.Matches, c.wantIDs)
			}
			for i, id := range c.wantIDs {
				if got.Matches[i].ID != id {
					t.Errorf("match %d is %q, want %q (all: %+v)", i, got.Matches[i].ID, id, got.Matches)
				}
			}
			for _, m := range got.Matches {
				if m.URL != bot.GuidePath(m.Kind, m.ID) {
					t.Errorf("match %s url %q", m.ID, m.URL)
				}
			}
		})
	}
}

// TestSecurityHeaders checks every kind of response carries the headers, and that the policy
// allows nothing from elsewhere and no inline code.
func TestSecurityHeaders(t *testing.T) {
	h, srv := serve(t, testOptions(t))
	h.Handle("POST /slack/events", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	for _, p := range []string{"/", "/codes/530", "/codes/559", "/play?q=530", "/api/ask?q=530", "/healthz", "/static/style.css", "/nope"} {
		r := get(t, srv, p)
		checkSecurityHeaders(t, p, r.header)
	}
	r := do(t, srv, http.MethodPost, "/slack/events", "application/json", strings.NewReader("{}"))
	if r.status != 200 || r.body != "ok" {
		t.Errorf("a route added with Handle: %d %q", r.status, r.body)
	}
	checkSecurityHeaders(t, "/slack/events", r.header)
}

func checkSecurityHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, want)
		}
	}
	for _, bad := range []string{"http:", "https:", "*", "unsafe-inline", "unsafe-eval", "data:"} {
		if strings.Contains(csp, bad) {
			t.Errorf("%s: CSP %q allows %q", path, csp, bad)
		}
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", path, h.Get("X-Content-Type-Options"))
	}
	if h.Get("Referrer-Policy") == "" {
		t.Errorf("%s: no Referrer-Policy", path)
	}
}

// TestCaching checks the reference pages carry validators and honour them, dynamic pages are not
// stored, and static files are cached for long only under their content hash.
func TestCaching(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	for _, p := range []string{"/", "/codes/530", "/classes/5xx", "/topics/active-vs-passive"} {
		r := get(t, srv, p)
		etag := r.header.Get("ETag")
		if etag == "" || !strings.Contains(r.header.Get("Cache-Control"), "max-age") {
			t.Errorf("%s: ETag %q Cache-Control %q", p, etag, r.header.Get("Cache-Control"))
			continue
		}
		if again := get(t, srv, p); again.header.Get("ETag") != etag || again.body != r.body {
			t.Errorf("%s: the page changed between requests", p)
		}
		nm := do(t, srv, http.MethodGet, p, "", nil, "If-None-Match", etag)
		if nm.status != http.StatusNotModified || nm.body != "" {
			t.Errorf("%s with If-None-Match: %d, want 304", p, nm.status)
		}
	}
	for _, p := range []string{"/play?q=530", "/search?q=530", "/api/ask?q=530", "/codes/559", "/readyz"} {
		if cc := get(t, srv, p).header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", p, cc)
		}
	}
	css := assetURL("style.css")
	if cc := get(t, srv, css).header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("%s: Cache-Control %q", css, cc)
	}
	if cc := get(t, srv, "/static/style.css?v=old").header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("a stale hash is cached for good: %q", cc)
	}
}

// TestHostileInput sends markup and script through every place user text comes back: it must
// arrive escaped, as text.
func TestHostileInput(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	evil := `"><script>alert(1)</script><img src=x onerror=alert(2)> *bold* <!channel> [x](javascript:alert(3)) 550 Failed to open file.`
	q := url.QueryEscape(evil)
	for _, p := range []string{"/search?q=" + q, "/play?q=" + q, "/play?partial=1&q=" + q, "/codes/" + url.PathEscape(evil), "/topics/" + url.PathEscape(evil), "/x/" + url.PathEscape(evil)} {
		r := get(t, srv, p)
		// Escaped, the text may still read "onerror=alert": what must never appear is a tag.
		for _, bad := range []string{"<script>alert", "<img", `href="javascript:`, "<!channel>"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s: body contains %q", p[:min(len(p), 40)], bad)
			}
		}
	}
	r := do(t, srv, http.MethodPost, "/api/ask", "application/json", strings.NewReader(`{"q": "</script><script>alert(1)</script>"}`))
	if r.header.Get("Content-Type") != "application/json; charset=utf-8" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("JSON with user text without its type pinned: %v", r.header)
	}
}

func TestBaseURL(t *testing.T) {
	o := testOptions(t)
	o.BaseURL = "https://ftp.example.com/"
	_, srv := serve(t, o)
	r := get(t, srv, "/codes/530")
	for _, want := range []string{`<link rel="canonical" href="https://ftp.example.com/codes/530">`, `href="https://ftp.example.com/codes/331"`,
		`href="https://ftp.example.com/classes/5xx"`, `action="https://ftp.example.com/search"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	var c completeJSON
	decodeJSON(t, get(t, srv, "/api/complete?q=530").body, &c)
	if len(c.Matches) == 0 || c.Matches[0].URL != "https://ftp.example.com/codes/530" {
		t.Errorf("complete URLs not absolute: %+v", c.Matches)
	}
}

func TestMetrics(t *testing.T) {
	o := testOptions(t)
	o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ftpbot_questions_total 3\n")) })
	_, srv := serve(t, o)
	if r := get(t, srv, "/metrics"); r.status != 200 || !strings.Contains(r.body, "ftpbot_questions_total") {
		t.Errorf("/metrics: %d %q", r.status, r.body)
	}
}

// TestPreviewFailure checks that a failing or panicking platform renderer shows its error in the
// playground instead of breaking the page.
func TestPreviewFailure(t *testing.T) {
	o := testOptions(t)
	o.Previews = []Preview{
		{Name: "Broken", Render: func(bot.Reply) (any, error) { return nil, errFake }},
		{Name: "Panicky", Render: func(bot.Reply) (any, error) { panic("boom") }},
		{Name: "Other", Render: func(bot.Reply) (any, error) { return map[string]int{"x": 1}, nil }},
	}
	_, srv := serve(t, o)
	r := get(t, srv, "/play?q=530")
	for _, want := range []string{"Could not render for Broken: fake failure", "Could not render for Panicky: the Panicky renderer panicked: boom",
		"In Other", "The Other payload as JSON", "530 Not logged in"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
}

type fakeErr string

func (e fakeErr) Error() string { return string(e) }

const errFake = fakeErr("fake failure")

func TestNoKnowledge(t *testing.T) {
	_, srv := serve(t, Options{})
	if r := get(t, srv, "/codes/530"); r.status != http.StatusServiceUnavailable {
		t.Errorf("page without knowledge: %d", r.status)
	}
	if r := get(t, srv, "/healthz"); r.status != http.StatusOK {
		t.Errorf("/healthz without knowledge: %d", r.status)
	}
}

// TestPlayPOST checks a long paste can be asked by POST, as a form and as the page's script
// sends it.
func TestPlayPOST(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	log := "Status: Connecting\nResponse: 220 (vsFTPd 3.0.3)\nCommand: USER bob\nResponse: 331 Please specify the password.\nCommand: PASS x\nResponse: 530 Login incorrect.\n" + strings.Repeat("Status: waiting\n", 200)
	r := do(t, srv, http.MethodPost, "/play", "application/x-www-form-urlencoded", strings.NewReader("q="+url.QueryEscape(log)))
	if r.status != 200 || !strings.Contains(r.body, "Timeline") || !strings.Contains(r.body, "530 Not logged in") {
		t.Errorf("POST /play: %d, body %s", r.status, trim(r.body))
	}
	r = do(t, srv, http.MethodPost, "/play?partial=1", "application/x-www-form-urlencoded", strings.NewReader("q="+url.QueryEscape(log)))
	if r.status != 200 || strings.Contains(r.body, "<html") || !strings.Contains(r.body, "play-result") {
		t.Errorf("POST /play?partial=1: %d", r.status)
	}
}

// TestGzip checks the reference pages and static files are compressed for clients that ask, with
// their own validator, and plain for the others.
func TestGzip(t *testing.T) {
	_, srv := serve(t, testOptions(t))
	for _, p := range []string{"/", "/codes/530", assetURL("style.css")} {
		plain := do(t, srv, http.MethodGet, p, "", nil, "Accept-Encoding", "identity")
		gz := do(t, srv, http.MethodGet, p, "", nil, "Accept-Encoding", "br, gzip;q=0.8")
		if plain.header.Get("Content-Encoding") != "" || gz.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding plain %q, gzip %q", p, plain.header.Get("Content-Encoding"), gz.header.Get("Content-Encoding"))
		}
		if len(gz.body) >= len(plain.body) {
			t.Errorf("%s: gzip %d bytes, plain %d", p, len(gz.body), len(plain.body))
		}
		if plain.header.Get("ETag") == gz.header.Get("ETag") || !strings.Contains(gz.header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: ETags %q %q, Vary %q", p, plain.header.Get("ETag"), gz.header.Get("ETag"), gz.header.Get("Vary"))
		}
		zr, err := gzip.NewReader(strings.NewReader(gz.body))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(zr); err != nil || string(b) != plain.body {
			t.Errorf("%s: the gzipped body does not decompress to the page: %v", p, err)
		}
		if r := do(t, srv, http.MethodGet, p, "", nil, "Accept-Encoding", "gzip;q=0"); r.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip sent to a client that refused it", p)
		}
	}
	if r := get(t, srv, "/codes/530/"); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/codes/530" {
		t.Errorf("/codes/530/: %d %q", r.status, r.header.Get("Location"))
	}
}

func BenchmarkCodePage(b *testing.B) {
	h := New(testOptions(b))
	req := httptest.NewRequest(http.MethodGet, "/codes/530", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkPlay(b *testing.B) {
	h := New(testOptions(b))
	req := httptest.NewRequest(http.MethodGet, "/play?q=530+Login+incorrect.", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// TestHEADIsNotAQuestion: monitors and link checkers HEAD /api/ask; that is not counted as a
// question and does not use up anyone's rate limit.
func TestHEADIsNotAQuestion(t *testing.T) {
	o := testOptions(t)
	o.Engine.Limiter = bot.NewRateLimiter(1)
	var outcomes []bot.Outcome
	o.Engine.Observe = func(oc bot.Outcome) { outcomes = append(outcomes, oc) }
	_, srv := serve(t, o)
	for i := 0; i < 3; i++ {
		if h := do(t, srv, http.MethodHead, "/api/ask?q=530", "", nil); h.status != http.StatusOK {
			t.Fatalf("HEAD %d: status %d", i+1, h.status)
		}
	}
	if len(outcomes) != 0 {
		t.Errorf("HEADs counted as %d questions", len(outcomes))
	}
	if r := get(t, srv, "/api/ask?q=530"); r.status != http.StatusOK || len(outcomes) != 1 {
		t.Errorf("the first real question after the HEADs: %d, %d counted", r.status, len(outcomes))
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
