package state

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/redis/go-redis/v9"
)

var (
	_ bot.Limiter = (*redisLimiter)(nil)
	_ bot.Dedup   = (*redisDedup)(nil)
	_ bot.Shares  = (*redisShares)(nil)
)

// Limiter returns a limiter of perMinute uses per key named name ("questions", "checks"): shared
// through Redis with the redis backend, this process's memory otherwise. Keys of different names
// never mix.
func (s *Store) Limiter(name string, perMinute int) bot.Limiter {
	mem := bot.NewRateLimiter(perMinute)
	if s.client == nil {
		return mem
	}
	return &redisLimiter{s: s, name: name, perMinute: perMinute, mem: mem}
}

// Dedup returns a de-duplicator named name ("slack-events") that remembers ids for ttl.
func (s *Store) Dedup(name string, ttl time.Duration) bot.Dedup {
	mem := bot.NewSeen(ttl, memSeenMax, nil)
	if s.client == nil {
		return mem
	}
	return &redisDedup{s: s, name: name, ttl: ttl, mem: mem}
}

// Shares returns a store of answers for Share buttons named name ("slack"), kept for ttl.
func (s *Store) Shares(name string, ttl time.Duration) bot.Shares {
	mem := bot.NewShareCache(ttl, memSharesMax, nil)
	if s.client == nil {
		return mem
	}
	return &redisShares{s: s, name: name, ttl: ttl, mem: mem}
}

// Memory bounds of the fallbacks (and of the memory backend).
const (
	memSeenMax   = 4096 // event ids: Slack sends a few per question
	memSharesMax = 1000 // answers waiting for a Share click, about 20 KB each at most
)

// slideScript is bot.RateLimiter's sliding minute, run atomically in Redis: the counts of the
// current clock minute and the one before, in a hash that expires two minutes after its last use.
// The clock is Redis's (TIME), so replicas whose clocks differ still agree. A refused use is not
// counted. It returns 1 when allowed, 0 when not.
var slideScript = redis.NewScript(`
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local m = math.floor(ms / 60000)
local v = redis.call('HMGET', KEYS[1], 'm', 'p', 'c')
local wm = tonumber(v[1])
local p = tonumber(v[2]) or 0
local c = tonumber(v[3]) or 0
if wm == m - 1 then
  p = c
  c = 0
elseif wm ~= m then
  p = 0
  c = 0
end
local allowed = 0
if p * (1 - (ms % 60000) / 60000) + c < tonumber(ARGV[1]) then
  c = c + 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'm', m, 'p', p, 'c', c)
redis.call('PEXPIRE', KEYS[1], 120000)
return allowed
`)

type redisLimiter struct {
	s         *Store
	name      string
	perMinute int
	mem       *bot.RateLimiter // while Redis is unreachable
}

func (l *redisLimiter) PerMinute() int { return l.perMinute }

func (l *redisLimiter) Allow(ctx context.Context, key string) bool {
	if l.perMinute <= 0 {
		return true
	}
	if !l.s.shared() {
		return l.mem.Allow(ctx, key)
	}
	var allowed int
	err := l.s.call(ctx, func(ctx context.Context) error {
		var err error
		allowed, err = slideScript.Run(ctx, l.s.client, []string{l.s.key("limit", l.name, shortID(key))}, l.perMinute).Int()
		return err
	})
	if err != nil {
		return l.mem.Allow(ctx, key)
	}
	return allowed == 1
}

type redisDedup struct {
	s    *Store
	name string
	ttl  time.Duration
	mem  *bot.Seen // this replica's own record: the fallback, and a second opinion
}

// First claims id with SET NX and a TTL: of all replicas, only the first to ask gets true. This
// replica's memory records it too, so a retry it already saw is refused even if Redis lost the
// key (a restart without persistence) or is unreachable.
func (d *redisDedup) First(ctx context.Context, id string) bool {
	local := d.mem.First(ctx, id)
	if !d.s.shared() {
		return local
	}
	var first bool
	err := d.s.call(ctx, func(ctx context.Context) error {
		var err error
		first, err = d.s.client.SetNX(ctx, d.s.key("seen", d.name, shortID(id)), 1, d.ttl).Result()
		return err
	})
	if err != nil {
		return local
	}
	return first && local
}

type redisShares struct {
	s    *Store
	name string
	ttl  time.Duration
	mem  *bot.ShareCache // while Redis is unreachable
}

// Put stores r as JSON under a random key for ttl; in memory when Redis cannot take it.
func (c *redisShares) Put(ctx context.Context, r bot.Reply) string {
	if !c.s.shared() {
		return c.mem.Put(ctx, r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return c.mem.Put(ctx, r)
	}
	key := bot.ShareKey()
	err = c.s.call(ctx, func(ctx context.Context) error {
		return c.s.client.Set(ctx, c.s.key("share", c.name, key), b, c.ttl).Err()
	})
	if err != nil {
		return c.mem.Put(ctx, r)
	}
	return key
}

// Get looks in Redis, then in this replica's memory (answers stored while Redis was away).
func (c *redisShares) Get(ctx context.Context, key string) (bot.Reply, bool) {
	if c.s.shared() {
		var b []byte
		err := c.s.call(ctx, func(ctx context.Context) error {
			var err error
			b, err = c.s.client.Get(ctx, c.s.key("share", c.name, shortID(key))).Bytes()
			return err
		})
		var r bot.Reply
		if err == nil && json.Unmarshal(b, &r) == nil {
			return r, true
		}
	}
	return c.mem.Get(ctx, key)
}

// shortID keeps keys short whatever a platform sends: ids over 64 bytes are replaced by a hash.
func shortID(id string) string {
	if len(id) <= 64 {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h" + hex.EncodeToString(sum[:16])
}
