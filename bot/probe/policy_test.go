package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestClassify is the table of addresses a chat user must never make the bot dial, IPv6 and
// IPv4-mapped forms included, next to public ones it may.
func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want string // a substring of the reason; "" means public
	}{
		{"127.0.0.1", "loopback"},
		{"127.0.0.2", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.10", "private"},
		{"::ffff:192.168.1.10", "private"},
		{"fd12:3456::1", "unique local"},
		{"100.64.0.1", "carrier-grade"},
		{"169.254.10.1", "link-local"},
		{"fe80::1", "link-local"},
		{"169.254.169.254", "metadata"},
		{"::ffff:169.254.169.254", "metadata"},
		{"fd00:ec2::254", "metadata"},
		{"100.100.100.200", "metadata"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"255.255.255.255", "reserved"},
		{"64:ff9b::a00:1", "NAT64"},
		{"2002:c0a8:0101::1", "6to4"},
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::808:808", ""},
		// Issue 14: forms that reach the host's own or private addresses through a translation.
		{"::127.0.0.1", "IPv4-compatible"},
		{"::a00:1", "IPv4-compatible"},
		{"::ffff:0:7f00:1", "IPv4-translated"},
		{"::ffff:0:808:808", "IPv4-translated"},
		{"64:ff9b:1::a00:1", "local-use NAT64"},
		{"64:ff9b:1:ffff::1", "local-use NAT64"},
		{"fec0::1", "site-local"},
		{"feff::1", "site-local"},
		{"100::1", "discard"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
	}
	for _, tt := range tests {
		got := Classify(netip.MustParseAddr(tt.addr))
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Classify(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// fakeResolver answers every name from a table: the test of a public-looking name that
// resolves to a private address.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestPolicyResolve(t *testing.T) {
	res := fakeResolver{
		"ftp.example.com":    {"93.184.216.34"},
		"rebind.example.com": {"10.0.0.5"},
		"mixed.example.com":  {"192.168.0.9", "93.184.216.35"},
		"meta.example.com":   {"::ffff:169.254.169.254"},
		"intranet.corp":      {"10.9.9.9"},
		"evil.corp":          {"93.184.216.36"},
		"alias.example.com":  {"93.184.216.34"},
	}
	tests := []struct {
		name   string
		policy Policy
		host   string
		want   string // the address dialled, or "refused"
	}{
		{"public name", Policy{}, "ftp.example.com", "93.184.216.34"},
		{"public name, private address", Policy{}, "rebind.example.com", "refused"},
		{"first allowed address is used", Policy{}, "mixed.example.com", "93.184.216.35"},
		{"metadata behind a name", Policy{}, "meta.example.com", "refused"},
		{"loopback literal", Policy{}, "127.0.0.1", "refused"},
		{"mapped loopback literal", Policy{}, "::ffff:127.0.0.1", "refused"},
		{"ipv6 loopback literal", Policy{}, "::1", "refused"},
		{"allow-private at the terminal", Policy{AllowPrivate: true}, "127.0.0.1", "127.0.0.1"},
		{"allow by host", Policy{Allow: []string{"intranet.corp"}}, "intranet.corp", "10.9.9.9"},
		{"an allowed name rebound to metadata", Policy{Allow: []string{"meta.example.com"}}, "meta.example.com", "refused"},
		{"metadata allowed by its address", Policy{Allow: []string{"169.254.169.254/32"}}, "meta.example.com", "169.254.169.254"},
		{"allow by CIDR", Policy{Allow: []string{"10.0.0.0/8"}}, "intranet.corp", "10.9.9.9"},
		{"deny by host wins", Policy{Deny: []string{"*.corp"}, AllowPrivate: true}, "evil.corp", "refused"},
		{"deny by address", Policy{Deny: []string{"93.184.216.34"}}, "ftp.example.com", "refused"},
		{"deny wins over allow", Policy{Allow: []string{"10.0.0.0/8"}, Deny: []string{"10.9.0.0/16"}}, "intranet.corp", "refused"},
		{"ipv4-compatible loopback literal", Policy{}, "::127.0.0.1", "refused"},
		{"ipv4-translated loopback literal", Policy{}, "::ffff:0:7f00:1", "refused"},
		{"local-use NAT64 literal", Policy{}, "64:ff9b:1::808:808", "refused"},
		{"site-local literal", Policy{}, "fec0::5", "refused"},
		// A deny entry by name denies the addresses it resolves to, whatever name (or literal)
		// leads there: the operator meant the machine, not the spelling.
		{"deny by name covers its address literal", Policy{Deny: []string{"ftp.example.com"}}, "93.184.216.34", "refused"},
		{"deny by name covers another name", Policy{Deny: []string{"ftp.example.com"}}, "alias.example.com", "refused"},
		{"deny by name covers it at the terminal", Policy{Deny: []string{"intranet.corp"}, AllowPrivate: true}, "10.9.9.9", "refused"},
		{"deny by name leaves other addresses", Policy{Deny: []string{"ftp.example.com"}}, "evil.corp", "93.184.216.36"},
		{"deny by a name that does not exist", Policy{Deny: []string{"gone.example.com"}}, "ftp.example.com", "93.184.216.34"},
		{"deny by mapped CIDR", Policy{Deny: []string{"::ffff:93.184.216.0/120"}}, "ftp.example.com", "refused"},
		{"allow by mapped CIDR", Policy{Allow: []string{"::ffff:10.0.0.0/104"}}, "intranet.corp", "10.9.9.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			allowed, _, err := p.Resolve(context.Background(), res, tt.host)
			var pe *PolicyError
			switch {
			case tt.want == "refused":
				if !errors.As(err, &pe) {
					t.Fatalf("Resolve(%s) = %v, %v; want a policy refusal", tt.host, allowed, err)
				}
			case err != nil:
				t.Fatalf("Resolve(%s): %v", tt.host, err)
			case allowed[0].String() != tt.want:
				t.Errorf("Resolve(%s) dials %s, want %s", tt.host, allowed[0], tt.want)
			}
		})
	}
}

func TestPolicyCompileErrors(t *testing.T) {
	p := Policy{Allow: []string{"10.0.0.0/33", ""}, Deny: []string{"bad/cidr"}}
	err := p.Compile()
	for _, want := range []string{"probe.allow: \"10.0.0.0/33\"", "probe.allow: empty", "probe.deny: \"bad/cidr\""} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile() = %v, want it to mention %s", err, want)
		}
	}
}

