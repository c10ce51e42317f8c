package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/google/go-cmp/cmp"
)

// Messages of the threads below: what people paste in a troubleshooting thread.
const (
	loginLog = "Status:\tConnecting to 203.0.113.5:21...\nResponse:\t220 (vsFTPd 3.0.3)\nCommand:\tUSER bob\nResponse:\t331 Please specify the password.\nCommand:\tPASS hunter2\nResponse:\t530 Login incorrect.\nError:\tCritical error: Could not connect to server"
	// A listing that times out after the server named a passive port: the client's error.
	listingLog = "Status:\tRetrieving directory listing...\nCommand:\tPASV\nResponse:\t227 Entering Passive Mode (203,0,113,5,195,80)\nCommand:\tMLSD\nError:\tConnection timed out after 20 seconds of inactivity\nError:\tFailed to retrieve directory listing"
	// A download refused: a server's reply line.
	refusedLog = "Command:\tRETR report.csv\nResponse:\t550 Failed to open file.\nError:\tCritical file transfer error"
	dataLog    = "Command:\tPASV\nResponse:\t227 Entering Passive Mode (203,0,113,5,195,80)\nCommand:\tLIST\nResponse:\t425 Failed to establish connection."
	botCard    = "Failed at login: 530 Not logged in\nThe server refused PASS with 530."
)

func msg(id, text string) bot.Message {
	return bot.Message{ID: id, Link: "https://chat.example/m/" + id, Author: "U" + id, Text: text}
}

