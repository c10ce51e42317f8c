package bot_test

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
)

// TestRateLimiterSlidingMinute walks one key through a minute and the next: the previous minute's
// uses count less as the minute slides, so the limit refills gradually, not all at once.
func TestRateLimiterSlidingMinute(t *testing.T) {
	start := time.Unix(1_700_000_040, 0) // 0 s into a clock minute
	tests := []struct {
		name  string
		at    time.Duration // since start
		key   string
		allow bool
	}{
		{"first", 0, "a", true},
		{"second", time.Second, "a", true},
		{"third", 2 * time.Second, "a", true},
		{"over", 3 * time.Second, "a", false},
		{"other key", 3 * time.Second, "b", true},
		{"still over late in the minute", 59 * time.Second, "a", false},
		// 6 s into the next minute: 3 × 0.9 = 2.7 < 3, so one more.
		{"next minute, partly refilled", 66 * time.Second, "a", true},
		{"and then full again", 67 * time.Second, "a", false},
		// 40 s in: 3 × (1/3) + 1 = 2 < 3.
		{"later in the next minute", 100 * time.Second, "a", true},
		{"two minutes idle", 5 * time.Minute, "a", true},
	}
	now := start
	l := bot.NewRateLimiter(3)
	l.Now = func() time.Time { return now }
	for _, tt := range tests {
		now = start.Add(tt.at)
		if got := l.Allow(context.Background(), tt.key); got != tt.allow {
			t.Errorf("%s: Allow(%q) at +%v = %v, want %v", tt.name, tt.key, tt.at, got, tt.allow)
		}
	}
}

func TestRateLimiterOff(t *testing.T) {
	var nilLimiter *bot.RateLimiter
	for _, l := range []*bot.RateLimiter{nilLimiter, bot.NewRateLimiter(0)} {
		for range 100 {
			if !l.Allow(context.Background(), "k") {
				t.Fatal("a limit of 0 refused a use")
			}
		}
	}
}

// TestRateLimiterBounded sends a million distinct keys, as a flood of source addresses would:
// the limiter remembers at most its cap, and its heap stays within a few megabytes.
func TestRateLimiterBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a million keys")
	}
	l := bot.NewRateLimiter(5)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var a [4]byte
	for i := range 1_000_000 {
		a = [4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}
		l.Allow(ctx, "web:"+netip.AddrFrom4(a).String())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := l.Len(); n > bot.DefaultMaxKeys {
		t.Errorf("%d keys remembered after a million, want at most %d", n, bot.DefaultMaxKeys)
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("a million keys: %d remembered, heap %+d bytes", l.Len(), grown)
	if grown > 8<<20 {
		t.Errorf("the heap grew by %d bytes for a million keys, want a bounded few MB", grown)
	}
	runtime.KeepAlive(l)
}

// TestRateLimiterFloodDoesNotFreeLimitedUser: a user at the limit stays limited while fresh keys
// flood a small limiter: eviction takes idle or little-used keys first.
func TestRateLimiterFloodDoesNotFreeLimitedUser(t *testing.T) {
	now := time.Unix(1_700_000_040, 0)
	l := bot.NewRateLimiterSize(3, 64*16)
	l.Now = func() time.Time { return now }
	ctx := context.Background()
	for range 3 {
		l.Allow(ctx, "heavy")
	}
	for i := range 50_000 {
		l.Allow(ctx, fmt.Sprintf("fresh-%d", i))
	}
	if l.Len() > 64*16 {
		t.Errorf("%d keys, want at most %d", l.Len(), 64*16)
	}
	if l.Allow(ctx, "heavy") {
		t.Error("a flood of fresh keys evicted a limited user's count")
	}
}

// TestRateLimiterConcurrent: uses from many goroutines are counted exactly (run with -race).
func TestRateLimiterConcurrent(t *testing.T) {
	l := bot.NewRateLimiter(100)
	now := time.Unix(1_700_000_040, 0)
	l.Now = func() time.Time { return now }
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				ok := l.Allow(context.Background(), "shared")
				l.Allow(context.Background(), fmt.Sprintf("g%d-%d", g, i))
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("%d of 8,000 concurrent uses allowed, want exactly 100", allowed)
	}
}

// BenchmarkRateLimiterDistinctKeys is the cost of a question from a new address once the table
// is full: an insert that evicts. No sweep: the worst case is the same as the usual one.
func BenchmarkRateLimiterDistinctKeys(b *testing.B) {
	l := bot.NewRateLimiter(20)
	ctx := context.Background()
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = fmt.Sprintf("web:10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(ctx, keys[i&(len(keys)-1)])
		i++
	}
}

// BenchmarkRateLimiterOneKey is a regular asker's cost.
func BenchmarkRateLimiterOneKey(b *testing.B) {
	l := bot.NewRateLimiter(1 << 30)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.Allow(ctx, "slack:U123")
	}
}