func TestPorts(t *testing.T) {
	chat := Policy{Ports: []int{21, 990}}
	for port, ok := range map[int]bool{21: true, 990: true, 22: false, 2121: false, 0: false, 70000: false} {
		if err := chat.CheckPort(port); (err == nil) != ok {
			t.Errorf("chat CheckPort(%d) = %v, want ok=%v", port, err, ok)
		}
	}
	if err := (&Policy{}).CheckPort(2121); err != nil {
		t.Errorf("terminal CheckPort(2121) = %v, want any port allowed", err)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in       string
		implicit bool
		want     string // host:port and "+tls" for implicit, or "error"
	}{
		{"ftp.example.com", false, "ftp.example.com:21"},
		{"FTP.Example.com.", false, "ftp.example.com:21"},
		{"ftp.example.com:2121", false, "ftp.example.com:2121"},
		{"ftp.example.com", true, "ftp.example.com:990+tls"},
		{"ftps://ftp.example.com", false, "ftp.example.com:990+tls"},
		{"ftp://ftp.example.com/pub/", false, "ftp.example.com:21"},
		{"<ftp://ftp.example.com|ftp.example.com>", false, "ftp.example.com:21"},
		{"[2001:db8::1]:21", false, "[2001:db8::1]:21"},
		{"2001:db8::1", false, "[2001:db8::1]:21"},
		{"ftp://bob:secret@ftp.example.com", false, "error"},
		{"bob@ftp.example.com", false, "error"},
		{"sftp://ftp.example.com", false, "error"},
		{"ftp.example.com:http", false, "error"},
		{"ftp.example.com:0", false, "error"},
		{"not a host", false, "error"},
		{"", false, "error"},
		{"-bad.example.com", false, "error"},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in, tt.implicit)
		s := "error"
		if err == nil {
			s = got.String()
			if got.Implicit {
				s += "+tls"
			}
		}
		if s != tt.want {
			t.Errorf("ParseTarget(%q, %v) = %q (%v), want %q", tt.in, tt.implicit, s, err, tt.want)
		}
	}
}

