// Package ftpservertest runs the real Debian FTP servers — vsftpd, ProFTPD and Pure-FTPd — on
// loopback for tests, in the spirit of net/http/httptest.
//
//	srv := ftpservertest.Start(t, ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true})
//	conn, err := net.Dial("tcp", srv.Addr)
//
// Start writes a throwaway configuration into t.TempDir(), picks a free high port on 127.0.0.1,
// starts the server binary in the foreground as a child process, waits until it greets, and
// registers a cleanup that stops it by its PID. A test is skipped, with the reason, when the binary
// is missing or the combination of options cannot be set up for that server; .ci/install-deps
// installs all three, so in CI they run.
//
// Where the binaries come from: vsftpd is the installed /usr/sbin/vsftpd; the two others conflict
// with it as Debian packages, so .ci/install-deps unpacks them with dpkg -x under
// $FTPBOT_SERVERS (default /opt/ftpbot-servers). Each kind is looked up there and in /usr/sbin.
//
// The servers need root: they chroot into the served directory and drop privileges to the
// anonymous user. vsftpd and Pure-FTPd only know system users, so the kit runs them in a private
// mount namespace (util-linux unshare) where its own copy of /etc/passwd is bind-mounted: the "ftp"
// user's home is the served directory there, and vsftpd's test user lives only there. Nothing on the
// host is changed. ProFTPD reads users from its own AuthUserFile and needs no namespace.
//
// Only loopback is used: the server listens on 127.0.0.1, and a PasvAddress outside 127.0.0.0/8 is
// refused with t.Fatal.
package ftpservertest

import (
	"bufio"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/testenv"
)

// Software names one FTP server implementation. Its value is the server id used in the knowledge base
// (servers.toml) and in the names of the capture files.
type Software string

// The servers the kit can run.
const (
	VSFTPD   Software = "vsftpd"
	ProFTPD  Software = "proftpd"
	PureFTPd Software = "pure-ftpd"
)

// AllSoftware lists every server implementation, in a fixed order.
func AllSoftware() []Software { return []Software{VSFTPD, ProFTPD, PureFTPd} }

func (k Software) String() string { return string(k) }

// Options choose how the server is configured. The zero value is a server that accepts no logins.
// Per-kind gaps; those marked (skip) make Start skip the test with the reason:
//
//   - Pure-FTPd: ImplicitTLS (skip: Debian builds it for explicit AUTH TLS only); IdleTimeout that
//     is not whole minutes (skip: its -I flag counts minutes); Anonymous without a private mount
//     namespace (skip: anonymous FTP serves the ftp user's home). Banner replaces the multi-line
//     welcome text with your line (a "fortunes" file) but keeps the 220 code. Anonymous users can
//     never delete or rename, even with AnonUpload, and may not overwrite or append.
//   - vsftpd: User without a private mount namespace (skip: the user exists only in the
//     namespace's /etc/passwd and is checked by pam_unix). Anonymous without one falls back to the
//     host's ftp user, if it exists.
//   - ProFTPD: MaxClients is ProFTPD's MaxClients, which refuses at login (530 after PASS) rather
//     than at connect. APPE and upload restarts get 451, as on a stock Debian install
//     (AllowStoreRestart is off by default).
//
// On every kind the anonymous user may not write to Dir itself (vsftpd refuses to serve an
// anonymous root the ftp user can write to), so AnonUpload means uploads into pub/.
type Options struct {
	// Anonymous allows anonymous logins (USER anonymous or ftp, any password), read-only unless
	// AnonUpload is set.
	Anonymous bool
	// AnonUpload lets anonymous users upload, append, create directories and (where the server
	// allows it) delete and rename. It implies Anonymous.
	AnonUpload bool
	// User and Password add a login that works, with Dir as its chrooted home and write access.
	User, Password string
	// PasvAddress is the address advertised in 227 replies. Only 127.0.0.0/8 is accepted.
	PasvAddress string
	// PasvPorts is the passive port range, inclusive; zero lets the server choose.
	PasvPorts [2]int
	// TLS enables explicit FTPS (AUTH TLS) with a fresh self-signed certificate (see CertPEM).
	TLS bool
	// ImplicitTLS makes the listener speak TLS from the first byte. It implies TLS.
	ImplicitTLS bool
	// RequireTLS refuses logins and data transfers that are not protected. It implies TLS.
	RequireTLS bool
	// MaxClients limits simultaneous sessions (0: the server's default).
	MaxClients int
	// Banner replaces the server's greeting text.
	Banner string
	// IdleTimeout ends idle sessions after this long (0: the server's default); whole seconds.
	IdleTimeout time.Duration
	// RequireTLSReuse refuses TLS data connections that do not resume the control connection's
	// TLS session (vsftpd require_ssl_reuse, ProFTPD without NoSessionReuseRequired), as both
	// servers do by default. It implies TLS. Pure-FTPd never requires it (skip).
	RequireTLSReuse bool
	// StrictChroot keeps vsftpd's default of refusing a chroot into a directory the user can
	// write to ("500 OOPS: vsftpd: refusing to run with writable root inside chroot()"), which
	// the kit otherwise turns off. Only vsftpd has this check (skip on the others).
	StrictChroot bool
}

