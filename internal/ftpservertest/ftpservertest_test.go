package ftpservertest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/testenv"
)

// client is a bare control connection for these tests.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, s *Server) (*client, []string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
	return c, c.reply()
}

func (c *client) reply() []string {
	c.t.Helper()
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	lines, err := ReadReply(c.r)
	if err != nil {
		c.t.Fatalf("reading reply: %v (got %q)", err, lines)
	}
	return lines
}

// cmd sends one command and returns the reply's last line, which holds the final code.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c.conn, "%s\r\n", line); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
	lines := c.reply()
	return lines[len(lines)-1]
}

func (c *client) expect(line, code string) string {
	c.t.Helper()
	got := c.cmd(line)
	if !strings.HasPrefix(got, code+" ") {
		c.t.Errorf("%s: got %q, want code %s", line, got, code)
	}
	return got
}

// login logs in anonymously. Pure-FTPd answers USER anonymous with 230 at once and the PASS with
// another 230; the others ask for a password with 331.
func (c *client) loginAnonymous() {
	c.t.Helper()
	got := c.cmd("USER anonymous")
	if !strings.HasPrefix(got, "331 ") && !strings.HasPrefix(got, "230 ") {
		c.t.Fatalf("USER anonymous: %q", got)
	}
	c.expect("PASS guest@example.com", "230")
}

// TestStartGreetLoginStop: every kind starts, greets with 220, lets an anonymous user in, and its
// process is gone once the test that started it has finished.
func TestStartGreetLoginStop(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			var pid int
			t.Run("session", func(t *testing.T) {
				s := Start(t, kind, Options{Anonymous: true})
				pid = s.PID()
				if s.Addr != fmt.Sprintf("127.0.0.1:%d", s.Port) || s.Host != "127.0.0.1" || s.Software != kind {
					t.Errorf("Addr %q Host %q Port %d Software %q", s.Addr, s.Host, s.Port, s.Software)
				}
				c, greeting := dial(t, s)
				if last := greeting[len(greeting)-1]; !strings.HasPrefix(last, "220 ") {
					t.Fatalf("greeting %q", greeting)
				}
				c.loginAnonymous()
				c.expect("PWD", "257")
				c.expect("TYPE I", "200") // ProFTPD refuses SIZE in ASCII mode
				c.expect("SIZE hello.txt", "213")
				c.expect("CWD pub", "250")
				c.expect("QUIT", "221")
				if !strings.Contains(s.Log(), "==>") {
					t.Errorf("Log() is empty")
				}
			})
			if pid == 0 {
				return // skipped
			}
			deadline := time.Now().Add(5 * time.Second)
			for !Gone(pid) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if !Gone(pid) {
				t.Errorf("%s (pid %d) still runs after its test's cleanup", kind, pid)
			}
		})
	}
}

// TestPasvAddress: the advertised passive address is the one asked for, in PASV's 227 reply.
func TestPasvAddress(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{Anonymous: true, PasvAddress: "127.0.0.2", PasvPorts: [2]int{40000, 40100}})
			c, _ := dial(t, s)
			c.loginAnonymous()
			got := c.expect("PASV", "227")
			if !strings.Contains(got, "(127,0,0,2,") {
				t.Errorf("PASV reply %q does not advertise 127.0.0.2", got)
			}
			var h1, h2, h3, h4, p1, p2 int
			i := strings.Index(got, "(")
			if i < 0 {
				t.Fatalf("no address in %q", got)
			}
			if _, err := fmt.Sscanf(got[i:], "(%d,%d,%d,%d,%d,%d)", &h1, &h2, &h3, &h4, &p1, &p2); err != nil {
				t.Fatalf("parsing %q: %v", got, err)
			}
			if port := p1*256 + p2; port < 40000 || port > 40100 {
				t.Errorf("passive port %d outside 40000-40100", port)
			}
		})
	}
}

// TestExplicitTLS: AUTH TLS gives 234, the handshake verifies against CertPEM, and the session
// goes on encrypted.
func TestExplicitTLS(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{Anonymous: true, TLS: true})
			if len(s.CertPEM) == 0 {
				t.Fatal("CertPEM empty with TLS on")
			}
			c, _ := dial(t, s)
			c.expect("AUTH TLS", "234")
			tc := tls.Client(c.conn, s.TLSConfig())
			tc.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.Handshake(); err != nil {
				t.Fatalf("TLS handshake: %v", err)
			}
			c.conn, c.r = tc, bufio.NewReader(tc)
			c.expect("PBSZ 0", "200")
			c.expect("PROT P", "200")
			c.loginAnonymous()
			c.expect("PWD", "257")
		})
	}
}

