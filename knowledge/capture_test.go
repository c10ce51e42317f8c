package knowledge_test

// The control-channel captures in data/captured/ are made here, from the real Debian servers that
// internal/ftpservertest starts on 127.0.0.1:
//
//	go test ./knowledge/ -run TestCapture -capture
//
// rewrites data/captured/vsftpd.txt, proftpd.txt and pure-ftpd.txt. Without -capture the test
// replays a small, stable part of the script (greeting, a refused login, an unknown command, QUIT)
// against each server that is installed and checks that every reply line it gets is in the
// committed capture, so a capture that no longer matches the servers CI runs is caught.

import (
	"bufio"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/ftpservertest"
)

var capture = flag.Bool("capture", false, "drive scripted FTP sessions against the real servers on loopback and rewrite data/captured/*.txt")

// The test login on the servers that have one.
const (
	captureUser = "alice"
	capturePass = "s3cret-pw"
)

// mainOptions is the server most scenarios (and the replay check) run against: anonymous read-only,
// a working login, explicit TLS offered but not required.
var mainOptions = ftpservertest.Options{Anonymous: true, User: captureUser, Password: capturePass, TLS: true}

// bigSize is the size of big.bin, a sparse file large enough that a download is still running when
// the client walks away from it.
const bigSize = 256 << 20

// ---- transcript ----

// transcript collects one capture file's text.
type transcript struct {
	mu sync.Mutex
	b  strings.Builder
}

func (tr *transcript) printf(format string, args ...any) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	fmt.Fprintf(&tr.b, format, args...)
}

func (tr *transcript) scenario(name string) { tr.printf("\n# scenario: %s\n", name) }
func (tr *transcript) note(format string, args ...any) {
	tr.printf("# %s\n", fmt.Sprintf(format, args...))
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.b.String()
}

// ---- control connection ----

// reply is one complete server reply.
type reply struct {
	code  int
	lines []string
}

func (r reply) last() string {
	if len(r.lines) == 0 {
		return ""
	}
	return r.lines[len(r.lines)-1]
}

// ftpConn is a raw control connection that records everything sent and received.
type ftpConn struct {
	t      *testing.T
	tr     *transcript
	srv    *ftpservertest.Server
	conn   net.Conn
	raw    net.Conn // the TCP connection under TLS
	r      *bufio.Reader
	closed bool
	tls    bool // control channel encrypted
	prot   bool // PROT P: data channels encrypted
}

// replyTimeout is generous: vsftpd and Pure-FTPd pause for seconds after a wrong password.
const replyTimeout = 15 * time.Second

// connect opens a control connection and records the greeting.
func connect(t *testing.T, tr *transcript, srv *ftpservertest.Server) *ftpConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", srv.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &ftpConn{t: t, tr: tr, srv: srv, conn: conn, r: bufio.NewReader(conn)}
	tr.note("connect")
	c.read(replyTimeout)
	return c
}

// read reads one reply and records it. A closed connection or a timeout is recorded as a note.
func (c *ftpConn) read(timeout time.Duration) reply {
	c.t.Helper()
	r, timedOut := c.tryRead(timeout)
	if timedOut {
		c.tr.note("no reply within %v", timeout)
		c.t.Logf("%s: no reply within %v", c.srv.Software, timeout)
	}
	return r
}

// tryRead reads one reply, reporting a timeout that arrived before any of it without recording it,
// so the caller can go on waiting.
func (c *ftpConn) tryRead(timeout time.Duration) (r reply, timedOut bool) {
	c.t.Helper()
	if c.closed {
		return reply{}, false
	}
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	lines, err := ftpservertest.ReadReply(c.r)
	for _, l := range lines {
		c.tr.printf("< %s\n", l)
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && len(lines) == 0 {
			return reply{}, true
		}
		c.tr.note("the server closed the connection")
		c.closed = true
		c.conn.Close()
	}
	r = reply{lines: lines}
	if len(lines) > 0 && len(lines[0]) >= 3 {
		r.code, _ = strconv.Atoi(lines[0][:3])
	}
	return r, false
}

// send records and sends one command line without reading the reply.
func (c *ftpConn) send(line string) {
	c.t.Helper()
	if c.closed {
		return
	}
	shown := line
	if strings.HasPrefix(strings.ToUpper(line), "PASS ") {
		shown = "PASS ****"
	}
	c.tr.printf("> %s\n", shown)
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.tr.note("send failed: the server closed the connection")
		c.closed = true
	}
}

