package discord

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
)

// Messages of a troubleshooting thread, as people paste them.
const (
	dLoginLog   = "Status:\tConnecting to 203.0.113.5:21...\nResponse:\t220 (vsFTPd 3.0.3)\nCommand:\tUSER bob\nResponse:\t331 Please specify the password.\nCommand:\tPASS hunter2\nResponse:\t530 Login incorrect.\nError:\tCritical error: Could not connect to server"
	dDataLog    = "Command:\tPASV\nResponse:\t227 Entering Passive Mode (10,0,0,5,195,80)\nCommand:\tLIST\nResponse:\t425 Failed to establish connection."
	dListingLog = "Status:\tRetrieving directory listing...\nCommand:\tPASV\nResponse:\t227 Entering Passive Mode (10,0,0,5,195,80)\nCommand:\tMLSD\nError:\tConnection timed out after 20 seconds of inactivity\nError:\tFailed to retrieve directory listing"
	botUser     = "900"
)

// sourceRE finds the card's link to the message that held the decisive evidence.
var sourceRE = regexp.MustCompile(`from \[[^\]]*\]\(\S+?\)`)

// dmsg is a message as Discord's REST API returns it.
type dmsg struct {
	ID, Author, Content, ReplyTo string
	Bot                          bool
	// Starter makes it a thread's first message pointing at the channel message C0/ReplyTo the
	// thread was started from.
	Starter bool
}

func (m dmsg) json(channel string) map[string]any {
	out := map[string]any{
		"id": m.ID, "channel_id": channel, "type": 0, "content": m.Content,
		"timestamp": "2026-12-02T17:00:00.000000+00:00",
		"author":    map[string]any{"id": m.Author, "username": "user" + m.Author, "bot": m.Bot},
		"mentions":  []any{}, "embeds": []any{}, "attachments": []any{},
	}
	switch {
	case m.Starter:
		out["type"] = 21
		out["message_reference"] = map[string]any{"message_id": m.ReplyTo, "channel_id": "C0", "guild_id": "G1"}
	case m.ReplyTo != "":
		out["type"] = 19
		out["message_reference"] = map[string]any{"message_id": m.ReplyTo, "channel_id": channel, "guild_id": "G1"}
	}
	return out
}

// discordREST is a fake of the Discord REST routes the thread reading uses, reached through the
// session's http.Client: channels, their messages (newest first, as Discord lists them), single
// messages, and the sends and edits that carry answers.
type discordREST struct {
	mu        sync.Mutex
	types     map[string]discordgo.ChannelType // channel id → channel type
	messages  map[string][]dmsg                // channel id → messages, oldest first
	forbidden bool                             // reading messages answers 403 Missing Access
	calls     []call
}

func (f *discordREST) RoundTrip(req *http.Request) (*http.Response, error) {
	raw := []byte(nil)
	if req.Body != nil {
		raw, _ = io.ReadAll(req.Body)
	}
	var body map[string]any
	json.Unmarshal(raw, &body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{req.Method, req.URL.Path, body, raw})
	answer := func(status int, v any) (*http.Response, error) {
		b, _ := json.Marshal(v)
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(string(b))), Request: req}, nil
	}
	parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/api/v"+discordgo.APIVersion+"/"), "/")
	switch {
	case req.Method == http.MethodGet && len(parts) == 2 && parts[0] == "channels":
		typ, ok := f.types[parts[1]]
		if !ok {
			return answer(404, map[string]any{"message": "Unknown Channel", "code": 10003})
		}
		return answer(200, map[string]any{"id": parts[1], "type": typ, "guild_id": "G1", "parent_id": "F1"})
	case req.Method == http.MethodGet && len(parts) >= 3 && parts[0] == "channels" && parts[2] == "messages":
		if f.forbidden {
			return answer(403, map[string]any{"message": "Missing Access", "code": 50001})
		}
		msgs := f.messages[parts[1]]
		if len(parts) == 4 {
			for _, m := range msgs {
				if m.ID == parts[3] {
					return answer(200, m.json(parts[1]))
				}
			}
			return answer(404, map[string]any{"message": "Unknown Message", "code": 10008})
		}
		limit, _ := strconv.Atoi(req.URL.Query().Get("limit"))
		var out []any
		for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- {
			out = append(out, msgs[i].json(parts[1]))
		}
		return answer(200, out)
	case req.Method == http.MethodPost && len(parts) == 3 && parts[2] == "messages":
		return answer(200, map[string]any{"id": "999", "channel_id": parts[1]})
	}
	return answer(200, map[string]any{"id": "1", "channel_id": "2"})
}

