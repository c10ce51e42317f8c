package main

// Load and start-up benchmarks (issue: proof under load). They are benchmarks, not timed tests:
//
//	go test ./cmd/ftpbot -run XXX -bench 'Load|Startup' -benchtime 1x
//
// BenchmarkLoad drives POST /slack/commands and POST /discord/interactions of the real server with
// validly signed requests from wrk (a separate process, so the load generator does not share the
// Go scheduler), alternating with a reference endpoint that lives only here: it does just the work
// every signed endpoint must do — read the body, verify signature and timestamp, write a canned
// answer as long as the bot's. The reference is the ceiling of the HTTP stack on this machine; the
// bot is reported as a fraction of it.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/signtest"
)

const loadSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// loadTarget is one endpoint under load: its path, body and signed headers.
type loadTarget struct {
	name    string
	path    string
	body    string
	headers map[string]string
}

func slackTarget(now time.Time, q string) loadTarget {
	body := "token=x&team_id=T1&team_domain=t&channel_id=C1&channel_name=ops&user_id=U1&user_name=ada&command=%2Fftp&text=" + url.QueryEscape(q) + "&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fnowhere&trigger_id=1.2.3"
	ts := strconv.FormatInt(now.Unix(), 10)
	return loadTarget{"slack", "/slack/commands", body, map[string]string{
		"Content-Type":              "application/x-www-form-urlencoded",
		"X-Slack-Request-Timestamp": ts,
		"X-Slack-Signature":         signtest.Slack(loadSecret, ts, []byte(body)),
	}}
}

func discordTarget(now time.Time, priv ed25519.PrivateKey, q string) loadTarget {
	qj, _ := json.Marshal(q)
	body := `{"type":2,"id":"1","application_id":"1","token":"t","member":{"user":{"id":"U1","username":"ada"}},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":` + string(qj) + `}]}}`
	ts := strconv.FormatInt(now.Unix(), 10)
	return loadTarget{"discord", "/discord/interactions", body, map[string]string{
		"Content-Type":          "application/json",
		"X-Signature-Timestamp": ts,
		"X-Signature-Ed25519":   signtest.Discord(priv, ts, []byte(body)),
	}}
}

// reference is the minimal signed endpoint: verify, then write canned bytes.
func reference(pub ed25519.PublicKey, canned map[string][]byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 512<<10))
		ts := r.Header.Get("X-Slack-Request-Timestamp")
		sec, _ := strconv.ParseInt(ts, 10, 64)
		want := signtest.Slack(loadSecret, ts, body)
		if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute || !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Slack-Signature"))) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(canned["slack"])
	})
	mux.HandleFunc("POST /discord/interactions", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 256<<10))
		ts := r.Header.Get("X-Signature-Timestamp")
		sec, _ := strconv.ParseInt(ts, 10, 64)
		sig, _ := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
		if err != nil || len(sig) != ed25519.SignatureSize || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute || !ed25519.Verify(pub, append([]byte(ts), body...), sig) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(canned["discord"])
	})
	return mux
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps      float64
	p99      time.Duration
	max      time.Duration
	requests int
	errors   int
}

