package probe

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
)

// countingLimiter is a bot.Limiter that allows the first n uses of any key, and records the keys.
type countingLimiter struct {
	n    int
	keys []string
}

func (l *countingLimiter) Allow(_ context.Context, key string) bool {
	l.keys = append(l.keys, key)
	return len(l.keys) <= l.n
}

func (l *countingLimiter) PerMinute() int { return l.n }

// TestChatCheckSharedPerUser: Settings.PerUser, when set, decides instead of a limiter of the
// process's own, so replicas can share the count. A refused check never dials.
func TestChatCheckSharedPerUser(t *testing.T) {
	lim := &countingLimiter{n: 0}
	s := Settings{Chat: true, Timeout: 5 * time.Second, MaxConcurrent: 1, PerUserPerMinute: 100, PerUser: lim}
	check := ChatChecker(s, bottest.Small(t, ""), slog.New(slog.DiscardHandler))
	_, err := check(context.Background(), bot.Request{User: "U1", Platform: "slack"}, "ftp.example.com")
	if err == nil || !strings.Contains(err.Error(), "several checks") {
		t.Errorf("a check the shared limiter refuses: %v, want the several-checks notice", err)
	}
	if len(lim.keys) != 1 || lim.keys[0] != "U1" {
		t.Errorf("the shared limiter was asked about %q, want [U1]", lim.keys)
	}
}
