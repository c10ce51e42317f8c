package state_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/redistest"
	"github.com/ftpbot/ftpbot/state"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func open(t *testing.T, url string, h *bot.Health, log *logtest.Buffer) *state.Store {
	t.Helper()
	if log == nil {
		log = &logtest.Buffer{}
	}
	st, err := state.Open(state.Config{Backend: state.Redis, RedisURL: url, KeyPrefix: "test:"}, slog.New(slog.NewTextHandler(log, nil)), h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// awayFromMinuteEdge waits until the clock is not within a few seconds of a minute boundary, so
// a test that counts uses within one minute is not split by the sliding window's turn.
func awayFromMinuteEdge(t *testing.T) {
	t.Helper()
	if s := time.Now().Second(); s >= 55 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
}

// TestSharedLimiter: two stores (two replicas) on one Redis count a user once.
func TestSharedLimiter(t *testing.T) {
	r := redistest.Start(t)
	a, b := open(t, r.URL(), nil, nil), open(t, r.URL(), nil, nil)
	la, lb := a.Limiter("questions", 3), b.Limiter("questions", 3)
	awayFromMinuteEdge(t)
	ctx := context.Background()
	var got []bool
	for _, l := range []bot.Limiter{la, lb, la, lb, la} {
		got = append(got, l.Allow(ctx, "slack:U1"))
	}
	if diff := cmp.Diff([]bool{true, true, true, false, false}, got); diff != "" {
		t.Errorf("Allow across two replicas (-want +got):\n%s", diff)
	}
	if !lb.Allow(ctx, "slack:U2") {
		t.Error("another user is limited too")
	}
	if !a.Limiter("checks", 3).Allow(ctx, "slack:U1") {
		t.Error("the checks limit shares the questions limit's count")
	}
	if la.PerMinute() != 3 {
		t.Errorf("PerMinute() = %d, want 3", la.PerMinute())
	}
}

func TestSharedDedup(t *testing.T) {
	r := redistest.Start(t)
	a, b := open(t, r.URL(), nil, nil), open(t, r.URL(), nil, nil)
	da, db := a.Dedup("slack-events", time.Minute), b.Dedup("slack-events", time.Minute)
	ctx := context.Background()
	if !da.First(ctx, "Ev1") {
		t.Fatal("the first delivery is not first")
	}
	if db.First(ctx, "Ev1") {
		t.Error("a retry that reached the other replica is first again")
	}
	if da.First(ctx, "Ev1") {
		t.Error("a retry on the same replica is first again")
	}
	if !db.First(ctx, "Ev2") {
		t.Error("another event is not first")
	}
}

func TestSharedShares(t *testing.T) {
	r := redistest.Start(t)
	a, b := open(t, r.URL(), nil, nil), open(t, r.URL(), nil, nil)
	want := bot.Reply{Kind: bot.KindCode, ID: "530", Title: "530 Not logged in", Summary: "Log in.", Severity: bot.SeverityError,
		Sections: []bot.Section{{Heading: "Fix", Items: []string{"Check the password."}, Ordered: true}}, Query: "530", Visibility: bot.Ephemeral}
	key := a.Shares("slack", time.Minute).Put(context.Background(), want)
	got, ok := b.Shares("slack", time.Minute).Get(context.Background(), key)
	if !ok {
		t.Fatal("the other replica does not find the shared answer")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shared answer (-want +got):\n%s", diff)
	}
	if _, ok := b.Shares("slack", time.Minute).Get(context.Background(), "nosuchkey"); ok {
		t.Error("an unknown key finds an answer")
	}
}

// TestDegradedAndBack: with Redis gone the store keeps answering from memory, says so once in the
// log and in the health, and goes back to Redis when it returns.
func TestDegradedAndBack(t *testing.T) {
	r := redistest.Start(t)
	h := &bot.Health{}
	var log logtest.Buffer
	st := open(t, r.URL(), h, &log)
	if got := h.Store(); got != (bot.StoreHealth{Backend: "redis", State: "ok"}) {
		t.Fatalf("health at start = %+v", got)
	}
	ctx := context.Background()
	l := st.Limiter("questions", 2)
	d := st.Dedup("slack-events", time.Minute)
	awayFromMinuteEdge(t)

	r.Kill()
	start := time.Now()
	for i := range 5 {
		l.Allow(ctx, "web:127.0.0.1")
		if !d.First(ctx, "Ev-down-"+string(rune('a'+i))) {
			t.Errorf("event %d during the outage is not first", i)
		}
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("10 calls with Redis down took %v; the fallback must be quick", el)
	}
	if got := h.Store(); got.State != bot.StoreDegraded {
		t.Errorf("health with Redis down = %+v, want degraded", got)
	}
	if n := strings.Count(log.String(), "Redis is unreachable"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, log.String())
	}
	// Memory still limits during the outage.
	if l.Allow(ctx, "web:127.0.0.1") {
		t.Error("the memory fallback does not limit")
	}
	if d.First(ctx, "Ev-down-a") {
		t.Error("the memory fallback does not de-duplicate")
	}
	if !strings.Contains(log.String(), "127.0.0.1:") || strings.Contains(log.String(), "Ev-down") {
		t.Errorf("log: %s", log.String())
	}

	r.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for h.Store().State != bot.StoreOK {
		if time.Now().After(deadline) {
			t.Fatalf("the store did not go back to Redis; health %+v", h.Store())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(log.String(), "Redis answers again") {
		t.Errorf("the recovery is not logged:\n%s", log.String())
	}
	// Back on Redis (empty after the restart): counting starts again there.
	other := open(t, r.URL(), nil, nil)
	if !d.First(ctx, "Ev-after") || other.Dedup("slack-events", time.Minute).First(ctx, "Ev-after") {
		t.Error("after the recovery the replicas do not share de-duplication")
	}
}

// TestStartsWhileRedisIsDown: a replica comes up degraded rather than failing.
func TestStartsWhileRedisIsDown(t *testing.T) {
	r := redistest.Start(t)
	url := r.URL()
	r.Stop()
	h := &bot.Health{}
	st := open(t, url, h, nil)
	if !st.Degraded() || h.Store().State != bot.StoreDegraded {
		t.Fatalf("store with Redis down: degraded %v, health %+v", st.Degraded(), h.Store())
	}
	if !st.Limiter("questions", 1).Allow(context.Background(), "u") {
		t.Error("the first question with Redis down is refused")
	}
}

func TestMemoryBackend(t *testing.T) {
	h := &bot.Health{}
	st, err := state.Open(state.Config{}, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Store(); got != (bot.StoreHealth{Backend: "memory", State: "ok"}) {
		t.Errorf("health = %+v", got)
	}
	if _, ok := st.Limiter("questions", 1).(*bot.RateLimiter); !ok {
		t.Error("the memory backend's limiter is not the in-memory one")
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url, want string // want: "" for valid, else a substring of the problem
	}{
		{"redis://127.0.0.1:6379/0", ""},
		{"rediss://user:s3cret@redis.example:6380/1", ""},
		{"redis://:s3cret@localhost", ""},
		{"", "empty"},
		{"http://s3cret@host:6379", "must start with redis://"},
		{"redis:///0", "names no host"},
		{"redis://h:6379/notanumber", "not understood"},
		{"redis://user:s3cret@h:6379/0?dial_timeout=forever", "not understood"},
		{"redis://h:s3cret:99/0\x7f", "not a URL"},
	}
	for _, tt := range tests {
		err := state.CheckURL(tt.url)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want nil", tt.url, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckURL(%q) = %v, want %q", tt.url, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("CheckURL(%q) = %v: repeats the password", tt.url, err)
		}
	}
	if got := state.Redact("redis://user:s3cret@h:6379/0"); strings.Contains(got, "s3cret") {
		t.Errorf("Redact = %q", got)
	}
}

// BenchmarkRedisLimiter is one shared Allow: a script call to redis-server on loopback.
func BenchmarkRedisLimiter(b *testing.B) {
	r := redistest.Start(b)
	st, err := state.Open(state.Config{Backend: state.Redis, RedisURL: r.URL(), KeyPrefix: "bench:"}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	l := st.Limiter("questions", 1<<30)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.Allow(ctx, "slack:U1")
	}
	if st.Degraded() {
		b.Fatal("the store fell back to memory during the benchmark")
	}
}

// BenchmarkRedisDedup is one shared First: SET NX with a TTL.
func BenchmarkRedisDedup(b *testing.B) {
	r := redistest.Start(b)
	st, err := state.Open(state.Config{Backend: state.Redis, RedisURL: r.URL(), KeyPrefix: "bench:"}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	d := st.Dedup("slack-events", time.Minute)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.First(ctx, "Ev"+strconv.Itoa(i))
		i++
	}
}

// TestRefusedScriptsAreDegraded: a server that answers PING but refuses the limiter's script (an
// ACL without scripting) is not usable: the store says degraded instead of flapping.
func TestRefusedScriptsAreDegraded(t *testing.T) {
	r := redistest.Start(t)
	admin := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer admin.Close()
	if err := admin.Do(context.Background(), "ACL", "SETUSER", "noscript", "on", ">pw", "~*", "+@all", "-@scripting").Err(); err != nil {
		t.Fatal(err)
	}
	h := &bot.Health{}
	st := open(t, "redis://noscript:pw@"+r.Addr+"/0", h, nil)
	if !st.Degraded() || h.Store().State != bot.StoreDegraded {
		t.Errorf("a store whose user may not run scripts: degraded %v, health %+v", st.Degraded(), h.Store())
	}
	if !st.Limiter("questions", 1).Allow(context.Background(), "u") {
		t.Error("the memory fallback refused the first question")
	}
}

// TestClosedStoreIsQuiet: questions still in flight at shutdown are answered from memory, and a
// closed connection is not reported as an outage.
func TestClosedStoreIsQuiet(t *testing.T) {
	r := redistest.Start(t)
	var log logtest.Buffer
	h := &bot.Health{}
	st := open(t, r.URL(), h, &log)
	l := st.Limiter("questions", 5)
	st.Close()
	if !l.Allow(context.Background(), "u") {
		t.Error("a closed store refused a question")
	}
	if strings.Contains(log.String(), "unreachable") || h.Store().State != bot.StoreOK {
		t.Errorf("closing the store looked like an outage: health %+v, log %s", h.Store(), log.String())
	}
}
