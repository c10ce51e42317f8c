// Package state provides the state ftpbot's replicas must agree on: per-user rate limits, the
// de-duplication of Slack's event retries, and the answers kept for Share buttons. With the
// memory backend (the default) each process keeps its own, as one replica needs; with the redis
// backend every replica pointed at the same Redis (7 or later) or Valkey counts a user once and
// answers an event once.
//
// Redis is a help, never a dependency: every call has a short time-out, and when Redis cannot be
// reached the store falls back to this replica's memory, logs it once, reports "degraded" through
// bot.Health (/readyz, ftpbot_state_degraded), and goes back to Redis when it answers again.
//
//	st, err := state.Open(state.Config{Backend: "redis", RedisURL: url, KeyPrefix: "ftpbot:"}, log, health)
//	defer st.Close()
//	engine.Limiter = st.Limiter("questions", 20)
package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Backends.
const (
	Memory = "memory"
	Redis  = "redis"
)

// Config chooses the backend; see config.example.toml's [state] table.
type Config struct {
	Backend   string // "memory" (default) or "redis"
	RedisURL  string // redis://[user:pass@]host:6379/0 or rediss://…
	KeyPrefix string // put before every key, so several deployments can share one Redis
}

// Tunables. A call to Redis on loopback or in the same zone takes well under a millisecond;
// callTimeout only decides how long a question waits before ftpbot answers from memory.
const (
	callTimeout  = 250 * time.Millisecond
	dialTimeout  = 500 * time.Millisecond
	pingInterval = time.Second // how often a degraded store asks whether Redis is back
)

// Store hands out the limiters, de-duplicators and share stores of one backend.
type Store struct {
	cfg    Config
	log    *slog.Logger
	health *bot.Health
	client *redis.Client // nil with the memory backend

	degraded atomic.Bool
	probing  atomic.Bool
	closed   atomic.Bool // after Close, memory answers and nothing is logged
	done     chan struct{}
	once     sync.Once
}

// CheckURL reports what is wrong with a Redis URL, in a sentence that never repeats the URL
// (it may hold a password).
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a URL like redis://host:6379/0")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return errors.New("must start with redis:// or rediss:// (TLS)")
	}
	if u.Hostname() == "" {
		return errors.New("names no host: write redis://host:6379/0")
	}
	if _, err := redis.ParseURL(raw); err != nil {
		// go-redis's messages quote parts of the URL (a database number, an option), never
		// the password; still, say it in our own words.
		return errors.New("is not understood (check the port, the database number after the / and the options after ?)")
	}
	return nil
}

// Redact returns the URL with its password replaced by "xxxxx", for logs.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}

// Open returns the store cfg asks for. With the redis backend it connects and runs the limiter's
// script once; if Redis does not answer, the store starts degraded (and keeps serving from memory)
// rather than failing: a replica must come up even while Redis is down. health may be nil.
func Open(cfg Config, log *slog.Logger, health *bot.Health) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Store{cfg: cfg, log: log, health: health, done: make(chan struct{})}
	switch cfg.Backend {
	case "", Memory:
		s.cfg.Backend = Memory
		health.SetStore(Memory, bot.StoreOK)
		return s, nil
	case Redis:
	default:
		return nil, fmt.Errorf("state.backend must be %q or %q, not %q", Memory, Redis, cfg.Backend)
	}
	if err := CheckURL(cfg.RedisURL); err != nil {
		return nil, fmt.Errorf("state.redis_url %v", err)
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, errors.New("state.redis_url is not understood")
	}
	opt.DialTimeout = dialTimeout
	opt.ReadTimeout = callTimeout
	opt.WriteTimeout = callTimeout
	opt.PoolTimeout = callTimeout
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1        // no retries: memory answers instead
	opt.DialerRetries = 1      // one dial per call: a refused or silent port means memory, now
	opt.DisableIdentity = true // no CLIENT SETINFO round trip (older servers and Valkey builds refuse it)
	opt.Protocol = 2           // no HELLO negotiation on each new connection
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	clientLogOnce.Do(func() { redis.SetLogger(clientLog{log}) })
	s.client = redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout+callTimeout)
	defer cancel()
	if err := s.check(ctx); err != nil {
		s.fail(err)
	} else {
		log.Info("state: shared state in Redis", "redis", Redact(cfg.RedisURL), "key_prefix", cfg.KeyPrefix)
		health.SetStore(Redis, bot.StoreOK)
	}
	return s, nil
}

// clientLog sends go-redis's own messages (a failed dial on every call while Redis is down) to the
// debug level: the store says what matters once, at warn, and go-redis would otherwise print on
// stderr, outside the structured log, again and again.
type clientLog struct{ log *slog.Logger }

func (l clientLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug("state: redis client: " + fmt.Sprintf(format, v...))
}

// clientLogOnce: go-redis has one logger for the process.
var clientLogOnce sync.Once

// Backend is "memory" or "redis".
func (s *Store) Backend() string { return s.cfg.Backend }

// Degraded reports whether the store is answering from memory because Redis is unreachable.
func (s *Store) Degraded() bool { return s.degraded.Load() }

// Close stops the recovery probe and closes the connections.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.once.Do(func() { close(s.done) })
	if s.client != nil {
		return s.client.Close()
	}
	return nil
}

// shared reports whether calls should go to Redis now.
func (s *Store) shared() bool { return s.client != nil && !s.degraded.Load() && !s.closed.Load() }

// call runs one Redis call with the short time-out. The caller's cancellation is not passed on
// (its values are): a client that hangs up mid-question must not look like Redis failing.
func (s *Store) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	err := fn(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		s.fail(err)
	}
	return err
}

// fail switches to memory, once per outage: one log line, the health, and a probe that switches
// back when Redis answers again.
func (s *Store) fail(err error) {
	if s.closed.Load() || !s.degraded.CompareAndSwap(false, true) {
		return
	}
	s.log.Warn("state: Redis is unreachable; rate limits and de-duplication fall back to this replica's memory until it answers again",
		"redis", Redact(s.cfg.RedisURL), "error", err.Error())
	s.health.SetStore(Redis, bot.StoreDegraded)
	if s.probing.CompareAndSwap(false, true) {
		go s.probe()
	}
}

// probe checks Redis every pingInterval until it answers, then switches back.
// The order of the switch back matters: probing is cleared before degraded, so a failure right
// after the switch starts a new probe.
func (s *Store) probe() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			s.probing.Store(false)
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout+callTimeout)
		err := s.check(ctx)
		cancel()
		if err == nil {
			s.log.Info("state: Redis answers again; limits and de-duplication are shared again", "redis", Redact(s.cfg.RedisURL))
			s.probing.Store(false)
			s.health.SetStore(Redis, bot.StoreOK)
			s.degraded.Store(false)
			return
		}
	}
}

// check asks Redis to do what the limiters do, on a key of its own: a PING would pass on a server
// that refuses scripts (an ACL, a Redis without Lua) and the store would flap between Redis and
// memory, logging each time.
func (s *Store) check(ctx context.Context) error {
	return slideScript.Run(ctx, s.client, []string{s.key("limit", "probe", "ftpbot")}, 1<<30).Err()
}

// key builds a Redis key: the prefix, the kind of state, its name and the id.
func (s *Store) key(kind, name, id string) string {
	return s.cfg.KeyPrefix + kind + ":" + name + ":" + id
}
