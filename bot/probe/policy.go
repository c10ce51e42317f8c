package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Policy decides which addresses and ports a check may dial. The zero value refuses every
// address that is not public unicast and allows every port: what the terminal gets without
// --allow-private. Chat front ends set Ports.
type Policy struct {
	// AllowPrivate lets the operator at a terminal check loopback and private addresses. Chat
	// users never get it.
	AllowPrivate bool
	// Ports a check may dial; empty means any port.
	Ports []int
	// Allow and Deny are host names ("ftp.example.com", "*.example.com"), addresses and CIDR
	// ranges. Deny wins over Allow; Allow wins over the built-in refusal of special addresses.
	// A name on Deny also denies the addresses it resolves to (see Resolve). Ports lists the
	// control ports; data ports follow CheckDataPort's rule whatever it says.
	Allow, Deny []string

	allowNet, denyNet   []netip.Prefix
	allowHost, denyHost []string
	parsed              bool
}

// PolicyError is a refusal: the target is not one a check may dial. Front ends show its text;
// the command line exits 2 on it.
type PolicyError struct{ Reason string }

func (e *PolicyError) Error() string { return e.Reason }

// Compile checks the allow and deny lists and prepares them. It reports every bad entry.
func (p *Policy) Compile() error {
	var errs []error
	parse := func(list []string, key string) (nets []netip.Prefix, hosts []string) {
		for _, s := range list {
			s = strings.ToLower(strings.TrimSpace(s))
			switch {
			case s == "":
				errs = append(errs, fmt.Errorf("probe.%s: empty entry", key))
			case strings.Contains(s, "/"):
				pfx, err := netip.ParsePrefix(s)
				if err != nil {
					errs = append(errs, fmt.Errorf("probe.%s: %q is not a CIDR range", key, s))
					continue
				}
				// An IPv4-mapped range ("::ffff:10.0.0.0/104") means the IPv4 range: addresses
				// are judged unmapped.
				if pfx.Addr().Is4In6() && pfx.Bits() >= 96 {
					pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
				}
				nets = append(nets, pfx.Masked())
			default:
				if a, err := netip.ParseAddr(s); err == nil {
					nets = append(nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
					continue
				}
				hosts = append(hosts, strings.TrimSuffix(s, "."))
			}
		}
		return nets, hosts
	}
	p.allowNet, p.allowHost = parse(p.Allow, "allow")
	p.denyNet, p.denyHost = parse(p.Deny, "deny")
	p.parsed = true
	return errors.Join(errs...)
}

const whyMetadata = "a cloud metadata address"

// special lists the ranges a check refuses by default, with the reason users see. Cloud
// metadata endpoints fall inside link-local (169.254.169.254, fd00:ec2::254 is ULA) and CGNAT
// (Alibaba's 100.100.100.200), and are named first so the message says so.
var special = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), whyMetadata},
	{netip.MustParsePrefix("100.100.100.200/32"), whyMetadata},
	{netip.MustParsePrefix("fd00:ec2::254/128"), whyMetadata},
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a reserved (benchmarking) address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	// Deprecated IPv4-compatible (::a.b.c.d, RFC 4291) and IPv4-translated (::ffff:0:a.b.c.d,
	// RFC 2765) forms: no public server is reached this way, and some stacks and translators
	// still carry them to the IPv4 address inside ([::127.0.0.1] is the host itself).
	{netip.MustParsePrefix("::/96"), "a deprecated IPv4-compatible address"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "an IPv4-translated address"},
	// Local-use NAT64 (RFC 8215): the operator's own translator, which reaches whatever IPv4
	// network it serves, private ones included.
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	// Teredo hides an IPv4 address (obfuscated) and tunnels through a relay: no FTP server
	// needs it, and the relay could be led anywhere.
	{netip.MustParsePrefix("2001::/32"), "a Teredo tunnel address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address (deprecated, used as private)"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// Classify returns why an address is not public unicast ("a private address"), or "" when it is.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry, and so are the IPv4
// addresses embedded in NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses, which a dialler
// would reach through a gateway.
func Classify(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(a):
			if why := Classify(netip.AddrFrom4([4]byte(b[12:16]))); why != "" {
				return why + " (inside a NAT64 address)"
			}
		case netip.MustParsePrefix("2002::/16").Contains(a):
			if why := Classify(netip.AddrFrom4([4]byte(b[2:6]))); why != "" {
				return why + " (inside a 6to4 address)"
			}
		}
	}
	if !a.IsValid() {
		return "not an address"
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.why
		}
	}
	if a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "a broadcast address"
	}
	return ""
}

// hostListed reports whether host matches an entry: the same name, or "*.example.com" for any
// name under example.com.
func hostListed(list []string, host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, h := range list {
		if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
			return true
		}
	}
	return false
}

func netListed(list []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	return slices.ContainsFunc(list, func(p netip.Prefix) bool { return p.Contains(a) })
}

