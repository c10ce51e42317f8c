package probe

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Scope is what a login profile may be used for: one host, and the ports it names.
type Scope struct {
	Host  string
	Ports []int
}

// ParseScope reads a profile's host: "name" or "address" (ports 21 and 990: FTP and implicit
// FTPS of the same server) or "name:port" (that port only). A profile without a host has no
// scope: it would send its password to whatever server a user names.
func ParseScope(host string) (Scope, error) {
	h := strings.TrimSpace(host)
	if h == "" {
		return Scope{}, fmt.Errorf("is required: a profile's password is only sent to the host it names")
	}
	bad := fmt.Errorf("must be a host name or address, optionally with :port, like \"ftp.example.com\" or \"ftp.example.com:2121\"")
	if strings.Contains(h, "://") || strings.ContainsAny(h, "@/ ") {
		return Scope{}, bad
	}
	ports := []int{21, 990}
	if name, port, err := net.SplitHostPort(h); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return Scope{}, fmt.Errorf("has %q as its port, which is not a number from 1 to 65535", port)
		}
		h, ports = name, []int{n}
	}
	t, err := ParseTarget(h, false)
	if err != nil || t.Port != 21 {
		return Scope{}, bad
	}
	return Scope{Host: t.Host, Ports: ports}, nil
}

// Allows reports whether the profile may log in to t.
func (s Scope) Allows(t Target) bool {
	return strings.EqualFold(s.Host, t.Host) && slices.Contains(s.Ports, t.Port)
}

func (s Scope) String() string {
	if len(s.Ports) == 1 {
		return net.JoinHostPort(s.Host, strconv.Itoa(s.Ports[0]))
	}
	return s.Host + " (ports 21 and 990)"
}