// TestDiagnose: the decisive message of a thread is the strongest evidence; a question narrows,
// it does not decide; the bot's own messages are skipped.
func TestDiagnose(t *testing.T) {
	e := bottest.Engine(t)
	tests := []struct {
		name     string
		thread   bot.Thread
		first    string   // Matches[0].ID of the answer, when decides is not set
		decides  string   // the id of the message whose own answer (Ask) the thread's answer must be
		source   string   // the id of the message EvidenceSource links to; "" = none
		evidence []string // Reply.Evidence; nil = only checked to be there when source is set
		noLines  bool     // Reply.Evidence must be empty
		inBody   string   // text somewhere in the answer
		kind     bot.Kind // the answer's kind; "" = not checked
	}{
		{
			name: "log, then a question in words",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "can't log in to the new box since this morning"),
				msg("2", loginLog),
				msg("3", "any idea what's wrong?"),
			}},
			decides: "2", source: "2",
		},
		{
			name: "the server's reply line beats the client's log",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "server side says: 550 Permission denied."),
				msg("2", listingLog),
				msg("3", "what does this mean?"),
			}, Focus: "3"},
			decides: "1", source: "1", evidence: []string{"server side says: 550 Permission denied."},
		},
		{
			name: "the client's log alone decides over a question",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "why is the listing so slow?"),
				msg("2", listingLog),
			}},
			decides: "2", source: "2",
		},
		{
			name: "a log in a code block, a line in inline code",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "```\n"+dataLog+"\n```"),
				msg("2", "and the server log has `530 Login incorrect.`"),
				msg("3", "`550 Failed to open file.`"),
				msg("4", "why does the directory listing fail?"),
			}},
			decides: "1", source: "1",
		},
		{
			name: "a reply line in inline code is evidence",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "`550 Failed to open file.`"),
				msg("2", "any idea?"),
			}},
			decides: "1", source: "1", evidence: []string{"550 Failed to open file."},
		},
		{
			name: "the bot's own card is skipped",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", refusedLog),
				{ID: "2", Text: botCard, FromBot: true},
				msg("3", "thanks, and this?"),
			}},
			decides: "1", source: "1",
		},
		{
			name: "a question narrows between two failures",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", dataLog),
				msg("2", loginLog),
				msg("3", "why does the directory listing fail?"),
			}},
			decides: "1", source: "1",
		},
		{
			name: "without a question the latest failure decides",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", dataLog),
				msg("2", loginLog),
			}},
			decides: "2", source: "2",
		},
		{
			name: "the pointed-at message wins a tie",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", dataLog),
				msg("2", loginLog),
				msg("3", "same here"),
			}, Focus: "1"},
			decides: "1", source: "1",
		},
		{
			name: "a code asked about picks the message with its reply",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", loginLog),
				msg("2", refusedLog),
				msg("3", "what does 530 mean?"),
			}},
			decides: "1", source: "1",
		},
		{
			name: "a code asked about that no message holds is answered as asked",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", refusedLog),
				msg("2", "331"),
			}},
			first: "331", source: "", noLines: true,
		},
		{
			name: "no evidence: the problem as first told",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "should I use passive mode behind NAT?"),
				msg("2", "what does this mean?"),
			}},
			first: "pasv-epsv-nat", source: "", noLines: true,
		},
		{
			name: "the server named in another message",
			thread: bot.Thread{Messages: []bot.Message{
				msg("1", "it's a Debian box running vsftpd 3.0.3"),
				msg("2", "on upload: Response: 553 Could not create file."),
			}},
			decides: "2", source: "2", inBody: "vsftpd",
		},
		{
			name:    "a notice says what could not be read",
			thread:  bot.Thread{Messages: []bot.Message{msg("1", "550 Failed to open file.")}, Notice: "I need the channels:history scope to read the whole thread."},
			decides: "1", source: "", evidence: []string{"550 Failed to open file."}, inBody: "channels:history",
		},
		{
			name: "a bare mention with nothing else gets help",
			thread: bot.Thread{Messages: []bot.Message{
				{ID: "1", Text: botCard, FromBot: true},
				msg("2", ""),
			}},
			first: "", source: "", noLines: true, kind: bot.KindHelp,
		},
		{
			name:   "an empty thread gets help",
			thread: bot.Thread{Messages: []bot.Message{{ID: "1", Text: "", FromBot: true}}},
			first:  "", source: "", noLines: true, kind: bot.KindHelp,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Diagnose(tt.thread)
			want := tt.first
			if tt.decides != "" {
				// The decisive message's own answer, whatever the knowledge says about it: this
				// tests which message decides, not what the engine answers a log with.
				for _, m := range tt.thread.Messages {
					if m.ID == tt.decides {
						own := e.Ask(m.Text)
						want = firstID(own)
						if own.Title != r.Title {
							t.Errorf("Diagnose: title %q, want message %s's own %q", r.Title, tt.decides, own.Title)
						}
					}
				}
			}
			if want == "" {
				want = firstID(bot.Reply{}) // no match at all
			}
			if first := firstID(r); first != want {
				t.Errorf("Diagnose: Matches[0] = %q, want %q (title %q)", first, want, r.Title)
			}
			switch {
			case tt.source == "" && r.EvidenceSource != nil:
				t.Errorf("EvidenceSource = %+v, want none", r.EvidenceSource)
			case tt.source != "" && (r.EvidenceSource == nil || r.EvidenceSource.URL != "https://chat.example/m/"+tt.source || r.EvidenceSource.Label == ""):
				t.Errorf("EvidenceSource = %+v, want a labelled link to message %s", r.EvidenceSource, tt.source)
			}
			if tt.noLines && len(r.Evidence) > 0 {
				t.Errorf("Evidence = %q, want none", r.Evidence)
			}
			if tt.source != "" && (len(r.Evidence) == 0 || len(r.Evidence) > bot.MaxEvidence) {
				t.Errorf("Evidence = %q, want 1 to %d lines", r.Evidence, bot.MaxEvidence)
			}
			if tt.evidence != nil {
				if diff := cmp.Diff(tt.evidence, r.Evidence); diff != "" {
					t.Errorf("Evidence (-want +got):\n%s", diff)
				}
			}
			if tt.kind != "" && r.Kind != tt.kind {
				t.Errorf("Kind = %s, want %s", r.Kind, tt.kind)
			}
			if r.Stable {
				t.Error("a thread's answer is Stable; it depends on more than its Query")
			}
			if tt.inBody != "" && !strings.Contains(r.Notice+"\n"+flatten(r), tt.inBody) {
				t.Errorf("the answer does not mention %q:\n%s\n%s", tt.inBody, r.Notice, flatten(r))
			}
			for _, l := range r.Evidence {
				if strings.Contains(l, "hunter2") {
					t.Errorf("evidence shows a password: %q", l)
				}
			}
		})
	}
}