// sent returns the calls of one method whose path ends with suffix.
func (f *discordREST) sent(method, suffix string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method && strings.HasSuffix(c.Path, suffix) {
			out = append(out, c)
		}
	}
	return out
}

// cardOf returns the embed's title, its text (description and fields) and its link to the
// decisive message ("from [this message](…)") of a sent message or edit.
func cardOf(t *testing.T, body map[string]any) (title, text, evidence string) {
	t.Helper()
	embeds, _ := body["embeds"].([]any)
	if len(embeds) != 1 {
		t.Fatalf("%d embeds, want 1: %v", len(embeds), body)
	}
	e := embeds[0].(map[string]any)
	title, _ = e["title"].(string)
	text, _ = e["description"].(string)
	fields, _ := e["fields"].([]any)
	for _, f := range fields {
		fm := f.(map[string]any)
		text += "\n" + fmt.Sprint(fm["name"]) + ": " + fmt.Sprint(fm["value"])
	}
	evidence = sourceRE.FindString(text)
	if am, _ := body["allowed_mentions"].(map[string]any); am == nil || len(am["parse"].([]any)) != 0 {
		t.Errorf("allowed_mentions = %v, want an empty parse list", body["allowed_mentions"])
	}
	return title, text, evidence
}

// TestThreadMention: a mention in a thread or forum post reads the thread's recent messages and
// answers from all of them, naming the decisive message; without Read Message History or with
// content withheld, it says what it needs and explains the mention alone.
func TestThreadMention(t *testing.T) {
	tests := []struct {
		name      string
		chanType  discordgo.ChannelType
		thread    []dmsg // before the mention
		parent    []dmsg // the channel C0 the thread was started from
		mention   string
		forbidden bool
		title     string // what the answer's title must contain
		decides   string // else: the title is the one this message gets on its own
		source    string // channel/id of the message linked as decisive; "" = none
		inText    string
		readsAll  bool // the thread's messages are listed
	}{
		{
			name: "forum post: the log in one message, the question in another", chanType: discordgo.ChannelTypeGuildPublicThread,
			thread: []dmsg{
				{ID: "T1", Author: "1", Content: "uploads to the new box fail since this morning"},
				{ID: "M2", Author: "2", Content: dLoginLog},
				{ID: "M3", Author: botUser, Bot: true, Content: "Response: 550 Failed to open file."},
			},
			mention: "<@900> any idea what's wrong?",
			title:   "530", source: "T1/M2", readsAll: true,
		},
		{
			name: "a thread started from a channel message: the message it started from is read", chanType: discordgo.ChannelTypeGuildPublicThread,
			thread: []dmsg{
				{ID: "T1", Author: "1", Starter: true, ReplyTo: "S1"},
				{ID: "M2", Author: "2", Content: "same for me since the firewall change"},
			},
			parent:  []dmsg{{ID: "S1", Author: "1", Content: dDataLog}},
			mention: "<@900> ideas?",
			decides: dDataLog, source: "C0/S1", readsAll: true,
		},
		{
			name: "a question narrows between two logs", chanType: discordgo.ChannelTypeGuildPublicThread,
			thread: []dmsg{
				{ID: "M1", Author: "1", Content: dDataLog},
				{ID: "M2", Author: "2", Content: dLoginLog},
			},
			mention: "<@900> why does the directory listing fail?",
			decides: dDataLog, source: "T1/M1", readsAll: true,
		},
		{
			name: "no Read Message History: the mention alone, and the permission", chanType: discordgo.ChannelTypeGuildPublicThread,
			thread:    []dmsg{{ID: "M1", Author: "1", Content: dLoginLog}},
			mention:   "<@900> 550 Failed to open file.",
			forbidden: true,
			title:     "550", inText: "Read Message History", readsAll: true,
		},
		{
			name: "content withheld: the mention alone, and the intent", chanType: discordgo.ChannelTypeGuildPublicThread,
			thread:  []dmsg{{ID: "M1", Author: "1"}, {ID: "M2", Author: "2"}},
			mention: "<@900> 550 Failed to open file.",
			title:   "550", inText: "Message Content intent", readsAll: true,
		},
		{
			name: "not a thread: the mention's own text", chanType: discordgo.ChannelTypeGuildText,
			thread:  []dmsg{{ID: "M1", Author: "1", Content: dLoginLog}},
			mention: "<@900> 550 Failed to open file.",
			title:   "550",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mention := dmsg{ID: "M9", Author: "1", Content: tt.mention}
			rest := &discordREST{types: map[string]discordgo.ChannelType{"T1": tt.chanType}, messages: map[string][]dmsg{"T1": append(append([]dmsg(nil), tt.thread...), mention), "C0": tt.parent}, forbidden: tt.forbidden}
			a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "100", MessageContent: true, Engine: bottest.Engine(t), Health: &bot.Health{}, Transport: rest})
			if err != nil {
				t.Fatal(err)
			}
			a.rest.State.User = &discordgo.User{ID: botUser}
			var m discordgo.Message
			b, _ := json.Marshal(mention.json("T1"))
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			m.GuildID = "G1"
			m.Mentions = []*discordgo.User{{ID: botUser}}
			a.mention(&m)
			a.workers.Wait()

			posts := rest.sent(http.MethodPost, "/channels/T1/messages")
			if len(posts) != 1 {
				t.Fatalf("%d messages posted, want 1 reply", len(posts))
			}
			if ref, _ := posts[0].Body["message_reference"].(map[string]any); ref == nil || ref["message_id"] != "M9" {
				t.Errorf("the answer replies to %v, want the mention M9", posts[0].Body["message_reference"])
			}
			title, text, evidence := cardOf(t, posts[0].Body)
			if tt.decides != "" {
				tt.title = bottest.Engine(t).Ask(tt.decides).Title
			}
			if !strings.Contains(title, tt.title) {
				t.Errorf("title = %q, want it to name %s\n%s", title, tt.title, text)
			}
			if tt.inText != "" && !strings.Contains(text, tt.inText) {
				t.Errorf("the answer does not say %q:\n%s", tt.inText, text)
			}
			if strings.Contains(text, "hunter2") {
				t.Error("the answer shows a password from the thread")
			}
			want := ""
			if tt.source != "" {
				want = "(https://discord.com/channels/G1/" + tt.source + ")"
			}
			if (want == "") != (evidence == "") || !strings.Contains(evidence, want) {
				t.Errorf("decisive evidence = %q, want a link %q", evidence, want)
			}
			lists := rest.sent(http.MethodGet, "/channels/T1/messages")
			if read := len(lists) > 0; read != tt.readsAll {
				t.Errorf("thread listed: %v, want %v", read, tt.readsAll)
			}
		})
	}
}

