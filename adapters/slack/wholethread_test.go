package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// Messages of a troubleshooting thread, as people paste them.
const (
	tLoginLog = "Status:\tConnecting to 203.0.113.5:21...\nResponse:\t220 (vsFTPd 3.0.3)\nCommand:\tUSER bob\nResponse:\t331 Please specify the password.\nCommand:\tPASS hunter2\nResponse:\t530 Login incorrect.\nError:\tCritical error: Could not connect to server"
	tDataLog  = "Command:\tPASV\nResponse:\t227 Entering Passive Mode (10,0,0,5,195,80)\nCommand:\tLIST\nResponse:\t425 Failed to establish connection."
	// ftpbot's own earlier answer in the thread: it must not be read as evidence.
	tOwnCard = "Failed at login: 530 Not logged in. Response: 530 Login incorrect."
)

// withPermalinks adds chat.getPermalink to the fake Web API, answering as Slack does
// ({"ok":true,"channel":…,"permalink":…}) and recording the call.
func withPermalinks(f **fakeAPI) slacktest.Binder {
	return func(c slacktest.Customize) {
		c.Handle("/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm() // slack-go sends this one as a GET with a query string
			(*f).mu.Lock()
			(*f).calls["chat.getPermalink"] = append((*f).calls["chat.getPermalink"], r.Form)
			(*f).mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if r.Form.Get("channel") != "C1" || r.Form.Get("message_ts") == "" {
				json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "message_not_found"})
				return
			}
			link := "https://example.slack.com/archives/C1/p" + strings.ReplaceAll(r.Form.Get("message_ts"), ".", "")
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C1", "permalink": link})
		})
	}
}

func newThreadAPI(t *testing.T) *fakeAPI {
	t.Helper()
	var f *fakeAPI
	f = newFakeAPI(t, withPermalinks(&f))
	return f
}

// threadMsg is a message of the thread rooted at parentTS, as conversations.replies returns it.
func threadMsg(ts, user, text string) slack.Message {
	m := slack.Message{Msg: slack.Msg{Type: "message", User: user, Text: text, Timestamp: ts, ThreadTimestamp: parentTS}}
	if user == testBotID {
		m.BotID = "B1"
	}
	return m
}

// appMsg is a message an app posted without a bot user (an alert, or an answer through a
// response_url): it carries the app's bot profile.
func appMsg(ts, app, text string) slack.Message {
	m := slack.Message{Msg: slack.Msg{Type: "message", SubType: "bot_message", BotID: "B" + app, Text: text, Timestamp: ts, ThreadTimestamp: parentTS,
		BotProfile: &slack.BotProfile{ID: "B" + app, AppID: app, Name: "app " + app}}}
	return m
}

// evidenceLine returns the card's link to the decisive message ("from <permalink|this
// message>"), or "".
func evidenceLine(blocks []slack.Block) string {
	return sourceRE.FindString(allText(blocks))
}

var sourceRE = regexp.MustCompile(`from <[^|<>]+\|[^<>]*>`)

