package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
)

func TestSeen(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	now := start
	s := bot.NewSeen(10*time.Minute, 3, func() time.Time { return now })
	tests := []struct {
		name  string
		at    time.Duration
		id    string
		first bool
	}{
		{"new", 0, "a", true},
		{"retry", time.Minute, "a", false},
		{"another", time.Minute, "b", true},
		{"retry just before the TTL", 9*time.Minute + 59*time.Second, "a", false},
		{"after the TTL it is new again", 10*time.Minute + time.Second, "a", true},
		{"and remembered again", 11 * time.Minute, "a", false},
		// b (at 1 min) expired at 11 min; c, d fill to the cap of 3 with a; e pushes out the oldest (a).
		{"c", 12 * time.Minute, "c", true},
		{"d", 12 * time.Minute, "d", true},
		{"e over the cap", 12 * time.Minute, "e", true},
		{"the oldest was dropped", 12 * time.Minute, "a", true},
		{"the newest is kept", 12 * time.Minute, "e", false},
	}
	for _, tt := range tests {
		now = start.Add(tt.at)
		if got := s.First(context.Background(), tt.id); got != tt.first {
			t.Errorf("%s: First(%q) at +%v = %v, want %v", tt.name, tt.id, tt.at, got, tt.first)
		}
	}
}

// TestSeenBounded: a flood of distinct ids keeps at most max, and recent ones are still caught.
func TestSeenBounded(t *testing.T) {
	s := bot.NewSeen(time.Hour, 1000, nil)
	ctx := context.Background()
	for i := range 100_000 {
		s.First(ctx, fmt.Sprintf("Ev%d", i))
	}
	if s.First(ctx, "Ev99999") {
		t.Error("the latest id is not remembered")
	}
	if !s.First(ctx, "Ev0") {
		t.Error("an id from 100,000 ago is still remembered with a cap of 1,000")
	}
}

func TestShareCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := bot.NewShareCache(30*time.Minute, 2, func() time.Time { return now })
	ctx := context.Background()
	k1 := c.Put(ctx, bot.Reply{ID: "530"})
	k2 := c.Put(ctx, bot.Reply{ID: "550"})
	if k1 == k2 || len(k1) != 16 {
		t.Fatalf("keys %q, %q", k1, k2)
	}
	if r, ok := c.Get(ctx, k1); !ok || r.ID != "530" {
		t.Errorf("Get(k1) = %v, %v", r.ID, ok)
	}
	c.Put(ctx, bot.Reply{ID: "421"}) // over the cap: k1 goes
	if _, ok := c.Get(ctx, k1); ok {
		t.Error("the oldest answer is kept over the cap")
	}
	now = now.Add(31 * time.Minute)
	if _, ok := c.Get(ctx, k2); ok {
		t.Error("an answer is kept past its TTL")
	}
}

func TestHealthStore(t *testing.T) {
	var nilHealth *bot.Health
	if got := nilHealth.Store(); got.Backend != "memory" || got.State != bot.StoreOK {
		t.Errorf("nil health store = %+v", got)
	}
	h := &bot.Health{}
	var told []bot.StoreHealth
	h.OnStore = func(s bot.StoreHealth) { told = append(told, s) }
	h.SetStore("redis", bot.StoreDegraded)
	if got := h.Store(); got != (bot.StoreHealth{Backend: "redis", State: "degraded"}) || len(told) != 1 {
		t.Errorf("Store() = %+v, told %v", got, told)
	}
}
