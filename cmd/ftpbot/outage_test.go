package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/internal/logtest"
)

// TestServeThroughPlatformOutage starts `ftpbot serve` with Slack (Socket Mode) and Discord
// (gateway) credentials while neither platform can be reached: their API and gateway URLs point
// at a closed loopback port. serve must stay up, answer on the web, say 200 on /healthz and
// /readyz with each adapter marked as not connected, and log each retry with its exact wait.
func TestServeThroughPlatformOutage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	// discordgo computes its endpoints at init, as package variables: point them at the closed
	// port for this test (restored after the server has stopped: cleanups run last-in first-out).
	oldGateway, oldGatewayBot, oldApps := discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.EndpointApplications
	discordgo.EndpointGateway, discordgo.EndpointGatewayBot = closed+"/api/v9/gateway", closed+"/api/v9/gateway/bot"
	discordgo.EndpointApplications = closed + "/api/v9/applications"
	t.Cleanup(func() {
		discordgo.EndpointGateway, discordgo.EndpointGatewayBot, discordgo.EndpointApplications = oldGateway, oldGatewayBot, oldApps
	})

	env := map[string]string{
		"SLACK_APP_TOKEN": "xapp-1-outage-secret", "SLACK_BOT_TOKEN": "xoxb-2-outage-secret", "FTPBOT_SLACK_API_URL": closed + "/api/",
		"DISCORD_BOT_TOKEN": "discord-outage-secret", "DISCORD_APPLICATION_ID": "111",
		"GOMEMLIMIT": "off", // leave the test process's GC alone (serve would set its soft limit)
	}
	var stdout, stderr logtest.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0"}, envOf(env), strings.NewReader(""), &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})

	var base string
	waitUntil(t, "serve to start", 10*time.Second, done, func() bool {
		m := regexp.MustCompile(`on (http://[^/ ]+)/`).FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
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
	if st, body := get(t, base+"/healthz"); st != 200 {
		t.Errorf("/healthz = %d %s", st, body)
	}
	st, body := get(t, base+"/readyz")
	var ready struct {
		Status   string `json:"status"`
		Adapters map[string]struct {
			State, Reason, Commands string
		} `json:"adapters"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || st != 200 || ready.Status != "ready" {
		t.Fatalf("/readyz = %d %s (%v), want 200 ready", st, body, err)
	}
	for _, name := range []string{"slack", "discord"} {
		a := ready.Adapters[name]
		if a.State != "disconnected" && a.State != "connecting" {
			t.Errorf("/readyz %s state %q, want disconnected or connecting", name, a.State)
		}
	}
	if c := ready.Adapters["discord"].Commands; !strings.HasPrefix(c, "retrying in ") {
		t.Errorf("/readyz discord commands %q, want \"retrying in …\"", c)
	}
	if st, body := get(t, base+"/api/ask?q=530"); st != 200 || !strings.Contains(body, `"id":"530"`) {
		t.Errorf("/api/ask?q=530 = %d %s, want the answer", st, body)
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
	if strings.Contains(stderr.String(), "outage-secret") {
		t.Error("a token reached the log")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve = %v, want a clean stop", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15s")
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
