package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/logtest"
)

func TestClientKey(t *testing.T) {
	tests := []struct {
		name, addr, want string
	}{
		{"IPv4", "192.0.2.1:5555", "192.0.2.1"},
		{"IPv4 loopback", "127.0.0.9:80", "127.0.0.9"},
		{"IPv6 is its /64", "[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"same /64, other host", "[2001:db8:1:2:ffff::1]:1", "2001:db8:1:2::/64"},
		{"next /64", "[2001:db8:1:3::1]:1", "2001:db8:1:3::/64"},
		{"IPv4-mapped is IPv4", "[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"zone dropped", "[fe80::1%eth0]:80", "fe80::/64"},
		{"IPv6 loopback", "[::1]:80", "::/64"},
		{"no port", "192.0.2.1", "192.0.2.1"},
		{"not an address", "pipe", "pipe"},
	}
	for _, tt := range tests {
		if got := clientKeyOf(tt.addr); got != tt.want {
			t.Errorf("%s: clientKeyOf(%q) = %q, want %q", tt.name, tt.addr, got, tt.want)
		}
	}
}

// TestRateLimitPerAddress asks over real connections from 200 loopback addresses (127.0.0.2 …):
// each address has its own limit, and a limiter capped at 64 keys stays at 64 however many
// addresses ask.
func TestRateLimitPerAddress(t *testing.T) {
	o := testOptions(t)
	lim := bot.NewRateLimiterSize(1, 64)
	lim.Now = func() time.Time { return time.Unix(1_700_000_040, 0) } // not split by a minute's turn
	o.Engine.Limiter = lim
	_, srv := serve(t, o)
	for i := range 200 {
		from := net.IPv4(127, 0, byte(i/250), byte(2+i%250))
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: from}}).DialContext}}
		for n, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
			resp, err := client.Get(srv.URL + "/api/ask?q=530")
			if err != nil {
				t.Fatalf("from %s: %v", from, err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("question %d from %s: %d, want %d", n+1, from, resp.StatusCode, want)
			}
		}
		client.CloseIdleConnections()
	}
	if n := lim.Len(); n > 64 {
		t.Errorf("the limiter remembers %d keys after 200 addresses, want at most its cap of 64", n)
	}
}

// TestIPv6SlashSixtyFourIsOneKey: a thousand addresses from one /64 share one limit and one key;
// the next /64 has its own.
func TestIPv6SlashSixtyFourIsOneKey(t *testing.T) {
	o := testOptions(t)
	lim := bot.NewRateLimiter(5)
	lim.Now = func() time.Time { return time.Unix(1_700_000_040, 0) }
	o.Engine.Limiter = lim
	h := New(o)
	ask := func(remote string) int {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/api/ask?q=530", nil)
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	ok := 0
	for i := range 1000 {
		if ask(fmt.Sprintf("[2001:db8:0:1:%x:%x::1]:40000", i>>8, i&255)) == http.StatusOK {
			ok++
		}
	}
	if ok != 5 {
		t.Errorf("%d of 1,000 questions from one /64 answered, want the limit of 5", ok)
	}
	if n := lim.Len(); n != 1 {
		t.Errorf("one /64 made %d keys, want 1", n)
	}
	if ask("[2001:db8:0:2::1]:40000") != http.StatusOK {
		t.Error("the next /64 is limited too")
	}
}

func TestClientAddrBehindProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no trusted proxies: the header is ignored", "10.1.2.3:5555", []string{"198.51.100.7"}, nil, "10.1.2.3"},
		{"spoofed header from an untrusted peer is ignored", "192.0.2.1:5555", []string{"198.51.100.7"}, trusted, "192.0.2.1"},
		{"trusted peer: its entry is the client", "10.1.2.3:5555", []string{"198.51.100.7"}, trusted, "198.51.100.7"},
		{"trusted peer, no header: the peer", "10.1.2.3:5555", nil, trusted, "10.1.2.3"},
		{"the client's own entries, left of the proxy's, are ignored", "10.1.2.3:5555", []string{"1.1.1.1, 2.2.2.2, 198.51.100.7"}, trusted, "198.51.100.7"},
		{"a chain of trusted proxies", "10.1.2.3:5555", []string{"6.6.6.6, 198.51.100.7, 10.9.9.9, 10.8.8.8"}, trusted, "198.51.100.7"},
		{"a chain over several headers", "10.1.2.3:5555", []string{"6.6.6.6, 198.51.100.7", "10.9.9.9", "10.8.8.8"}, trusted, "198.51.100.7"},
		{"an untrusted hop in the chain is the client", "10.1.2.3:5555", []string{"198.51.100.7, 203.0.113.5, 10.9.9.9"}, trusted, "203.0.113.5"},
		{"all hops trusted: the left-most", "10.1.2.3:5555", []string{"10.7.7.7, 10.9.9.9"}, trusted, "10.7.7.7"},
		{"entries with ports", "10.1.2.3:5555", []string{"198.51.100.7:4711, [fd00::5]:80"}, trusted, "198.51.100.7"},
		{"IPv6 client through an IPv6 proxy", "[fd00::1]:5555", []string{"2001:db8:1:2::9"}, trusted, "2001:db8:1:2::9"},
		{"IPv4-mapped proxy is trusted as IPv4", "[::ffff:10.1.2.3]:5555", []string{"198.51.100.7"}, trusted, "198.51.100.7"},
		{"garbage from a trusted proxy: stop at that proxy", "10.1.2.3:5555", []string{"198.51.100.7, unknown"}, trusted, "10.1.2.3"},
		{"garbage behind a trusted hop: stop at the hop", "10.1.2.3:5555", []string{"198.51.100.7, _hidden, 10.9.9.9"}, trusted, "10.9.9.9"},
		{"an empty header", "10.1.2.3:5555", []string{""}, trusted, "10.1.2.3"},
	}
	for _, tt := range tests {
		if got := clientAddr(tt.peer, tt.xff, tt.trusted); got != tt.want {
			t.Errorf("%s: clientAddr(%q, %q) = %q, want %q", tt.name, tt.peer, tt.xff, got, tt.want)
		}
	}
}