func TestParsePassiveReplies(t *testing.T) {
	a, port, err := parse227("227 Entering Passive Mode (127,0,0,2,195,80).")
	if err != nil || a.String() != "127.0.0.2" || port != 195*256+80 {
		t.Errorf("parse227 = %s %d %v", a, port, err)
	}
	a, port, err = parse227("227 =127,0,0,1,4,1")
	if err != nil || a.String() != "127.0.0.1" || port != 1025 {
		t.Errorf("parse227 without parentheses = %s %d %v", a, port, err)
	}
	for _, bad := range []string{"227 Entering Passive Mode", "227 (1,2,3)", "227 (300,0,0,1,1,1)"} {
		if _, _, err := parse227(bad); err == nil {
			t.Errorf("parse227(%q) accepted", bad)
		}
	}
	if p, err := parse229("229 Entering Extended Passive Mode (|||50123|)"); err != nil || p != 50123 {
		t.Errorf("parse229 = %d %v", p, err)
	}
	for _, bad := range []string{"229 Entering Extended Passive Mode", "229 (|||x|)", "229 (|||99999|)", "229 ()"} {
		if _, err := parse229(bad); err == nil {
			t.Errorf("parse229(%q) accepted", bad)
		}
	}
}

// TestRunNeverDialsARefusedAddress: a public-looking name that resolves to a loopback address is
// refused by Run on the address it resolved, and nothing is dialled — not even the listener
// that is waiting on that very address.
func TestRunNeverDialsARefusedAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2 is not usable here: %v", err)
	}
	defer l.Close()
	dialled := make(chan struct{}, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
			dialled <- struct{}{}
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	o := Options{Policy: &Policy{}, Resolver: fakeResolver{"ftp.example.com": {"127.0.0.2"}}, Timeout: 5 * time.Second, WaitTimeout: time.Second}
	rep, err := Run(context.Background(), Target{Host: "ftp.example.com", Port: port}, o)
	var pe *PolicyError
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "loopback") {
		t.Fatalf("Run = %v, %v; want a refusal naming the loopback address", rep, err)
	}
	select {
	case <-dialled:
		t.Fatal("the refused address was dialled")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestDataPort: the port a PASV or EPSV reply names is judged before the probe dials it. A
// hostile server's "229 (|||22|)" must not turn the probe into a connection to its SSH port (or
// any service below 1024), nor back to the control port.
func TestDataPort(t *testing.T) {
	for _, p := range []Policy{{}, {AllowPrivate: true, Ports: []int{21, 990}}} {
		for port, ok := range map[int]bool{22: false, 25: false, 0: false, 1023: false, 21: false, 70000: false, 1024: true, 50123: true, 65535: true} {
			if err := p.CheckDataPort(21, port); (err == nil) != ok {
				t.Errorf("CheckDataPort(21, %d) = %v, want ok=%v", port, err, ok)
			}
		}
		if err := p.CheckDataPort(2121, 2121); err == nil {
			t.Errorf("CheckDataPort(2121, 2121) allowed the control port")
		}
	}
}