// cmd sends a command and reads its reply.
func (c *ftpConn) cmd(line string) reply {
	c.t.Helper()
	c.send(line)
	return c.read(replyTimeout)
}

// cmds sends each command in turn.
func (c *ftpConn) cmds(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		c.cmd(l)
	}
}

// quit ends the session politely and waits for the server to close.
func (c *ftpConn) quit() {
	c.t.Helper()
	if c.closed {
		return
	}
	c.cmd("QUIT")
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, c.r)
	c.conn.Close()
	c.closed = true
}

// login logs in; Pure-FTPd accepts USER anonymous with 230 at once, and still takes a PASS.
func (c *ftpConn) login(user, pass string) {
	c.t.Helper()
	c.cmd("USER " + user)
	c.cmd("PASS " + pass)
}

func (c *ftpConn) loginAnonymous() { c.login("anonymous", "guest@example.com") }
func (c *ftpConn) loginUser()      { c.login(captureUser, capturePass) }

// startTLS sends AUTH and, if the server agrees, performs the handshake.
func (c *ftpConn) startTLS(mech string) bool {
	c.t.Helper()
	r := c.cmd("AUTH " + mech)
	if r.code != 234 {
		return false
	}
	tc := tls.Client(c.conn, c.srv.TLSConfig())
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		c.tr.note("TLS handshake failed: %v", err)
		c.t.Errorf("%s: TLS handshake after AUTH %s: %v", c.srv.Software, mech, err)
		c.closed = true
		return false
	}
	c.tr.note("TLS handshake done (%s); the control connection is encrypted from here", tlsVersion(tc.ConnectionState().Version))
	c.raw = c.conn
	c.conn, c.r, c.tls = tc, bufio.NewReader(tc), true
	return true
}

// ccc sends CCC and, if the server agrees, ends TLS on the control connection (both sides send
// close_notify) and goes on in plain text over the same TCP connection.
func (c *ftpConn) ccc() {
	c.t.Helper()
	r := c.cmd("CCC")
	if r.code != 200 || !c.tls {
		return
	}
	tc := c.conn.(*tls.Conn)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.CloseWrite(); err != nil {
		c.tr.note("CCC: sending close_notify failed: %v", err)
		c.closed = true
		return
	}
	if _, err := io.Copy(io.Discard, c.r); err != nil {
		c.tr.note("CCC: waiting for the server's close_notify: %v", err)
		c.closed = true
		return
	}
	c.raw.SetDeadline(time.Time{})
	c.conn, c.r, c.tls = c.raw, bufio.NewReader(c.raw), false
	c.tr.note("TLS closed on the control connection (close_notify both ways); plain text from here")
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("TLS 0x%04x", v)
}

// ---- data connections ----

var (
	pasvRE = regexp.MustCompile(`\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)`)
	epsvRE = regexp.MustCompile(`\(\|\|\|(\d+)\|\)`)
)

// loopback is the guard every data-connection dial goes through: nothing leaves 127.0.0.0/8.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// dataResult is what happened on a data connection.
type dataResult struct {
	n   int
	err error
}