// TestImplicitTLS: where supported, the listener speaks TLS from the first byte.
func TestImplicitTLS(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{Anonymous: true, ImplicitTLS: true})
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.Addr, s.TLSConfig())
			if err != nil {
				t.Fatalf("implicit TLS dial: %v", err)
			}
			defer conn.Close()
			c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
			if g := c.reply(); !strings.HasPrefix(g[len(g)-1], "220 ") {
				t.Errorf("greeting over TLS %q", g)
			}
			c.loginAnonymous()
		})
	}
}

// TestRequireTLS: with RequireTLS a plain-text login is refused, and works after AUTH TLS.
func TestRequireTLS(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{User: "alice", Password: "s3cret-pw", RequireTLS: true})
			c, _ := dial(t, s)
			got := c.cmd("USER alice")
			if strings.HasPrefix(got, "331 ") {
				// Some servers only refuse once the password is in.
				got = c.cmd("PASS s3cret-pw")
			}
			if !strings.HasPrefix(got, "5") && !strings.HasPrefix(got, "4") {
				t.Errorf("plain-text login with RequireTLS: got %q, want a refusal", got)
			}
			c2, _ := dial(t, s)
			c2.expect("AUTH TLS", "234")
			tc := tls.Client(c2.conn, s.TLSConfig())
			tc.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.Handshake(); err != nil {
				t.Fatalf("TLS handshake: %v", err)
			}
			c2.conn, c2.r = tc, bufio.NewReader(tc)
			c2.expect("USER alice", "331")
			c2.expect("PASS s3cret-pw", "230")
		})
	}
}

// TestUserLogin: the configured user logs in, a wrong password is refused with 530, and the user
// may write in Dir.
func TestUserLogin(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{User: "alice", Password: "s3cret-pw"})
			c, _ := dial(t, s)
			c.expect("USER alice", "331")
			c.expect("PASS wrong", "530")
			c2, _ := dial(t, s)
			c2.expect("USER alice", "331")
			c2.expect("PASS s3cret-pw", "230")
			c2.expect("PWD", "257")
			c2.expect("MKD newdir", "257")
			c2.expect("RMD newdir", "250")
		})
	}
}

// TestMaxClients: with MaxClients 1 a second session is refused while the first is open — at
// connect (421) by vsftpd and Pure-FTPd, at login (530) by ProFTPD.
func TestMaxClients(t *testing.T) {
	want := map[Software]string{VSFTPD: "421", PureFTPd: "421", ProFTPD: "530"}
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{Anonymous: true, MaxClients: 1})
			c1, g1 := dial(t, s)
			if !strings.HasPrefix(g1[len(g1)-1], "220 ") {
				t.Fatalf("first session refused: %q", g1)
			}
			c1.loginAnonymous()
			c2, g2 := dial(t, s)
			got := g2[len(g2)-1]
			if strings.HasPrefix(got, "220 ") {
				if r := c2.cmd("USER anonymous"); strings.HasPrefix(r, "331 ") {
					got = c2.cmd("PASS guest@example.com")
				} else {
					got = r
				}
			}
			if !strings.HasPrefix(got, want[kind]+" ") {
				t.Errorf("second session: got %q, want %s", got, want[kind])
			}
		})
	}
}

