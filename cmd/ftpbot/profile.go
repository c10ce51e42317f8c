package main

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/ftpbot/ftpbot/bot/probe"
)

// profileScope is what a login profile may be used for: one host, and the ports it names.
type profileScope struct {
	host  string
	ports []int
}

// scopeOf reads a profile's host: "name" or "address" (ports 21 and 990: FTP and implicit FTPS
// of the same server) or "name:port" (that port only). A profile without a host has no scope:
// it would send its password to whatever server a user names.
func scopeOf(host string) (profileScope, error) {
	h := strings.TrimSpace(host)
	if h == "" {
		return profileScope{}, fmt.Errorf("is required: a profile's password is only sent to the host it names")
	}
	if strings.Contains(h, "://") || strings.ContainsAny(h, "@/ ") {
		return profileScope{}, fmt.Errorf("must be a host name or address, optionally with :port, like \"ftp.example.com\" or \"ftp.example.com:2121\"")
	}
	ports := []int{21, 990}
	if name, port, err := net.SplitHostPort(h); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return profileScope{}, fmt.Errorf("has %q as its port, which is not a number from 1 to 65535", port)
		}
		h, ports = name, []int{n}
	}
	t, err := probe.ParseTarget(h, false)
	if err != nil || t.Port != 21 {
		return profileScope{}, fmt.Errorf("must be a host name or address, optionally with :port, like \"ftp.example.com\" or \"ftp.example.com:2121\"")
	}
	return profileScope{host: t.Host, ports: ports}, nil
}

// allows reports whether the profile may log in to t.
func (s profileScope) allows(t probe.Target) bool {
	return strings.EqualFold(s.host, t.Host) && slices.Contains(s.ports, t.Port)
}

func (s profileScope) String() string {
	if len(s.ports) == 1 {
		return net.JoinHostPort(s.host, strconv.Itoa(s.ports[0]))
	}
	return s.host + " (ports 21 and 990)"
}