// transfer sets up a data connection with setup ("PASV", "EPSV", "PORT" or "EPRT") and runs cmd on
// it, uploading upload if it is not nil, else downloading. It records a note with the byte count
// when count is true (file transfers; listings vary with dates). abortAfter > 0 closes a download
// after that many bytes.
func (c *ftpConn) transfer(setup, cmd string, upload []byte, count bool, abortAfter int) {
	c.t.Helper()
	if c.closed {
		return
	}
	var dataConn func() (net.Conn, error)
	var passive net.Conn // the passive data connection, dialled before the command
	switch setup {
	case "PASV", "EPSV":
		r := c.cmd(setup)
		var addr string
		if m := pasvRE.FindStringSubmatch(r.last()); r.code == 227 && m != nil {
			p1, _ := strconv.Atoi(m[5])
			p2, _ := strconv.Atoi(m[6])
			addr = net.JoinHostPort(strings.Join(m[1:5], "."), strconv.Itoa(p1*256+p2))
		} else if m := epsvRE.FindStringSubmatch(r.last()); r.code == 229 && m != nil {
			addr = net.JoinHostPort(c.srv.Host, m[1])
		} else {
			return
		}
		if !loopback(addr) {
			c.t.Fatalf("%s advertised %s: refusing to dial outside loopback", c.srv.Software, addr)
		}
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			c.tr.note("data connection to %s failed: %v", addr, err)
			return
		}
		passive = conn
		dataConn = func() (net.Conn, error) { return conn, nil }
	case "PORT", "EPRT":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.t.Fatalf("listen: %v", err)
		}
		defer l.Close()
		port := l.Addr().(*net.TCPAddr).Port
		arg := fmt.Sprintf("PORT 127,0,0,1,%d,%d", port/256, port%256)
		if setup == "EPRT" {
			arg = fmt.Sprintf("EPRT |1|127.0.0.1|%d|", port)
		}
		if r := c.cmd(arg); r.code != 200 {
			return
		}
		dataConn = func() (net.Conn, error) {
			l.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
			return l.Accept()
		}
	}

	done := make(chan dataResult, 1)
	var mu sync.Mutex
	var opened net.Conn
	go func() {
		conn, err := dataConn()
		if err != nil {
			done <- dataResult{err: err}
			return
		}
		mu.Lock()
		opened = conn
		mu.Unlock()
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		var rw io.ReadWriter = conn
		if c.prot {
			tc := tls.Client(conn, c.srv.TLSConfig())
			if err := tc.Handshake(); err != nil {
				done <- dataResult{err: fmt.Errorf("TLS on the data connection: %w", err)}
				return
			}
			defer tc.Close()
			rw = tc
		}
		if upload != nil {
			n, err := rw.Write(upload)
			if tc, ok := rw.(*tls.Conn); ok {
				tc.Close() // close_notify: the end of an encrypted upload
			}
			done <- dataResult{n: n, err: err}
			return
		}
		if abortAfter > 0 {
			n, err := io.ReadFull(rw, make([]byte, abortAfter))
			done <- dataResult{n: n, err: err}
			return
		}
		n, err := io.Copy(io.Discard, rw)
		done <- dataResult{n: int(n), err: err}
	}()

	r := c.cmd(cmd)
	finish := func() (dataResult, bool) {
		select {
		case res := <-done:
			return res, true
		case <-time.After(20 * time.Second):
			return dataResult{}, false
		}
	}
	if r.code < 100 || r.code >= 200 {
		// Refused: drop the data connection we may have opened.
		mu.Lock()
		if opened != nil {
			opened.Close()
		}
		mu.Unlock()
		if passive != nil {
			passive.Close()
		}
		return
	}
	if abortAfter > 0 {
		res, _ := finish()
		c.tr.note("data connection: closed by the client after %d bytes, mid-transfer", res.n)
		// Read until a reply that is not a preliminary 1xx (Pure-FTPd sends its transfer summary as 150).
		for r := c.read(replyTimeout); r.code >= 100 && r.code < 200 && !c.closed; {
			var timedOut bool
			if r, timedOut = c.tryRead(3 * time.Second); timedOut {
				c.tr.note("no further reply within 3s")
				break
			}
		}
		return
	}
	res, ok := finish()
	switch {
	case !ok:
		c.tr.note("data connection: no end within 20s")
	case res.err != nil:
		c.tr.note("data connection: %v", res.err)
	case upload != nil:
		c.tr.note("data connection: sent %d bytes", res.n)
	case count:
		c.tr.note("data connection: received %d bytes", res.n)
	default:
		c.tr.note("data connection: listing received")
	}
	c.read(replyTimeout)
}

// ---- the script ----

// servers are the instances one kind's capture runs against.
type servers struct {
	main, upload, plain, maxc, required, pasv2, idle *ftpservertest.Server
}

// Scenarios shared by the capture and the replay check: their replies do not depend on timing or
// on the file system.
func scenarioGreeting(t *testing.T, tr *transcript, srv *ftpservertest.Server) {
	tr.scenario("greeting and QUIT")
	c := connect(t, tr, srv)
	c.quit()
}

func scenarioBadPassword(t *testing.T, tr *transcript, srv *ftpservertest.Server) {
	tr.scenario("wrong password")
	c := connect(t, tr, srv)
	c.login(captureUser, "wrong-password")
	c.quit()
}

func scenarioUnknownCommand(t *testing.T, tr *transcript, srv *ftpservertest.Server) {
	tr.scenario("unknown command, before and after login")
	c := connect(t, tr, srv)
	c.cmd("XYZZY")
	c.loginAnonymous()
	c.cmd("XYZZY")
	c.quit()
}

