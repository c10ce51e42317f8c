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

// CheckAddr decides whether the address host resolved to may be dialled.
func (p *Policy) CheckAddr(host string, a netip.Addr) error {
	if !p.parsed {
		if err := p.Compile(); err != nil {
			return &PolicyError{err.Error()}
		}
	}
	a = a.Unmap()
	if hostListed(p.denyHost, host) || netListed(p.denyNet, a) {
		return &PolicyError{fmt.Sprintf("%s (%s) is on this bot's deny list.", host, a)}
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
	if a, perr := netip.ParseAddr(strings.Trim(host, "[]")); perr == nil {
		all = []netip.Addr{a.Unmap()}
	} else {
		if r == nil {
			r = net.DefaultResolver
		}
		all, err = r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, nil, err
		}
		for i := range all {
			all[i] = all[i].Unmap()
		}
	}
	var refusal error
	for _, a := range all {
		if e := p.CheckAddr(host, a); e != nil {
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
