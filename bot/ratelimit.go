package bot

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Limiter bounds how often each key (a platform user, a web client's address) may do something:
// ask a question, run a live check. RateLimiter is the in-memory one; a shared one (Redis) makes
// replicas count a user once.
type Limiter interface {
	// Allow records one use by key and reports whether it is within the limit. It never
	// blocks for long: a shared limiter that cannot reach its store answers from memory.
	Allow(ctx context.Context, key string) bool
	// PerMinute is the limit, for the slow-down message.
	PerMinute() int
}

var _ Limiter = (*RateLimiter)(nil)

// DefaultMaxKeys bounds the keys a RateLimiter remembers: about 55 bytes each in Go's map, so
// about 3.5 MB at most (TestRateLimiterBounded measures it).
const DefaultMaxKeys = 1 << 16

// limiterShards spreads the keys over locks, so one busy key does not queue every other asker.
const limiterShards = 64

// RateLimiter allows each key at most perMinute uses in a sliding minute, estimated the way a
// shared store can compute it too: the count of the current clock minute plus the previous
// minute's count weighted by how much of it is still inside the sliding minute. Each key costs a
// fixed 16 bytes (its 64-bit hash and two counters) and the number of keys is capped: when a shard
// is full, an insert evicts a key sampled from it, preferring one already idle, then the least
// used. There is no sweep: nothing ever walks the whole table, so no request waits on one.
//
// A zero perMinute allows everything.
type RateLimiter struct {
	Now func() time.Time // for tests; time.Now when nil

	perMinute int
	seed      maphash.Seed
	shardMax  int
	shards    [limiterShards]limiterShard
}

type limiterShard struct {
	mu sync.Mutex
	m  map[uint64]window
}

// window is one key's counts: uses in clock minute min and in the minute before it.
type window struct {
	min        int64
	prev, curr uint32
}

// NewRateLimiter returns a limiter of perMinute uses per key, remembering DefaultMaxKeys keys.
func NewRateLimiter(perMinute int) *RateLimiter { return NewRateLimiterSize(perMinute, DefaultMaxKeys) }

// NewRateLimiterSize returns a limiter that remembers at most about maxKeys keys.
func NewRateLimiterSize(perMinute, maxKeys int) *RateLimiter {
	l := &RateLimiter{perMinute: perMinute, seed: maphash.MakeSeed(), shardMax: max(1, maxKeys/limiterShards)}
	for i := range l.shards {
		l.shards[i].m = make(map[uint64]window)
	}
	return l
}

// PerMinute is the limit.
func (l *RateLimiter) PerMinute() int {
	if l == nil {
		return 0
	}
	return l.perMinute
}

// Allow records a use by key and reports whether it is within the limit.
func (l *RateLimiter) Allow(_ context.Context, key string) bool {
	if l == nil || l.perMinute <= 0 {
		return true
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	h := maphash.String(l.seed, key)
	s := &l.shards[h%limiterShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.m[h]
	if !ok && len(s.m) >= l.shardMax {
		s.evict(now)
	}
	w, allowed := slide(w, now, l.perMinute)
	s.m[h] = w
	return allowed
}

// Len is the number of keys remembered (for tests and benchmarks).
func (l *RateLimiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// evictSample is how many keys an insert into a full shard looks at: enough to find an idle one
// when any is common, few enough to keep the insert O(1).
const evictSample = 8

// evict removes one key: the first idle one among a few sampled (Go's map iteration starts at a
// random place), else the least used of them. Evicting a busy key forgets its count; preferring
// the least used means a flood of fresh addresses evicts each other before a limited user.
func (s *limiterShard) evict(now time.Time) {
	var victim uint64
	best := -1.0
	n := 0
	for k, w := range s.m {
		e := w.estimate(now)
		if e == 0 {
			delete(s.m, k)
			return
		}
		if best < 0 || e < best {
			victim, best = k, e
		}
		if n++; n >= evictSample {
			break
		}
	}
	delete(s.m, victim)
}

// slide applies one use at now to w under a limit of perMinute, returning the updated window and
// whether the use is allowed. A refused use is not counted, so a client that keeps trying is let
// in again as the minute slides. The Redis limiter runs the same arithmetic in a script, so both
// backends limit alike.
func slide(w window, now time.Time, perMinute int) (window, bool) {
	m := now.Unix() / 60
	switch {
	case w.min == m:
	case w.min == m-1:
		w = window{min: m, prev: w.curr}
	default:
		w = window{min: m}
	}
	if w.estimateAt(now) >= float64(perMinute) {
		return w, false
	}
	w.curr++
	return w, true
}

// estimate is the sliding-minute count at now, without recording anything.
func (w window) estimate(now time.Time) float64 {
	m := now.Unix() / 60
	switch {
	case w.min == m:
		return w.estimateAt(now)
	case w.min == m-1:
		return window{min: m, prev: w.curr}.estimateAt(now)
	}
	return 0
}

// estimateAt assumes w.min is now's minute.
func (w window) estimateAt(now time.Time) float64 {
	elapsed := float64(now.UnixNano()%int64(time.Minute)) / float64(time.Minute)
	return float64(w.prev)*(1-elapsed) + float64(w.curr)
}