// script is the whole capture for one kind.
func script(t *testing.T, tr *transcript, kind ftpservertest.Software, s servers) {
	main := s.main

	scenarioGreeting(t, tr, main)

	tr.scenario("commands before login")
	c := connect(t, tr, main)
	c.cmds("PWD", "CWD pub", "LIST", "RETR hello.txt", "PASV", "EPSV", "STOR x.txt", "MKD x", "SIZE hello.txt", "SYST", "FEAT", "NOOP", "HELP",
		"STAT", "OPTS UTF8 ON", "LANG en-US", "CLNT ftpbot-capture", "HOST 127.0.0.1")
	c.quit()

	tr.scenario("PASS without USER")
	c = connect(t, tr, main)
	c.cmd("PASS guest@example.com")
	c.quit()

	scenarioBadPassword(t, tr, main)

	tr.scenario("unknown user")
	c = connect(t, tr, main)
	c.login("nosuchuser", "whatever")
	c.quit()

	tr.scenario("USER twice, then USER after login")
	c = connect(t, tr, main)
	c.cmd("USER " + captureUser)
	c.loginUser()
	c.cmd("USER anonymous")
	c.cmd("PASS guest@example.com")
	c.quit()

	scenarioUnknownCommand(t, tr, main)

	tr.scenario("anonymous login")
	c = connect(t, tr, main)
	c.loginAnonymous()

	tr.scenario("informational commands (anonymous)")
	c.cmds("SYST", "FEAT", "HELP", "HELP RETR", "STAT", "NOOP", "SITE HELP", "SITE", "SITE BOGUS",
		"OPTS UTF8 ON", "OPTS UTF8 OFF", "OPTS BOGUS", "CLNT ftpbot-capture", "LANG", "HOST 127.0.0.1",
		"ALLO 100", "ACCT billing", "SMNT /", "MLST hello.txt", "MLST missing.txt", "OPTS MLST type;size;", "STAT hello.txt")

	tr.scenario("missing or bad arguments")
	c.cmds("CWD", "TYPE", "MODE", "STRU", "PORT 1,2", "PORT 127,0,0,1,300,1", "EPRT garbage", "EPRT |3|127.0.0.1|5000|",
		"REST abc", "MDTM", "SIZE", "DELE", "RNFR", "MKD", "RETR")

	tr.scenario("directories (anonymous, read-only)")
	c.cmds("PWD", "CWD pub", "PWD", "CDUP", "PWD", "XPWD", "CWD pub", "XCUP", "CWD /nonexistent", "CWD hello.txt",
		"CWD ..", "PWD", "MKD newdir", "RMD pub", "XMKD newdir")

	tr.scenario("transfer parameters")
	c.cmds("TYPE I", "TYPE A", "TYPE A N", "TYPE A T", "TYPE E", "TYPE L 8", "TYPE L 16", "TYPE X",
		"MODE S", "MODE B", "MODE C", "MODE Z", "STRU F", "STRU R", "STRU P")

	tr.scenario("file information")
	c.cmds("TYPE I", "SIZE hello.txt", "SIZE missing.txt", "SIZE pub", "MDTM hello.txt", "MDTM missing.txt",
		"TYPE A", "SIZE hello.txt")

	tr.scenario("passive mode: PASV, EPSV, listings")
	c.transfer("PASV", "LIST", nil, false, 0)
	c.transfer("EPSV", "NLST", nil, false, 0)
	c.transfer("PASV", "LIST pub", nil, false, 0)
	c.transfer("PASV", "LIST missing-dir", nil, false, 0)
	c.transfer("PASV", "MLSD", nil, false, 0)
	c.cmds("EPSV 1", "EPSV 2", "EPSV 3")
	c.quit()

	tr.scenario("EPSV ALL, then PASV and PORT")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("EPSV ALL")
	c.cmd("PASV")
	c.cmd("PORT 127,0,0,1,200,10")
	c.transfer("EPSV", "NLST", nil, false, 0)
	c.quit()

	tr.scenario("downloads")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("TYPE I")
	c.transfer("PASV", "RETR hello.txt", nil, true, 0)
	c.transfer("PASV", "RETR missing.txt", nil, true, 0)
	c.transfer("PASV", "RETR pub", nil, true, 0)
	c.cmd("TYPE A")
	c.transfer("EPSV", "RETR hello.txt", nil, true, 0)

	tr.scenario("REST: resuming downloads")
	c.cmd("TYPE I")
	c.cmd("REST 0")
	c.transfer("PASV", "RETR hello.txt", nil, true, 0)
	c.cmd("REST 6")
	c.transfer("PASV", "RETR hello.txt", nil, true, 0)
	c.cmd("REST 100")
	c.transfer("PASV", "RETR hello.txt", nil, true, 0)
	c.cmd("REST -1")
	c.quit()

	tr.scenario("RETR or LIST without PASV or PORT")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("RETR hello.txt")
	c.cmd("LIST")
	c.quit()

	tr.scenario("ABOR, and a download the client walks away from")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("TYPE I")
	c.cmd("ABOR")
	c.transfer("PASV", "RETR big.bin", nil, true, 64<<10)
	c.cmd("ABOR")
	c.cmd("NOOP")
	c.quit()

	tr.scenario("ABOR during a download")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("TYPE I")
	abortDuringDownload(c)
	c.quit()

	tr.scenario("active mode: PORT and EPRT to 127.0.0.1")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.transfer("PORT", "LIST", nil, false, 0)
	c.transfer("EPRT", "NLST", nil, false, 0)
	c.cmd("TYPE I")
	c.transfer("PORT", "RETR hello.txt", nil, true, 0)
	c.cmd("EPRT |2|::1|5000|")

	tr.scenario("PORT to a privileged port (bounce protection)")
	c.cmd("PORT 127,0,0,1,0,25")
	c.cmd("EPRT |1|127.0.0.1|25|")
	c.quit()

	tr.scenario("writes refused to anonymous (read-only)")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("TYPE I")
	c.transfer("PASV", "STOR denied.txt", []byte("should not be stored\n"), true, 0)
	c.transfer("PASV", "APPE hello.txt", []byte("more\n"), true, 0)
	c.transfer("PASV", "STOU", []byte("unique\n"), true, 0)
	c.cmds("DELE hello.txt", "RNFR hello.txt", "RNTO renamed.txt", "MKD newdir", "RMD pub", "SITE CHMOD 777 hello.txt",
		"MFMT 20200101000000 hello.txt")
	c.quit()

	tr.scenario("REIN")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmds("REIN", "PWD")
	c.quit()

	tr.scenario("RNTO without RNFR")
	c = connect(t, tr, main)
	c.loginAnonymous()
	c.cmd("RNTO renamed.txt")
	c.quit()

	tr.scenario("login with the test user")
	c = connect(t, tr, main)
	c.loginUser()
	c.cmd("PWD")

	tr.scenario("uploads and file management (test user)")
	c.cmd("TYPE I")
	c.transfer("PASV", "STOR upload.txt", []byte("uploaded by the capture\n"), true, 0)
	c.transfer("PASV", "APPE upload.txt", []byte("appended\n"), true, 0)
	c.transfer("PASV", "STOR upload.txt", []byte("overwritten\n"), true, 0)
	c.transfer("EPSV", "STOU", []byte("unique name\n"), true, 0)
	c.cmds("SIZE upload.txt", "MDTM upload.txt", "MFMT 20200101120000 upload.txt", "MDTM upload.txt",
		"RNFR upload.txt", "RNTO renamed.txt", "RNFR missing.txt", "RNTO whatever.txt", "RNFR renamed.txt", "NOOP", "RNTO again.txt",
		"MKD newdir", "MKD newdir", "CWD newdir", "PWD", "CDUP", "RMD newdir", "RMD missing-dir",
		"MKD full")
	c.transfer("PASV", "STOR full/inside.txt", []byte("x\n"), true, 0)
	c.cmds("RMD full", "DELE full/inside.txt", "RMD full", "DELE renamed.txt", "DELE missing.txt", "DELE pub",
		"SITE CHMOD 600 hello.txt", "SITE CHMOD 644 hello.txt", "SITE CHMOD 644 missing.txt", "SITE UMASK 022", "SITE IDLE 120",
		"STAT .")
	c.transfer("PASV", "STOR /../../outside.txt", []byte("x\n"), true, 0)
	c.quit()

	tr.scenario("TLS commands before AUTH")
	c = connect(t, tr, main)
	c.cmds("PBSZ 0", "PROT P", "CCC", "AUTH XYZ", "AUTH")
	c.quit()

	tr.scenario("AUTH TLS, PBSZ, PROT, login and an encrypted listing")
	c = connect(t, tr, main)
	if c.startTLS("TLS") {
		c.cmd("AUTH TLS")
		c.cmd("PBSZ 0")
		if c.cmd("PROT P").code == 200 {
			c.prot = true
		}
		c.loginUser()
		c.transfer("PASV", "LIST", nil, false, 0)
		c.cmd("TYPE I")
		c.transfer("EPSV", "RETR hello.txt", nil, true, 0)
		if c.cmd("PROT C").code == 200 {
			c.prot = false
		}
		c.transfer("PASV", "NLST", nil, false, 0)
		c.cmds("PROT S", "PROT E", "PROT X", "PBSZ 1024")
		c.ccc()
		c.cmd("PWD")
	}
	c.quit()

	tr.scenario("PROT before PBSZ")
	c = connect(t, tr, main)
	if c.startTLS("TLS") {
		c.cmd("PROT P")
		c.loginAnonymous()
	}
	c.quit()

	tr.scenario("AUTH SSL")
	c = connect(t, tr, main)
	if c.startTLS("SSL") {
		c.cmd("PBSZ 0")
		c.loginAnonymous()
	}
	c.quit()

	tr.scenario("AUTH TLS on a server without TLS")
	c = connect(t, tr, s.plain)
	c.cmds("AUTH TLS", "AUTH SSL", "PBSZ 0", "PROT P")
	c.loginAnonymous()
	c.cmds("AUTH TLS", "PBSZ 0", "PROT P")
	c.quit()

	tr.scenario("server that requires TLS: plain-text login refused")
	c = connect(t, tr, s.required)
	c.login("anonymous", "guest@example.com")
	c.quit()
	c = connect(t, tr, s.required)
	c.loginUser()
	c.quit()

	tr.scenario("server that requires TLS: encrypted login, then a plain data connection")
	c = connect(t, tr, s.required)
	if c.startTLS("TLS") {
		c.loginUser()
		c.transfer("PASV", "LIST", nil, false, 0)
		c.cmd("PBSZ 0")
		if c.cmd("PROT P").code == 200 {
			c.prot = true
		}
		c.transfer("PASV", "LIST", nil, false, 0)
		if c.cmd("PROT C").code == 200 {
			c.prot = false
		}
		c.transfer("PASV", "NLST", nil, false, 0)
	}
	c.quit()

	tr.scenario("PasvAddress 127.0.0.2: the advertised passive address")
	c = connect(t, tr, s.pasv2)
	c.loginAnonymous()
	c.cmds("PASV", "EPSV")
	c.quit()

	tr.scenario("anonymous uploads allowed (into pub/)")
	c = connect(t, tr, s.upload)
	c.loginAnonymous()
	c.cmd("TYPE I")
	c.cmd("CWD pub")
	c.transfer("PASV", "STOR anon.txt", []byte("anonymous upload\n"), true, 0)
	c.transfer("PASV", "APPE anon.txt", []byte("appended\n"), true, 0)
	c.transfer("PASV", "STOR anon.txt", []byte("overwrite\n"), true, 0)
	c.transfer("PASV", "RETR anon.txt", nil, true, 0)
	c.cmds("MKD anondir", "RNFR anon.txt", "RNTO anon2.txt", "DELE anon.txt", "DELE anon2.txt", "RMD anondir",
		"CWD /")
	c.transfer("PASV", "STOR in-root.txt", []byte("x\n"), true, 0)
	c.quit()

	tr.scenario("MaxClients 1: a second session while the first is open")
	first := connect(t, tr, s.maxc)
	first.loginAnonymous()
	tr.note("second connection, while the first is logged in")
	second := connect(t, tr, s.maxc)
	second.loginAnonymous()
	second.quit()
	tr.note("back to the first connection")
	first.quit()

	if s.idle == nil {
		tr.scenario("idle timeout")
		tr.note("skipped: %s sets its idle timeout in whole minutes (-I), too slow for a capture", kind)
	} else {
		tr.scenario("idle timeout (IdleTimeout 2s)")
		c = connect(t, tr, s.idle)
		c.loginAnonymous()
		tr.note("idle for up to 5 s")
		c.read(5 * time.Second)
		c.quit()
	}
}

