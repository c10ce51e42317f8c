// Package probe checks a live FTP server the way a client would: resolve, connect, greeting,
// AUTH TLS and the certificate, login, FEAT/SYST/PWD/TYPE, PASV and EPSV with the advertised
// address compared to the control connection's, a real directory listing, QUIT. Each step is
// timed and judged ok, warning or failed, and the first failure is explained from the knowledge
// base.
//
// The probe opens connections on a user's word, so every address it dials passes a Policy
// first: the address a name resolved to is the one dialled (no second look-up), and the data
// connection only ever goes to the control connection's address, never to the one a 227 reply
// advertises.
package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpbot/ftpbot/knowledge"
)

// Status is a step's outcome.
type Status string

// Outcomes, from good to bad.
const (
	OK      Status = "ok"
	Warning Status = "warning"
	Failed  Status = "failed"
)

// Result is how one stage of a check went, as reported. (A knowledge.Step is a stage of the FTP
// session; a check walks finer stages: dns, greeting, feat, pasv, list, …)
type Result struct {
	Name     string `json:"name"`
	Status   Status `json:"status"`
	Code     int    `json:"code"`  // the reply code (or socket error number) the step ended with; 0 when none
	Response string `json:"reply"` // the server's exact response, cut to a bound
	MS       int64  `json:"ms"`
	Explain  string `json:"explain"`
	Fix      string `json:"fix,omitempty"`
}

// Report is a whole check. Its JSON is the contract of `ftpbot check --json`.
type Report struct {
	Target  string   `json:"target"`
	Address string   `json:"address,omitempty"` // the address dialled
	Server  string   `json:"server,omitempty"`  // the server software, when recognised
	Results []Result `json:"steps"`
	Verdict string   `json:"verdict"`
	OK      bool     `json:"ok"` // no step failed
}

// Failure returns the first failed step, if any.
func (r *Report) Failure() (Result, bool) {
	for _, s := range r.Results {
		if s.Status == Failed {
			return s, true
		}
	}
	return Result{}, false
}

// Options configure a check.
type Options struct {
	Policy   *Policy
	Resolver Resolver        // nil: the system resolver
	KB       *knowledge.Base // explanations; nil: short built-in ones only
	// User and Password log in; empty means anonymous. They come from a config profile, never
	// from chat.
	User, Password string
	// AllowPlaintext lets a profile's password go over a connection without TLS. Off, the
	// probe tries AUTH TLS whatever FEAT says and logs in only once TLS is up: an on-path
	// attacker can strip AUTH TLS from FEAT to read the password.
	AllowPlaintext bool
	// Timeout bounds the whole check (default 20 s); WaitTimeout each network wait (default 8 s,
	// never past the whole deadline).
	Timeout, WaitTimeout time.Duration
	// RootCAs verifies the server certificate; nil means the system's roots.
	RootCAs *x509.CertPool
	// Progress receives each step as it finishes.
	Progress func(Result)
}

// Bounds on what a server can make the probe read.
const (
	maxLine         = 1024     // one reply line, cut beyond
	maxLines        = 200      // lines of one multi-line reply
	maxListing      = 64 << 10 // bytes of a directory listing read
	maxResponseText = 400      // bytes of a reply kept in the report
	// A FEAT list in the report: real servers list 10 to 25 features of a few words each.
	maxFeatures    = 30
	maxFeatureText = 60
	anonPassword   = "ftpbot@" // what anonymous logins send as a password, by convention an address
)

