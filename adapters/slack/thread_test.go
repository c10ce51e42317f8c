package slack

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/slack-go/slack"
)

const (
	parentTS = "1700000000.000100"
	replyTS  = "1700000050.000200"
)

// TestMentions: an @mention answers in its thread, from the whole thread (the parent's evidence
// when the text after the mention only points at it, a code it asks about otherwise), and its
// own text at the top level. The Web API calls go to slacktest.
func TestMentions(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		threadTS   string
		parent     string // the thread's first message; "" = none
		fail       string // conversations.replies error
		botID      bool   // the mention comes from a bot
		noAuthz    bool   // the event does not name the bot user: auth.test does
		wantHeader string // "" = no answer
		wantRead   bool   // conversations.replies is called
		wantThread string
	}{
		{"explains the parent", "<@UBOTFTP> what does this mean?", parentTS, "Response: 530 Login incorrect.", "", false, false, "530 Not logged in", true, parentTS},
		{"escaped parent", "<@UBOTFTP> this?", parentTS, "Error: Failed to retrieve directory listing &amp; more", "", false, false, "425 Can't open data connection", true, parentTS},
		{"bare mention in a thread", "<@UBOTFTP>", parentTS, "550 Failed to open file.", "", false, false, "550 Requested action not taken: file unavailable", true, parentTS},
		{"own code wins", "<@UBOTFTP> 331", parentTS, "Response: 530 Login incorrect.", "", false, false, "331 User name okay, need password", true, parentTS},
		{"own words, no match: the parent", "<@UBOTFTP> qwzx pltk", parentTS, "550 Failed to open file.", "", false, false, "550 Requested action not taken: file unavailable", true, parentTS},
		{"top level starts a thread", "<@UBOTFTP> passive", "", "", "", false, false, "Active vs passive mode", false, replyTS},
		{"top level bare mention shows help", "<@UBOTFTP>", "", "", "", false, false, "ftpbot: FTP errors, explained", false, replyTS},
		{"thread cannot be read: the one message", "<@UBOTFTP> what is 550?", parentTS, "", "not_in_channel", false, false, "550 Requested action not taken: file unavailable", true, parentTS},
		{"bots are ignored", "<@UBOTFTP> 530", "", "", "", true, false, "", false, ""},
		{"own id from auth.test", "<@UBOTFTP> 530", "", "", "", false, true, "530 Not logged in", false, replyTS},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			if tt.parent != "" {
				api.replies = []slack.Message{{Msg: slack.Msg{Type: "message", User: "U3OTHER", Text: tt.parent, Timestamp: parentTS, ThreadTimestamp: parentTS}}}
			}
			if tt.fail != "" {
				api.fail["conversations.replies"] = tt.fail
			}
			h := newHTTPAdapter(t, Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
			ts := replyTS
			ev := mentionEvent("EvM"+string(rune('a'+i)), tt.text, tt.threadTS, ts)
			if tt.noAuthz {
				ev = []byte(strings.Replace(string(ev), `"is_bot":true`, `"is_bot":false`, 1))
			}
			if tt.botID {
				ev = []byte(strings.Replace(string(ev), `"type":"app_mention"`, `"type":"app_mention","bot_id":"B9"`, 1))
			}
			if resp := post(t, h.srv, "/slack/events", "application/json", ev, h.now); resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if tt.wantHeader == "" {
				time.Sleep(200 * time.Millisecond)
				if n := api.count("chat.postMessage"); n != 0 {
					t.Errorf("answered a bot's mention (%d posts)", n)
				}
				return
			}
			call := api.next(t, "chat.postMessage")
			if got := call.Form.Get("thread_ts"); got != tt.wantThread {
				t.Errorf("thread_ts = %q, want %q", got, tt.wantThread)
			}
			if call.Form.Get("channel") != "C1" {
				t.Errorf("channel = %q", call.Form.Get("channel"))
			}
			blocks := blocksOf(t, call.Form)
			if got := headerOf(blocks); got != tt.wantHeader {
				t.Errorf("header = %q, want %q\n%s", got, tt.wantHeader, allText(blocks))
			}
			if buttons(blocks)[actionShare] != nil {
				t.Error("a public thread answer has a Share button")
			}
			if call.Form.Get("text") == "" {
				t.Error("no fallback text")
			}
			if asked := api.count("auth.test") > 0; asked != tt.noAuthz {
				t.Errorf("auth.test called: %v, want %v", asked, tt.noAuthz)
			}
			if read := api.count("conversations.replies") > 0; read != tt.wantRead {
				t.Errorf("conversations.replies called: %v, want %v", read, tt.wantRead)
			}
			if tt.wantRead {
				f := api.calls["conversations.replies"][0]
				if f.Get("channel") != "C1" || f.Get("ts") != parentTS {
					t.Errorf("conversations.replies asked for %s/%s", f.Get("channel"), f.Get("ts"))
				}
			}
		})
	}
}