// Server is a running FTP server.
type Server struct {
	Software Software
	Addr     string // "127.0.0.1:port"
	Host     string // "127.0.0.1"
	Port     int
	Dir      string  // the served root: hello.txt and pub/, writable by the test
	CertPEM  []byte  // the server certificate (PEM) when TLS is on
	Options  Options // as applied: AnonUpload implies Anonymous, ImplicitTLS and RequireTLS imply TLS

	t        testing.TB
	tmp      string
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has been waited for
	logFiles []string
	stopOnce sync.Once
}

// HelloText is the content of hello.txt in every server's Dir.
const HelloText = "Hello from ftpservertest.\n"

// ServersRoot is where .ci/install-deps unpacks the servers that cannot be installed normally.
func ServersRoot() string {
	if d := os.Getenv("FTPBOT_SERVERS"); d != "" {
		return d
	}
	return "/opt/ftpbot-servers"
}

// Binary returns the path of the kind's server binary, or "" if it is not installed.
func Binary(kind Software) string {
	name := map[Software]string{VSFTPD: "vsftpd", ProFTPD: "proftpd", PureFTPd: "pure-ftpd"}[kind]
	if name == "" {
		return ""
	}
	for _, dir := range []string{"/usr/sbin", filepath.Join(ServersRoot(), "usr/sbin")} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// Available reports whether the kind's server binary is installed.
func Available(kind Software) bool { return Binary(kind) != "" }

// Version returns the version line the server binary reports, e.g. "vsftpd: version 3.0.3".
func Version(kind Software) (string, error) {
	bin := Binary(kind)
	if bin == "" {
		return "", fmt.Errorf("%s is not installed", kind)
	}
	var out []byte
	var err error
	switch kind {
	case VSFTPD:
		// vsftpd -v writes its version to file descriptor 0, so give it a pipe there.
		r, w, perr := os.Pipe()
		if perr != nil {
			return "", perr
		}
		cmd := exec.Command(bin, "-v")
		cmd.Stdin = w
		err = cmd.Run()
		w.Close()
		out, _ = io.ReadAll(r)
		r.Close()
	case ProFTPD:
		out, err = exec.Command(bin, "-v").CombinedOutput()
	case PureFTPd:
		// --help prints "pure-ftpd v1.0.50 [privsep]" first and exits non-zero.
		out, _ = exec.Command(bin, "--help").CombinedOutput()
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" {
		return "", fmt.Errorf("%s: no version output (%v)", bin, err)
	}
	return strings.TrimSpace(line), nil
}

// Start starts a server of the given kind and stops it when the test ends. It skips the test when
// the server is not installed, the process is not root, or the options cannot be set up for this
// kind (see Options), and fails it when the options are invalid or the server does not greet
// within 10 seconds. Call it from the test's goroutine.
func Start(t testing.TB, kind Software, opts Options) *Server {
	t.Helper()
	if !Available(kind) {
		testenv.Missing(t, "ftpservertest: %s is not installed (looked in /usr/sbin and %s/usr/sbin; .ci/install-deps installs it)", kind, ServersRoot())
	}
	opts = normalise(t, opts)
	if os.Geteuid() != 0 {
		testenv.Missing(t, "ftpservertest: %s needs root (it chroots into the served directory and drops privileges)", kind)
	}
	if reason := unsupported(kind, opts); reason != "" {
		t.Skipf("ftpservertest: %s: %s", kind, reason)
	}

	s := &Server{Software: kind, Host: "127.0.0.1", Options: opts, t: t, tmp: t.TempDir()}
	s.Dir = filepath.Join(s.tmp, "root")
	s.prepareDir()
	if opts.TLS {
		s.CertPEM = s.writeCert()
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s.Port = freePort(t)
		s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
		argv, err := s.configure()
		if err != nil {
			t.Fatalf("ftpservertest: configuring %s: %v", kind, err)
		}
		if lastErr = s.launch(argv); lastErr == nil {
			break
		}
		// A port taken between freePort and the server's bind is worth another try; anything else is not.
		if !strings.Contains(strings.ToLower(s.Log()), "in use") {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("ftpservertest: %s did not start: %v\n%s", kind, lastErr, s.Log())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ftpservertest: %s log (%s):\n%s", kind, s.tmp, s.Log())
		}
		s.Close()
	})
	return s
}

