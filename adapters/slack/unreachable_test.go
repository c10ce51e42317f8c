package slack

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/logtest"
)

// Started while Slack cannot be reached (its API on a closed loopback port), Socket Mode keeps
// retrying and Run does not return; the log and the health reason state each wait exactly
// (slack-go's 100ms, 200ms, 400ms…), never rounded to "0s".
func TestSocketModeUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	var logs logtest.Buffer
	health := &bot.Health{}
	a, err := New(Options{AppToken: "xapp-1-secret", BotToken: "xoxb-2-secret", APIURL: "http://" + closed + "/api/",
		Engine: testEngine(t), Health: health, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	var waits []string
	deadline := time.Now().Add(10 * time.Second)
	for len(waits) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no three retries within 10s; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
		waits = waits[:0]
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var l struct {
				Msg     string `json:"msg"`
				RetryIn string `json:"retry_in"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && strings.HasPrefix(l.Msg, "slack: cannot connect to Slack") {
				if !strings.Contains(l.Msg, "connection refused") || !strings.HasSuffix(l.Msg, "; retrying in "+l.RetryIn) {
					t.Errorf("log %q (retry_in %q): want the cause and the exact wait", l.Msg, l.RetryIn)
				}
				waits = append(waits, l.RetryIn)
			}
		}
	}
	if got := strings.Join(waits[:3], " "); got != "100ms 200ms 400ms" {
		t.Errorf("waits %s, want 100ms 200ms 400ms", got)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned while Slack was unreachable: %v", err)
	default:
	}
	st := health.Snapshot()[Name]
	if (st.State != bot.StateDisconnected && st.State != bot.StateConnecting) || strings.Contains(st.Reason, "in 0s") {
		t.Errorf("health %+v, want disconnected or connecting with an exact wait", st)
	}
	if strings.Contains(logs.String(), "secret") {
		t.Error("a token reached the log")
	}
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