// abortDuringDownload sends ABOR while a large download is still running and records every reply
// the server sends for it. The client keeps draining the data connection slowly for up to 5 s, so a
// server that watches the control connection during transfers (Pure-FTPd) sees the ABOR and
// answers 426 then 226; one that does not (vsftpd, ProFTPD without urgent data) only answers once
// the client closes the data connection.
func abortDuringDownload(c *ftpConn) {
	r := c.cmd("PASV")
	m := pasvRE.FindStringSubmatch(r.last())
	if r.code != 227 || m == nil {
		return
	}
	p1, _ := strconv.Atoi(m[5])
	p2, _ := strconv.Atoi(m[6])
	addr := net.JoinHostPort(strings.Join(m[1:5], "."), strconv.Itoa(p1*256+p2))
	if !loopback(addr) {
		c.t.Fatalf("refusing to dial %s", addr)
	}
	data, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		c.tr.note("data connection failed: %v", err)
		return
	}
	defer data.Close()
	if r := c.cmd("RETR big.bin"); r.code != 150 && r.code != 125 {
		return
	}
	data.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := io.ReadFull(data, make([]byte, 64<<10))
	c.tr.note("data connection: %d bytes read, the download is still running; the client keeps reading slowly", n)
	c.send("ABOR")
	first := make(chan bool, 1) // true: a reply came
	go func() {
		_, timedOut := c.tryRead(replyTimeout)
		first <- !timedOut
	}()
	buf := make([]byte, 16<<10)
	deadline := time.Now().Add(5 * time.Second)
	answered := false
