package probe

// The data channel: PASV and EPSV, the advertised address, and a real listing over a data
// connection that only ever goes to the control connection's address.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dataChannel asks for passive mode both ways, judges the advertised address, and lists the
// directory over a real data connection to the control connection's address.
func (p *prober) dataChannel() bool {
	start := time.Now()
	var port int
	rep, err := p.cmd("PASV")
	if err != nil {
		p.add(p.ioFailure("pasv", start, err))
		return false
	}
	pasvOK := false
	if rep.code == 227 {
		advertised, pport, perr := parse227(rep.text())
		s := Result{Name: "pasv", Code: 227, MS: since(start), Response: rep.text(), Status: OK}
		switch {
		case p.addr.Is6() && !p.addr.Is4In6():
			// A 227 can only carry an IPv4 address: over IPv6 clients use EPSV, checked next.
			s.Explain = "Over IPv6 a 227 reply cannot carry the connection's address; clients use EPSV here (next step)."
		case perr != nil:
			s.Status, s.Explain = Warning, "The 227 reply has no address the probe can read: "+perr.Error()+"."
		case p.o.Policy.CheckDataPort(p.t.Port, pport) != nil:
			s.Status, s.Explain = Warning, "The 227 reply names a data port the probe will not use: "+p.o.Policy.CheckDataPort(p.t.Port, pport).Error()+"."
		case advertised != p.addr:
			s.Status = Warning
			s.Explain = p.natExplain(advertised)
			s.Fix = p.passiveFix()
			pasvOK, port = true, pport
		default:
			s.Explain = "Passive mode works and advertises the address the client connected to."
			pasvOK, port = true, pport
		}
		p.add(s)
	} else {
		s := Result{Name: "pasv", Code: rep.code, MS: since(start), Response: rep.text(), Status: Warning}
		if p.addr.Is6() && !p.addr.Is4In6() {
			s.Status = OK // RFC 2428 lets a server refuse PASV over IPv6; EPSV is what counts there
		}
		if rep.code == 421 || rep.code == 530 {
			s.Status = Failed
		}
		p.add(p.explained(s))
		if s.Status == Failed {
			return false
		}
	}

	start = time.Now()
	rep, err = p.cmd("EPSV")
	if err != nil {
		p.add(p.ioFailure("epsv", start, err))
		return false
	}
	if rep.code == 229 {
		eport, perr := parse229(rep.text())
		s := Result{Name: "epsv", Code: 229, MS: since(start), Response: rep.text(), Status: OK,
			Explain: "Extended passive mode works: the client reuses the control connection's address, so NAT cannot advertise a wrong one."}
		switch {
		case perr != nil:
			s.Status, s.Explain = Warning, "The 229 reply has no port the probe can read: "+perr.Error()+"."
		case p.o.Policy.CheckDataPort(p.t.Port, eport) != nil:
			s.Status, s.Explain = Warning, "The 229 reply names a data port the probe will not use: "+p.o.Policy.CheckDataPort(p.t.Port, eport).Error()+"."
		default:
			port = eport
		}
		p.add(s)
		if port == 0 && pasvOK {
			// EPSV replaced the PASV listener: ask for a fresh one.
			port = p.pasvAgain()
		}
	} else {
		s := Result{Name: "epsv", Code: rep.code, MS: since(start), Response: rep.text(), Status: Warning,
			Explain: "The server does not do EPSV; clients fall back to PASV."}
		p.add(p.explained(s))
		if pasvOK {
			// The server forgets the PASV listener only when another passive command comes; ask again
			// so the listing uses a fresh one.
			port = p.pasvAgain()
		}
	}
	if port == 0 {
		p.add(Result{Name: "list", Status: Failed, Code: 425,
			Explain: "Neither PASV nor EPSV gave a port to connect to, so no listing or transfer can work in passive mode.",
			Fix:     "Enable passive mode on the server (vsftpd pasv_enable=YES) and give it a port range the firewall forwards."})
		return false
	}
	return p.list(port)
}

// pasvAgain asks for a fresh PASV listener and returns its port, or 0 when the reply gives none
// the policy allows.
func (p *prober) pasvAgain() int {
	rep, err := p.cmd("PASV")
	if err != nil || rep.code != 227 {
		return 0
	}
	if _, port, err := parse227(rep.text()); err == nil && p.o.Policy.CheckDataPort(p.t.Port, port) == nil {
		return port
	}
	return 0
}