// TestThreadDiagnosis: a mention or the shortcut in a thread reads the thread and answers from
// all of it: the log in one message, the question in another; the card links the message that
// decided. Without the history scope, it says which scope it needs and explains the one
// message it has.
func TestThreadDiagnosis(t *testing.T) {
	const (
		logTS      = "1700000010.000200"
		ownTS      = "1700000020.000300"
		questionTS = "1700000030.000400"
	)
	tests := []struct {
		name     string
		thread   []slack.Message // the thread before the mention (or including the message the shortcut is on)
		mention  string          // text of the mention; "" = the shortcut is used on shortcutOn
		shortcut string          // ts of the message the shortcut is used on
		fail     string          // conversations.replies error
		needed   string          // the scope a missing_scope error names
		header   string          // what the header must contain
		decides  string          // else: the header is the one this message gets on its own
		source   string          // ts of the message the evidence line links to; "" = no line
		inText   string          // text somewhere in the card
	}{
		{
			name: "mention: the log in one message, the question in another",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", "uploads to the new box fail since this morning"),
				threadMsg(logTS, "U2BOB", tLoginLog),
				threadMsg(questionTS, "U1ADA", "any idea what's wrong?"),
			},
			mention: "<@UBOTFTP> what does this mean?",
			header:  "530 Not logged in", source: logTS,
		},
		{
			name: "mention: a question in words narrows between two logs",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", tDataLog),
				threadMsg(logTS, "U2BOB", tLoginLog),
			},
			mention: "<@UBOTFTP> why does the directory listing fail?",
			decides: tDataLog, source: parentTS,
		},
		{
			name: "mention: ftpbot's own answer is skipped",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", "Response: 550 Failed to open file."),
				threadMsg(ownTS, testBotID, tOwnCard),
			},
			mention: "<@UBOTFTP> and now?",
			header:  "550", source: parentTS,
		},
		{
			name: "mention: an answer ftpbot posted through a response_url is skipped too",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", "Response: 550 Failed to open file."),
				appMsg(ownTS, "A1", tLoginLog),
			},
			mention: "<@UBOTFTP> and now?",
			header:  "550", source: parentTS,
		},
		{
			name: "mention: another app's alert is evidence",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", "nightly upload failed again"),
				appMsg(ownTS, "A9ALERTS", tLoginLog),
			},
			mention: "<@UBOTFTP> why?",
			header:  "530", source: ownTS,
		},
		{
			name: "shortcut on the question: the log elsewhere in the thread decides",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", "anyone seen this?"),
				threadMsg(logTS, "U2BOB", tDataLog),
				threadMsg(questionTS, "U1ADA", "why does the listing hang?"),
			},
			shortcut: questionTS,
			decides:  tDataLog, source: logTS, inText: "Asked by <@U2SHARER>",
		},
		{
			name: "mention without the history scope: the one message, and the scope",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", tLoginLog),
			},
			mention: "<@UBOTFTP> 550 Failed to open file.",
			fail:    "missing_scope", needed: "groups:history",
			header: "550", inText: "groups:history",
		},
		{
			name: "shortcut not in the channel: the one message, and what to do",
			thread: []slack.Message{
				threadMsg(parentTS, "U1ADA", "can't list the directory"),
				threadMsg(logTS, "U2BOB", tDataLog),
			},
			shortcut: logTS,
			fail:     "not_in_channel",
			decides:  tDataLog, inText: "channels:history",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newThreadAPI(t)
			api.replies = tt.thread
			if tt.fail != "" {
				api.fail["conversations.replies"] = tt.fail
				api.needed = tt.needed
			}
			h := newHTTPAdapter(t, Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
			hk := newHook(t)
			mentionTS := "1700000050.000900"
			if tt.mention != "" {
				post(t, h.srv, "/slack/events", "application/json", mentionEvent("EvT"+string(rune('a'+i)), tt.mention, parentTS, mentionTS), h.now)
			} else {
				var on slack.Message
				for _, m := range tt.thread {
					if m.Timestamp == tt.shortcut {
						on = m
					}
				}
				post(t, h.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
					interactionForm(messageActionBy(on.Text, on.Timestamp, parentTS, on.User, hk.URL())), h.now)
			}
			call := api.next(t, "chat.postMessage")
			if got := call.Form.Get("thread_ts"); got != parentTS {
				t.Errorf("answered in thread %q, want %q", got, parentTS)
			}
			blocks := blocksOf(t, call.Form)
			text := allText(blocks)
			want := tt.header
			if tt.decides != "" {
				// Its start: a header may be shortened.
				want = string([]rune(testEngine(t).Ask(tt.decides).Title)[:30])
			}
			if hdr := headerOf(blocks); !strings.Contains(hdr, want) {
				t.Errorf("header = %q, want it to name %q\n%s", hdr, want, text)
			}
			if tt.inText != "" && !strings.Contains(text, tt.inText) {
				t.Errorf("the card does not say %q:\n%s", tt.inText, text)
			}
			if strings.Contains(text, "hunter2") {
				t.Error("the card shows a password from the thread")
			}
			line := evidenceLine(blocks)
			switch {
			case tt.source == "" && line != "":
				t.Errorf("evidence line %q, want none", line)
			case tt.source != "":
				want := "https://example.slack.com/archives/C1/p" + strings.ReplaceAll(tt.source, ".", "")
				if tt.source != parentTS {
					want += "?" + url.Values{"cid": {"C1"}, "thread_ts": {parentTS}}.Encode()
				}
				if !strings.Contains(line, "<"+want+"|") {
					t.Errorf("evidence line = %q, want a link to %s", line, want)
				}
			}

			// How the thread was read: conversations.replies for the thread's root, bounded, and
			// one chat.getPermalink at most.
			if n := api.count("conversations.replies"); n != 1 {
				t.Fatalf("conversations.replies called %d times, want 1", n)
			}
			api.mu.Lock()
			f := api.calls["conversations.replies"][0]
			links := len(api.calls["chat.getPermalink"])
			api.mu.Unlock()
			if f.Get("channel") != "C1" || f.Get("ts") != parentTS || f.Get("limit") != "100" {
				t.Errorf("conversations.replies asked for channel=%s ts=%s limit=%s", f.Get("channel"), f.Get("ts"), f.Get("limit"))
			}
			if tt.mention != "" && f.Get("latest") != mentionTS {
				t.Errorf("conversations.replies latest = %q, want the mention's ts", f.Get("latest"))
			}
			if wantLinks := map[bool]int{true: 0, false: 1}[tt.fail != ""]; links != wantLinks {
				t.Errorf("chat.getPermalink called %d times, want %d", links, wantLinks)
			}
		})
	}
}