wait:
	for time.Now().Before(deadline) {
		select {
		case answered = <-first:
			break wait
		default:
		}
		data.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		data.Read(buf)
		time.Sleep(50 * time.Millisecond)
	}
	if !answered {
		c.tr.note("no reply within 5s while the data connection stays open")
	}
	data.Close()
	c.tr.note("data connection closed by the client")
	if !answered && !<-first {
		c.tr.note("no reply within %v after the close either", replyTimeout)
		return
	}
	// Every further reply: for the transfer (426) and for the ABOR itself (225/226).
	for !c.closed {
		if _, timedOut := c.tryRead(3 * time.Second); timedOut {
			break
		}
	}
}

// ---- running it ----

// startServers starts every instance the script uses.
func startServers(t *testing.T, kind ftpservertest.Software) servers {
	var s servers
	s.main = ftpservertest.Start(t, kind, mainOptions)
	big, err := os.Create(filepath.Join(s.main.Dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(bigSize); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	big.Close()
	s.upload = ftpservertest.Start(t, kind, ftpservertest.Options{AnonUpload: true})
	s.plain = ftpservertest.Start(t, kind, ftpservertest.Options{Anonymous: true})
	s.maxc = ftpservertest.Start(t, kind, ftpservertest.Options{Anonymous: true, MaxClients: 1})
	s.required = ftpservertest.Start(t, kind, ftpservertest.Options{Anonymous: true, User: captureUser, Password: capturePass, RequireTLS: true})
	s.pasv2 = ftpservertest.Start(t, kind, ftpservertest.Options{Anonymous: true, PasvAddress: "127.0.0.2"})
	if kind != ftpservertest.PureFTPd { // Pure-FTPd's idle timeout is whole minutes
		s.idle = ftpservertest.Start(t, kind, ftpservertest.Options{Anonymous: true, IdleTimeout: 2 * time.Second})
	}
	return s
}

func captureFile(kind ftpservertest.Software) string {
	return filepath.Join("data", "captured", string(kind)+".txt")
}

func header(kind ftpservertest.Software) string {
	version, err := ftpservertest.Version(kind)
	if err != nil {
		version = "unknown version"
	}
	pkg := ftpservertest.PackageVersion(kind)
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, "# "+format+"\n", args...) }
	p("%s control-channel capture", kind)
	p("Server: %s (Debian package %s, %s)", version, pkg, ftpservertest.Binary(kind))
	p("Made by: go test ./knowledge/ -run TestCapture -capture (knowledge/capture_test.go). It starts the real")
	p("  server on 127.0.0.1 with internal/ftpservertest and drives scripted sessions over a raw control")
	p("  connection; data connections are real, on loopback only.")
	p("Format: '> COMMAND' was sent by the client (passwords shown as ****); '< line' is a reply line exactly")
	p("  as the server sent it, without the CRLF; other '#' lines are notes. Ports in PASV/EPSV replies,")
	p("  clock times and dates change from run to run.")
	p("Servers (ftpservertest.Options): main = anonymous read-only + user %q + explicit TLS offered;", captureUser)
	p("  others as each scenario names them (no TLS, RequireTLS, AnonUpload, MaxClients 1, PasvAddress")
	p("  127.0.0.2, IdleTimeout 2s). Served files: hello.txt (%d bytes), pub/, big.bin (sparse, %d MiB).", len(ftpservertest.HelloText), bigSize>>20)
	return b.String()
}

