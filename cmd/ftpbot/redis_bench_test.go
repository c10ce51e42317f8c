package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/redistest"
)

// BenchmarkRedisOverhead measures what the Redis backend adds to a signed slash command: two
// servers in this process, one with [state] backend = "memory" and one on a real redis-server on
// loopback, answer the same signed /ftp 530 over loopback HTTP, alternately, so both see the same
// machine load. The limit is on (and never reached), so every command runs the limiter: in
// Redis, one script call. It reports each backend's median latency and the difference:
//
//	go test ./cmd/ftpbot -run XXX -bench RedisOverhead -benchtime 5000x
func BenchmarkRedisOverhead(b *testing.B) {
	rd := redistest.Start(b)
	const cfg = "[limits]\nper_user_per_minute = 100000000\n[slack]\nmode = \"http\"\n"
	env := map[string]string{"SLACK_SIGNING_SECRET": loadSecret, "FTPBOT_REDIS_URL": rd.URL()}
	mem, _, _ := startServe(b, env, cfg)
	red, s, _ := startServe(b, env, cfg+"[state]\nbackend = \"redis\"\n")
	if s.state.Backend() != "redis" || s.state.Degraded() {
		b.Fatalf("state backend %s (degraded %v), want redis", s.state.Backend(), s.state.Degraded())
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	ask := func(base string) time.Duration {
		t := slackTarget(time.Now(), "530")
		req, _ := http.NewRequest(http.MethodPost, base+t.path, strings.NewReader(t.body))
		for k, v := range t.headers {
			req.Header.Set(k, v)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		el := time.Since(start)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return el
	}
	for range 200 { // warm up: connections, caches, the script in Redis
		ask(mem)
		ask(red)
	}
	var lm, lr []time.Duration
	for b.Loop() {
		lm = append(lm, ask(mem))
		lr = append(lr, ask(red))
	}
	pm, pr := median(lm), median(lr)
	b.ReportMetric(float64(pm.Microseconds()), "µs-p50-memory")
	b.ReportMetric(float64(pr.Microseconds()), "µs-p50-redis")
	b.ReportMetric(float64((pr - pm).Microseconds()), "µs-p50-redis-overhead")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
