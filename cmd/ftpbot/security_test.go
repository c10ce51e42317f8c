package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/probe"
	"github.com/ftpbot/ftpbot/knowledge"
)

// TestServeIdleConnectionFlood: clients from several loopback addresses (127.0.0.2–5) open
// keep-alive connections and leave them idle, well past the server's connection cap. The
// server holds no more than its cap (it closes the longest idle), and /healthz from another
// address is answered throughout. The caps are shrunk for the test; serve's are in serve.go.
func TestServeIdleConnectionFlood(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(""), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	const max = 48
	s.maxConns, s.maxConnsPerHost = max, 20
	if s.idleTimeout > 30*time.Second {
		t.Errorf("idle time-out %v: keep-alive connections should not be held that long", s.idleTimeout)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.run(ctx, ln, io.Discard); close(done) }()
	defer func() { cancel(); <-done }()

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 40; i++ {
		for src := 2; src <= 5; src++ {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(fmt.Sprintf("127.0.0.%d", src))}, Timeout: 2 * time.Second}
			c, err := d.Dial("tcp", addr)
			if err != nil {
				t.Skipf("cannot dial from 127.0.0.%d: %v", src, err)
			}
			conns = append(conns, c)
			c.SetDeadline(time.Now().Add(3 * time.Second))
			fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		if i%8 == 7 {
			hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := hc.Get("http://" + addr + "/healthz")
			if err != nil {
				t.Fatalf("/healthz with %d idle connections made: %v", len(conns), err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/healthz with %d idle connections made: status %d", len(conns), resp.StatusCode)
			}
		}
	}
	// The server has closed all but its cap: a read on a closed connection ends at once.
	open := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			open++
		}
	}
	if open > max {
		t.Errorf("%d of %d idle connections still open, cap %d", open, len(conns), max)
	}
}

// TestCheckPrintsNoControlCharacters: `ftpbot check` against a hostile FTP server on
// 127.0.0.1 that answers with terminal escape sequences (set the title, clear the screen,
// move the cursor), NUL, backspaces and bidirectional overrides prints none of them.
func TestCheckPrintsNoControlCharacters(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostile := "\x1b]0;owned\x07\x1b[2J\x1b[H\x00\x08\x08\u009b1m\u202e"
	srvDone := make(chan struct{})
	go func() {
		defer close(srvDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				fmt.Fprintf(c, "220-%s welcome\r\n220 ready%s\r\n", hostile, hostile)
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || strings.HasPrefix(line, "QUIT") {
						return
					}
					fmt.Fprintf(c, "530 no%s\r\n", hostile)
				}
			}()
		}
	}()
	defer func() { ln.Close(); <-srvDone }()

	for _, args := range [][]string{
		{"check", "--allow-private", ln.Addr().String()},
		{"check", "--json", "--allow-private", ln.Addr().String()},
	} {
		var out, errOut strings.Builder
		run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		all := out.String() + errOut.String()
		if !strings.Contains(all, "ready") {
			t.Fatalf("%v: the server's text is missing:\n%s", args, all)
		}
		if i := strings.IndexFunc(all, func(r rune) bool {
			return r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e)
		}); i >= 0 {
			t.Errorf("%v: the output carries %q:\n%q", args, all[i:i+1], all)
		}
	}
}

// TestProfileNeedsHost: a login profile that does not name its host is refused by the config
// check (and so at start-up): without a host it would log in to whatever server is asked.
func TestProfileNeedsHost(t *testing.T) {
	_, err := ParseConfig(strings.NewReader("[probe.profiles.prod]\nusername = \"deploy\"\npassword_env = \"PW\"\n"), envOf(nil))
	if err == nil || !strings.Contains(err.Error(), "probe.profiles.prod.host") {
		t.Errorf("a profile without host: %v, want an error naming probe.profiles.prod.host", err)
	}
	for _, bad := range []string{"ftp.example.com:99999", "ftp://ftp.example.com", "not a host"} {
		toml := fmt.Sprintf("[probe.profiles.prod]\nhost = %q\nusername = \"deploy\"\npassword_env = \"PW\"\n", bad)
		if _, err := ParseConfig(strings.NewReader(toml), envOf(nil)); err == nil || !strings.Contains(err.Error(), "probe.profiles.prod.host") {
			t.Errorf("profile host %q: %v, want an error naming probe.profiles.prod.host", bad, err)
		}
	}
	for _, good := range []string{"ftp.example.com", "ftp.example.com:2121", "[2001:db8::1]:21", "192.0.2.7"} {
		toml := fmt.Sprintf("[probe.profiles.prod]\nhost = %q\nusername = \"deploy\"\npassword_env = \"PW\"\n", good)
		if _, err := ParseConfig(strings.NewReader(toml), envOf(nil)); err != nil {
			t.Errorf("profile host %q: %v", good, err)
		}
	}
}