// Run checks target and returns the report. Its only error is a policy refusal, a *PolicyError
// with no report; everything that goes wrong on the network is a failed step of the report.
func Run(ctx context.Context, t Target, o Options) (*Report, error) {
	if o.Policy == nil {
		o.Policy = &Policy{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = 8 * time.Second
	}
	if err := o.Policy.CheckPort(t.Port); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	p := &prober{o: o, t: t, rep: &Report{Target: t.String()}}
	if err := p.run(ctx); err != nil {
		return nil, err
	}
	p.verdict()
	return p.rep, nil
}

type prober struct {
	o      Options
	t      Target
	rep    *Report
	addr   netip.Addr // the allowed address dialled for control and data
	conn   net.Conn
	r      *bufio.Reader
	tlsCfg *tls.Config // non-nil once the control connection is protected
	server string      // recognised server id
	feat   map[string]bool
	ctx    context.Context
}

// add records a step and reports it as progress.
func (p *prober) add(s Result) Result {
	if len(s.Response) > maxResponseText {
		s.Response = s.Response[:maxResponseText] + "…"
	}
	p.rep.Results = append(p.rep.Results, s)
	if p.o.Progress != nil {
		p.o.Progress(s)
	}
	return s
}

func since(start time.Time) int64 { return time.Since(start).Milliseconds() }

// run walks the session; it returns only policy refusals. Each step that fails ends the walk
// (after a polite QUIT when the control connection still works).
func (p *prober) run(ctx context.Context) error {
	p.ctx = ctx
	// 1. DNS, judged by the policy on the addresses found.
	start := time.Now()
	lookCtx, cancel := context.WithTimeout(ctx, p.o.WaitTimeout)
	allowed, all, err := p.o.Policy.Resolve(lookCtx, p.o.Resolver, p.t.Host)
	cancel()
	var pe *PolicyError
	if errors.As(err, &pe) {
		return err
	}
	if err != nil {
		p.add(Result{Name: "dns", Status: Failed, MS: since(start), Response: err.Error(),
			Explain: fmt.Sprintf("The name %s could not be resolved: it is misspelt, does not exist, or DNS is not answering.", p.t.Host),
			Fix:     "Check the spelling of the host name and try `dig " + p.t.Host + "` or `nslookup " + p.t.Host + "`."})
		return nil
	}
	p.addr = allowed[0]
	p.rep.Address = net.JoinHostPort(p.addr.String(), strconv.Itoa(p.t.Port))
	p.add(Result{Name: "dns", Status: OK, MS: since(start), Response: joinAddrs(all),
		Explain: fmt.Sprintf("%s has %d address(es); checking %s.", p.t.Host, len(all), p.addr)})

	// 2. TCP connect, to the address the policy allowed.
	if !p.connect() {
		return nil
	}
	defer p.conn.Close()
	if p.t.Implicit && !p.startTLS("tls", 0, "") {
		return nil
	}
	// 3. Greeting, and which server sent it.
	if !p.greeting() {
		return nil
	}
	// FEAT before login: it tells whether AUTH TLS is offered (servers answer it unauthenticated).
	if !p.features() {
		return nil
	}
	switch {
	case p.t.Implicit:
		// TLS is on already; PBSZ 0 and PROT P still ask for encrypted data connections, as
		// FileZilla and curl do on 990.
		if !p.protect() {
			return nil
		}
	case !p.authTLS():
		return nil
	}
	// 4. Login.
	if !p.login() {
		return nil
	}
	// 5. Session set-up.
	for _, c := range []struct{ name, cmd string }{{"syst", "SYST"}, {"pwd", "PWD"}, {"type", "TYPE I"}} {
		if !p.simple(c.name, c.cmd) {
			return nil
		}
	}
	// 6. Passive mode and a real listing.
	if !p.dataChannel() {
		return nil
	}
	// 7. QUIT.
	p.quit()
	return nil
}

// connect dials the control connection.
func (p *prober) connect() bool {
	start := time.Now()
	d := net.Dialer{Timeout: p.o.WaitTimeout}
	conn, err := d.DialContext(p.ctx, "tcp", p.rep.Address)
	if err != nil {
		code, explain, fix := socketError(err, "control")
		p.add(p.explained(Result{Name: "connect", Status: Failed, Code: code, MS: since(start), Response: cleanErr(err), Explain: explain, Fix: fix}))
		return false
	}
	p.conn = conn
	p.r = bufio.NewReaderSize(conn, 4096)
	p.add(Result{Name: "connect", Status: OK, MS: since(start), Response: "connected to " + p.rep.Address,
		Explain: "The TCP connection to the control port opened."})
	return true
}

// greeting reads the server's first reply.
func (p *prober) greeting() bool {
	start := time.Now()
	rep, err := p.read()
	if err == nil && rep.code == 120 {
		// "Service ready in nnn minutes": wait for the 220 that should follow.
		p.add(p.explained(Result{Name: "greeting", Status: Warning, Code: 120, MS: since(start), Response: rep.text(),
			Explain: "The server says it is not ready yet and will be in a while."}))
		start = time.Now()
		rep, err = p.read()
	}
	if err != nil {
		s := Result{Name: "greeting", Status: Failed, MS: since(start), Response: cleanErr(err)}
		if isTimeout(err) {
			s.Explain = "The port accepts connections but sent no greeting within " + p.o.WaitTimeout.String() + ": it is not an FTP server, it speaks implicit FTPS (TLS first), or something in between swallows the banner."
			s.Fix = "Check the port; for implicit FTPS (usually port 990) run the check with --implicit (or ftps://host); check firewalls and proxies that inspect FTP."
			if p.t.Implicit {
				s.Fix = "The TLS handshake worked but no FTP greeting followed: check that this port runs an FTP server."
			}
		} else {
			s.Code, s.Explain, s.Fix = socketError(err, "control")
			if s.Code == 0 {
				s.Explain = "The server closed the connection before greeting: it may be refusing this address (tcp_wrappers, a deny list, fail2ban), overloaded, or not an FTP server."
				s.Fix = "Look at the server's log for this connection; check per-IP limits and deny lists."
			}
		}
		p.add(p.explained(s))
		return false
	}
	if srv, ok := p.kbServer(rep.all()); ok {
		p.server = srv.ID
		p.rep.Server = srv.Name
	}
	s := Result{Name: "greeting", Code: rep.code, MS: since(start), Response: rep.text()}
	switch {
	case rep.code == 220:
		s.Status = OK
		s.Explain = "The server greeted with 220: ready for a login."
		if p.rep.Server != "" {
			s.Explain = "The server greeted with 220; it looks like " + p.rep.Server + "."
		}
	default:
		s.Status = Failed
	}
	p.add(p.explained(s))
	return s.Status != Failed
}

// features sends FEAT and remembers what the server offers. A server without FEAT is fine; one
// that stops answering (or closes) here ends the check, since the session is no longer in step.
func (p *prober) features() bool {
	start := time.Now()
	rep, err := p.cmd("FEAT")
	p.feat = map[string]bool{}
	if err != nil {
		p.add(p.ioFailure("feat", start, err))
		return false
	}
	s := Result{Name: "feat", Code: rep.code, MS: since(start), Response: rep.text()}
	if rep.code == 211 {
		var names []string
		more := 0
		for _, l := range rep.lines[1:] {
			if len(l) > 0 && l[0] == ' ' {
				f := strings.ToUpper(strings.TrimSpace(l))
				p.feat[f] = true
				if name, _, _ := strings.Cut(f, " "); name != "" {
					p.feat[name] = true
					if len(names) < maxFeatures {
						names = append(names, cut(f, maxFeatureText))
					} else {
						more++
					}
				}
			}
		}
		// Every feature line the reader did not keep is one more (the reply's last line is its
		// end, kept in place of the last line kept: the one dropped instead is a feature too).
		more += rep.dropped
		list := strings.Join(names, ", ")
		if more > 0 {
			list += fmt.Sprintf(" and %d more", more)
		}
		s.Status, s.Explain = OK, "Features: "+list+"."
		s.Response = rep.first()
	} else {
		s.Status, s.Explain = OK, "The server does not list its features (FEAT); clients fall back to basic commands."
	}
	p.add(s)
	return true
}

// authTLS upgrades the control connection when the server offers AUTH TLS, and warns when it
// does not: the password and every file would cross the network in clear text.
func (p *prober) authTLS() bool {
	// A profile's login tries AUTH TLS even when FEAT does not list it: FEAT travels in clear
	// text and can be edited on the way.
	wantTLS := p.t.RequireTLS || p.o.User != ""
	if !p.feat["AUTH TLS"] && !p.feat["AUTH"] && !wantTLS {
		p.add(Result{Name: "tls", Status: Warning,
			Explain: "The server does not offer FTPS (no AUTH TLS in FEAT): the login and the files travel unencrypted.",
			Fix:     "Enable explicit FTPS on the server (vsftpd ssl_enable=YES, ProFTPD mod_tls TLSEngine on, Pure-FTPd --tls=1), or use SFTP."})
		return true
	}
	start := time.Now()
	rep, err := p.cmd("AUTH TLS")
	if err != nil {
		p.add(p.ioFailure("tls", start, err))
		return false
	}
	if rep.code != 234 {
		if p.t.RequireTLS {
			p.add(p.explained(Result{Name: "tls", Status: Failed, Code: rep.code, MS: since(start), Response: rep.text(),
				Explain: "You asked for explicit FTPS (ftpes://) and the server refused AUTH TLS: it does not offer FTPS on this port.",
				Fix:     "Enable explicit FTPS on the server (vsftpd ssl_enable=YES, ProFTPD mod_tls TLSEngine on, Pure-FTPd --tls=1), or check ftps:// (implicit, port 990) if that is what it speaks."}))
			return false
		}
		explain := "The server lists AUTH TLS but refused it; the session continues unencrypted."
		if !p.feat["AUTH TLS"] && !p.feat["AUTH"] {
			explain = "The server does not offer FTPS (AUTH TLS is not in FEAT and was refused): the session continues unencrypted."
		}
		p.add(p.explained(Result{Name: "tls", Status: Warning, Code: rep.code, MS: since(start), Response: rep.text(),
			Explain: explain}))
		return true
	}
	return p.startTLS("tls", rep.code, rep.text()) && p.protect()
}

// startTLS runs the TLS handshake on the control connection and reports the certificate.
// Certificate problems are warnings: the check goes on so the rest of the session is seen, the
// way a user who accepts the certificate in FileZilla would go on.
func (p *prober) startTLS(name string, code int, reply string) bool {
	start := time.Now()
	p.tlsCfg = &tls.Config{
		ServerName: p.t.Host, InsecureSkipVerify: true, // verified below, to report rather than abort
		ClientSessionCache: tls.NewLRUClientSessionCache(4), MinVersion: tls.VersionTLS10,
	}
	tc := tls.Client(p.conn, p.tlsCfg)
	p.conn.SetDeadline(p.deadline())
	err := tc.HandshakeContext(p.ctx)
	if err != nil {
		s := Result{Name: name, Status: Failed, Code: code, MS: since(start), Response: cleanErr(err),
			Explain: "The TLS handshake failed: " + cleanErr(err) + ".",
			Fix:     "Check the server's certificate and TLS settings (protocol versions, ciphers) and its TLS log."}
		if p.t.Implicit {
			s.Explain = "The TLS handshake on this port failed: it probably does not speak implicit FTPS (TLS first)."
			s.Fix = "Most servers use explicit FTPS on port 21 (AUTH TLS): check without --implicit, or check port 990 if implicit FTPS is wanted."
		}
		p.add(s)
		return false
	}
	p.conn = tc
	p.r = bufio.NewReaderSize(tc, 4096)
	cs := tc.ConnectionState()
	s := Result{Name: name, Status: OK, Code: code, MS: since(start), Response: reply}
	info, problems := certReport(cs, p.t.Host, p.o.RootCAs)
	s.Explain = tls.VersionName(cs.Version) + "; " + info
	if len(problems) > 0 {
		s.Status = Warning
		s.Explain += " Problems: " + strings.Join(problems, "; ") + "."
		s.Fix = "Install a certificate from a public CA for " + p.t.Host + " (Let's Encrypt works for FTP servers too), or have every user trust this one explicitly."
	}
	p.add(s)
	return true
}

// protect asks for a protected data channel (PBSZ 0, PROT P), as FTPS clients do.
func (p *prober) protect() bool {
	start := time.Now()
	if _, err := p.cmd("PBSZ 0"); err != nil {
		p.add(p.ioFailure("prot", start, err))
		return false
	}
	rep, err := p.cmd("PROT P")
	if err != nil {
		p.add(p.ioFailure("prot", start, err))
		return false
	}
	s := Result{Name: "prot", Status: OK, Code: rep.code, MS: since(start), Response: rep.text(),
		Explain: "The data channel will be encrypted too (PROT P)."}
	if rep.code != 200 {
		s.Status = Warning
		s.Explain = "The server refused to protect the data channel: listings and files will travel unencrypted."
	}
	p.add(p.explained(s))
	return true
}

// login sends USER and PASS: anonymous unless a profile gave credentials. A profile's
// credentials go only over TLS unless the profile allows plain text.
func (p *prober) login() bool {
	start := time.Now()
	if p.o.User != "" && p.tlsCfg == nil && !p.o.AllowPlaintext {
		p.add(Result{Name: "login", Status: Failed, MS: since(start),
			Explain: "The profile's password was not sent: this connection is not encrypted (the server did not accept AUTH TLS), and anyone on the path could read it. Someone in between can also remove AUTH TLS from the server's feature list to force this.",
			Fix:     "Enable explicit FTPS on the server, or, if it really has none and the network is trusted, set allow_plaintext = true in the profile."})
		return false
	}
	user, pass := p.o.User, p.o.Password
	if user == "" {
		user, pass = "anonymous", anonPassword
	}
	rep, err := p.cmd("USER " + user)
	if err == nil && rep.code == 331 {
		rep, err = p.cmd("PASS " + pass)
	}
	if err != nil {
		p.add(p.ioFailure("login", start, err))
		return false
	}
	s := Result{Name: "login", Code: rep.code, MS: since(start), Response: rep.text()}
	who := "anonymous"
	if p.o.User != "" {
		who = "the profile's user"
	}
	switch rep.code {
	case 230:
		s.Status, s.Explain = OK, "Logged in as "+who+"."
	case 202:
		s.Status, s.Explain = OK, "Logged in as "+who+" (no password needed)."
	default:
		s.Status = Failed
		if rep.code == 530 && p.o.User == "" {
			s.Explain = "Anonymous login was refused. "
		}
	}
	p.add(p.explained(s))
	return s.Status != Failed
}

// simple sends one command that must succeed with a 2xx.
func (p *prober) simple(name, cmd string) bool {
	start := time.Now()
	rep, err := p.cmd(cmd)
	if err != nil {
		p.add(p.ioFailure(name, start, err))
		return false
	}
	s := Result{Name: name, Code: rep.code, MS: since(start), Response: rep.text(), Status: OK}
	switch {
	case rep.code/100 == 2:
		s.Explain = map[string]string{
			"syst": "System type reported.", "pwd": "The login directory is readable.",
			"type": "Binary (image) transfers are available.",
		}[name]
	case rep.code == 421 || rep.code == 530:
		s.Status = Failed
	default:
		s.Status = Warning
	}
	p.add(p.explained(s))
	return s.Status != Failed
}

func (p *prober) quit() {
	start := time.Now()
	rep, err := p.cmd("QUIT")
	if err != nil {
		p.add(Result{Name: "quit", Status: Warning, MS: since(start), Response: cleanErr(err),
			Explain: "The server did not answer QUIT cleanly; harmless, but its logs may show an aborted session."})
		return
	}
	s := Result{Name: "quit", Code: rep.code, MS: since(start), Response: rep.text(), Status: OK, Explain: "Logged out."}
	if rep.code != 221 {
		s.Status = Warning
	}
	p.add(p.explained(s))
}

// verdict writes the summary line.
func (p *prober) verdict() {
	r := p.rep
	if f, ok := r.Failure(); ok {
		r.OK = false
		r.Verdict = fmt.Sprintf("Failed at %s", f.Name)
		if f.Code != 0 {
			r.Verdict += fmt.Sprintf(" (%d)", f.Code)
		}
		r.Verdict += ": " + knowledge.FirstSentence(f.Explain)
		if f.Fix != "" {
			r.Verdict += " Fix: " + f.Fix
		}
		// A polite QUIT so the server's log shows a clean end; its answer is not reported.
		if p.conn != nil {
			p.conn.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(p.conn, "QUIT\r\n")
		}
		return
	}
	r.OK = true
	var warns []string
	for _, s := range r.Results {
		if s.Status == Warning {
			warns = append(warns, s.Name)
		}
	}
	if len(warns) == 0 {
		r.Verdict = "Healthy: every step passed."
	} else {
		r.Verdict = fmt.Sprintf("Works, with warnings at %s.", strings.Join(warns, ", "))
	}
}

// deadline is the earlier of the wait timeout and the whole check's deadline.
func (p *prober) deadline() time.Time {
	d := time.Now().Add(p.o.WaitTimeout)
	if end, ok := p.ctx.Deadline(); ok && end.Before(d) {
		return end
	}
	return d
}

// reply is one FTP reply, possibly multi-line.
type reply struct {
	code  int
	lines []string // at most maxLines: the first ones and the last
	// dropped counts the lines read but not kept, so that a report can say honestly how many
	// there were.
	dropped int
}

func (r reply) first() string { return r.lines[0] }
func (r reply) text() string {
	if len(r.lines) == 1 {
		return r.lines[0]
	}
	return r.lines[0] + " … " + r.lines[len(r.lines)-1]
}
func (r reply) all() string { return strings.Join(r.lines, "\n") }

// cmd sends one command and reads its reply.
func (p *prober) cmd(line string) (reply, error) {
	p.conn.SetDeadline(p.deadline())
	if _, err := io.WriteString(p.conn, line+"\r\n"); err != nil {
		return reply{}, err
	}
	return p.read()
}

// read reads one reply: "NNN text", or "NNN-" … "NNN text", each line bounded.
func (p *prober) read() (reply, error) {
	p.conn.SetDeadline(p.deadline())
	var rep reply
	for {
		line, err := p.readLine()
		if err != nil {
			return reply{}, err
		}
		if len(rep.lines) < maxLines {
			rep.lines = append(rep.lines, line)
		} else {
			rep.dropped++
		}
		if len(rep.lines) == 1 {
			code, ok := replyCode(line)
			if !ok {
				return reply{}, fmt.Errorf("not an FTP reply: %q", cut(line, 80))
			}
			rep.code = code
			if len(line) == 3 || line[3] != '-' {
				return rep, nil
			}
			continue
		}
		if c, ok := replyCode(line); ok && c == rep.code && (len(line) == 3 || line[3] == ' ') {
			if rep.dropped > 0 {
				// The last line ends the reply: it takes the place of the last one kept, and the
				// ending line itself was counted as dropped.
				rep.lines[maxLines-1] = line
			}
			return rep, nil
		}
	}
}

func (p *prober) readLine() (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := p.r.ReadLine()
		if err != nil {
			return "", err
		}
		if len(b) < maxLine {
			b = append(b, chunk...)
		}
		if !isPrefix {
			break
		}
	}
	if len(b) > maxLine {
		b = append(b[:maxLine], "…"...)
	}
	return printable(strings.ToValidUTF8(string(b), "?")), nil
}