// TestCapture writes the captures with -capture, and otherwise replays the stable scenarios and
// checks their replies against the committed files.
func TestCapture(t *testing.T) {
	for _, kind := range ftpservertest.AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			if *capture {
				runCapture(t, kind)
			} else {
				checkCapture(t, kind)
			}
		})
	}
}

func runCapture(t *testing.T, kind ftpservertest.Software) {
	s := startServers(t, kind)
	tr := &transcript{}
	tr.printf("%s", header(kind))
	script(t, tr, kind, s)
	if err := os.WriteFile(captureFile(kind), []byte(tr.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", captureFile(kind))
}

// normalise blanks out what legitimately changes between runs of the same server, so a reply line
// from a live server can be found in the committed capture:
//   - clock times (Pure-FTPd's greeting says "Local time is now 21:08."),
//   - the listening port ("Server port: 21023." in Pure-FTPd's greeting),
//   - the session count ("You are user number 1 of 50"), which depends on sessions not yet reaped,
//   - passive addresses and ports in 227 and 229 replies.
//
// Reply codes and all other text must match exactly.
func normalise(line string) string {
	for _, r := range normalisers {
		line = r.re.ReplaceAllString(line, r.with)
	}
	return line
}

var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b\d{1,2}:\d{2}(:\d{2})?\b`), "HH:MM"},
	{regexp.MustCompile(`Server port: \d+`), "Server port: PORT"},
	{regexp.MustCompile(`user number \d+`), "user number N"},
	{pasvRE, "(h1,h2,h3,h4,p1,p2)"},
	{epsvRE, "(|||PORT|)"},
}

// checkCapture replays the scenarios whose replies are stable and requires each reply line to be in
// the committed capture (after normalise). It fails if the capture is missing, or if the server
// installed here answers differently from the one the capture came from.
func checkCapture(t *testing.T, kind ftpservertest.Software) {
	data, err := os.ReadFile(captureFile(kind))
	if err != nil {
		t.Fatalf("no committed capture for %s (run go test ./knowledge/ -run TestCapture -capture): %v", kind, err)
	}
	known := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "< "); ok {
			known[normalise(rest)] = true
		}
	}
	if len(known) == 0 {
		t.Fatalf("%s has no reply lines", captureFile(kind))
	}

	srv := ftpservertest.Start(t, kind, mainOptions)
	tr := &transcript{}
	scenarioGreeting(t, tr, srv)
	scenarioBadPassword(t, tr, srv)
	scenarioUnknownCommand(t, tr, srv)

	var replies int
	for _, line := range strings.Split(tr.String(), "\n") {
		rest, ok := strings.CutPrefix(line, "< ")
		if !ok {
			continue
		}
		replies++
		if !known[normalise(rest)] {
			t.Errorf("%s replied %q, which is not in %s (normalised: %q)", kind, rest, captureFile(kind), normalise(rest))
		}
	}
	// The replay must have reached the end of each scenario: greeting, 530, 500-ish, 221 at least.
	for _, want := range []string{"< 220", "< 530", "< 221"} {
		if !strings.Contains(tr.String(), want) {
			t.Errorf("replay against %s has no %q reply:\n%s", kind, want, tr.String())
		}
	}
	if replies < 8 {
		t.Errorf("replay against %s got only %d reply lines:\n%s", kind, replies, tr.String())
	}
}

// TestNormalise pins down what the replay check treats as variable.
func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"220-Local time is now 21:08. Server port: 21023.", "220-Local time is now HH:MM. Server port: PORT."},
		{"220-You are user number 3 of 50 allowed.", "220-You are user number N of 50 allowed."},
		{"227 Entering Passive Mode (127,0,0,1,117,57).", "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)."},
		{"229 Entering Extended Passive Mode (|||30008|)", "229 Entering Extended Passive Mode (|||PORT|)"},
		{"530 Login incorrect.", "530 Login incorrect."},
		{"500 Unknown command.", "500 Unknown command."},
	}
	for _, tt := range tests {
		if got := normalise(tt.in); got != tt.want {
			t.Errorf("normalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