var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,30}$`)

// normalise applies the implications between options and refuses what the kit must never do.
func normalise(t testing.TB, o Options) Options {
	t.Helper()
	if o.AnonUpload {
		o.Anonymous = true
	}
	if o.ImplicitTLS || o.RequireTLS || o.RequireTLSReuse {
		o.TLS = true
	}
	if (o.User == "") != (o.Password == "") {
		t.Fatalf("ftpservertest: User and Password go together (got User %q)", o.User)
	}
	// These end up in passwd-style files and configuration lines.
	if o.User != "" && !userRE.MatchString(o.User) {
		t.Fatalf("ftpservertest: User %q is not allowed: want lower-case letters, digits, _ or -", o.User)
	}
	if strings.ContainsAny(o.Password, "\r\n:") {
		t.Fatalf("ftpservertest: line breaks and colons are not allowed in Password")
	}
	if strings.ContainsAny(o.Banner, "\r\n\"\\") {
		t.Fatalf("ftpservertest: Banner %q: line breaks, double quotes and backslashes are not allowed", o.Banner)
	}
	if o.User == "ftp" || o.User == "anonymous" || o.User == "root" {
		t.Fatalf("ftpservertest: User %q is reserved", o.User)
	}
	if o.PasvAddress != "" {
		ip, err := netip.ParseAddr(o.PasvAddress)
		if err != nil || !ip.Is4() || !netip.MustParsePrefix("127.0.0.0/8").Contains(ip) {
			t.Fatalf("ftpservertest: PasvAddress %q refused: only IPv4 loopback addresses (127.0.0.0/8) may be advertised", o.PasvAddress)
		}
	}
	if lo, hi := o.PasvPorts[0], o.PasvPorts[1]; lo != 0 || hi != 0 {
		if lo < 1024 || hi < lo || hi > 65535 {
			t.Fatalf("ftpservertest: PasvPorts %v: want 1024 <= low <= high <= 65535", o.PasvPorts)
		}
	}
	if o.MaxClients < 0 || o.IdleTimeout < 0 {
		t.Fatalf("ftpservertest: MaxClients and IdleTimeout must not be negative")
	}
	if o.IdleTimeout%time.Second != 0 {
		t.Fatalf("ftpservertest: IdleTimeout %v is not whole seconds", o.IdleTimeout)
	}
	return o
}

// unsupported says why the kind cannot be set up with these options here ("" if it can).
func unsupported(kind Software, o Options) string {
	switch kind {
	case PureFTPd:
		if o.RequireTLSReuse {
			return "Pure-FTPd never requires TLS session reuse on data connections"
		}
		if o.StrictChroot {
			return "the writable-chroot refusal is vsftpd's alone"
		}
		if o.ImplicitTLS {
			return "implicit TLS is not supported (Debian's build only does explicit AUTH TLS)"
		}
		if o.IdleTimeout%time.Minute != 0 {
			return "IdleTimeout must be whole minutes (pure-ftpd -I counts minutes)"
		}
		if o.Anonymous && !namespaces() {
			return "anonymous FTP serves the home of the system user ftp; moving it needs a private mount namespace (unshare --mount), which is not available here"
		}
		if o.User != "" && pureBin("pure-pw") == "" {
			return "pure-pw is missing (it builds the virtual-user database)"
		}
	case VSFTPD:
		if o.User != "" && !namespaces() {
			return "a test login needs a private mount namespace (unshare --mount) for its own /etc/passwd and PAM file, which is not available here"
		}
		if o.Anonymous && !namespaces() {
			if _, ok := hostFTPUser(); !ok {
				return "anonymous FTP needs the system user ftp with an existing home directory, or unshare --mount"
			}
		}
	case ProFTPD:
		if o.StrictChroot {
			return "the writable-chroot refusal is vsftpd's alone"
		}
		if _, err := os.Stat(filepath.Join(moduleDir(), "mod_tls.so")); err != nil && o.TLS {
			return "mod_tls.so not found in " + moduleDir()
		}
	}
	if o.User != "" {
		if _, err := exec.LookPath("openssl"); err != nil {
			return "openssl is missing (it hashes the test password)"
		}
	}
	return ""
}

// prepareDir creates the served root with its fixtures. Dir and hello.txt belong to the test
// login's uid; pub/ belongs to the anonymous user and is writable by both. vsftpd refuses an
// anonymous root the ftp user could write to, so anonymous uploads (AnonUpload) go into pub/ on
// every kind.
func (s *Server) prepareDir() {
	s.t.Helper()
	must := func(err error) {
		if err != nil {
			s.t.Fatalf("ftpservertest: %v", err)
		}
	}
	// The servers check the anonymous root's path as the unprivileged user before they chroot, so
	// the temp dir and its parent (0700 from t.TempDir) must be traversable.
	must(os.Chmod(filepath.Dir(s.tmp), 0o711))
	must(os.Chmod(s.tmp, 0o755))
	pub := filepath.Join(s.Dir, "pub")
	must(os.MkdirAll(pub, 0o755))
	must(os.Chmod(pub, 0o777))
	must(os.WriteFile(filepath.Join(s.Dir, "hello.txt"), []byte(HelloText), 0o644))
	must(os.WriteFile(filepath.Join(pub, "README"), []byte("pub: a directory for tests.\n"), 0o644))
	anon := ftpUser()
	for _, p := range []string{s.Dir, filepath.Join(s.Dir, "hello.txt")} {
		must(os.Chown(p, userUID, userUID))
	}
	for _, p := range []string{pub, filepath.Join(pub, "README")} {
		must(os.Chown(p, anon.uid, anon.gid))
	}
}

// userUID is the uid and gid of the test login (Options.User) on every kind: a number no system
// account uses, different from the anonymous user's so that Dir can be writable for the login and
// not for anonymous sessions.
const userUID = 64010

// launch starts argv and waits for the greeting.
func (s *Server) launch(argv []string) error {
	out, err := os.OpenFile(filepath.Join(s.tmp, "server-output.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	fmt.Fprintf(out, "$ %s\n", strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.tmp
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "TZ=UTC"}
	// Own process group, and killed if this test process dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done

	if err := s.waitReady(10 * time.Second); err != nil {
		s.stop()
		s.cmd, s.done = nil, nil
		return err
	}
	return nil
}

// waitReady dials until the server greets with 220, then ends that session cleanly and waits until
// the server has reaped it, so that a MaxClients test starts with no session counted.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("the server exited during start-up (%v)", s.cmd.ProcessState)
		default:
		}
		lastErr = s.greet(time.Until(deadline))
		if lastErr == nil {
			for time.Now().Before(deadline) {
				if len(children(s.cmd.Process.Pid)) == 0 {
					return nil
				}
				time.Sleep(20 * time.Millisecond)
			}
			return errors.New("the greeting session did not end")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no 220 greeting on %s within %v: %v", s.Addr, timeout, lastErr)
}

func (s *Server) greet(timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(min(timeout, 5*time.Second)))
	if s.Options.ImplicitTLS {
		tc := tls.Client(conn, s.TLSConfig())
		if err := tc.Handshake(); err != nil {
			return err
		}
		conn = tc
	}
	r := bufio.NewReader(conn)
	lines, err := ReadReply(r)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(lines[len(lines)-1], "220 ") {
		return fmt.Errorf("greeting %q", lines)
	}
	fmt.Fprint(conn, "QUIT\r\n")
	ReadReply(r)
	io.Copy(io.Discard, r) // until the server closes
	return nil
}

// ReadReply reads one complete FTP reply — a single line, or a multi-line reply from "ddd-" to
// "ddd " — and returns its lines without the line ends, otherwise exactly as sent.
func ReadReply(r *bufio.Reader) ([]string, error) {
	var lines []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if line != "" {
				lines = append(lines, strings.TrimRight(line, "\r\n"))
			}
			if len(lines) == 0 {
				return nil, err
			}
			return lines, fmt.Errorf("reply cut short: %w", err)
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		lines = append(lines, line)
		first := lines[0]
		if len(first) < 4 || first[3] != '-' {
			return lines, nil // single-line reply
		}
		if len(lines) > 1 && len(line) >= 4 && line[:3] == first[:3] && line[3] == ' ' {
			return lines, nil
		}
	}
}

// TLSConfig returns a client configuration that trusts this server's certificate.
func (s *Server) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM)
	return &tls.Config{RootCAs: pool, ServerName: s.Host, ClientSessionCache: tls.NewLRUClientSessionCache(8)}
}

// PID is the server process's id (0 once stopped).
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Close stops the server: its session processes, then the server, by PID, and waits for it.
// It is safe to call more than once; Start registers it with t.Cleanup.
func (s *Server) Close() {
	s.stopOnce.Do(s.stop)
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	pid := s.cmd.Process.Pid
	select {
	case <-s.done:
		return
	default:
	}
	// Session processes first: once their parent is gone they would be re-parented and harder to find.
	for _, c := range descendants(pid) {
		syscall.Kill(c, syscall.SIGKILL)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Log returns the server's output and log files, for debugging a failed test.
func (s *Server) Log() string {
	var b strings.Builder
	for _, name := range append([]string{filepath.Join(s.tmp, "server-output.log")}, s.logFiles...) {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "==> %s <==\n%s", filepath.Base(name), data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ftpservertest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// children lists the PIDs whose parent is pid.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name is in parentheses and may contain spaces; the fields after it are fixed.
		rest := string(data)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		f := strings.Fields(rest)
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// descendants lists every process below pid, deepest first.
func descendants(pid int) []int {
	var out []int
	for _, c := range children(pid) {
		out = append(out, descendants(c)...)
		out = append(out, c)
	}
	return out
}

// Gone reports whether the process with this PID no longer exists (or is a zombie).
func Gone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	rest := string(data)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	return len(f) > 0 && f[0] == "Z"
}

// PackageVersion returns the Debian package version the kind's binary came from, e.g.
// "3.0.3-13+b2", read from the package's changelog next to the binary (the servers unpacked with
// dpkg -x are unknown to dpkg). It returns "" if there is none.
func PackageVersion(kind Software) string {
	bin := Binary(kind)
	pkg := map[Software]string{VSFTPD: "vsftpd", ProFTPD: "proftpd-core", PureFTPd: "pure-ftpd"}[kind]
	if bin == "" || pkg == "" {
		return ""
	}
	doc := filepath.Join(filepath.Dir(filepath.Dir(bin)), "share", "doc", pkg)
	// A binary-only rebuild (+b1…) is recorded in the architecture's changelog, so read that first.
	names, _ := filepath.Glob(filepath.Join(doc, "changelog.Debian.*.gz"))
	names = append(names, filepath.Join(doc, "changelog.Debian.gz"))
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			continue
		}
		line, _ := bufio.NewReader(zr).ReadString('\n')
		f.Close()
		// "vsftpd (3.0.3-13+b2) sid; urgency=low, binary-only=yes"
		if _, rest, ok := strings.Cut(line, " ("); ok {
			if v, _, ok := strings.Cut(rest, ")"); ok {
				return v
			}
		}
	}
	return ""
}