// CheckPort refuses a port the policy does not list.
func (p *Policy) CheckPort(port int) error {
	if port < 1 || port > 65535 {
		return &PolicyError{fmt.Sprintf("Port %d is not a TCP port.", port)}
	}
	if len(p.Ports) > 0 && !slices.Contains(p.Ports, port) {
		return &PolicyError{fmt.Sprintf("Checks here may only use port %s; ask an operator to add %d to [probe] ports.", joinInts(p.Ports), port)}
	}
	return nil
}

// checkAddr decides whether the address host resolved to may be dialled, judging the name, the
// address and the addresses the deny list's names resolve to (see Resolve, its only caller).
func (p *Policy) checkAddr(host string, a netip.Addr, deniedByName map[netip.Addr]string) error {
	if !p.parsed {
		if err := p.Compile(); err != nil {
			return &PolicyError{err.Error()}
		}
	}
	a = a.Unmap()
	if hostListed(p.denyHost, host) || netListed(p.denyNet, a) {
		return &PolicyError{fmt.Sprintf("%s (%s) is on this bot's deny list.", host, a)}
	}
	if name, ok := deniedByName[a]; ok {
		return &PolicyError{fmt.Sprintf("%s (%s) is on this bot's deny list: it is an address of %s.", host, a, name)}
	}
	if p.AllowPrivate || netListed(p.allowNet, a) {
		return nil
	}
	if hostListed(p.allowHost, host) {
		// An allowed name may lead to private addresses, but not to the cloud's metadata
		// service: whoever controls the name's DNS could point it there. Only the address
		// itself in [probe] allow (or the terminal's --allow-private) reaches that.
		if Classify(a) == whyMetadata {
			return &PolicyError{fmt.Sprintf("%s resolves to %s, %s; an allowed host name may not lead there. List the address itself in [probe] allow if that is really meant.", host, a, whyMetadata)}
		}
		return nil
	}
	if why := Classify(a); why != "" {
		return &PolicyError{fmt.Sprintf("%s resolves to %s, %s; checks only go to public servers. An operator can run `ftpbot check --allow-private %s` in a terminal, or list it in [probe] allow.", host, a, why, host)}
	}
	return nil
}

// Resolver looks host names up; *net.Resolver is one. Tests give a fake that returns private
// addresses for public names, to prove the policy judges the address that is dialled.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Resolve looks host up once and returns the addresses the policy allows (in the resolver's
// order) and the ones it refused. An address literal is not looked up. The caller dials one of
// the returned addresses itself, so a second look-up can never rebind the name elsewhere.
func (p *Policy) Resolve(ctx context.Context, r Resolver, host string) (allowed []netip.Addr, all []netip.Addr, err error) {
	if r == nil {
		r = net.DefaultResolver
	}
	if a, perr := netip.ParseAddr(strings.Trim(host, "[]")); perr == nil {
		all = []netip.Addr{a.Unmap()}
	} else {
		all, err = r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, nil, err
		}
		for i := range all {
			all[i] = all[i].Unmap()
		}
	}
	denied, err := p.deniedAddrs(ctx, r)
	if err != nil {
		return nil, all, err
	}
	var refusal error
	for _, a := range all {
		if e := p.checkAddr(host, a, denied); e != nil {
			if refusal == nil {
				refusal = e
			}
			continue
		}
		allowed = append(allowed, a)
	}
	if len(allowed) == 0 && refusal != nil {
		return nil, all, refusal
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s has no addresses", host)
	}
	return allowed, all, nil
}

// deniedAddrs looks up the names on the deny list (not the "*." patterns, which name no
// machine), so that a denied server is denied by every name and literal that leads to it. A name
// that does not exist denies nothing; any other failure refuses the check, since the list cannot
// be applied.
func (p *Policy) deniedAddrs(ctx context.Context, r Resolver) (map[netip.Addr]string, error) {
	if !p.parsed {
		if err := p.Compile(); err != nil {
			return nil, &PolicyError{err.Error()}
		}
	}
	var out map[netip.Addr]string
	for _, name := range p.denyHost {
		if strings.HasPrefix(name, "*.") {
			continue
		}
		addrs, err := r.LookupNetIP(ctx, "ip", name)
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			continue
		}
		if err != nil {
			return nil, &PolicyError{fmt.Sprintf("The deny list's %s could not be looked up (%v), so no check can run now; try again in a moment.", name, err)}
		}
		if out == nil {
			out = map[netip.Addr]string{}
		}
		for _, a := range addrs {
			out[a.Unmap()] = name
		}
	}
	return out, nil
}

// CheckDataPort judges the port a PASV or EPSV reply tells the client to connect to. Passive
// data ports are unprivileged (1024–65535) on every server, and never the control port: a
// reply that names 22 or 25 (or 21) is a server trying to aim the probe at another service of
// its host, and is refused whatever the policy's control ports. The terminal's --allow-private
// does not change this either.
func (p *Policy) CheckDataPort(control, port int) error {
	switch {
	case port < 1024 || port > 65535:
		return &PolicyError{fmt.Sprintf("the server named port %d for the data connection; passive data ports are 1024–65535, so the probe did not connect", port)}
	case port == control:
		return &PolicyError{fmt.Sprintf("the server named its control port %d for the data connection, so the probe did not connect", port)}
	}
	return nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
