package connlimit

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// serve runs an HTTP server on 127.0.0.1 behind a Listener and stops it when the test ends.
func serve(t *testing.T, max, perHost int) (*Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(ln, max, perHost)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"status":"ok"}`)
		}),
		ConnState:         l.ConnState,
		ReadHeaderTimeout: 10 * time.Second, // longer than the test: only the caps can free room
		IdleTimeout:       time.Minute,
	}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return l, ln.Addr().String()
}

// dialFrom opens a connection from a given loopback source address.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// keepAlive sends one request on c and reads the answer, leaving c idle and open.
func keepAlive(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// healthz asks from 127.0.0.1 on a new connection, as a monitor does.
func healthz(t *testing.T, addr string) error {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// TestIdleFloodFromManyAddresses: 4 clients (127.0.0.2–5) open 40 keep-alive connections each
// and leave them idle; the server never holds more than its caps, and /healthz from another
// address is answered throughout.
func TestIdleFloodFromManyAddresses(t *testing.T) {
	const max, perHost = 60, 25
	l, addr := serve(t, max, perHost)
	for i := 0; i < 40; i++ {
		for src := 2; src <= 5; src++ {
			c := dialFrom(t, fmt.Sprintf("127.0.0.%d", src), addr)
			keepAlive(t, c)
			if n := l.Open(); n > max {
				t.Fatalf("%d connections open, cap %d", n, max)
			}
		}
		if i%10 == 9 {
			if err := healthz(t, addr); err != nil {
				t.Fatalf("/healthz after %d idle connections: %v", 4*(i+1), err)
			}
		}
	}
	l.mu.Lock()
	for host, n := range l.byHost {
		if n > perHost {
			t.Errorf("%s holds %d connections, cap %d", host, n, perHost)
		}
	}
	l.mu.Unlock()
}

// TestSlowHeadersFromOneAddress: one client holding connections with half-sent requests
// (slowloris: net/http counts them as new until the headers end) keeps at most PerHost of them;
// the oldest are closed to make room, and everyone else is still served.
func TestSlowHeadersFromOneAddress(t *testing.T) {
	const max, perHost = 40, 10
	l, addr := serve(t, max, perHost)
	var conns []net.Conn
	for i := 0; i < 30; i++ {
		c := dialFrom(t, "127.0.0.2", addr)
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n") // no blank line: the request never ends
		conns = append(conns, c)
		time.Sleep(5 * time.Millisecond) // let the server accept it before the next
	}
	if n := l.Open(); n > perHost {
		t.Errorf("%d connections held for one address, cap %d", n, perHost)
	}
	open := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && isTimeout(err) {
			open++
		}
	}
	if open > perHost {
		t.Errorf("%d of 30 half-sent connections still open, cap %d", open, perHost)
	}
	if err := healthz(t, addr); err != nil {
		t.Errorf("/healthz from another address: %v", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestAllBusyTurnsAway: when every connection of a client is serving a request, its next one
// is turned away at once with a 503, not queued.
func TestAllBusyTurnsAway(t *testing.T) {
	const perHost = 3
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(ln, 10, perHost)
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }), ConnState: l.ConnState}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	defer func() { close(release); srv.Close(); <-done }()
	addr := ln.Addr().String()
	for i := 0; i < perHost; i++ {
		c := dialFrom(t, "127.0.0.3", addr)
		fmt.Fprint(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		l.mu.Lock()
		busy := 0
		for c := range l.open {
			if c.state == http.StateActive {
				busy++
			}
		}
		l.mu.Unlock()
		if busy == perHost || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	c := dialFrom(t, "127.0.0.3", addr)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "HTTP/1.1 503 Service Unavailable\r\n" {
		t.Errorf("the extra connection got %q, %v; want a 503", line, err)
	}
}

func TestHostKey(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.2:4000":             "127.0.0.2",
		"[::ffff:10.0.0.1]:80":       "10.0.0.1",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1]:443":   "2001:db8:1:2::/64",
	} {
		a, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := hostKey(a); got != want {
			t.Errorf("hostKey(%s) = %s, want %s", in, got, want)
		}
	}
}