var (
	rpsRE     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	p99RE     = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)\b`)
	maxRE     = regexp.MustCompile(`Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b`)
	totalRE   = regexp.MustCompile(`(\d+) requests in`)
	non2xxRE  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	sockErrRE = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func dur(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return time.Duration(f * float64(time.Microsecond))
	case "ms":
		return time.Duration(f * float64(time.Millisecond))
	}
	return time.Duration(f * float64(time.Second))
}

func runWrk(b *testing.B, base string, t loadTarget, seconds int) wrkResult {
	b.Helper()
	dir := b.TempDir()
	var lua strings.Builder
	fmt.Fprintf(&lua, "wrk.method = \"POST\"\nwrk.body = %q\n", t.body)
	for k, v := range t.headers {
		fmt.Fprintf(&lua, "wrk.headers[%q] = %q\n", k, v)
	}
	script := filepath.Join(dir, "post.lua")
	os.WriteFile(script, []byte(lua.String()), 0o644)
	out, err := exec.Command("wrk", "-t2", "-c64", "-d"+strconv.Itoa(seconds)+"s", "--timeout", "3s", "--latency", "-s", script, base+t.path).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	s := string(out)
	var r wrkResult
	if m := rpsRE.FindStringSubmatch(s); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := p99RE.FindStringSubmatch(s); m != nil {
		r.p99 = dur(m[1], m[2])
	}
	if m := maxRE.FindStringSubmatch(s); m != nil {
		r.max = dur(m[1], m[2])
	}
	if m := totalRE.FindStringSubmatch(s); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	if m := non2xxRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.errors += n
	}
	if m := sockErrRE.FindStringSubmatch(s); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.Atoi(v)
			r.errors += n
		}
	}
	return r
}

// serveLoopback serves h on a free loopback port until the benchmark ends.
func serveLoopback(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func BenchmarkLoad(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk is not installed (bash .ci/install-deps installs it)")
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	env := map[string]string{"SLACK_SIGNING_SECRET": loadSecret, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub)}
	cfg, err := ParseConfig(strings.NewReader("[limits]\nper_user_per_minute = 0\n"), envOf(env))
	if err != nil {
		b.Fatal(err)
	}
	tuneGC(os.Getenv) // as serve does
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	go s.run(ctx, ln, io.Discard)
	b.Cleanup(cancel)
	botURL := "http://" + ln.Addr().String()

	seconds := 5
	if v := os.Getenv("FTPBOT_LOAD_SECONDS"); v != "" {
		seconds, _ = strconv.Atoi(v)
	}
	for _, mk := range []func(time.Time) loadTarget{
		func(t time.Time) loadTarget { return slackTarget(t, "530") },
		func(t time.Time) loadTarget { return discordTarget(t, priv, "530") },
	} {
		t := mk(time.Now())
		b.Run(t.name, func(b *testing.B) {
			// The canned answer is the bot's own answer, so both write the same bytes.
			req, _ := http.NewRequest(http.MethodPost, botURL+t.path, strings.NewReader(t.body))
			for k, v := range t.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			canned, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Contains(canned, []byte("530")) {
				b.Fatalf("the bot's answer: %d %s", resp.StatusCode, canned)
			}
			refURL := serveLoopback(b, reference(pub, map[string][]byte{t.name: canned}))
			var bot, ref []wrkResult
			for round := 0; round < 2; round++ { // alternate, so drift hits both alike
				bot = append(bot, runWrk(b, botURL, t, seconds))
				ref = append(ref, runWrk(b, refURL, t, seconds))
			}
			sum := func(rs []wrkResult) (rps float64, p99, max time.Duration, reqs, errs int) {
				for _, r := range rs {
					rps += r.rps / float64(len(rs))
					p99 = maxDur(p99, r.p99)
					max = maxDur(max, r.max)
					reqs += r.requests
					errs += r.errors
				}
				return
			}
			brps, bp99, bmax, breqs, berrs := sum(bot)
			rrps, rp99, _, _, _ := sum(ref)
			b.ReportMetric(brps, "bot-req/s")
			b.ReportMetric(rrps, "ref-req/s")
			b.ReportMetric(100*brps/rrps, "%-of-ref")
			b.ReportMetric(float64(bp99.Microseconds())/1000, "bot-p99-ms")
			b.ReportMetric(float64(rp99.Microseconds())/1000, "ref-p99-ms")
			b.ReportMetric(float64(bmax.Microseconds())/1000, "bot-max-ms")
			b.ReportMetric(float64(berrs), "bot-errors")
			b.ReportMetric(float64(breqs), "bot-requests")
			b.ReportMetric(float64(len(canned)), "answer-bytes")
		})
	}
	b.ReportMetric(procRSS(os.Getpid()), "rss-MB")
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// BenchmarkMemoryAfterQuestions reports the resident memory of a real `ftpbot serve` process (the
// binary, built here) after it has answered 100,000 signed questions over loopback HTTP on its
// Slack and Discord endpoints, alternating, one in three a question not asked before so the
// answer and rendering caches fill up and turn over.
func BenchmarkMemoryAfterQuestions(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "ftpbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--log-level", "error")
	cmd.Env = append(os.Environ(), "SLACK_SIGNING_SECRET="+loadSecret, "DISCORD_PUBLIC_KEY="+hex.EncodeToString(pub),
		"FTPBOT_CONFIG=", "NO_COLOR=1")
	cmd.Dir = b.TempDir() // no ./ftpbot.toml there
	cfgPath := filepath.Join(cmd.Dir, "ftpbot.toml")
	os.WriteFile(cfgPath, []byte("[limits]\nper_user_per_minute = 0\n"), 0o644)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := client.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("the server did not get ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	startRSS := procRSS(cmd.Process.Pid)
	queries := []string{"530", "passive", "550 Failed to open file.", "cannot open data connection", "curl: (67) Access denied: 530"}
	for b.Loop() {
		now := time.Now()
		const total, workers = 100_000, 4
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			go func(w int) {
				for i := w; i < total; i += workers {
					q := queries[i%len(queries)]
					if i%3 == 0 {
						q += " " + strconv.Itoa(i) // distinct questions too, to fill the caches
					}
					t := slackTarget(now, q)
					if i%2 == 1 {
						t = discordTarget(now, priv, q)
					}
					req, _ := http.NewRequest(http.MethodPost, base+t.path, strings.NewReader(t.body))
					for k, v := range t.headers {
						req.Header.Set(k, v)
					}
					resp, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						errs <- fmt.Errorf("%s %q: status %d", t.name, q, resp.StatusCode)
						return
					}
				}
				errs <- nil
			}(w)
		}
		for w := 0; w < workers; w++ {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(procRSS(cmd.Process.Pid), "rss-MB")
	b.ReportMetric(startRSS, "rss-at-start-MB")
}

// procRSS is a process's resident memory in MB, from /proc.
func procRSS(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkStartup measures start-up to ready: load and validate the knowledge, build every
// adapter and route, listen, and answer /readyz.
func BenchmarkStartup(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	for b.Loop() {
		cfg, _ := ParseConfig(strings.NewReader(""), noEnv)
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		cfg.Server.Listen = ln.Addr().String()
		s, err := newServer(cfg, log)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.run(ctx, ln, io.Discard); close(done) }()
		for {
			resp, err := http.Get("http://" + ln.Addr().String() + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
		}
		cancel()
		<-done
	}
}