// TestMessageCommandReplyChain: "Explain FTP error" on a message that replies to others reads
// the chain (deferred, then the answer is edited in) and names the decisive message; without the
// intent or the permission it says which and explains the target alone.
func TestMessageCommandReplyChain(t *testing.T) {
	chain := []dmsg{
		{ID: "M1", Author: "1", Content: dListingLog},
		{ID: "M2", Author: "2", Content: "server log says: 550 Permission denied.", ReplyTo: "M1"},
		{ID: "M3", Author: "1", Content: "what does this mean?", ReplyTo: "M2"},
	}
	tests := []struct {
		name           string
		target         string
		messageContent bool
		forbidden      bool
		title          string
		source         string
		inText         string
		reads          int // single-message reads
	}{
		{name: "the server's line up the chain decides", target: "M3", messageContent: true, title: "550", source: "M2", reads: 2},
		{name: "without the intent: the target alone", target: "M2", title: "550", inText: "Message Content intent"},
		{name: "without the permission: the target alone", target: "M2", messageContent: true, forbidden: true, title: "550", inText: "Read Message History", reads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest := &discordREST{messages: map[string][]dmsg{"C1": chain}, forbidden: tt.forbidden}
			s := newSigner(t)
			a, err := New(Options{Mode: "http", PublicKey: hex.EncodeToString(s.pub), BotToken: "tkn", ApplicationID: "100",
				MessageContent: tt.messageContent, Engine: bottest.Engine(t), Health: &bot.Health{}, Transport: rest})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			for p, h := range a.Routes() {
				mux.Handle(p, h)
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()

			var target dmsg
			for _, m := range chain {
				if m.ID == tt.target {
					target = m
				}
			}
			i := map[string]any{
				"type": 2, "id": "I1", "application_id": "100", "token": "tok", "channel_id": "C1", "guild_id": "G1",
				"member": map[string]any{"user": map[string]any{"id": "7", "username": "ada"}},
				"data": map[string]any{"id": "c", "name": ContextMenuName, "type": 3, "target_id": target.ID,
					"resolved": map[string]any{"messages": map[string]any{target.ID: target.json("C1")}}},
			}
			body, _ := json.Marshal(i)
			status, out := post(t, s.request(t, srv.URL+"/discord/interactions", body, time.Now()))
			if status != 200 || out["type"] != float64(discordgo.InteractionResponseDeferredChannelMessageWithSource) {
				t.Fatalf("response: status %d, %v; want a deferred answer", status, out)
			}
			a.workers.Wait()
			edits := rest.sent(http.MethodPatch, "/webhooks/100/tok/messages/@original")
			if len(edits) != 1 {
				t.Fatalf("%d edits of the deferred answer, want 1", len(edits))
			}
			title, text, evidence := cardOf(t, edits[0].Body)
			if !strings.Contains(title, tt.title) {
				t.Errorf("title = %q, want it to name %s\n%s", title, tt.title, text)
			}
			if tt.inText != "" && !strings.Contains(text, tt.inText) {
				t.Errorf("the answer does not say %q:\n%s", tt.inText, text)
			}
			want := ""
			if tt.source != "" {
				want = "(https://discord.com/channels/G1/C1/" + tt.source + ")"
			}
			if (want == "") != (evidence == "") || !strings.Contains(evidence, want) {
				t.Errorf("decisive evidence = %q, want a link %q", evidence, want)
			}
			if n := len(rest.sent(http.MethodGet, "")); n != tt.reads {
				t.Errorf("%d REST reads, want %d (the chain, bounded)", n, tt.reads)
			}
		})
	}
}

