// Package connlimit caps the connections an HTTP server holds open, in total and per client
// address, without letting idle ones lock new clients out.
//
// net/http keeps every keep-alive connection until its idle time-out, and each holds a file
// descriptor: 20,000 idle connections stopped a server from accepting (issue 14). A Listener
// counts the connections it hands out and, told their state through http.Server.ConnState,
// makes room for a new one by closing the oldest connection that is not serving a request —
// an idle keep-alive one first, else one that has sent nothing yet. Only when every
// connection is busy is the new one turned away, with a 503. One client address (an IPv4
// address, an IPv6 /64) may hold at most PerHost connections, so one client cannot take them
// all.
package connlimit

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Listener wraps a net.Listener with the caps. Set its ConnState method as the server's
// ConnState hook; without it every connection counts as busy.
type Listener struct {
	net.Listener
	max, perHost int

	mu     sync.Mutex
	open   map[*conn]struct{}
	byHost map[string]int
	tick   uint64 // orders connections by when they last became new or idle
}

// New caps l at max connections in all and perHost from one client address (0: max).
func New(l net.Listener, max, perHost int) *Listener {
	if perHost <= 0 || perHost > max {
		perHost = max
	}
	return &Listener{Listener: l, max: max, perHost: perHost, open: map[*conn]struct{}{}, byHost: map[string]int{}}
}

type conn struct {
	net.Conn
	l     *Listener
	host  string
	state http.ConnState // guarded by l.mu
	since uint64         // guarded by l.mu
}

// Close closes the connection and gives its place back.
func (c *conn) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}

// CloseWrite half-closes a TCP connection: net/http uses it to let a client read an error
// response before the connection goes, instead of a reset.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Accept returns the next connection, making room for it first when the caps are reached.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &conn{Conn: nc, l: l, host: hostKey(nc.RemoteAddr()), state: http.StateNew}
		var victims []*conn
		ok := true
		l.mu.Lock()
		if l.byHost[c.host] >= l.perHost {
			v := l.oldestIdle(c.host)
			if v == nil {
				ok = false
			} else {
				victims = append(victims, v)
				l.drop(v)
			}
		}
		if ok && len(l.open) >= l.max {
			v := l.oldestIdle("")
			if v == nil {
				ok = false
			} else {
				victims = append(victims, v)
				l.drop(v)
			}
		}
		if ok {
			l.tick++
			c.since = l.tick
			l.open[c] = struct{}{}
			l.byHost[c.host]++
		}
		l.mu.Unlock()
		for _, v := range victims {
			v.Conn.Close()
		}
		if ok {
			return c, nil
		}
		busy(nc)
	}
}

// busy tells a client turned away to come back, and closes its connection.
func busy(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	c.Close()
}

// ConnState follows the server's connections: set it as http.Server.ConnState.
func (l *Listener) ConnState(nc net.Conn, s http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	switch s {
	case http.StateClosed:
		l.forget(c)
	default:
		l.mu.Lock()
		if c.state != s {
			c.state = s
			l.tick++
			c.since = l.tick
		}
		l.mu.Unlock()
	}
}

// Open is the number of connections held now.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

// oldestIdle is the connection to close to make room: the longest-idle keep-alive connection,
// else the oldest that has sent nothing yet; of host only when host is not "". l.mu is held.
func (l *Listener) oldestIdle(host string) *conn {
	var best *conn
	rank := func(c *conn) int {
		switch c.state {
		case http.StateIdle:
			return 2
		case http.StateNew:
			return 1
		}
		return 0
	}
	for c := range l.open {
		if host != "" && c.host != host || rank(c) == 0 {
			continue
		}
		if best == nil || rank(c) > rank(best) || rank(c) == rank(best) && c.since < best.since {
			best = c
		}
	}
	return best
}

// drop forgets c; l.mu is held.
func (l *Listener) drop(c *conn) {
	if _, ok := l.open[c]; !ok {
		return
	}
	delete(l.open, c)
	if l.byHost[c.host]--; l.byHost[c.host] <= 0 {
		delete(l.byHost, c.host)
	}
}

func (l *Listener) forget(c *conn) {
	l.mu.Lock()
	l.drop(c)
	l.mu.Unlock()
}

// hostKey is the client's address, IPv6 ones by their /64: one IPv6 client has a whole /64.
func hostKey(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