// TestDiagnoseNotice: the notice is the answer's Notice and leads its card, within the card's
// budget, however much else the card holds.
func TestDiagnoseNotice(t *testing.T) {
	e := bottest.Engine(t)
	notice := "I could read only this message. To read the whole thread I need the channels:history scope."
	for _, text := range []string{"530 Login incorrect.", loginLog, "qwzx pltk", ""} {
		r := e.Diagnose(bot.Thread{Messages: []bot.Message{msg("1", text)}, Notice: notice})
		if r.Notice != notice {
			t.Errorf("%q: Notice = %q, want %q", short(text), r.Notice, notice)
		}
		if c := r.Card(); c.Notice != notice || c.Size() > bot.CardBudget {
			t.Errorf("%q: card notice %q, size %d (budget %d)", short(text), c.Notice, c.Size(), bot.CardBudget)
		}
	}
	// The engine's cached single-message answer is not changed by the thread's.
	if single := e.Ask("530 Login incorrect."); single.Notice != "" {
		t.Error("the notice leaked into the cached answer of the message on its own")
	}
}

// TestHandleThread: a request with a thread goes through the registry: "help" and "check" are
// still commands, anything else is answered from the thread.
func TestHandleThread(t *testing.T) {
	e := bottest.Engine(t)
	th := &bot.Thread{Messages: []bot.Message{msg("1", loginLog), msg("2", "what is this?")}}
	r := e.Handle(context.Background(), bot.Request{Text: "what is this?", Platform: "test", Thread: th})
	if r.EvidenceSource == nil || len(r.Matches) == 0 || r.Matches[0].ID != "530" {
		t.Errorf("Handle with a thread = %q %v, want the log's 530 with its source", r.Title, r.EvidenceSource)
	}
	if r.Query != "what is this?" {
		t.Errorf("Query = %q", r.Query)
	}
	if r := e.Handle(context.Background(), bot.Request{Text: "help", Platform: "test", Thread: th}); r.Kind != bot.KindHelp {
		t.Errorf("help in a thread = %s, want help", r.Kind)
	}
}

// TestDiagnoseBounded: only the last MaxThreadMessages messages are read.
func TestDiagnoseBounded(t *testing.T) {
	e := bottest.Engine(t)
	msgs := []bot.Message{msg("old", loginLog)}
	for i := 0; i < bot.MaxThreadMessages; i++ {
		msgs = append(msgs, msg("chat", "still looking"))
	}
	r := e.Diagnose(bot.Thread{Messages: msgs})
	if r.EvidenceSource != nil {
		t.Errorf("a message older than the last %d was read: %+v", bot.MaxThreadMessages, r.EvidenceSource)
	}
}

// FuzzDiagnose: any thread gets an answer, never more evidence lines than MaxEvidence and never
// a line that carries a credential.
func FuzzDiagnose(f *testing.F) {
	e := bottest.Engine(f)
	for _, s := range []string{loginLog, dataLog, "```\n" + refusedLog + "\n```", "`530`", "what does this mean?", "", "PASS x\n530 no"} {
		f.Add(s, "why does the listing fail?")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		r := e.Diagnose(bot.Thread{Messages: []bot.Message{msg("1", a), msg("2", b), msg("3", a+"\n"+b)}})
		if r.Kind == "" || r.Title == "" {
			t.Fatalf("no answer: %+v", r)
		}
		if len(r.Evidence) > bot.MaxEvidence {
			t.Errorf("%d evidence lines", len(r.Evidence))
		}
		for _, l := range r.Evidence {
			if bot.CarriesCredential(l) {
				t.Errorf("evidence line carries a credential: %q", l)
			}
		}
	})
}

// BenchmarkDiagnose reads a thread of the largest size read: logs, lines and chatter, every
// message different (nothing comes from the engine's cache).
func BenchmarkDiagnose(b *testing.B) {
	e := bottest.Engine(b)
	var msgs []bot.Message
	for i := 0; len(msgs) < bot.MaxThreadMessages; i++ {
		for _, text := range []string{loginLog, "any idea?", dataLog, "server side says: 550 Permission denied.", "why does the directory listing fail?"} {
			msgs = append(msgs, msg(fmt.Sprint(len(msgs)), text+strings.Repeat(" ", i)))
		}
	}
	th := bot.Thread{Messages: msgs[:bot.MaxThreadMessages]}
	b.ReportAllocs()
	for b.Loop() {
		e.Diagnose(th)
	}
}