// TestMessageCommandAlone: a message that replies to nothing is answered at once, with no reads.
func TestMessageCommandAlone(t *testing.T) {
	rest := &discordREST{}
	s := newSigner(t)
	a, srv := newHTTPAdapter(t, s, rest, false)
	target := dmsg{ID: "M1", Author: "1", Content: "Response: 530 Login incorrect."}
	body, _ := json.Marshal(map[string]any{
		"type": 2, "id": "I1", "application_id": "100", "token": "tok", "channel_id": "C1", "guild_id": "G1",
		"member": map[string]any{"user": map[string]any{"id": "7", "username": "ada"}},
		"data": map[string]any{"id": "c", "name": ContextMenuName, "type": 3, "target_id": "M1",
			"resolved": map[string]any{"messages": map[string]any{"M1": target.json("C1")}}},
	})
	status, out := post(t, s.request(t, srv.URL+"/discord/interactions", body, time.Now()))
	a.workers.Wait()
	if status != 200 || out["type"] != float64(discordgo.InteractionResponseChannelMessageWithSource) {
		t.Fatalf("response: status %d, %v; want the answer at once", status, out)
	}
	if title, _ := embed(out["data"].(map[string]any))["title"].(string); !strings.Contains(title, "530") {
		t.Errorf("title = %q, want 530", title)
	}
	if n := len(rest.sent(http.MethodGet, "")); n != 0 {
		t.Errorf("%d REST reads for a message that replies to nothing", n)
	}
}
