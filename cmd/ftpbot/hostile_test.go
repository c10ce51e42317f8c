package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/signtest"
)

const hostileSlackSecret = "hostile-signing-secret-0123456789"

// TestHostileRequests sends hostile requests to every endpoint of a real server on loopback: each
// gets the right status and a clear message, nothing crashes, and no secret reaches any log line.
func TestHostileRequests(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	env := map[string]string{"SLACK_SIGNING_SECRET": hostileSlackSecret, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub)}
	cfg, err := ParseConfig(strings.NewReader("[limits]\nper_user_per_minute = 0\n"), envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logtest.Buffer{}
	s, err := newServer(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	s.readHeaderTimeout = time.Second
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.run(ctx, ln, io.Discard); close(done) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()

	slackReq := func(body string, ts time.Time, sign bool) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
		if sign {
			signtest.SignSlack(r, hostileSlackSecret, ts.Unix(), []byte(body))
		}
		return r
	}
	command := func(text string) string {
		return url.Values{"command": {"/ftp"}, "text": {text}, "user_id": {"U1"}, "channel_id": {"C1"}, "team_id": {"T1"},
			"response_url": {"http://127.0.0.1:9/never"}, "trigger_id": {"1"}}.Encode()
	}
	discordReq := func(body []byte, ts time.Time, key ed25519.PrivateKey) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Signature-Timestamp", strconv.FormatInt(ts.Unix(), 10))
		if key != nil {
			signtest.SignDiscord(r, key, ts.Unix(), body)
		}
		return r
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	discordCmd := func(q string) []byte {
		b, _ := json.Marshal(map[string]any{"type": 2, "id": "1", "token": "t", "user": map[string]any{"id": "U1"},
			"data": map[string]any{"name": "ftp", "type": 1, "options": []any{map[string]any{"name": "query", "type": 3, "value": q}}}})
		return b
	}
	now := time.Now()
	bigLog := strings.Repeat("Response:\t150 Opening BINARY mode data connection.\n", 10000) + "Response:\t553 Could not create file.\n"
	jsonBomb := []byte(strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000))
	// Deep enough to trip encoding/json's nesting limit, small enough to pass the body limits.
	deepBomb := []byte(strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000))
	shortLog := strings.Repeat("150 ok\n", 10000) + "553 Could not create file.\n"
	interactivity := func(payload string) *http.Request {
		body := url.Values{"payload": {payload}}.Encode()
		r := slackReq(body, now, true)
		r.URL.Path = "/slack/interactivity"
		return r
	}

	tests := []struct {
		name    string
		req     *http.Request
		status  int
		want    string // in the body
		notWant string // never in the body
	}{
		{"slack: no signature", slackReq(command("530"), now, false), 401, "", "Not logged in"},
		{"slack: wrong signature", func() *http.Request {
			r := slackReq(command("530"), now, false)
			r.Header.Set("X-Slack-Signature", "v0=00")
			return r
		}(), 401, "", "Not logged in"},
		{"slack: replayed timestamp", slackReq(command("530"), now.Add(-6*time.Minute), true), 401, "", "Not logged in"},
		{"slack: future timestamp", slackReq(command("530"), now.Add(6*time.Minute), true), 401, "", "Not logged in"},
		{"slack: 1 MB body", slackReq(command(strings.Repeat("x", 1<<20)), now, true), 400, "too large", ""},
		{"slack: channel ping in query", slackReq(command("<!channel> @everyone <https://evil.example|click> 530"), now, true), 200, "530", "<!channel>"},
		{"slack: invalid UTF-8 and control characters", slackReq(command("530\xff\xfe\x00\x07\x1b[31m"), now, true), 200, "530", "\x1b"},
		{"slack: 4,000-character query", slackReq(command(strings.Repeat("passive ", 500)), now, true), 200, `"blocks"`, "internal error"},
		// In channel, so there is no Share button: its (invisible) value carries the query as typed.
		{"slack: everyone in query", slackReq(command("@everyone @here 530 public"), now, true), 200, "530", "@everyone"},
		{"slack: link injection in query", slackReq(command("<https://evil.example|click here> 530"), now, true), 200, "530", "<https://evil.example"},
		{"slack: 10,000-line log", slackReq(command(shortLog), now, true), 200, "Working on it", ""},
		{"slack: JSON bomb in an interaction payload", interactivity(string(deepBomb)), 400, "malformed", ""},
		{"discord: no signature", discordReq(discordCmd("530"), now, nil), 401, "", "Not logged in"},
		{"discord: wrong key", discordReq(discordCmd("530"), now, otherKey), 401, "", "Not logged in"},
		{"discord: replayed timestamp", discordReq(discordCmd("530"), now.Add(-6*time.Minute), priv), 401, "", ""},
		{"discord: future timestamp", discordReq(discordCmd("530"), now.Add(6*time.Minute), priv), 401, "", ""},
		{"discord: 1 MB body", discordReq(bytes.Repeat([]byte("x"), 1<<20), now, priv), 400, "", ""},
		{"discord: JSON bomb", discordReq(jsonBomb, now, priv), 400, "", ""},
		{"discord: everyone in query", discordReq(discordCmd("@everyone 530 <@123>"), now, priv), 200, `"parse":[]`, ""},
		{"discord: 10,000-line log", discordReq(discordCmd(bigLog[:3990]), now, priv), 200, "No failure found", ""},
		{"discord: malformed JSON", discordReq([]byte(`{"type":2,`), now, priv), 400, "malformed", ""},
		{"discord: deeply nested JSON", discordReq(deepBomb, now, priv), 400, "malformed", ""},
		{"discord: invalid UTF-8 and control characters", discordReq(discordCmd("530\xff\xfe\x00\x07\x1b[31m"), now, priv), 200, "530", "\\u001b"},
		{"discord: 4,000-character query", discordReq(discordCmd(strings.Repeat("passive ", 500)), now, priv), 200, `"embeds"`, "internal error"},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Do(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %.200s", resp.StatusCode, tt.status, body)
			}
			if tt.want != "" && !bytes.Contains(body, []byte(tt.want)) {
				t.Errorf("body lacks %q: %.300s", tt.want, body)
			}
			if tt.notWant != "" && bytes.Contains(body, []byte(tt.notWant)) {
				t.Errorf("body contains %q: %.300s", tt.notWant, body)
			}
		})
	}
	// A 10,000-line log pasted through the engine is answered (cut, with a note) quickly.
	start := time.Now()
	r := s.engine.Ask(bigLog)
	if len(r.Matches) == 0 || r.Matches[0].ID != "553" || time.Since(start) > 5*time.Second {
		t.Errorf("10,000-line log: %v in %v", r.Matches, time.Since(start))
	}

	// A slow client that never finishes its headers is cut off by ReadHeaderTimeout.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "POST /slack/commands HTTP/1.1\r\nHost: x\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start = time.Now()
	_, err = conn.Read(make([]byte, 1))
	conn.Close()
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("slow client: read %v after %v, want the server to hang up within the header timeout", err, time.Since(start))
	}
	if logs := logs.String(); strings.Contains(logs, hostileSlackSecret) || strings.Contains(logs, hex.EncodeToString(pub)) {
		t.Error("a secret appeared in the logs")
	}
}
