package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/signtest"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// testEngine is an engine over the small test knowledge base, so the transport tests do not
// change meaning as the real base grows. The rendering golden files use the real base.
func testEngine(t testing.TB) *bot.Engine {
	t.Helper()
	return bottest.SmallEngine(t)
}

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// post sends a request signed the way Slack signs it, at the time now.
func post(t *testing.T, srv *httptest.Server, path, contentType string, body []byte, now time.Time, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	signtest.SignSlack(req, testSecret, now.Unix(), body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func commandForm(text, responseURL string) []byte {
	return []byte(url.Values{
		"token": {"legacy"}, "team_id": {"T1"}, "team_domain": {"example"}, "channel_id": {"C1"},
		"channel_name": {"ops"}, "user_id": {"U1ASKER"}, "user_name": {"ada"}, "command": {"/ftp"},
		"text": {text}, "response_url": {responseURL}, "trigger_id": {"1.2.3"}, "api_app_id": {"A1"},
	}.Encode())
}

func interactionForm(payload any) []byte {
	b, _ := json.Marshal(payload) // maps of strings and bools always marshal
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

// blockActions is a block_actions payload as Slack sends it for a button press.
func blockActions(actionID, value, responseURL string, ephemeral bool) map[string]any {
	return map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "U2SHARER", "username": "grace", "team_id": "T1"},
		"api_app_id":   "A1",
		"token":        "legacy",
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1", "is_ephemeral": ephemeral},
		"trigger_id":   "1.2.3",
		"team":         map[string]any{"id": "T1", "domain": "example"},
		"channel":      map[string]any{"id": "C1", "name": "ops"},
		"response_url": responseURL,
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": "actions", "type": "button", "value": value, "action_ts": "1700000001.000200",
			"text": map[string]any{"type": "plain_text", "text": "x"},
		}},
	}
}

// hook is a fake response_url: it records what is posted and answers with the status its
// script says (200 when the script is empty).
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	posts  []map[string]any
	got    chan map[string]any
	script []int // statuses for the first posts; 429 carries Retry-After: 1
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{got: make(chan map[string]any, 32)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		status := http.StatusOK
		if len(h.script) > 0 {
			status, h.script = h.script[0], h.script[1:]
		}
		h.mu.Unlock()
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("response_url got Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("response_url got invalid JSON: %v", err)
		}
		h.mu.Lock()
		h.posts = append(h.posts, m)
		h.mu.Unlock()
		h.got <- m
		io.WriteString(w, "ok")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) URL() string { return h.srv.URL + "/commands/T1/1/abc" }

// next waits for the next post.
func (h *hook) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-h.got:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was posted to the response_url")
	}
	return nil
}

// none checks that nothing arrives for a moment.
func (h *hook) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-h.got:
		t.Errorf("unexpected post to the response_url: %v", m)
	case <-time.After(200 * time.Millisecond):
	}
}

// fakeAPI is a slacktest server with the Web API methods the adapter calls recorded: every
// form it receives, by method.
type fakeAPI struct {
	*slacktest.Server
	mu      sync.Mutex
	calls   map[string][]url.Values
	got     chan apiCall
	replies []slack.Message // what conversations.replies returns
	// limitNext makes the next chat.postMessage answer 429 with Retry-After: 1.
	limitNext bool
	// fail maps a method to the Slack error it answers with ({"ok":false,"error":…}).
	fail map[string]string
	// needed is the scope a missing_scope error names, as Slack does ("needed", "provided").
	needed string
	// status maps a method to an HTTP status its next call answers with (once), e.g. 500.
	status map[string]int
}

type apiCall struct {
	Method string
	Form   url.Values
	Body   []byte
}

const testBotID = "UBOTFTP"

