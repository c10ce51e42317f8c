package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/internal/logtest"
	"github.com/ftpbot/ftpbot/internal/signtest"
)

// startServeCLI runs `ftpbot serve` through run, as main does (the JSON log on stderr), on a free
// loopback port, with env and an optional config file. stop ends it (SIGTERM's way: the context)
// and returns run's result; the test's cleanup stops it too.
func startServeCLI(t *testing.T, env map[string]string, configTOML string) (base string, stdout, stderr *logtest.Buffer, done chan error, stop func() error) {
	t.Helper()
	args := []string{"serve", "--listen", "127.0.0.1:0"}
	if configTOML != "" {
		path := filepath.Join(t.TempDir(), "ftpbot.toml")
		if err := os.WriteFile(path, []byte(configTOML), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	env["GOMEMLIMIT"] = "off" // leave the test process's GC alone (serve would set its soft limit)
	stdout, stderr = &logtest.Buffer{}, &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan error, 1)
	result := make(chan error, 1)
	go func() {
		err := run(ctx, args, envOf(env), strings.NewReader(""), stdout, stderr)
		done <- err
		result <- err
	}()
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-result:
			case <-time.After(15 * time.Second):
				stopErr = errors.New("serve did not stop within 15s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { stop() })
	waitUntil(t, "serve to start", 10*time.Second, done, func() bool {
		m := regexp.MustCompile(`on (http://[^/ ]+)/`).FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	return base, stdout, stderr, done, stop
}

// unreachable points Slack's and Discord's API and gateway URLs at a closed loopback port for one
// test. discordgo computes its endpoints at init, as package variables; they are restored after
// the server has stopped (cleanups run last-in first-out). It returns Slack's API URL.
func unreachable(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	oldGateway, oldGatewayBot, oldApps := discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.EndpointApplications
	discordgo.EndpointGateway, discordgo.EndpointGatewayBot = closed+"/api/v9/gateway", closed+"/api/v9/gateway/bot"
	discordgo.EndpointApplications = closed + "/api/v9/applications"
	t.Cleanup(func() {
		discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.EndpointApplications = oldGateway, oldGatewayBot, oldApps
	})
	return closed + "/api/"
}

// readyState is the part of /readyz these tests read.
type readyState struct {
	Status   string `json:"status"`
	Adapters map[string]struct {
		State, Reason, Commands string
	} `json:"adapters"`
}

// checkStillServing asserts what a platform outage must leave alone: /healthz and /readyz are 200
// (ready), questions are answered on the web, and no token reached the log.
func checkStillServing(t *testing.T, base string, stderr *logtest.Buffer) readyState {
	t.Helper()
	if st, body := get(t, base+"/healthz"); st != 200 {
		t.Errorf("/healthz = %d %s", st, body)
	}
	st, body := get(t, base+"/readyz")
	var ready readyState
	if err := json.Unmarshal([]byte(body), &ready); err != nil || st != 200 || ready.Status != "ready" {
		t.Fatalf("/readyz = %d %s (%v), want 200 ready", st, body, err)
	}
	if st, body := get(t, base+"/api/ask?q=530"); st != 200 || !strings.Contains(body, `"id":"530"`) {
		t.Errorf("/api/ask?q=530 = %d %s, want the answer", st, body)
	}
	if strings.Contains(stderr.String(), "outage-secret") {
		t.Error("a token reached the log")
	}
	return ready
}

// TestServeThroughPlatformOutage starts `ftpbot serve` with Slack (Socket Mode) and Discord
// (gateway) credentials while neither platform can be reached: their API and gateway URLs point
// at a closed loopback port. serve must stay up, answer on the web, say 200 on /healthz and
// /readyz with each adapter marked as not connected, and log each retry with its exact wait.
func TestServeThroughPlatformOutage(t *testing.T) {
	slackAPI := unreachable(t)
	base, stdout, stderr, done, stop := startServeCLI(t, map[string]string{
		"SLACK_APP_TOKEN": "xapp-1-outage-secret", "SLACK_BOT_TOKEN": "xoxb-2-outage-secret",
		"DISCORD_BOT_TOKEN": "discord-outage-secret", "DISCORD_APPLICATION_ID": "111",
	}, "[slack]\napi_url = \""+slackAPI+"\"\n")
	if line := stdout.String(); !strings.Contains(line, "slack on (socket)") || !strings.Contains(line, "discord on (gateway)") {
		t.Fatalf("start-up line %q, want slack on (socket) and discord on (gateway)", line)
	}
	waitUntil(t, "two retries of each platform", 15*time.Second, done, func() bool {
		w := retryWaits(stderr.String())
		return len(w["slack: cannot connect to Slack"]) >= 2 && len(w["discord: cannot open the Discord gateway"]) >= 2 &&
			len(w["discord: command registration failed"]) >= 2
	})

	// Still up, still answering, and ready: a platform outage must not pull it out of the load
	// balancer.
	ready := checkStillServing(t, base, stderr)
	for _, name := range []string{"slack", "discord"} {
		a := ready.Adapters[name]
		if a.State != "disconnected" && a.State != "connecting" {
			t.Errorf("/readyz %s state %q, want disconnected or connecting", name, a.State)
		}
	}
	if c := ready.Adapters["discord"].Commands; !strings.HasPrefix(c, "retrying in ") {
		t.Errorf("/readyz discord commands %q, want \"retrying in …\"", c)
	}
	_, metrics := get(t, base+"/metrics")
	for _, name := range []string{"slack", "discord"} {
		if !strings.Contains(metrics, `ftpbot_adapter_state{adapter="`+name+`",state="connected"} 0`) ||
			(!strings.Contains(metrics, `ftpbot_adapter_state{adapter="`+name+`",state="disconnected"} 1`) &&
				!strings.Contains(metrics, `ftpbot_adapter_state{adapter="`+name+`",state="connecting"} 1`)) {
			t.Errorf("ftpbot_adapter_state for %s does not show it down", name)
		}
	}

	// Exact waits: slack-go's fixed 100ms, 200ms…; the Discord adapter's jittered 200–400ms,
	// then 400–800ms, in whole milliseconds.
	w := retryWaits(stderr.String())
	if got := strings.Join(w["slack: cannot connect to Slack"][:2], " "); got != "100ms 200ms" {
		t.Errorf("Slack's waits %s, want 100ms 200ms", got)
	}
	for _, prefix := range []string{"discord: cannot open the Discord gateway", "discord: command registration failed"} {
		step := 400 * time.Millisecond
		for i, s := range w[prefix][:2] {
			d, err := time.ParseDuration(s)
			if err != nil || d < step/2 || d > step || d%time.Millisecond != 0 {
				t.Errorf("%s: wait %d is %q, want whole milliseconds in [%v, %v]", prefix, i+1, s, step/2, step)
			}
			step *= 2
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve = %v, want a clean stop", err)
	}
}

// In the HTTP modes nothing needs Slack or Discord to start; only registering Discord's commands
// does, and it retries in the background while the endpoints listen and answer.
func TestServeHTTPModesThroughPlatformOutage(t *testing.T) {
	slackAPI := unreachable(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	base, stdout, stderr, done, stop := startServeCLI(t, map[string]string{
		"SLACK_SIGNING_SECRET": "slack-outage-secret", "SLACK_BOT_TOKEN": "xoxb-2-outage-secret",
		"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_BOT_TOKEN": "discord-outage-secret", "DISCORD_APPLICATION_ID": "111",
	}, "[discord]\nmode = \"http\"\n[slack]\napi_url = \""+slackAPI+"\"\n")
	if line := stdout.String(); !strings.Contains(line, "slack on (http)") || !strings.Contains(line, "discord on (http)") {
		t.Fatalf("start-up line %q, want both on (http)", line)
	}
	waitUntil(t, "two retries of the command registration", 15*time.Second, done, func() bool {
		return len(retryWaits(stderr.String())["discord: command registration failed"]) >= 2
	})
	ready := checkStillServing(t, base, stderr)
	for _, name := range []string{"slack", "discord"} {
		if st := ready.Adapters[name].State; st != "listening" {
			t.Errorf("/readyz %s state %q, want listening", name, st)
		}
	}
	if c := ready.Adapters["discord"].Commands; !strings.HasPrefix(c, "retrying in ") {
		t.Errorf("/readyz discord commands %q, want \"retrying in …\"", c)
	}
	// Discord's endpoint answers its PING meanwhile.
	body := []byte(`{"type":1,"id":"1","application_id":"111","token":"t"}`)
	req, _ := http.NewRequest(http.MethodPost, base+"/discord/interactions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	signtest.SignDiscord(req, priv, time.Now().Unix(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(got), `"type":1`) {
		t.Errorf("signed PING = %d %s, want a PONG", resp.StatusCode, got)
	}
	if err := stop(); err != nil {
		t.Errorf("serve = %v, want a clean stop", err)
	}
}

// retryWaits reads serve's JSON log: for each message prefix, the "retry_in" of its lines, in
// order, checked to be the wait the message itself states.
func retryWaits(logs string) map[string][]string {
	out := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var l struct {
			Msg     string `json:"msg"`
			RetryIn string `json:"retry_in"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.RetryIn == "" || !strings.HasSuffix(l.Msg, "retrying in "+l.RetryIn) {
			continue
		}
		for _, p := range []string{"slack: cannot connect to Slack", "discord: cannot open the Discord gateway", "discord: command registration failed"} {
			if strings.HasPrefix(l.Msg, p) {
				out[p] = append(out[p], l.RetryIn)
			}
		}
	}
	return out
}

// waitUntil polls cond, failing the test after within or if serve (done) stops meanwhile.
func waitUntil(t *testing.T, what string, within time.Duration, done <-chan error, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		select {
		case err := <-done:
			t.Fatalf("serve stopped while waiting for %s: %v", what, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