// TestRateLimitBehindProxy asks through the handler and its limiter: behind a trusted proxy each
// visitor has its own limit; a visitor that is not a proxy cannot escape its limit by sending a
// new X-Forwarded-For with every question.
func TestRateLimitBehindProxy(t *testing.T) {
	o := testOptions(t)
	lim := bot.NewRateLimiter(1)
	lim.Now = func() time.Time { return time.Unix(1_700_000_040, 0) }
	o.Engine.Limiter = lim
	o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	h := New(o)
	ask := func(remote, xff string) int {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/api/ask?q=530", nil)
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	// Two visitors behind the proxy: one question each is answered, a second is not.
	for _, visitor := range []string{"198.51.100.7", "198.51.100.8"} {
		if got := ask("127.0.0.1:40000", "6.6.6.6, "+visitor); got != http.StatusOK {
			t.Errorf("first question from %s through the proxy: %d, want 200", visitor, got)
		}
		if got := ask("127.0.0.1:40001", visitor); got != http.StatusTooManyRequests {
			t.Errorf("second question from %s through the proxy: %d, want 429", visitor, got)
		}
	}
	// A visitor that is not a proxy forges the header: every question counts under its own address.
	codes := []int{ask("192.0.2.1:1", "203.0.113.1"), ask("192.0.2.1:1", "203.0.113.2"), ask("192.0.2.1:1", "203.0.113.3")}
	if codes[0] != http.StatusOK || codes[1] != http.StatusTooManyRequests || codes[2] != http.StatusTooManyRequests {
		t.Errorf("forged X-Forwarded-For from an untrusted peer: %v, want [200 429 429]", codes)
	}
}

// TestLogNamesTheClientBehindProxy: a failed page is logged with the visitor's key as limits see
// it, the X-Forwarded-For client behind a trusted proxy, not the proxy.
func TestLogNamesTheClientBehindProxy(t *testing.T) {
	var logs logtest.Buffer
	o := testOptions(t)
	o.Log = slog.New(slog.NewTextHandler(&logs, nil))
	o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := New(o)
	req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/codes/530", nil)
	req.RemoteAddr = "10.1.2.3:40000"
	req.Header.Set("X-Forwarded-For", "198.51.100.7")
	h.serverError(httptest.NewRecorder(), req, errors.New("template failed"))
	if !strings.Contains(logs.String(), "client=198.51.100.7") {
		t.Errorf("the log does not name the client behind the proxy:\n%s", logs.String())
	}
}
