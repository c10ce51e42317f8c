package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// fakeSocket is a small Socket Mode endpoint speaking Slack's envelope format: it greets each
// connection with hello, lets the test send envelopes and disconnect messages, and hands back
// every message the client writes (the acknowledgements).
type fakeSocket struct {
	conns chan *websocket.Conn
	acks  chan map[string]any
}

func newFakeSocket() *fakeSocket {
	return &fakeSocket{conns: make(chan *websocket.Conn, 8), acks: make(chan map[string]any, 64)}
}

func (f *fakeSocket) handle(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"applink-test","build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}}`
	if err := c.WriteMessage(websocket.TextMessage, []byte(hello)); err != nil {
		return
	}
	f.conns <- c
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(msg, &m) == nil {
			f.acks <- m
		}
	}
}

func (f *fakeSocket) conn(t *testing.T) *websocket.Conn {
	t.Helper()
	select {
	case c := <-f.conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter did not (re)connect")
	}
	return nil
}

// send writes an envelope and waits for its acknowledgement, which must come within Slack's 3
// seconds.
func (f *fakeSocket) send(t *testing.T, c *websocket.Conn, envelope map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(envelope)
	start := time.Now()
	if err := c.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatalf("writing an envelope: %v", err)
	}
	deadline := time.After(3 * time.Second)
	for {
		select {
		case ack := <-f.acks:
			if ack["envelope_id"] == envelope["envelope_id"] {
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("envelope %v acknowledged after %v", envelope["envelope_id"], d)
				}
				return ack
			}
		case <-deadline:
			t.Fatalf("envelope %v was not acknowledged within 3 s", envelope["envelope_id"])
		}
	}
}

func slashEnvelope(id, text, responseURL string) map[string]any {
	return map[string]any{
		"envelope_id": id, "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{
			"token": "legacy", "team_id": "T1", "team_domain": "example", "channel_id": "C1", "channel_name": "ops",
			"user_id": "U1ASKER", "user_name": "ada", "command": "/ftp", "text": text,
			"api_app_id": "A1", "is_enterprise_install": "false", "response_url": responseURL, "trigger_id": "1.2.3",
		},
	}
}

// TestSocketMode: over a fake Socket Mode server, a slash command is acknowledged with its
// answer; after a disconnect message and after a dropped socket the adapter reconnects and the
// next command is still answered; events and interactions are acknowledged and acted on.
func TestSocketMode(t *testing.T) {
	fs := newFakeSocket()
	api := newFakeAPI(t, func(c slacktest.Customize) { c.Handle("/ws", fs.handle) })
	hk := newHook(t)
	health := &bot.Health{}
	logs := &logtest.Buffer{}
	a, err := New(Options{AppToken: "xapp-1-secret", BotToken: "xoxb-2-secret", APIURL: api.GetAPIURL(),
		Engine: testEngine(t), Health: health, Log: testLogger(logs), BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
		if st := health.Snapshot()[Name].State; st != bot.StateOff {
			t.Errorf("state after shutdown = %s", st)
		}
		if strings.Contains(logs.String(), "secret") {
			t.Errorf("a token reached the log:\n%s", logs.String())
		}
	}()

	answer := func(c *websocket.Conn, id, text, header string) {
		t.Helper()
		ack := fs.send(t, c, slashEnvelope(id, text, hk.URL()))
		payload, _ := ack["payload"].(map[string]any)
		if payload == nil {
			t.Fatalf("ack %s has no answer: %v", id, ack)
		}
		if got := headerOf(blocksOf(t, payload)); got != header {
			t.Errorf("ack %s header = %q, want %q", id, got, header)
		}
	}

	c1 := fs.conn(t)
	waitFor(t, func() bool { return health.Snapshot()[Name].State == bot.StateConnected })
	answer(c1, "e1", "530", "530 Not logged in")

	// Slack asks the client to reconnect.
	c1.WriteMessage(websocket.TextMessage, []byte(`{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink-test"}}`))
	c2 := fs.conn(t)
	answer(c2, "e2", "550", "550 Requested action not taken: file unavailable")
	waitFor(t, func() bool { return health.Snapshot()[Name].Reconnects == 1 })

	// The socket drops without a word.
	c2.UnderlyingConn().Close()
	c3 := fs.conn(t)
	answer(c3, "e3", "passive", "Active vs passive mode")
	waitFor(t, func() bool {
		s := health.Snapshot()[Name]
		return s.Reconnects == 2 && s.State == bot.StateConnected
	})

	// An Events API envelope: acknowledged without payload, answered in the thread.
	var ev map[string]any
	json.Unmarshal(mentionEvent("Ev9", "<@UBOTFTP> 425", "", "1700000000.000500"), &ev)
	ack := fs.send(t, c3, map[string]any{"envelope_id": "e4", "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0, "retry_reason": "", "payload": ev})
	if ack["payload"] != nil {
		t.Errorf("event ack carries a payload: %v", ack)
	}
	call := api.next(t, "chat.postMessage")
	if call.Form.Get("thread_ts") != "1700000000.000500" || call.Form.Get("channel") != "C1" {
		t.Errorf("mention answer posted to %s thread %q", call.Form.Get("channel"), call.Form.Get("thread_ts"))
	}
	if got := headerOf(blocksOf(t, call.Form)); got != "425 Can't open data connection" {
		t.Errorf("mention answer header = %q", got)
	}
	// Slack's retry of the same event over the socket is acknowledged and not answered again.
	fs.send(t, c3, map[string]any{"envelope_id": "e5", "type": "events_api", "retry_attempt": 1, "retry_reason": "timeout", "payload": ev})

	// An interaction: acknowledged at once, answered through response_url.
	fs.send(t, c3, map[string]any{"envelope_id": "e6", "type": "interactive", "payload": blockActions("ftp_rel_0", "227", hk.URL(), true)})
	if got := headerOf(blocksOf(t, hk.next(t))); got != "227 Entering Passive Mode" {
		t.Errorf("related answer header = %q", got)
	}
	// A choice in the related menu on a shared message: a private answer beside it.
	fs.send(t, c3, map[string]any{"envelope_id": "e6b", "type": "interactive", "payload": selectAction(actionRelated, "425", hk.URL(), false)})
	if got := hk.next(t); headerOf(blocksOf(t, got)) != "425 Can't open data connection" || got["replace_original"] == true || got["response_type"] != "ephemeral" {
		t.Errorf("related menu on a shared message answered %v", got)
	}
	// More on a shared message: the More view privately.
	fs.send(t, c3, map[string]any{"envelope_id": "e6c", "type": "interactive", "payload": blockActions(actionMore, "000000000000:425", hk.URL(), false)})
	if got := hk.next(t); !strings.Contains(allText(blocksOf(t, got)), "*Likely causes*") || got["replace_original"] == true || got["response_type"] != "ephemeral" {
		t.Errorf("More on a shared message answered %v", got)
	}
	// An envelope slack-go cannot parse is still acknowledged.
	fs.send(t, c3, map[string]any{"envelope_id": "e7", "type": "events_api", "payload": map[string]any{"type": "event_callback", "event_id": "Ev10", "event": map[string]any{"type": "brand_new_event"}}})

	time.Sleep(200 * time.Millisecond)
	if n := api.count("chat.postMessage"); n != 1 {
		t.Errorf("chat.postMessage called %d times, want 1", n)
	}
}

func TestDescribeSocketError(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{errString("invalid_auth"), "check SLACK_APP_TOKEN"},
		{errString("dial tcp: connection refused"), "Socket Mode connection failed: dial tcp"},
	} {
		if got := describeSocketError(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("describeSocketError(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