// fakeTB records a Fatal and stops the goroutine, as testing does.
type fakeTB struct {
	testing.TB
	mu    sync.Mutex
	fatal string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// TestOptionsRefused: the kit never lets a server advertise a non-loopback address, and catches
// contradictory options before starting anything.
func TestOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"private pasv", Options{PasvAddress: "192.168.1.10"}, "only IPv4 loopback"},
		{"public pasv", Options{PasvAddress: "8.8.8.8"}, "only IPv4 loopback"},
		{"ipv6 pasv", Options{PasvAddress: "::1"}, "only IPv4 loopback"},
		{"name pasv", Options{PasvAddress: "localhost"}, "only IPv4 loopback"},
		{"user without password", Options{User: "alice"}, "go together"},
		{"newline in banner", Options{Banner: "hi\r\n230 pwned"}, "not allowed"},
		{"colon in password", Options{User: "alice", Password: "a:b"}, "not allowed"},
		{"odd user name", Options{User: "Al ice", Password: "x"}, "not allowed"},
		{"bad port range", Options{PasvPorts: [2]int{2000, 1999}}, "PasvPorts"},
		{"privileged port range", Options{PasvPorts: [2]int{20, 21}}, "PasvPorts"},
		{"reserved user", Options{User: "anonymous", Password: "x"}, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() { defer close(done); normalise(f, tt.opts) }()
			<-done
			if !strings.Contains(f.fatal, tt.want) {
				t.Errorf("normalise(%+v): fatal %q, want it to mention %q", tt.opts, f.fatal, tt.want)
			}
		})
	}
	t.Run("loopback pasv accepted", func(t *testing.T) {
		o := normalise(t, Options{PasvAddress: "127.0.0.2", AnonUpload: true, RequireTLS: true})
		if !o.Anonymous || !o.TLS {
			t.Errorf("AnonUpload should imply Anonymous and RequireTLS imply TLS: %+v", o)
		}
	})
}

// TestReadReply: multi-line replies run to the line with the same code and a space.
func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"220 hi\r\n", []string{"220 hi"}},
		{"211-Features:\r\n EPSV\r\n211 End\r\n", []string{"211-Features:", " EPSV", "211 End"}},
		{"220-a\r\n220-b\r\n220 c\r\n", []string{"220-a", "220-b", "220 c"}},
		{"214-x\r\n 200 not the end\r\n214 end\r\n", []string{"214-x", " 200 not the end", "214 end"}},
		{"500 bare newline\n", []string{"500 bare newline"}},
	}
	for _, tt := range tests {
		got, err := ReadReply(bufio.NewReader(strings.NewReader(tt.in + "999 next\r\n")))
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ReadReply(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := ReadReply(bufio.NewReader(strings.NewReader("211-cut\r\n"))); err == nil {
		t.Errorf("a cut multi-line reply should be an error")
	}
}

// TestBanner: a custom banner shows in the greeting (Pure-FTPd keeps 220 but swaps its welcome
// text for the banner line).
func TestBanner(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{Anonymous: true, Banner: "ftpbot test banner"})
			_, greeting := dial(t, s)
			if !strings.Contains(strings.Join(greeting, "\n"), "ftpbot test banner") {
				t.Errorf("greeting %q lacks the banner", greeting)
			}
		})
	}
}

// TestAnonUpload: anonymous sessions are read-only by default and may write in pub/ with
// AnonUpload.
func TestAnonUpload(t *testing.T) {
	for _, kind := range AllSoftware() {
		for _, upload := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/upload=%v", kind, upload), func(t *testing.T) {
				t.Parallel()
				s := Start(t, kind, Options{Anonymous: true, AnonUpload: upload})
				c, _ := dial(t, s)
				c.loginAnonymous()
				c.expect("CWD pub", "250")
				want := "550"
				if upload {
					want = "257"
				}
				c.expect("MKD made-by-anonymous", want)
			})
		}
	}
}

// TestIdleTimeout: an idle session is closed with 421 (Pure-FTPd counts minutes, so it is skipped).
func TestIdleTimeout(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s := Start(t, kind, Options{Anonymous: true, IdleTimeout: time.Second})
			c, _ := dial(t, s)
			c.loginAnonymous()
			if got := c.reply(); !strings.HasPrefix(got[len(got)-1], "421") {
				t.Errorf("after idling: %q, want 421", got)
			}
		})
	}
}

// TestVersions: the version helpers read what the capture headers cite.
func TestVersions(t *testing.T) {
	for _, kind := range AllSoftware() {
		t.Run(string(kind), func(t *testing.T) {
			if !Available(kind) {
				testenv.Missing(t, "%s not installed", kind)
			}
			v, err := Version(kind)
			if err != nil || !strings.Contains(strings.ToLower(v), strings.TrimSuffix(string(kind), "d")[:4]) {
				t.Errorf("Version(%s) = %q, %v", kind, v, err)
			}
			if pv := PackageVersion(kind); pv == "" || !strings.ContainsAny(pv, "0123456789") {
				t.Errorf("PackageVersion(%s) = %q", kind, pv)
			}
		})
	}
}
