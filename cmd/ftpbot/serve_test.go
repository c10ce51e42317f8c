package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/metrics"
	"github.com/ftpbot/ftpbot/internal/signtest"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// startServe runs the server as `ftpbot serve` does, on a free loopback port, with the given
// environment, and returns its base URL. The server is stopped (gracefully) at the end of the test.
func startServe(t testing.TB, env map[string]string, configTOML string) (string, *server, context.CancelFunc) {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(configTOML), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Listen = ln.Addr().String()
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- s.run(ctx, ln, &out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return "http://" + ln.Addr().String(), s, cancel
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeNoConfigServesAndMeters(t *testing.T) {
	base, s, _ := startServe(t, nil, "")
	if st, body := get(t, base+"/healthz"); st != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz = %d %q", st, body)
	}
	if line := s.adapterLine(); !strings.Contains(line, "slack off") || !strings.Contains(line, "discord off") {
		t.Errorf("adapter line = %q, want both off with reasons", line)
	}
	for _, q := range []string{"530", "qqzzxx", "5xx"} {
		s.engine.Handle(context.Background(), bot.Request{Text: q, Platform: "web", User: "u"})
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`ftpbot_questions_total{adapter="web",kind="code",outcome="answered"} 1`,
		`ftpbot_questions_total{adapter="web",kind="nomatch",outcome="no_match"} 1`,
		`ftpbot_answer_seconds_count{adapter="web"} 3`,
		`ftpbot_adapter_state{adapter="slack",state="off"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestServeRateLimitMetric(t *testing.T) {
	base, s, _ := startServe(t, nil, "[limits]\nper_user_per_minute = 2\n")
	var kinds []bot.Kind
	for i := 0; i < 3; i++ {
		kinds = append(kinds, s.engine.Handle(context.Background(), bot.Request{Text: "530", Platform: "web", User: "same"}).Kind)
	}
	if kinds[2] != bot.KindSlowDown {
		t.Errorf("kinds = %v, want the third slowed down", kinds)
	}
	_, metrics := get(t, base+"/metrics")
	if !strings.Contains(metrics, `ftpbot_rate_limited_total{adapter="web"} 1`) {
		t.Error("/metrics does not count the rate-limited question")
	}
}

// With only DISCORD_PUBLIC_KEY set, serve starts the HTTP interactions endpoint and answers a
// signed PING; a request in flight during shutdown still gets its answer.
func TestServeDiscordHTTPAndGracefulShutdown(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	base, s, cancel := startServe(t, map[string]string{"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub)}, "")
	if _, on := s.adapters["discord"]; !on {
		t.Fatalf("discord adapter not started: %s", s.adapterLine())
	}
	sign := func(body string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		signtest.SignDiscord(req, priv, time.Now().Unix(), []byte(body))
		return req
	}
	resp, err := http.DefaultClient.Do(sign(`{"type":1,"id":"1","token":"t"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"type":1`) {
		t.Fatalf("PING = %d %s", resp.StatusCode, b)
	}

	// A slow request in flight: a client that sends its body slowly while shutdown starts.
	pr, pw := io.Pipe()
	body := `{"type":2,"id":"1","token":"t","user":{"id":"U"},"data":{"name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`
	req := sign(body)
	req.Body = pr
	req.ContentLength = int64(len(body))
	var wg sync.WaitGroup
	var status int
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
			return
		}
		status = resp.StatusCode
		resp.Body.Close()
	}()
	io.WriteString(pw, body[:10])
	time.Sleep(100 * time.Millisecond)
	cancel() // shutdown begins with the request half sent
	time.Sleep(100 * time.Millisecond)
	io.WriteString(pw, body[10:])
	pw.Close()
	wg.Wait()
	if status != 200 {
		t.Errorf("in-flight request got %d during shutdown, want 200", status)
	}
}

// TestServeWeb: the web reference, API and readiness are on serve's one HTTP server, and the
// questions asked through the API move the metrics.
func TestServeWeb(t *testing.T) {
	base, _, _ := startServe(t, nil, "")
	tests := []struct {
		method, path string
		status       int
		body         string // a substring of the body
	}{
		{"GET", "/", 200, "530"},
		{"GET", "/codes/530", 200, "Not logged in"},
		{"GET", "/codes/599", 404, "599"},
		{"GET", "/topics/active-vs-passive", 200, "passive"},
		{"GET", "/classes/5xx", 200, "5xx"},
		{"GET", "/api/ask?q=530", 200, `"id":"530"`},
		{"GET", "/api/ask?q=%ff%fe", 200, `"matches"`},
		{"GET", "/api/ask", 400, "missing q"},
		{"GET", "/readyz", 200, `"loaded":true`},
		{"HEAD", "/codes/530", 200, ""},
		{"GET", "/play?q=passive", 200, "Slack"},
	}
	c := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(strings.ReplaceAll(string(b), " ", ""), strings.ReplaceAll(tt.body, " ", "")) {
			t.Errorf("%s %s = %d, want %d with %q; body starts %.300q", tt.method, tt.path, resp.StatusCode, tt.status, tt.body, b)
		}
	}
	_, metrics := get(t, base+"/metrics")
	if !strings.Contains(metrics, `ftpbot_questions_total{adapter="web",kind="code",outcome="answered"}`) {
		t.Error("/api/ask did not count a question")
	}
}

// TestRecoverPanics: a handler that panics costs only its own request: a 500 with a polite
// message, the panic counted in the metrics, and the next request served.
func TestRecoverPanics(t *testing.T) {
	m := metrics.New()
	h := &bot.Health{}
	m.Watch(h)
	var logs bytes.Buffer
	mux := http.NewServeMux()
	mux.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("renderer bug") })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "fine") })
	srv := httptest.NewServer(recoverPanics(mux, slog.New(slog.NewTextHandler(&logs, nil)), h))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatalf("GET /boom: %v (the connection must not be dropped)", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "something went wrong") {
		t.Errorf("GET /boom = %d %s, want 500 with the polite message", resp.StatusCode, body)
	}
	if got := testutil.ToFloat64(m.Panics); got != 1 {
		t.Errorf("ftpbot_panics_total = %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "renderer bug") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	resp, err = http.Get(srv.URL + "/ok")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /ok after a panic: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestServeOffReasons: the one line about adapters names the real reason each one is off.
func TestServeOffReasons(t *testing.T) {
	tests := []struct {
		name, config string
		env          map[string]string
		want         []string
	}{
		{"no secrets", "", nil, []string{"slack off (no SLACK_APP_TOKEN", "discord off (no DISCORD_BOT_TOKEN"}},
		{"switched off despite a secret", "[slack]\nenabled = false\n", map[string]string{"SLACK_SIGNING_SECRET": "s3cret"},
			[]string{"slack off (slack.enabled = false in the config)"}},
		{"the example file leaves the choice to the secrets", mustRead(t, "../../config.example.toml"), map[string]string{"SLACK_SIGNING_SECRET": "s3cret"},
			[]string{"slack on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, _ := startServe(t, tt.env, tt.config)
			line := s.adapterLine()
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("adapter line = %q, want %q", line, w)
				}
			}
			if strings.Contains(line, "s3cret") {
				t.Errorf("adapter line shows the secret: %q", line)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServeTrustedProxies: [server] trusted_proxies reaches the web front end: behind a trusted
// proxy (here the test, on loopback) each X-Forwarded-For visitor has its own per-user limit;
// without it every visitor shares the proxy's.
func TestServeTrustedProxies(t *testing.T) {
	for _, tt := range []struct {
		name, toml string
		want       []int // the first question of each of two visitors
	}{
		{"trusted", "[limits]\nper_user_per_minute = 1\n[server]\ntrusted_proxies = [\"127.0.0.0/8\"]\n", []int{http.StatusOK, http.StatusOK}},
		{"not trusted", "[limits]\nper_user_per_minute = 1\n", []int{http.StatusOK, http.StatusTooManyRequests}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, _, _ := startServe(t, nil, tt.toml)
			c := &http.Client{Timeout: 5 * time.Second}
			for i, visitor := range []string{"198.51.100.7", "198.51.100.8"} {
				req, _ := http.NewRequest(http.MethodGet, base+"/api/ask?q=530", nil)
				req.Header.Set("X-Forwarded-For", visitor)
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.want[i] {
					t.Errorf("visitor %s: %d, want %d", visitor, resp.StatusCode, tt.want[i])
				}
			}
		})
	}
}
