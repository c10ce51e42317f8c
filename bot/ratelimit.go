package bot

import (
	"sync"
	"time"
)

// RateLimiter allows each key (a platform user) at most PerMinute questions in any sliding
// minute. A zero PerMinute allows everything. Memory is bounded: keys idle for a minute are
// forgotten on the next sweep.
type RateLimiter struct {
	PerMinute int
	Now       func() time.Time // for tests; time.Now when nil

	mu        sync.Mutex
	seen      map[string][]time.Time
	lastSweep time.Time
}

// NewRateLimiter returns a limiter of perMinute questions per key.
func NewRateLimiter(perMinute int) *RateLimiter {
	return &RateLimiter{PerMinute: perMinute, seen: map[string][]time.Time{}}
}

// Allow records a question for key and reports whether it is within the limit.
func (l *RateLimiter) Allow(key string) bool {
	if l == nil || l.PerMinute <= 0 {
		return true
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	cutoff := now.Add(-time.Minute)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]time.Time{}
	}
	if now.Sub(l.lastSweep) > time.Minute {
		for k, ts := range l.seen {
			if len(ts) == 0 || !ts[len(ts)-1].After(cutoff) {
				delete(l.seen, k)
			}
		}
		l.lastSweep = now
	}
	ts := l.seen[key]
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= l.PerMinute {
		l.seen[key] = ts
		return false
	}
	l.seen[key] = append(ts, now)
	return true
}