// messageAction is a message shortcut payload as Slack sends it.
func messageAction(text, ts, threadTS, responseURL string) map[string]any {
	msg := map[string]any{"type": "message", "user": "U3OTHER", "text": text, "ts": ts}
	if threadTS != "" {
		msg["thread_ts"] = threadTS
	}
	return map[string]any{
		"type": "message_action", "token": "legacy", "action_ts": "1700000100.000300",
		"team": map[string]any{"id": "T1", "domain": "example"}, "user": map[string]any{"id": "U2SHARER", "name": "grace"},
		"channel": map[string]any{"id": "C1", "name": "ops"}, "callback_id": ShortcutCallbackID, "trigger_id": "1.2.3",
		"message_ts": ts, "message": msg, "response_url": responseURL,
	}
}

// TestShortcut: "Explain FTP error" answers in the message's thread, attributed to who asked;
// without a bot token, or when Slack refuses the post, privately through response_url.
func TestShortcut(t *testing.T) {
	tests := []struct {
		name       string
		botToken   bool
		postFail   string
		text       string
		threadTS   string
		wantThread string // "" = answered privately
		wantHeader string
	}{
		{"in a thread", true, "", "Status: Failed to retrieve directory listing", parentTS, parentTS, "425 Can't open data connection"},
		{"top-level message", true, "", "Response: 530 Login incorrect.", "", replyTS, "530 Not logged in"},
		{"no bot token", false, "", "Response: 530 Login incorrect.", "", "", "530 Not logged in"},
		{"not in channel", true, "channel_not_found", "550 Failed to open file.", "", "", "550 Requested action not taken: file unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			if tt.postFail != "" {
				api.fail["chat.postMessage"] = tt.postFail
			}
			o := Options{APIURL: api.GetAPIURL()}
			if tt.botToken {
				o.BotToken = "xoxb-test"
			}
			h := newHTTPAdapter(t, o)
			hk := newHook(t)
			resp := post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
				interactionForm(messageAction(tt.text, replyTS, tt.threadTS, hk.URL())), h.now)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if tt.wantThread != "" {
				call := api.next(t, "chat.postMessage")
				if got := call.Form.Get("thread_ts"); got != tt.wantThread {
					t.Errorf("thread_ts = %q, want %q", got, tt.wantThread)
				}
				blocks := blocksOf(t, call.Form)
				if got := headerOf(blocks); got != tt.wantHeader {
					t.Errorf("header = %q, want %q", got, tt.wantHeader)
				}
				if !strings.Contains(allText(blocks), "Asked by <@U2SHARER>") {
					t.Error("the thread answer does not say who asked")
				}
				hk.none(t)
				return
			}
			got := hk.next(t)
			if got["response_type"] != "ephemeral" {
				t.Errorf("private answer response_type = %v", got["response_type"])
			}
			if hdr := headerOf(blocksOf(t, got)); hdr != tt.wantHeader {
				t.Errorf("header = %q, want %q", hdr, tt.wantHeader)
			}
		})
	}
}

// TestWebAPIRateLimit: a 429 from chat.postMessage is retried after Retry-After.
func TestWebAPIRateLimit(t *testing.T) {
	api := newFakeAPI(t)
	api.limitNext = true
	h := newHTTPAdapter(t, Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	start := time.Now()
	post(t, h.srv, "/slack/events", "application/json", mentionEvent("EvRL", "<@UBOTFTP> 530", "", replyTS), h.now)
	api.next(t, "chat.postMessage") // the 429
	api.next(t, "chat.postMessage") // the retry
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", d)
	}
	if n := api.count("chat.postMessage"); n != 2 {
		t.Errorf("%d chat.postMessage calls, want the limited one and one retry", n)
	}
}

