package chatkit

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
)

func TestWorkersBound(t *testing.T) {
	var busy atomic.Int32
	w := NewWorkers(WorkerOptions{Max: 2, Name: "test", OnBusy: func() { busy.Add(1) }})
	release := make(chan struct{})
	var running, most atomic.Int32
	for i := 0; i < 5; i++ {
		w.Go(time.Second, func(ctx context.Context) {
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			<-release
			running.Add(-1)
		})
	}
	time.Sleep(50 * time.Millisecond)
	if w.TryGo(time.Second, func(context.Context) {}) {
		t.Error("TryGo ran a job while every worker was busy")
	}
	close(release)
	w.Shutdown(time.Second)
	if most.Load() != 2 {
		t.Errorf("at most %d jobs ran at once, want 2", most.Load())
	}
	if w.Go(time.Second, func(context.Context) {}) || w.TryGo(time.Second, func(context.Context) {}) {
		t.Error("a job started after Shutdown")
	}
	if busy.Load() != 0 {
		t.Errorf("%d jobs dropped, want none", busy.Load())
	}
}

func TestWorkersDropWhenBusyTooLong(t *testing.T) {
	var busy atomic.Int32
	w := NewWorkers(WorkerOptions{Max: 1, Name: "test", OnBusy: func() { busy.Add(1) }})
	release := make(chan struct{})
	w.Go(time.Second, func(context.Context) { <-release })
	time.Sleep(20 * time.Millisecond)
	w.Go(30*time.Millisecond, func(context.Context) { t.Error("a job ran past its timeout") })
	time.Sleep(100 * time.Millisecond)
	close(release)
	w.Shutdown(time.Second)
	if busy.Load() != 1 {
		t.Errorf("dropped %d, want 1", busy.Load())
	}
}

func TestWorkersShutdownCancelsAndRecovers(t *testing.T) {
	w := NewWorkers(WorkerOptions{Max: 2, Name: "test"})
	w.Go(time.Minute, func(context.Context) { panic("boom") })
	cancelled := make(chan bool, 1)
	w.Go(time.Minute, func(ctx context.Context) { <-ctx.Done(); cancelled <- true })
	time.Sleep(20 * time.Millisecond)
	w.Shutdown(10 * time.Millisecond)
	select {
	case <-cancelled:
	default:
		t.Error("a running job was not cancelled at shutdown")
	}
}

func TestFit(t *testing.T) {
	size := func(s bot.Section) int {
		n := len(s.Heading) + len(s.Body)
		for _, it := range s.Items {
			n += len(it)
		}
		return n
	}
	secs := []bot.Section{
		{Heading: "fix", Items: []string{"aaaaa", "bbbbb", "ccccc"}, Ordered: true},
		{Heading: "bg", Body: "para one\n\npara two"},
		{Heading: "log", Body: "l1\nl2\nl3", Pre: true},
	}
	tests := []struct {
		name   string
		budget int
		want   string
		cut    bool
	}{
		{"all fits", 1000, "fix[aaaaa bbbbb ccccc] bg[para one\n\npara two] log[l1\nl2\nl3]", false},
		{"cut at an item", 15, "fix[aaaaa bbbbb]", true},
		{"cut at a paragraph", 18 + 12, "fix[aaaaa bbbbb ccccc] bg[para one]", true},
		{"cut at a line", 18 + 20 + 6, "fix[aaaaa bbbbb ccccc] bg[para one\n\npara two] log[l1]", true},
		{"nothing fits", 2, "", true},
	}
	for _, tc := range tests {
		kept, cut := Fit(secs, size, tc.budget)
		var got []string
		for _, s := range kept {
			got = append(got, s.Heading+"["+strings.Join(s.Items, " ")+s.Body+"]")
		}
		if g := strings.Join(got, " "); g != tc.want || cut != tc.cut {
			t.Errorf("%s: Fit = %q, %v; want %q, %v", tc.name, g, cut, tc.want, tc.cut)
		}
	}
}

func TestQuestions(t *testing.T) {
	q := NewQuestions(4)
	log := strings.Repeat("Response: 530 Login incorrect.\n", 20)
	tok := q.MoreToken(bot.Reply{ID: "530", Query: log})
	if len("ftp:more:"+tok) > 100 {
		t.Errorf("token %q does not fit a Discord custom_id", tok)
	}
	if got := q.MoreQuestion(tok); got != log {
		t.Errorf("MoreQuestion = %q, want the log", got)
	}
	if got := NewQuestions(4).MoreQuestion(tok); got != "530" {
		t.Errorf("MoreQuestion on another instance = %q, want the id 530", got)
	}
}

func TestHTTPError(t *testing.T) {
	rec := httptest.NewRecorder()
	HTTPError(rec, 401, "invalid request signature")
	if rec.Code != 401 || rec.Header().Get("Content-Type") != "application/json" || !strings.Contains(rec.Body.String(), `"error":"invalid request signature"`) {
		t.Errorf("HTTPError wrote %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

func TestSlowAndVisibility(t *testing.T) {
	if !Slow("check ftp.example.com") || Slow("530") || !Slow(strings.Repeat("x", SlowTextBytes+1)) {
		t.Error("Slow: a live check and a long paste are slow, a code is not")
	}
	if Public(bot.Reply{Kind: bot.KindError, Visibility: bot.InChannel}, bot.InChannel) {
		t.Error("an error went to the channel")
	}
	if !Public(bot.Reply{Kind: bot.KindCode}, bot.InChannel) || Public(bot.Reply{Kind: bot.KindCode}, bot.Ephemeral) {
		t.Error("Public ignores the default")
	}
}

func TestLead(t *testing.T) {
	m := Markup{
		Escape: strings.ToUpper,
		Bold:   func(s string) string { return "*" + s + "*" },
		Italic: func(s string) string { return "_" + s + "_" },
		Code:   func(s string) string { return "`" + s + "`" },
		Fence:  func(ls []string) string { return "```" + strings.Join(ls, "|") + "```" },
		Link: func(u, label string) string {
			if !strings.HasPrefix(u, "https://") {
				return ""
			}
			return "[" + label + "](" + u + ")"
		},
	}
	tests := []struct {
		name string
		card bot.Card
		want string
	}{
		{"meaning only", bot.Card{Meaning: "it failed"}, "IT FAILED"},
		{"one line", bot.Card{EvidenceLabel: "said", Evidence: []string{"550 x"}, Meaning: "m"}, "*SAID:* `550 x`\nM"},
		{"log from a message", bot.Card{EvidenceLabel: "log", Evidence: []string{"a", "b"}, EvidenceSource: &bot.Link{URL: "https://x/p1"}},
			"*LOG:*\n```a|b```\nfrom [this message](https://x/p1)"},
		{"unsafe link left out", bot.Card{EvidenceLabel: "log", Evidence: []string{"a"}, EvidenceSource: &bot.Link{URL: "javascript:x"}}, "*LOG:* `a`"},
		{"team note", bot.Card{Meaning: "m", TeamNote: "ask  #it"}, "M\n_Your team's note:_ ASK #IT"},
		{"notice first", bot.Card{Notice: "need  a scope", EvidenceLabel: "said", Evidence: []string{"550 x"}, Meaning: "m"}, "_NEED A SCOPE_\n*SAID:* `550 x`\nM"},
	}
	for _, tc := range tests {
		if got := Lead(tc.card, m); got != tc.want {
			t.Errorf("%s: Lead = %q, want %q", tc.name, got, tc.want)
		}
	}
}