// list opens the data connection to the control address and port, lists the directory with
// MLSD (or LIST) and reads the listing, bounded.
func (p *prober) list(port int) bool {
	start := time.Now()
	cmd := "LIST"
	if p.feat["MLSD"] || p.feat["MLST"] {
		cmd = "MLSD"
	}
	dc, err := p.dialData(port)
	if err != nil {
		code, _, _ := socketError(err, "data")
		s := Result{Name: "list", Status: Failed, Code: 425, MS: since(start), Response: cleanErr(err),
			Explain: fmt.Sprintf("The data connection to passive port %d could not be opened (socket error %d): the passive port range is not open in a firewall, or not forwarded through NAT.", port, code),
			Fix:     "Open the server's passive port range in every firewall between client and server, and forward it on the NAT router. " + p.passiveFix()}
		p.add(s)
		return false
	}
	defer dc.Close()
	done := p.receive(dc)
	rep, err := p.cmd(cmd)
	if err != nil {
		p.add(p.ioFailure("list", start, err))
		return false
	}
	if rep.code != 150 && rep.code != 125 {
		dc.Close()
		<-done
		s := Result{Name: "list", Code: rep.code, MS: since(start), Response: rep.text(), Status: Failed}
		p.add(p.explained(s))
		return false
	}
	var res transfer
	select {
	case res = <-done:
	case <-p.ctx.Done():
		res.err = p.ctx.Err()
	}
	final, err := p.read()
	if err != nil {
		p.add(p.ioFailure("list", start, err))
		return false
	}
	s := Result{Name: "list", Code: final.code, MS: since(start), Response: final.text(), Status: OK}
	switch {
	case final.code == 226 || final.code == 250:
		s.Explain = fmt.Sprintf("%s over a passive data connection worked (%d bytes).", cmd, res.n)
		if p.tlsCfg != nil {
			if res.resumed {
				s.Explain += " The encrypted data connection reused the control connection's TLS session."
			} else {
				s.Explain += " The encrypted data connection did not reuse the TLS session; servers that require reuse (vsftpd require_ssl_reuse=YES) need a client that does."
			}
		}
	default:
		s.Status = Failed
		if res.err != nil && strings.Contains(strings.ToLower(final.text()), "reuse") {
			s.Explain = "The server requires the data connection to resume the control connection's TLS session."
		}
	}
	p.add(p.explained(s))
	return s.Status != Failed
}

// dialData opens the data connection: always to the control connection's address (never to the
// one a 227 reply advertises), at port.
func (p *prober) dialData(port int) (net.Conn, error) {
	// dataChannel never passes a refused port; checked again so no path dials one.
	if err := p.o.Policy.CheckDataPort(p.t.Port, port); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: p.o.WaitTimeout}
	return d.DialContext(p.ctx, "tcp", net.JoinHostPort(p.addr.String(), strconv.Itoa(port)))
}

// transfer is what came over a data connection.
type transfer struct {
	n       int64 // bytes read, at most maxListing
	resumed bool  // the TLS session of the control connection was resumed
	err     error
}

// receive reads the data connection in the background, within the step's deadline: the TLS
// handshake when the control connection is protected, then at most maxListing bytes. The result
// arrives on the channel once the connection is read and closed.
func (p *prober) receive(dc net.Conn) <-chan transfer {
	dc.SetDeadline(p.deadline())
	done := make(chan transfer, 1)
	var data net.Conn = dc
	if p.tlsCfg != nil {
		data = tls.Client(dc, p.tlsCfg)
	}
	go func() {
		var r transfer
		if tc, ok := data.(*tls.Conn); ok {
			if r.err = tc.HandshakeContext(p.ctx); r.err != nil {
				done <- r
				return
			}
			r.resumed = tc.ConnectionState().DidResume
		}
		r.n, r.err = io.Copy(io.Discard, io.LimitReader(data, maxListing))
		// Closing sends TLS close_notify: some servers (vsftpd) wait for it before the 226.
		data.Close()
		done <- r
	}()
	return done
}

// parse227 reads "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)". RFC 959 does not fix the
// text around the six numbers, so the first run of six comma-separated numbers counts.
func parse227(text string) (netip.Addr, int, error) {
	m := pasvRE.FindString(text[min(len(text), 4):])
	if m == "" {
		return netip.Addr{}, 0, errors.New("no six comma-separated numbers")
	}
	var n [6]byte
	for k, s := range strings.Split(m, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < 0 || v > 255 {
			return netip.Addr{}, 0, fmt.Errorf("%q is not a number from 0 to 255", s)
		}
		n[k] = byte(v)
	}
	return netip.AddrFrom4([4]byte{n[0], n[1], n[2], n[3]}), int(n[4])<<8 | int(n[5]), nil
}

var pasvRE = regexp.MustCompile(`\d+(\s*,\s*\d+){5}`)

// parse229 reads "229 Entering Extended Passive Mode (|||port|)".
func parse229(text string) (int, error) {
	i := strings.IndexByte(text, '(')
	j := strings.LastIndexByte(text, ')')
	if i < 0 || j < i+5 {
		return 0, errors.New("no (|||port|)")
	}
	inner := text[i+1 : j]
	d := inner[0]
	f := strings.Split(inner, string(d))
	if len(f) != 5 {
		return 0, errors.New("no (|||port|)")
	}
	port, err := strconv.Atoi(f[3])
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("%q is not a port", f[3])
	}
	return port, nil
}
