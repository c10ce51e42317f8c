package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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

// TestTOMLErrorsNeverQuoteSecrets: a config that is not valid TOML gets an error naming the
// line and, for a secret, the key — never any part of the value (BurntSushi/toml quotes what it
// found: `expected value but found "Hunter" instead`).
func TestTOMLErrorsNeverQuoteSecrets(t *testing.T) {
	tests := []struct{ name, toml, want string }{
		{"unquoted token", "[slack]\nbot_token = Hunter2secret\n", "slack.bot_token"},
		{"token with text after it", "[slack]\nbot_token = \"xoxb-1\" Hunter2secret\n", "slack.bot_token"},
		{"token starting with digits", "[slack]\nbot_token = 12Hunter2secret\n", "slack.bot_token"},
		{"bad escape", "[slack]\nsigning_secret = \"Hu\\qnter2secret\"\n", "slack.signing_secret"},
		{"unquoted password", "[probe.profiles.p]\nusername = \"u\"\npassword = Hunter2secret\n", "password"},
		{"inline table", "[probe]\nprofiles = { p = { password = Hunter2secret } }\n", "line 2"},
		{"inside a multi-line string", "[probe.profiles.p]\nusername = \"u\"\npassword = \"\"\"Hunter2\nHunter2\\qsecret\"\"\"\n", "line 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tt.toml), envOf(nil))
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			for _, part := range []string{"Hunter", "Hu", "2secret", `\q`, "'H'", "'t'"} {
				if strings.Contains(msg, part) {
					t.Errorf("the error quotes %q from the secret: %s", part, msg)
				}
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("the error does not name %q: %s", tt.want, msg)
			}
		})
	}
	// A mistake in a value that is not secret still shows what was found.
	if _, err := ParseConfig(strings.NewReader("[server]\nlisten = 127.0.0.1:8080\n"), envOf(nil)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad listen value: %v", err)
	}
}
