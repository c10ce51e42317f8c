package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientKey identifies the asker for rate limiting: the client's address (see clientAddr)
// as clientKeyOf counts it.
func (h *Handler) clientKey(r *http.Request) string { return clientKeyOf(h.clientAddr(r)) }

// clientAddr is the address of the client a request comes from, for limits and logs: the peer,
// or, when the peer is a trusted proxy, the address that proxy says it was forwarding for.
func (h *Handler) clientAddr(r *http.Request) string {
	return clientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), h.o.TrustedProxies)
}

// clientAddr works out the client's address from the peer address ("ip:port") and the request's
// X-Forwarded-For headers. Each proxy appends the address it received the request from, so the
// list is only as trustworthy as the proxies that wrote it: starting at the peer and walking the
// list from the right, every trusted hop vouches for the entry to its left; the first address
// that is not a trusted proxy is the client. Anything left of it was written by the client
// itself and is ignored. When a trusted proxy wrote something that is not an address, the walk
// stops at the last address known (that proxy), rather than trust what is further left. With an
// untrusted peer, or no trusted proxies at all, the header is ignored.
func clientAddr(remoteAddr string, forwardedFor []string, trusted []netip.Prefix) string {
	peer := hostOf(remoteAddr)
	ip, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(ip, trusted) {
		return peer
	}
	client := ip
	hops := strings.Split(strings.Join(forwardedFor, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return client.Unmap().WithZone("").String()
}

// isTrusted reports whether ip is one of the trusted proxies' addresses.
func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, with or without a port ("192.0.2.1",
// "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]:4711"). "unknown" and obfuscated names (RFC
// 7239's "_hidden") are not addresses.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a, true
	}
	return netip.Addr{}, false
}

// hostOf is the host part of "host:port", or the whole string when it has no port.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// clientKeyOf turns a client's address ("ip" or "ip:port") into the key its questions are
// counted under: the IPv4 address, or the /64 network of an IPv6 address, since one subscriber or
// host commonly gets a whole /64 and could otherwise ask from a new address every time. An
// IPv4-mapped IPv6 address counts as its IPv4 address.
func clientKeyOf(addr string) string {
	host := hostOf(addr)
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip, 64).Masked().String()
}
