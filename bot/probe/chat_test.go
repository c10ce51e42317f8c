package probe

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/ftpservertest"
	"github.com/ftpbot/ftpbot/knowledge"
)

// TestChatCheck: "/ftp check" in chat runs under the chat policy: the allow list lets the test
// reach loopback, the port list is enforced, progress is reported, and the per-user rate limit
// answers politely.
func TestChatCheck(t *testing.T) {
	srv := ftpservertest.Start(t, ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true})
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Chat: true, Allow: []string{"127.0.0.1"}, Timeout: 20 * time.Second, MaxConcurrent: 4, PerUserPerMinute: 2}
	e := bot.New(kb)
	e.Check = ChatChecker(s, kb, slog.New(slog.DiscardHandler))

	ask := func(user, text string) (bot.Reply, []string) {
		var progress []string
		r := e.Handle(context.Background(), bot.Request{Text: text, User: user, Platform: "test",
			Progress: func(l string) { progress = append(progress, l) }})
		return r, progress
	}
	// Port not in the settings' ports: refused before dialling.
	r, _ := ask("u1", "check "+srv.Addr)
	if r.Kind != bot.KindError || !strings.Contains(r.Summary+fmt.Sprint(r.Sections), "port") {
		t.Errorf("port outside the list: %+v", r)
	}
	s.Ports = append(s.Ports, srv.Port)
	e.Check = ChatChecker(s, kb, slog.New(slog.DiscardHandler))
	r, progress := ask("u2", "check "+srv.Addr)
	if r.Kind != bot.KindProbe || !strings.Contains(r.Title, "works, with warnings") {
		t.Errorf("check reply = %q %q", r.Kind, r.Title)
	}
	if len(progress) < 5 || !strings.HasPrefix(progress[0], "Checking") {
		t.Errorf("progress = %q", progress)
	}
	// A loopback address not on the allow list is refused.
	r, _ = ask("u3", "check 127.0.0.2:"+fmt.Sprint(srv.Port))
	if r.Kind != bot.KindError || !strings.Contains(r.Summary+fmt.Sprint(r.Sections), "loopback") {
		t.Errorf("127.0.0.2: %+v", r)
	}
	// Credentials typed into chat are refused.
	r, _ = ask("u4", "check ftp://bob:pw@"+srv.Addr)
	if r.Kind != bot.KindError {
		t.Errorf("credentials accepted: %+v", r)
	}
	// The per-user limit (2 a minute; u2 used one).
	ask("u2", "check "+srv.Addr)
	r, _ = ask("u2", "check "+srv.Addr)
	if r.Kind != bot.KindError || !strings.Contains(r.Summary+fmt.Sprint(r.Sections), "wait") {
		t.Errorf("third check in a minute: %q %q", r.Kind, r.Summary)
	}
}

func TestChatPorts(t *testing.T) {
	tests := []struct {
		extra, want []int
	}{
		{nil, []int{21, 990}},
		{[]int{}, []int{21, 990}},
		{[]int{2121, 21}, []int{21, 990, 2121}},
	}
	for _, tt := range tests {
		if got := ChatPorts(tt.extra); !slices.Equal(got, tt.want) {
			t.Errorf("ChatPorts(%v) = %v, want %v", tt.extra, got, tt.want)
		}
	}
}
