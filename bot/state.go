package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Dedup tells the first delivery of an id from its repeats: Slack retries an event it thinks was
// lost, and behind a load balancer the retry may reach another replica. Seen is the in-memory one;
// a shared one (Redis) makes every replica agree.
type Dedup interface {
	// First records id and reports whether it was not seen before within the store's time to
	// live. A shared store that cannot be reached answers from memory.
	First(ctx context.Context, id string) bool
}

var _ Dedup = (*Seen)(nil)

// Shares keeps private answers for a while under random keys, so that a Share button posts
// exactly the answer the asker saw (a live check is not run again). The Slack adapter keeps them
// in memory; a shared store lets any replica behind a load balancer take the click.
type Shares interface {
	// Put stores r and returns its key.
	Put(ctx context.Context, r Reply) string
	// Get returns the reply stored under key, if it is still there.
	Get(ctx context.Context, key string) (Reply, bool)
}

// Seen remembers ids for a while, at most max of them, in memory. Every id lives equally long,
// so the oldest is also the first to expire: ids sit in a queue in arrival order and each insert
// drops the expired ones from its head, O(1) on average, with no sweep.
type Seen struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	at    map[string]int64 // id → when it was recorded (UnixNano)
	queue []seenEntry      // arrival order; queue[head:] are live
	head  int
}

type seenEntry struct {
	id string
	at int64
}

// NewSeen remembers ids for ttl, at most max at once (the oldest go first); now is the clock
// (time.Now when nil).
func NewSeen(ttl time.Duration, max int, now func() time.Time) *Seen {
	if now == nil {
		now = time.Now
	}
	return &Seen{ttl: ttl, max: max, now: now, at: map[string]int64{}}
}

// First records id and reports whether it is new (not seen within the TTL).
func (s *Seen) First(_ context.Context, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixNano()
	cutoff := now - int64(s.ttl)
	for s.head < len(s.queue) && (s.queue[s.head].at <= cutoff || len(s.at) >= s.max) {
		e := s.queue[s.head]
		s.queue[s.head] = seenEntry{}
		s.head++
		if s.at[e.id] == e.at { // not recorded again since
			delete(s.at, e.id)
		}
	}
	if s.head > len(s.queue)/2 { // reuse the dropped half of the queue's array
		s.queue = append(s.queue[:0], s.queue[s.head:]...)
		s.head = 0
	}
	if at, ok := s.at[id]; ok && at > cutoff {
		return false
	}
	s.at[id] = now
	s.queue = append(s.queue, seenEntry{id, now})
	return true
}

var _ Shares = (*ShareCache)(nil)

// ShareCache keeps private answers in memory for their Share buttons: at most max, each for ttl,
// the oldest dropped first.
type ShareCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	m     map[string]shareEntry
	order []string
}

type shareEntry struct {
	r  Reply
	at time.Time
}

// NewShareCache keeps at most max answers for ttl each; now is the clock (time.Now when nil).
func NewShareCache(ttl time.Duration, max int, now func() time.Time) *ShareCache {
	if now == nil {
		now = time.Now
	}
	return &ShareCache{ttl: ttl, max: max, now: now, m: map[string]shareEntry{}}
}

// ShareKey returns a new random key for a stored answer: 16 hex digits, unguessable enough for
// an answer that lives half an hour and only its asker saw.
func ShareKey() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Put stores r and returns its key.
func (c *ShareCache) Put(_ context.Context, r Reply) string {
	key := ShareKey()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[key] = shareEntry{r: r, at: c.now()}
	c.order = append(c.order, key)
	return key
}

// Get returns the answer stored under key if it has not expired.
func (c *ShareCache) Get(_ context.Context, key string) (Reply, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return Reply{}, false
	}
	return e.r, true
}

// Shared-state health, as /readyz and the metrics report it.
const (
	StoreOK       = "ok"       // the configured backend answers
	StoreDegraded = "degraded" // the shared store is unreachable: each replica counts on its own
)

// StoreHealth is the shared state's backend ("memory" or "redis") and whether it answers.
type StoreHealth struct {
	Backend string `json:"backend"`
	State   string `json:"state"`
}

// SetStore records the shared state's health; OnStore, when set, is told.
func (h *Health) SetStore(backend, state string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.store = StoreHealth{Backend: backend, State: state}
	h.mu.Unlock()
	if h.OnStore != nil {
		h.OnStore(StoreHealth{Backend: backend, State: state})
	}
}

// Store returns the shared state's health: memory and ok unless SetStore said otherwise.
func (h *Health) Store() StoreHealth {
	if h == nil {
		return StoreHealth{Backend: "memory", State: StoreOK}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.store.Backend == "" {
		return StoreHealth{Backend: "memory", State: StoreOK}
	}
	return h.store
}
