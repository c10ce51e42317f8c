package transcript

import (
	"net/netip"
	"regexp"
	"strconv"
)

var (
	// an IPv4 address standing on its own: "Connecting to 198.51.100.7:21...", "(198.51.100.7) port 21"
	ipv4RE = regexp.MustCompile(`(?:^|[^\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:[^\d.]|\.(?:\D|$)|$)`)
	// the six numbers of a 227 reply: "(10,0,0,5,195,80)"; some servers drop the parentheses
	pasvRE = regexp.MustCompile(`(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})`)
)

// addrIn returns the first valid IPv4 address in s, or "".
func addrIn(s string) string {
	for _, m := range ipv4RE.FindAllStringSubmatch(s, -1) {
		if a, err := netip.ParseAddr(m[1]); err == nil {
			return a.String()
		}
	}
	return ""
}

// PassiveAddr returns the address and port a 227 reply tells the client to connect to, or ok
// false when e is not a 227 with six numbers.
func PassiveAddr(e *Entry) (addr string, port int, ok bool) {
	if e == nil || e.Dir != Response || e.Code != 227 {
		return "", 0, false
	}
	m := pasvRE.FindStringSubmatch(e.Text)
	if m == nil {
		return "", 0, false
	}
	var b [6]int
	for i := range b {
		b[i], _ = strconv.Atoi(m[i+1])
		if b[i] > 255 {
			return "", 0, false
		}
	}
	a := netip.AddrFrom4([4]byte{byte(b[0]), byte(b[1]), byte(b[2]), byte(b[3])})
	return a.String(), b[4]<<8 | b[5], true
}

// Unroutable reports whether a passive address cannot be right for a client that reached the
// server at control: 0.0.0.0, or a private, shared or loopback address when the control
// connection went to a public one, or any other address than control's when both are known to be
// of the same kind. With control unknown, only 0.0.0.0 and private addresses are suspect.
func Unroutable(pasv, control string) bool {
	p, err := netip.ParseAddr(pasv)
	if err != nil {
		return false
	}
	if p.IsUnspecified() {
		return true
	}
	c, err := netip.ParseAddr(control)
	if err != nil {
		return p.IsPrivate() || p.IsLoopback() || cgnat.Contains(p)
	}
	return p != c
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
