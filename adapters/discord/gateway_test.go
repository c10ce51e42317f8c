package discord

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/gorilla/websocket"
)

// redirect sends every REST call to one loopback address, which the test changes: first a
// closed port (Discord unreachable), then a fake Discord.
type redirect struct {
	mu     sync.Mutex
	target string
}

func (r *redirect) set(addr string) {
	r.mu.Lock()
	r.target = addr
	r.mu.Unlock()
}

func (r *redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	target := r.target
	r.mu.Unlock()
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = "http", target, ""
	return (&http.Transport{}).RoundTrip(out)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// fakeDiscord answers what opening a session and registering commands need: GET /gateway, the
// bulk overwrite, and a gateway that says Hello, reads Identify and sends READY.
func fakeDiscord(t *testing.T) *httptest.Server {
	t.Helper()
	v := "/api/v" + discordgo.APIVersion
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("GET "+v+"/gateway", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"url": "ws://" + srv.Listener.Addr().String() + "/gw"})
	})
	mux.HandleFunc("PUT "+v+"/applications/111/commands", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	})
	mux.HandleFunc("/gw/", func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
		var identify struct {
			Op int `json:"op"`
		}
		if err := c.ReadJSON(&identify); err != nil || identify.Op != 2 {
			t.Errorf("the gateway got %+v, %v; want Identify (op 2)", identify, err)
			return
		}
		c.WriteJSON(map[string]any{"op": 0, "t": "READY", "s": 1, "d": map[string]any{
			"v": 9, "session_id": "s1", "user": map[string]any{"id": "999", "username": "ftpbot", "bot": true}, "guilds": []any{}}})
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// logLine is one JSON log record.
type logLine struct {
	Msg     string `json:"msg"`
	RetryIn string `json:"retry_in"`
	Attempt int    `json:"attempt"`
	Error   string `json:"error"`
}

func retries(logs string, prefix string) []logLine {
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && strings.HasPrefix(l.Msg, prefix) && l.RetryIn != "" {
			out = append(out, l)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Started while Discord cannot be reached, the gateway adapter does not give up or return: it
// retries opening the gateway and registering the commands with growing, jittered waits that
// the log states exactly, shows it in its health, and connects once Discord is back.
func TestGatewayUnreachableThenBack(t *testing.T) {
	rt := &redirect{target: closedPort(t)}
	var logs logtest.Buffer
	health := &bot.Health{}
	a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "111", Engine: bottest.Engine(t), Health: health,
		Transport: rt, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	waitFor(t, "two retries of the gateway and of the registration", 10*time.Second, func() bool {
		return len(retries(logs.String(), "discord: cannot open the Discord gateway")) >= 2 &&
			len(retries(logs.String(), "discord: command registration failed")) >= 2
	})
	select {
	case err := <-done:
		t.Fatalf("Run returned while Discord was unreachable: %v", err)
	default:
	}
	for _, prefix := range []string{"discord: cannot open the Discord gateway", "discord: command registration failed"} {
		lines := retries(logs.String(), prefix)
		step := connectRetry.Initial
		for i, l := range lines[:2] {
			d, err := time.ParseDuration(l.RetryIn)
			if err != nil || d < step/2 || d > step || d%time.Millisecond != 0 || l.Attempt != i+1 {
				t.Errorf("%s retry %d: retry_in %q attempt %d; want whole milliseconds in [%v, %v], attempt %d", prefix, i+1, l.RetryIn, l.Attempt, step/2, step, i+1)
			}
			if !strings.HasSuffix(l.Msg, "; retrying in "+l.RetryIn) || !strings.Contains(l.Msg+l.Error, "connection refused") {
				t.Errorf("log message %q (error %q), want the cause and %q", l.Msg, l.Error, "; retrying in "+l.RetryIn)
			}
			step *= 2
		}
	}
	st := health.Snapshot()[Name]
	if st.State != bot.StateDisconnected && st.State != bot.StateConnecting {
		t.Errorf("state %q, want disconnected or connecting while Discord is unreachable", st.State)
	}
	if !strings.HasPrefix(st.Commands, "retrying in ") {
		t.Errorf("commands %q, want \"retrying in …\"", st.Commands)
	}

	rt.set(fakeDiscord(t).Listener.Addr().String())
	waitFor(t, "the gateway to open and the commands to register once Discord is back", 10*time.Second, func() bool {
		st := health.Snapshot()[Name]
		return st.State == bot.StateConnected && st.Commands == "registered"
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil at shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
}

// A refusal (401: a wrong token) is final for the registration: asking again would be refused
// again. The adapter keeps running in HTTP mode.
func TestRegistrationRefusedIsFinal(t *testing.T) {
	rec := &recorder{status: []int{401}}
	health := &bot.Health{}
	var logs logtest.Buffer
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	a, err := New(Options{Mode: "http", PublicKey: hex.EncodeToString(pub), BotToken: "tkn", ApplicationID: "111", Engine: bottest.Engine(t),
		Health: health, Transport: rec, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "the registration to fail", 5*time.Second, func() bool { return strings.HasPrefix(health.Snapshot()[Name].Commands, "failed: ") })
	time.Sleep(connectRetry.Initial) // a retry, if there were one, would come by now
	if n := len(rec.Calls()); n != 1 {
		t.Errorf("%d registration calls, want 1 (no retry after a 401)", n)
	}
	if st := health.Snapshot()[Name]; st.State != bot.StateListening {
		t.Errorf("state %q, want listening: the endpoint works without registering", st.State)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}
