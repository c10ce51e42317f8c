package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
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