func newFakeAPI(t *testing.T, extra ...slacktest.Binder) *fakeAPI {
	t.Helper()
	f := &fakeAPI{calls: map[string][]url.Values{}, got: make(chan apiCall, 64), fail: map[string]string{}, status: map[string]int{}}
	record := func(method string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			f.mu.Lock()
			f.calls[method] = append(f.calls[method], form)
			limited := method == "chat.postMessage" && f.limitNext
			f.limitNext = f.limitNext && !limited
			replies := f.replies
			failure := f.fail[method]
			status := f.status[method]
			delete(f.status, method)
			f.mu.Unlock()
			if status != 0 {
				w.WriteHeader(status)
				io.WriteString(w, "upstream trouble")
				f.got <- apiCall{Method: method, Form: form, Body: body}
				return
			}
			if limited {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				f.got <- apiCall{Method: method, Form: form, Body: body}
				return
			}
			w.Header().Set("Content-Type", "application/json")
			if failure != "" {
				answer := map[string]any{"ok": false, "error": failure}
				if failure == "missing_scope" {
					answer["needed"], answer["provided"] = f.needed, "commands,app_mentions:read,chat:write"
				}
				json.NewEncoder(w).Encode(answer)
				f.got <- apiCall{Method: method, Form: form, Body: body}
				return
			}
			switch method {
			case "chat.postMessage":
				json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": form.Get("channel"), "ts": "1700000099.000900"})
			case "conversations.replies":
				json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": replies, "has_more": false})
			case "auth.test":
				json.NewEncoder(w).Encode(map[string]any{"ok": true, "user_id": testBotID, "user": "ftpbot", "team_id": "T1", "bot_id": "B1"})
			default:
				json.NewEncoder(w).Encode(map[string]any{"ok": true})
			}
			f.got <- apiCall{Method: method, Form: form, Body: body}
		}
	}
	binders := append([]slacktest.Binder{func(c slacktest.Customize) {
		for _, m := range []string{"chat.postMessage", "conversations.replies", "views.publish", "auth.test"} {
			c.Handle("/"+m, record(m))
		}
	}}, extra...)
	f.Server = slacktest.NewTestServer(binders...)
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

// next waits for the next Web API call of one of the methods.
func (f *fakeAPI) next(t *testing.T, methods ...string) apiCall {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case c := <-f.got:
			for _, m := range methods {
				if c.Method == m {
					return c
				}
			}
		case <-deadline:
			t.Fatalf("no %v call reached the fake Web API", methods)
		}
	}
}

func (f *fakeAPI) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls[method])
}

// blocksOf decodes the blocks of a response or a chat.postMessage form.
func blocksOf(t *testing.T, v any) []slack.Block {
	t.Helper()
	var raw []byte
	switch x := v.(type) {
	case map[string]any:
		raw, _ = json.Marshal(x["blocks"])
	case url.Values:
		raw = []byte(x.Get("blocks"))
	case []byte:
		raw = x
	default:
		raw, _ = json.Marshal(x)
	}
	var bs slack.Blocks
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("blocks do not decode: %v\n%s", err, raw)
	}
	return bs.BlockSet
}

// headerOf returns the text of the message's header block.
func headerOf(blocks []slack.Block) string {
	for _, b := range blocks {
		if h, ok := b.(*slack.HeaderBlock); ok && h.Text != nil {
			return h.Text.Text
		}
	}
	return ""
}

// buttons returns the message's buttons by action id.
func buttons(blocks []slack.Block) map[string]*slack.ButtonBlockElement {
	out := map[string]*slack.ButtonBlockElement{}
	for _, b := range blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok || a.Elements == nil {
			continue
		}
		for _, el := range a.Elements.ElementSet {
			if btn, ok := el.(*slack.ButtonBlockElement); ok {
				out[btn.ActionID] = btn
			}
		}
	}
	return out
}

// allText joins every text of the blocks, for searching.
func allText(blocks []slack.Block) string {
	b, _ := json.Marshal(blocks)
	var sb strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				sb.WriteString(s + "\n")
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var v any
	json.Unmarshal(b, &v)
	walk(v)
	return sb.String()
}

// testLogger logs everything, down to debug, into buf for the test to inspect.
func testLogger(buf *logtest.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// menu returns the related menu of a message, or nil.
func menu(blocks []slack.Block) *slack.SelectBlockElement {
	for _, b := range blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok || a.Elements == nil {
			continue
		}
		for _, el := range a.Elements.ElementSet {
			if sel, ok := el.(*slack.SelectBlockElement); ok {
				return sel
			}
		}
	}
	return nil
}

// selectAction is a block_actions payload for a choice in a static_select menu, as Slack sends it.
func selectAction(actionID, value, responseURL string, ephemeral bool) map[string]any {
	p := blockActions(actionID, "", responseURL, ephemeral)
	p["actions"] = []map[string]any{{
		"action_id": actionID, "block_id": "actions", "type": "static_select", "action_ts": "1700000001.000200",
		"selected_option": map[string]any{"text": map[string]any{"type": "plain_text", "text": value}, "value": value},
		"placeholder":     map[string]any{"type": "plain_text", "text": "Related codes and topics"},
	}}
	return p
}