// TestWebAPIServerError: a 500 from chat.postMessage is not retried (the message may have been
// posted; a retry could post it twice), it is logged and counted, and the next mention is
// answered as usual.
func TestWebAPIServerError(t *testing.T) {
	api := newFakeAPI(t)
	api.status["chat.postMessage"] = http.StatusInternalServerError
	var failures []string
	var mu sync.Mutex
	h := newHTTPAdapter(t, Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL(),
		OnDeliveryFailure: func(reason string) { mu.Lock(); failures = append(failures, reason); mu.Unlock() }})
	post(t, h.srv, "/slack/events", "application/json", mentionEvent("Ev500a", "<@UBOTFTP> 530", "", replyTS), h.now)
	api.next(t, "chat.postMessage") // the 500
	// The fake records the call before the adapter has read the 500; wait for the adapter to
	// report it, so the second mention cannot race the first.
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(failures) > 0 })
	post(t, h.srv, "/slack/events", "application/json", mentionEvent("Ev500b", "<@UBOTFTP> 550", "", replyTS), h.now)
	call := api.next(t, "chat.postMessage")
	if !strings.Contains(string(call.Body)+call.Form.Encode(), "550") {
		t.Errorf("the next mention was not answered: %s", call.Form.Encode())
	}
	if n := api.count("chat.postMessage"); n != 2 {
		t.Errorf("%d chat.postMessage calls, want 2 (no retry after a 500)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) != 1 || failures[0] != "chat.postMessage" {
		t.Errorf("delivery failures = %v, want one for chat.postMessage", failures)
	}
	if !strings.Contains(h.logs.String(), "posting an answer in a thread failed") {
		t.Errorf("the failure was not logged:\n%s", h.logs.String())
	}
}

// TestHomeTab: opening the App Home publishes usage and examples.
func TestHomeTab(t *testing.T) {
	api := newFakeAPI(t)
	h := newHTTPAdapter(t, Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL(), Command: "/ftp"})
	for i, id := range []string{"EvH1", "EvH2"} {
		body := []byte(`{"type":"event_callback","team_id":"T1","api_app_id":"A1","event_id":"` + id + `","event_time":1,` +
			`"event":{"type":"app_home_opened","user":"U1ASKER","channel":"D1","tab":"home","event_ts":"1700000000.1"}}`)
		post(t, h.srv, "/slack/events", "application/json", body, h.now)
		call := api.next(t, "views.publish")
		if i > 0 {
			continue
		}
		var req slack.PublishViewContextRequest
		if err := json.Unmarshal(call.Body, &req); err != nil {
			t.Fatalf("views.publish body: %v\n%s", err, call.Body)
		}
		if req.UserID != "U1ASKER" || req.View.Type != slack.VTHomeTab {
			t.Errorf("published %s view for %q", req.View.Type, req.UserID)
		}
		text := allText(req.View.Blocks.BlockSet)
		for _, want := range []string{"`/ftp 530`", "`/ftp check ftp.example.com`", ShortcutName, "public"} {
			if !strings.Contains(text, want) {
				t.Errorf("Home tab lacks %q:\n%s", want, text)
			}
		}
	}
	if h.answers.Load() != 1 {
		t.Errorf("the Home tab asked the engine %d times; it is built once", h.answers.Load())
	}
}

// TestThreadAnswersFitPostMessage: answers posted with chat.postMessage (shortcuts, mentions)
// stay under the block text at which Slack rejects a message (msg_blocks_too_long). The longest
// answers of the real knowledge base once went to 22,000 characters.
func TestThreadAnswersFitPostMessage(t *testing.T) {
	api := newFakeAPI(t)
	h := newHTTPAdapter(t, Options{APIURL: api.GetAPIURL(), BotToken: "xoxb-test", Engine: bottest.Engine(t)})
	hk := newHook(t)
	for _, q := range []string{"passive vs active", "530", "explicit vs implicit ftps"} {
		post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
			interactionForm(messageAction(q, replyTS, parentTS, hk.URL())), h.now)
		call := api.next(t, "chat.postMessage")
		blocks := blocksOf(t, call.Form)
		if n := blocksText(blocks); n > maxMessageText || n == 0 {
			t.Errorf("%q: posted %d characters of block text, want 1 to %d", q, n, maxMessageText)
		}
		for _, p := range Problems(Message{Text: call.Form.Get("text"), Blocks: blocks}) {
			t.Errorf("%q: %s", q, p)
		}
	}
}
