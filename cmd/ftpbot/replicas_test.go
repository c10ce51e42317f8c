package main

// Two `ftpbot serve` processes sharing one real Redis, as two replicas behind a load balancer
// (issue: run it as a service). The Slack Web API is slack-go's slacktest server on loopback,
// reached through [slack] api_url; Redis is a real redis-server from internal/redistest.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/redistest"
	"github.com/ftpbot/ftpbot/internal/signtest"
	"github.com/slack-go/slack/slacktest"
)

// buildFtpbot builds this command's binary into a temporary directory.
func buildFtpbot(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ftpbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// replica is one running `ftpbot serve` process.
type replica struct {
	base string
	cmd  *exec.Cmd
	logs *logtest.Buffer
}

// startReplica runs bin serve on a free loopback port with configTOML and env, waits until
// /readyz answers 200, and stops it (SIGINT, by PID) when the test ends.
func startReplica(t testing.TB, bin, configTOML string, env ...string) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ftpbot.toml")
	if err := os.WriteFile(cfg, []byte(configTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &replica{base: "http://" + addr, logs: &logtest.Buffer{}}
	r.cmd = exec.Command(bin, "serve", "--listen", addr, "--config", cfg, "--log-level", "info")
	r.cmd.Env = append(os.Environ(), append([]string{"FTPBOT_CONFIG=", "NO_COLOR=1"}, env...)...)
	r.cmd.Dir = dir
	r.cmd.Stdout = io.Discard
	r.cmd.Stderr = r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			r.cmd.Process.Kill()
			<-done
			t.Error("ftpbot serve did not stop on SIGINT")
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if code, _ := r.get("/readyz"); code == http.StatusOK {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica on %s did not get ready; log:\n%s", addr, r.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var replicaClient = &http.Client{Timeout: 10 * time.Second}

func (r *replica) get(path string) (int, string) {
	resp, err := replicaClient.Get(r.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stateOf reads /readyz's "state".
func (r *replica) stateOf(t testing.TB) (backend, state string) {
	t.Helper()
	_, body := r.get("/readyz")
	var v struct {
		State struct{ Backend, State string }
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return v.State.Backend, v.State.State
}

// slash sends a signed /ftp command from user and returns the acknowledgement's body.
func (r *replica) slash(t testing.TB, user, q string) string {
	t.Helper()
	body := "token=x&team_id=T1&team_domain=t&channel_id=C1&channel_name=ops&user_id=" + user + "&user_name=ada&command=%2Fftp&text=" + url.QueryEscape(q) + "&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fnowhere&trigger_id=1.2.3"
	resp := r.signedPost(t, "/slack/commands", "application/x-www-form-urlencoded", body)
	if resp.code != http.StatusOK {
		t.Fatalf("/ftp %s as %s: status %d: %s", q, user, resp.code, resp.body)
	}
	return resp.body
}

type postResult struct {
	code int
	body string
}

func (r *replica) signedPost(t testing.TB, path, contentType, body string, header ...string) postResult {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	signtest.SignSlack(req, loadSecret, time.Now().Unix(), []byte(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := replicaClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return postResult{resp.StatusCode, string(b)}
}

// answered tells an answer to 530 from the slow-down notice.
func answered(t testing.TB, body string) bool {
	t.Helper()
	switch {
	case strings.Contains(body, "530 Not logged in"):
		return true
	case strings.Contains(strings.ToLower(body), "slow down"):
		return false
	}
	t.Fatalf("neither an answer nor the slow-down notice: %.300s", body)
	return false
}

// fakeSlackAPI is slacktest with chat.postMessage counted (the answer to a mention).
type fakeSlackAPI struct {
	*slacktest.Server
	posts atomic.Int32
}

func newFakeSlackAPI(t testing.TB) *fakeSlackAPI {
	t.Helper()
	f := &fakeSlackAPI{}
	f.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			f.posts.Add(1)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1700000099.000900"}`)
		})
	})
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

// mentionBody is an app_mention event_callback as Slack sends it.
func mentionBody(eventID, text string) string {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "app_mention", "user": "U9MENTION", "text": text, "ts": "1700000000.000100",
			"channel": "C1", "event_ts": "1700000000.000100"},
		"authorizations": []map[string]any{{"team_id": "T1", "user_id": "UBOTFTP", "is_bot": true}},
	})
	return string(b)
}

// waitMinuteStart waits until the clock is not near a minute's turn, so uses counted within one
// minute are not split by the sliding window.
func waitMinuteStart(t testing.TB) {
	t.Helper()
	if s := time.Now().Second(); s >= 50 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
}

const replicaConfig = `
[limits]
per_user_per_minute = 3
[slack]
mode = "http"
[state]
backend = "redis"
key_prefix = "ftpbot-test:"
`

// TestReplicasShareRedis runs two replicas on one Redis: a user's limit is counted once across
// both; a Slack event and its retry sent to different replicas are answered once; with Redis
// killed both keep answering, report "degraded" in /readyz and the metric, log it once, and go
// back to shared state when Redis restarts.
func TestReplicasShareRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ftpbot and runs two replicas and Redis")
	}
	const password = "Hunter2-redis"
	rd := redistest.StartWithPassword(t, password)
	api := newFakeSlackAPI(t)
	bin := buildFtpbot(t)
	env := []string{"SLACK_SIGNING_SECRET=" + loadSecret, "SLACK_BOT_TOKEN=xoxb-test", "FTPBOT_REDIS_URL=" + rd.URL()}
	cfg := strings.Replace(replicaConfig, "[slack]\n", "[slack]\napi_url = \""+api.GetAPIURL()+"\"\n", 1)
	a := startReplica(t, bin, cfg, env...)
	b := startReplica(t, bin, cfg, env...)
	for _, r := range []*replica{a, b} {
		if backend, st := r.stateOf(t); backend != "redis" || st != "ok" {
			t.Fatalf("/readyz state = %s %s, want redis ok", backend, st)
		}
	}

	t.Run("one limit across replicas", func(t *testing.T) {
		waitMinuteStart(t)
		var got []bool
		for _, r := range []*replica{a, b, a, b, a} {
			got = append(got, answered(t, r.slash(t, "U1", "530")))
		}
		want := []bool{true, true, true, false, false}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("answers to /ftp 530 alternating between replicas = %v, want %v (a limit of 3 counted once)", got, want)
		}
	})

	t.Run("a retry to the other replica is answered once", func(t *testing.T) {
		before := api.posts.Load()
		ev := mentionBody("EvShared1", "<@UBOTFTP> 530")
		if r := a.signedPost(t, "/slack/events", "application/json", ev); r.code != http.StatusOK {
			t.Fatalf("event: %d %s", r.code, r.body)
		}
		if r := b.signedPost(t, "/slack/events", "application/json", ev, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"); r.code != http.StatusOK {
			t.Fatalf("retry: %d %s", r.code, r.body)
		}
		deadline := time.Now().Add(5 * time.Second)
		for api.posts.Load() == before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // room for a second, wrong, answer
		if n := api.posts.Load() - before; n != 1 {
			t.Errorf("the event and its retry on the other replica were answered %d times, want once", n)
		}
	})

	t.Run("Redis down: both answer, degraded; back when it returns", func(t *testing.T) {
		rd.Kill()
		for i, r := range []*replica{a, b, a, b} {
			if !answered(t, r.slash(t, "U2", "530")) {
				t.Errorf("question %d with Redis down was not answered", i+1)
			}
		}
		for _, r := range []*replica{a, b} {
			waitState(t, r, "degraded")
			if code, body := r.get("/readyz"); code != http.StatusOK {
				t.Errorf("/readyz with Redis down: %d, want 200 (still answering): %s", code, body)
			}
			if _, m := r.get("/metrics"); !strings.Contains(m, "ftpbot_state_degraded 1") {
				t.Error("ftpbot_state_degraded is not 1 with Redis down")
			}
		}
		// Each replica counts on its own meanwhile: U3's fourth question on one replica is refused.
		waitMinuteStart(t)
		var got []bool
		for range 4 {
			got = append(got, answered(t, a.slash(t, "U3", "530")))
		}
		if fmt.Sprint(got) != "[true true true false]" {
			t.Errorf("with Redis down one replica's answers = %v, want its own limit of 3", got)
		}

		rd.Restart()
		for _, r := range []*replica{a, b} {
			waitState(t, r, "ok")
			if _, m := r.get("/metrics"); !strings.Contains(m, "ftpbot_state_degraded 0") {
				t.Error("ftpbot_state_degraded is not 0 after Redis returned")
			}
		}
		waitMinuteStart(t)
		got = nil
		for _, r := range []*replica{a, b, a, b} {
			got = append(got, answered(t, r.slash(t, "U4", "530")))
		}
		if fmt.Sprint(got) != "[true true true false]" {
			t.Errorf("after Redis returned, answers across replicas = %v, want one shared limit of 3", got)
		}
		for name, r := range map[string]*replica{"a": a, "b": b} {
			logs := r.logs.String()
			if n := strings.Count(logs, "Redis is unreachable"); n != 1 {
				t.Errorf("replica %s logged the outage %d times, want once:\n%s", name, n, logs)
			}
			if !strings.Contains(logs, "Redis answers again") {
				t.Errorf("replica %s did not log the recovery", name)
			}
			if strings.Contains(logs, password) {
				t.Errorf("replica %s logged the Redis password", name)
			}
			for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
				if !json.Valid([]byte(line)) { // e.g. the Redis client printing each failed dial
					t.Errorf("replica %s wrote a line outside the structured log: %s", name, line)
				}
			}
		}
	})
}

// waitState waits until r's /readyz reports the shared state as want.
func waitState(t testing.TB, r *replica, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, st := r.stateOf(t); st == want {
			return
		}
		if time.Now().After(deadline) {
			_, body := r.get("/readyz")
			t.Fatalf("/readyz state never became %q: %s", want, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