// printable replaces what a terminal or a chat client would act on rather than show — C0 and
// C1 control characters (ESC starts terminal escape sequences, 0x9b is a one-byte CSI), DEL and
// the bidirectional overrides that reorder text — with "?". Everything a server sends passes
// through it, so no report, progress line or terminal output carries them.
func printable(s string) string {
	if strings.IndexFunc(s, unprintable) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unprintable(r) {
			return '?'
		}
		return r
	}, s)
}

func unprintable(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func replyCode(line string) (int, bool) {
	if len(line) < 3 {
		return 0, false
	}
	n, err := strconv.Atoi(line[:3])
	if err != nil || n < 100 || n > 699 {
		return 0, false
	}
	return n, true
}

// ioFailure reports a control connection that broke mid-command.
func (p *prober) ioFailure(name string, start time.Time, err error) Result {
	s := Result{Name: name, Status: Failed, MS: since(start), Response: cleanErr(err)}
	switch {
	case isTimeout(err):
		s.Explain = "The server stopped answering: no reply within " + p.o.WaitTimeout.String() + "."
		s.Fix = "Look at the server's load and log; a firewall that drops packets mid-session (an FTP-inspecting one) shows the same."
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		s.Code = 421
		s.Explain = "The server closed the control connection in the middle of the session, without a reply."
		s.Fix = "Read the server's log at this time: a crash, a per-user or per-IP limit, an idle timeout or a TLS error closes sessions like this."
	default:
		s.Code, s.Explain, s.Fix = socketError(err, "control")
	}
	return p.explained(s)
}

// explained fills a step's explanation and fix from the knowledge base when the step has a code
// and no explanation of its own, preferring the recognised server's note.
func (p *prober) explained(s Result) Result {
	if s.Code == 0 || p.o.KB == nil || (s.Status == OK && s.Explain != "") {
		return s
	}
	e, ok := p.o.KB.Lookup(knowledge.Code(s.Code))
	if !ok {
		return s
	}
	if s.Explain == "" || strings.HasSuffix(s.Explain, " ") {
		s.Explain += e.Heading() + ": " + e.Meaning
	}
	if s.Status != OK && s.Fix == "" {
		if n, ok := e.ExampleFor(p.server); ok && n.Note != "" {
			s.Fix = n.Note
		} else if len(e.Fixes) > 0 {
			s.Fix = e.Fixes[0]
		}
	}
	return s
}

func (p *prober) kbServer(text string) (knowledge.Server, bool) {
	if p.o.KB == nil {
		return knowledge.Server{}, false
	}
	return p.o.KB.RecogniseServer(text)
}

// natExplain says what an advertised passive address that differs from the control address means.
func (p *prober) natExplain(adv netip.Addr) string {
	why := Classify(adv)
	switch {
	case why != "" && Classify(p.addr) == "":
		return fmt.Sprintf("The server advertises %s, %s, in its 227 reply, while clients reach it at %s: the classic NAT misconfiguration. Clients that trust the 227 address time out on every listing; the probe used the control address instead, as FileZilla does.", adv, why, p.addr)
	default:
		return fmt.Sprintf("The server advertises %s in its 227 reply, but clients reach it at %s. Clients that trust the 227 address connect to the wrong host; the probe never dials it and used the control address instead.", adv, p.addr)
	}
}

// passiveFix is the recognised server's way to set its passive address, or every server's.
func (p *prober) passiveFix() string {
	if p.o.KB == nil {
		return "Set the server's public passive address (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P)."
	}
	if s, ok := p.o.KB.Server(p.server); ok && s.Passive != "" {
		return s.Name + ": " + s.Passive
	}
	var fixes []string
	for _, s := range p.o.KB.Servers() {
		if s.Passive != "" {
			fixes = append(fixes, s.Name+": "+s.Passive)
		}
	}
	return strings.Join(fixes, " ")
}

// socketError maps a dial or read error to the Windows socket error number people search for,
// with what it means here.
func socketError(err error, which string) (code int, explain, fix string) {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return 10061, "Connection refused: the host answered, but nothing listens on that port (the server is stopped, or listens on another port or address), or a firewall rejects the connection.",
			"Check that the FTP server is running and listening on this port (`ss -ltnp` on the server) and that the firewall allows it."
	case isTimeout(err):
		return 10060, "Connection timed out: nothing answered. A firewall drops the packets, the host is down, or the address is wrong.",
			"Check the address and that the port is open in every firewall and security group between you and the server."
	case errors.Is(err, syscall.ECONNRESET):
		return 10054, "Connection reset by the server or something in between (a firewall, an IPS, a TLS-inspecting proxy).",
			"Read the server's log at this time; check firewalls that inspect FTP."
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return 10065, "No route to host: the network cannot reach that address.",
			"Check the address, the VPN and routing between you and the server."
	}
	return 0, "The " + which + " connection failed: " + cleanErr(err) + ".", ""
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// cleanErr is an error's text without Go's "dial tcp …:" prefixes repeated.
func cleanErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s, "dial tcp") || strings.HasPrefix(s, "read tcp") || strings.HasPrefix(s, "write tcp") {
		s = s[strings.LastIndex(s, ": ")+2:]
	}
	return s
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