// TestProfileOnlyForItsHostAndPort: a profile logs in only to the host and port it names (a
// host without a port: 21, or 990 for implicit FTPS), from the terminal and from chat. The
// target that passes is a closed port on 127.0.0.1: the check then fails to connect (exit 1),
// which proves the profile was accepted.
func TestProfileOnlyForItsHostAndPort(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	dir := t.TempDir()
	cfgPath := dir + "/ftpbot.toml"
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
[probe.profiles.std]
host = "127.0.0.1"
username = "alice"
password_env = "PW"

[probe.profiles.odd]
host = "127.0.0.1:%d"
username = "alice"
password_env = "PW"
`, port)), 0o600)
	env := map[string]string{"PW": "wonderland"}
	tests := []struct {
		profile, target string
		code            int
		out             string
	}{
		{"std", fmt.Sprintf("127.0.0.1:%d", port), 2, "is for 127.0.0.1"},
		{"std", "127.0.0.2:21", 2, "is for 127.0.0.1"},
		{"odd", fmt.Sprintf("127.0.0.1:%d", port+1), 2, fmt.Sprintf("127.0.0.1:%d", port)},
		{"odd", fmt.Sprintf("127.0.0.2:%d", port), 2, fmt.Sprintf("127.0.0.1:%d", port)},
		{"odd", fmt.Sprintf("127.0.0.1:%d", port), 1, "10061"},
	}
	for _, tt := range tests {
		var out, errOut strings.Builder
		err := run(context.Background(), []string{"check", "--allow-private", "--config", cfgPath, "--profile", tt.profile, tt.target},
			envOf(env), strings.NewReader(""), &out, &errOut)
		code := 0
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
			errOut.WriteString(ex.msg)
		}
		if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.out) {
			t.Errorf("check --profile %s %s: exit %d, want %d with %q:\n%s%s", tt.profile, tt.target, code, tt.code, tt.out, out.String(), errOut.String())
		}
	}

	// Chat: the same refusal.
	cfg, err := ParseConfig(strings.NewReader(fmt.Sprintf("[probe]\nenabled = true\nallow = [\"127.0.0.0/8\"]\nports = [%d]\n[probe.profiles.std]\nhost = \"127.0.0.1\"\nusername = \"alice\"\npassword = \"wonderland\"\n", port)), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e := bot.New(kb)
	e.Check = probe.ChatChecker(probeSettings(cfg), kb, slog.New(slog.DiscardHandler))
	r := e.Handle(context.Background(), bot.Request{Text: fmt.Sprintf("check 127.0.0.1:%d profile:std", port), User: "u", Platform: "slack"})
	if r.Kind != bot.KindError || !strings.Contains(r.Summary, "is for 127.0.0.1") {
		t.Errorf("chat check with a profile for another port: %s %q", r.Kind, r.Summary)
	}
}

// TestWebChecksHaveTheirOwnSwitch: [probe] enabled opens checks to chat only; the web page and
// /api/ask run them only with [probe] web = true. (The target is a loopback address the policy
// refuses, so nothing is dialled either way: the refusal's wording tells who answered.)
func TestWebChecksHaveTheirOwnSwitch(t *testing.T) {
	tests := []struct {
		name      string
		toml      string
		web, chat string // what the answer says, from the web and from chat
	}{
		{"chat only (the default for web)", "[probe]\nenabled = true\n", "not available on the web", "loopback"},
		{"web too", "[probe]\nenabled = true\nweb = true\n", "loopback", "loopback"},
		{"web only", "[probe]\nweb = true\n", "loopback", "turned off"},
		{"neither", "", "not available on the web", "turned off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, s, _ := startServe(t, nil, tt.toml)
			_, body := get(t, base+"/api/ask?q="+url.QueryEscape("check 127.0.0.1"))
			if !strings.Contains(body, tt.web) {
				t.Errorf("web: %s, want %q", body, tt.web)
			}
			r := s.engine.Handle(context.Background(), bot.Request{Text: "check 127.0.0.1", User: "u", Platform: "slack"})
			if !strings.Contains(r.Summary, tt.chat) {
				t.Errorf("chat: %q, want %q", r.Summary, tt.chat)
			}
		})
	}
	c, err := ParseConfig(strings.NewReader(""), envOf(nil))
	if err != nil || c.Probe.Web {
		t.Errorf("probe.web defaults to %v (%v), want false", c.Probe.Web, err)
	}
}

// TestConfigRefusesWeakDiscordKey: a small-order Discord public key (all zeros, the identity)
// accepts forged signatures; `config check` and start-up refuse it.
func TestConfigRefusesWeakDiscordKey(t *testing.T) {
	for _, key := range []string{strings.Repeat("00", 32), "01" + strings.Repeat("00", 31)} {
		_, err := ParseConfig(strings.NewReader(""), envOf(map[string]string{"DISCORD_PUBLIC_KEY": key}))
		if err == nil || !strings.Contains(err.Error(), "discord.public_key") || !strings.Contains(err.Error(), "small-order") {
			t.Errorf("public key %s…: %v, want a refusal naming discord.public_key", key[:8], err)
		}
		var out, errOut strings.Builder
		err = run(context.Background(), []string{"config", "check"}, envOf(map[string]string{"DISCORD_PUBLIC_KEY": key}), strings.NewReader(""), &out, &errOut)
		var ex *exitError
		if !errors.As(err, &ex) || ex.code != exitUsage {
			t.Errorf("config check with a weak key: %v, want exit %d", err, exitUsage)
		}
	}
}

// TestConfigCheckWarnsReadableSecrets: `config check` warns when the file holds a secret and
// other users may read it; not when it is private or holds none.
func TestConfigCheckWarnsReadableSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := "[slack]\nsigning_secret = \"0123456789abcdef0123456789abcdef\"\n"
	tests := []struct {
		name, toml string
		mode       os.FileMode
		warn       bool
		env        map[string]string
	}{
		{"secret, world-readable", secret, 0o644, true, nil},
		{"secret, group-readable", secret, 0o640, true, nil},
		{"secret, private", secret, 0o600, false, nil},
		{"profile password, readable", "[probe.profiles.p]\nhost = \"ftp.example.com\"\nusername = \"u\"\npassword = \"pw\"\n", 0o644, true, nil},
		{"no secret, readable", "[server]\nlisten = \"127.0.0.1:8080\"\n", 0o644, false, nil},
		{"redis password, readable", "[state]\nbackend = \"redis\"\nredis_url = \"redis://ftpbot:pw@127.0.0.1:6379/0\"\n", 0o644, true, nil},
		{"redis password only, group-readable", "[state]\nredis_url = \"rediss://:pw@127.0.0.1:6380/0\"\n", 0o640, true, nil},
		{"redis password, private", "[state]\nredis_url = \"redis://ftpbot:pw@127.0.0.1:6379/0\"\n", 0o600, false, nil},
		{"redis URL without a password, readable", "[state]\nbackend = \"redis\"\nredis_url = \"redis://127.0.0.1:6379/0\"\n", 0o644, false, nil},
		// The environment's URL wins, but the file still holds its own password.
		{"redis password in the file, another URL in the environment", "[state]\nredis_url = \"redis://ftpbot:pw@127.0.0.1:6379/0\"\n", 0o644, true,
			map[string]string{"FTPBOT_REDIS_URL": "redis://127.0.0.1:6379/0"}},
	}
	for i, tt := range tests {
		path := fmt.Sprintf("%s/c%d.toml", dir, i)
		if err := os.WriteFile(path, []byte(tt.toml), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, tt.mode)
		var out, errOut strings.Builder
		if err := run(context.Background(), []string{"config", "check", "--config", path}, envOf(tt.env), strings.NewReader(""), &out, &errOut); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		all := out.String() + errOut.String()
		if got := strings.Contains(all, "chmod 600"); got != tt.warn {
			t.Errorf("%s: warned %v, want %v:\n%s", tt.name, got, tt.warn, all)
		}
	}
}

// TestMetricsListen: with [server] metrics_listen, /metrics is served there and not on the
// main listener; without it, on the main listener as before.
func TestMetricsListen(t *testing.T) {
	base, _, _ := startServe(t, nil, "")
	if code, _ := get(t, base+"/metrics"); code != http.StatusOK {
		t.Errorf("/metrics on the main listener without metrics_listen: %d", code)
	}

	cfg, err := ParseConfig(strings.NewReader("[server]\nmetrics_listen = \"127.0.0.1:0\"\n"), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.metricsLn = mln
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.run(ctx, ln, io.Discard); close(done) }()
	defer func() { cancel(); <-done }()
	if code, _ := get(t, "http://"+ln.Addr().String()+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the main listener with metrics_listen: %d, want 404", code)
	}
	code, body := get(t, "http://"+mln.Addr().String()+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "ftpbot_") {
		t.Errorf("/metrics on metrics_listen: %d\n%.200s", code, body)
	}
	if _, err := ParseConfig(strings.NewReader("[server]\nmetrics_listen = \"nope\"\n"), envOf(nil)); err == nil || !strings.Contains(err.Error(), "server.metrics_listen") {
		t.Errorf("a bad metrics_listen: %v", err)
	}
}
