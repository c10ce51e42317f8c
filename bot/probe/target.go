package probe

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Target is what to check: a host and a port, and whether the port speaks TLS from the first
// byte (implicit FTPS).
type Target struct {
	Host     string // a name or an address, without brackets
	Port     int
	Implicit bool
	// RequireTLS (an ftpes:// URL) asks for explicit FTPS: AUTH TLS is tried even when FEAT does
	// not list it, and a server without it fails the check instead of getting a warning.
	RequireTLS bool
}

// String is host:port, with brackets around IPv6 addresses.
func (t Target) String() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// ParseTarget reads what a user typed: "ftp.example.com", "host:2121", "[2001:db8::1]:21",
// "ftp://host/", "ftps://host" (implicit FTPS on 990). implicit asks for implicit FTPS whatever
// the form. A target with a user name or password in it is refused: credentials typed into chat
// end up in its history, so logins come from the config's profiles.
func ParseTarget(s string, implicit bool) (Target, error) {
	s = strings.TrimSpace(s)
	// Chat clients wrap links: Slack sends <ftp://host|host>, Markdown users type `host`.
	s = strings.Trim(s, "<>`'\"")
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return Target{}, fmt.Errorf("no host given: try `check ftp.example.com`")
	}
	if len(s) > 300 {
		return Target{}, fmt.Errorf("that host name is too long")
	}
	t := Target{Implicit: implicit}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, fmt.Errorf("%q is not a host or an ftp:// URL", s)
		}
		switch strings.ToLower(u.Scheme) {
		case "ftp":
		case "ftpes":
			t.RequireTLS = true
		case "ftps":
			t.Implicit = true
		case "sftp", "ssh":
			return Target{}, fmt.Errorf("SFTP is SSH file transfer, not FTP: this check speaks FTP and FTPS only (see /ftp sftp vs ftps)")
		default:
			return Target{}, fmt.Errorf("%q is not an FTP URL", s)
		}
		if u.User != nil {
			return Target{}, errCredentials
		}
		s = u.Host
	}
	if strings.Contains(s, "@") {
		return Target{}, errCredentials
	}
	host, portText := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, portText = h, p
	} else if strings.Count(s, ":") == 1 {
		return Target{}, fmt.Errorf("%q: the port must be a number", s)
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if !validHost(host) {
		return Target{}, fmt.Errorf("%q is not a host name or an IP address", host)
	}
	t.Host = strings.ToLower(host)
	switch {
	case portText != "":
		p, err := strconv.Atoi(portText)
		if err != nil || p < 1 || p > 65535 {
			return Target{}, fmt.Errorf("%q is not a port number (1–65535)", portText)
		}
		t.Port = p
	case t.Implicit:
		t.Port = 990
	default:
		t.Port = 21
	}
	return t, nil
}

var errCredentials = fmt.Errorf("please don't put a user name or password in the target: chat keeps it. Ask an operator for a named login profile and use `check HOST --profile NAME`")

// validHost accepts IP addresses and DNS names (letters, digits, hyphens, underscores, dots).
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