// messageActionBy is a message shortcut payload on a message by author in a thread.
func messageActionBy(text, ts, threadTS, author, responseURL string) map[string]any {
	p := messageAction(text, ts, threadTS, responseURL)
	p["message"].(map[string]any)["user"] = author
	p["api_app_id"] = "A1"
	return p
}

// TestHistoryNotice: the line that says what ftpbot needs names the scope for each kind of
// conversation, preferring the scope Slack itself names.
func TestHistoryNotice(t *testing.T) {
	tests := []struct {
		err     error
		channel string
		want    string
	}{
		{slack.SlackErrorResponse{Err: "missing_scope", Needed: "mpim:history"}, "G1", "mpim:history scope"},
		{slack.SlackErrorResponse{Err: "missing_scope"}, "D1", "im:history scope"},
		{slack.SlackErrorResponse{Err: "missing_scope"}, "G1", "groups:history scope"},
		{slack.SlackErrorResponse{Err: "not_in_channel"}, "C1", "/invite @ftpbot"},
		{slack.SlackErrorResponse{Err: "ratelimited"}, "C1", "did not let me"},
	}
	for _, tt := range tests {
		if got := historyNotice(tt.err, tt.channel); !strings.Contains(got, tt.want) || strings.Contains(got, "\n") {
			t.Errorf("historyNotice(%v, %s) = %q, want one line with %q", tt.err, tt.channel, got, tt.want)
		}
	}
}

// pagedAPI is a webAPI whose conversations.replies serves a long thread in pages, as Slack does
// (oldest first, has_more and a cursor), and whose chat.getPermalink fails.
type pagedAPI struct {
	webAPI
	thread []slack.Message
	pages  int
}

func (p *pagedAPI) GetConversationRepliesContext(_ context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error) {
	p.pages++
	start, _ := strconv.Atoi(params.Cursor)
	end := min(start+params.Limit, len(p.thread))
	more := end < len(p.thread)
	next := ""
	if more {
		next = strconv.Itoa(end)
	}
	return p.thread[start:end], more, next, nil
}

func (p *pagedAPI) GetPermalinkContext(context.Context, *slack.PermalinkParameters) (string, error) {
	return "", slack.SlackErrorResponse{Err: "message_not_found"}
}

// TestReadThreadBounded: a long thread is read in pages, at most maxReplyPages, and only its
// last bot.MaxThreadMessages messages are kept; without a permalink, links are empty.
func TestReadThreadBounded(t *testing.T) {
	tests := []struct {
		messages  int
		wantPages int
		wantFirst int // index of the first message kept
	}{
		{40, 1, 0},
		{250, 3, 150},
		{2000, maxReplyPages, maxReplyPages*bot.MaxThreadMessages - bot.MaxThreadMessages},
	}
	for _, tt := range tests {
		api := &pagedAPI{}
		for i := 0; i < tt.messages; i++ {
			api.thread = append(api.thread, threadMsg(fmt.Sprintf("1700000000.%06d", i), "U1ADA", fmt.Sprintf("message %d", i)))
		}
		a, err := New(Options{Mode: "http", SigningSecret: testSecret, Engine: testEngine(t)})
		if err != nil {
			t.Fatal(err)
		}
		a.api = api
		msgs, err := a.readThread(context.Background(), "C1", parentTS, "", ownIDs{user: testBotID})
		if err != nil {
			t.Fatal(err)
		}
		if api.pages != tt.wantPages {
			t.Errorf("%d messages: read %d pages, want %d", tt.messages, api.pages, tt.wantPages)
		}
		if len(msgs) != min(tt.messages, bot.MaxThreadMessages) || msgs[0].Text != fmt.Sprintf("message %d", tt.wantFirst) {
			t.Errorf("%d messages: kept %d from %q, want %d from message %d", tt.messages, len(msgs), msgs[0].Text, min(tt.messages, bot.MaxThreadMessages), tt.wantFirst)
		}
		if msgs[0].Link != "" {
			t.Errorf("link %q without a permalink from Slack", msgs[0].Link)
		}
	}
}
