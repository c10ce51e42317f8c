package bot_test

// The real-log corpus in testdata/corpus/ is recorded here: real FTP clients — curl -v, lftp -d,
// wget -d, Python's ftplib at debug level 2, and github.com/jlaffaye/ftp with its debug output —
// run against the real vsftpd, ProFTPD and Pure-FTPd that knowledge/ftpservertest starts on
// 127.0.0.1, in the failures users meet. Each client's verbose output is written verbatim to
// testdata/corpus/<scenario>/<client>-<server>.log, and MANIFEST.tsv names the diagnosis each
// log must get first:
//
//	go test ./bot/ -run TestCorpusRecord -corpus -timeout 60m
//
// (add -corpus.only='^ssh-port$' to re-record some scenarios and keep the rest).
//
// Without -corpus, TestCorpus reads every recorded log and checks that the bot's first match is
// the diagnosis the manifest names. Everything stays on loopback: the servers listen on
// 127.0.0.1, the "unreachable" passive address is 127.0.0.2, and the active-mode scenario makes
// the client announce 127.0.0.2 in PORT.

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/ftpservertest"
	"github.com/ftpbot/ftpbot/internal/testenv"
	"github.com/jlaffaye/ftp"
)

var (
	recordCorpus = flag.Bool("corpus", false, "run real FTP clients against the real servers on loopback and rewrite testdata/corpus")
	corpusOnly   = flag.String("corpus.only", "", "with -corpus: re-record only the scenarios whose names match this regular expression, keeping the others")
)

const corpusDir = "testdata/corpus"

// The test login the scenarios use, and a wrong password.
const (
	corpusUser = "alice"
	corpusPass = "s3cret-pw"
)

// action is what a client is asked to do, in words every client can be told.
type action struct {
	user, pass string // "" user: anonymous
	op         string // "list", "get", "put", "cd"
	path       string // the file or directory of get, put and cd
	tls        string // "": plain FTP; "explicit": AUTH TLS required; "implicit": TLS from the first byte
	verify     bool   // verify the server's certificate (the kit's is self-signed)
	portAddr   string // active mode announcing this address in PORT; "" is passive mode
	trustPasv  bool   // connect to the address in the 227 reply (clients that ignore it by default)
}

// target is where a client connects.
type target struct {
	host string
	port int
}

// scenario is one failure, run against some servers with some clients.
type scenario struct {
	name    string
	want    string // the labels any of which must be first: a code ("530") or a topic slug ("tls-*" is a prefix)
	opts    ftpservertest.Options
	servers []ftpservertest.Software // nil: every kind; empty with listen set: no FTP server
	listen  func(t *testing.T) target
	act     action
	clients []string // nil: every client that can do act
}

var allClients = []string{"curl", "lftp", "wget", "ftplib", "goftp"}

// noGreetingClients are the clients whose logs show that the TCP connection opened before the
// greeting failed to come. lftp -d notes only "Connecting to", so its log of a port that never
// greets cannot be told from a firewall dropping the connection; it is left out there.
var noGreetingClients = []string{"curl", "wget", "ftplib", "goftp"}

func corpusScenarios() []scenario {
	login := action{user: corpusUser, pass: corpusPass, op: "list"}
	withUser := ftpservertest.Options{User: corpusUser, Password: corpusPass}
	anon := ftpservertest.Options{Anonymous: true}
	tlsUser := withUser
	tlsUser.TLS = true
	with := func(a action, f func(*action)) action { f(&a); return a }
	opt := func(o ftpservertest.Options, f func(*ftpservertest.Options)) ftpservertest.Options { f(&o); return o }
	return []scenario{
		{name: "wrong-password", want: "530|login-failures", opts: withUser,
			act: with(login, func(a *action) { a.pass = "wrong-pw" })},
		{name: "unknown-user", want: "530|login-failures", opts: withUser,
			act: with(login, func(a *action) { a.user, a.pass = "nosuchuser", "whatever1" })},
		{name: "anonymous-off", want: "530|login-failures", opts: withUser,
			act: action{op: "list"}},
		{name: "tls-required", want: "530|534|550|login-failures|explicit-implicit-ftps|tls-*",
			opts: opt(withUser, func(o *ftpservertest.Options) { o.RequireTLS = true }), act: login},
		{name: "tls-absent", want: "explicit-implicit-ftps|tls-*", opts: withUser,
			act: with(login, func(a *action) { a.tls = "explicit" })},
		{name: "explicit-client-implicit-port", want: "explicit-implicit-ftps|tls-*",
			opts:    opt(withUser, func(o *ftpservertest.Options) { o.ImplicitTLS = true }),
			servers: []ftpservertest.Software{ftpservertest.VSFTPD, ftpservertest.ProFTPD},
			act:     with(login, func(a *action) { a.tls = "explicit" }), clients: noGreetingClients},
		{name: "plain-client-implicit-port", want: "explicit-implicit-ftps|tls-*",
			opts:    opt(withUser, func(o *ftpservertest.Options) { o.ImplicitTLS = true }),
			servers: []ftpservertest.Software{ftpservertest.VSFTPD, ftpservertest.ProFTPD},
			act:     login, clients: noGreetingClients},
		{name: "implicit-client-explicit-port", want: "explicit-implicit-ftps|tls-*", opts: tlsUser,
			act: with(login, func(a *action) { a.tls = "implicit" })},
		{name: "self-signed-certificate", want: "explicit-implicit-ftps|tls-*", opts: tlsUser,
			act: with(login, func(a *action) { a.tls, a.verify = "explicit", true })},
		{name: "tls-session-reuse-required", want: "tls-session-reuse",
			opts:    opt(withUser, func(o *ftpservertest.Options) { o.RequireTLSReuse = true }),
			servers: []ftpservertest.Software{ftpservertest.VSFTPD, ftpservertest.ProFTPD},
			act:     with(login, func(a *action) { a.tls = "explicit" })},
		{name: "passive-address-unreachable", want: "pasv-epsv-nat",
			opts: opt(withUser, func(o *ftpservertest.Options) { o.PasvAddress = "127.0.0.2" }),
			act:  with(login, func(a *action) { a.trustPasv = true })},
		{name: "active-mode-refused", want: "active-vs-passive|500",
			opts: withUser, act: with(login, func(a *action) { a.portAddr = "127.0.0.2" })},
		{name: "missing-file", want: "550", opts: withUser,
			act: with(login, func(a *action) { a.op, a.path = "get", "no-such-file.txt" })},
		{name: "upload-denied", want: "550|553|permissions-chroot", opts: anon,
			act: action{op: "put", path: "upload.txt"}},
		{name: "upload-missing-directory", want: "553|550|permissions-chroot", opts: withUser,
			act: with(login, func(a *action) { a.op, a.path = "put", "no-such-dir/upload.txt" })},
		{name: "missing-directory", want: "550", opts: withUser,
			act: with(login, func(a *action) { a.op, a.path = "cd", "no-such-dir" })},
		{name: "writable-chroot", want: "permissions-chroot",
			opts:    opt(withUser, func(o *ftpservertest.Options) { o.StrictChroot = true }),
			servers: []ftpservertest.Software{ftpservertest.VSFTPD}, act: login},
		{name: "too-many-connections", want: "421|530", servers: []ftpservertest.Software{ftpservertest.VSFTPD, ftpservertest.PureFTPd},
			opts: opt(withUser, func(o *ftpservertest.Options) { o.MaxClients = 1 }), act: login},
		{name: "nothing-listening", want: "connection-failures|10061", servers: []ftpservertest.Software{},
			listen: closedPort, act: login},
		{name: "ssh-port", want: "ftp-ftps-sftp", servers: []ftpservertest.Software{}, listen: startSSHD, act: login},
	}
}

// TestCorpusRecord records the corpus; it runs only with -corpus.
func TestCorpusRecord(t *testing.T) {
	if !*recordCorpus {
		t.Skip("records the real-log corpus only with -corpus")
	}
	for _, c := range []string{"curl", "lftp", "wget", "python3"} {
		if _, err := exec.LookPath(c); err != nil {
			testenv.Missing(t, "%s is not installed (.ci/install-deps installs it)", c)
		}
	}
	only := regexp.MustCompile(*corpusOnly)
	var manifest []string
	if *corpusOnly == "" {
		if err := os.RemoveAll(corpusDir); err != nil {
			t.Fatal(err)
		}
	} else {
		for _, row := range readManifest(t) {
			if !only.MatchString(row.scenario) {
				manifest = append(manifest, strings.Join([]string{row.file, row.want, row.scenario, row.client, row.server}, "\t"))
			}
		}
	}
	record := func(t *testing.T, sc scenario, server string, tg target, hold func()) {
		clients := sc.clients
		if clients == nil {
			clients = allClients
		}
		for _, c := range clients {
			if !canDo(c, sc.act) {
				continue
			}
			if hold != nil {
				hold()
			}
			out, failed := runClient(t, c, tg, sc.act)
			if !failed {
				// Some clients get through where others fail (lftp upgrades to TLS on its own when
				// the server offers it): a session that worked is not a failure's log.
				t.Logf("%s against %s: no failure, not recorded", c, server)
				continue
			}
			name := filepath.Join(sc.name, c+"-"+server+".log")
			path := filepath.Join(corpusDir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			manifest = append(manifest, strings.Join([]string{name, sc.want, sc.name, c, server}, "\t"))
			t.Logf("%s: %d bytes", name, len(out))
		}
	}
	for _, sc := range corpusScenarios() {
		if !only.MatchString(sc.name) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(corpusDir, sc.name)); err != nil {
			t.Fatal(err)
		}
		if sc.listen != nil {
			t.Run(sc.name+"/none", func(t *testing.T) { record(t, sc, "none", sc.listen(t), nil) })
		}
		kinds := sc.servers
		if kinds == nil {
			kinds = ftpservertest.AllSoftware()
		}
		for _, k := range kinds {
			// each server runs for its subtest only: Start's cleanup stops it
			t.Run(sc.name+"/"+string(k), func(t *testing.T) {
				srv := ftpservertest.Start(t, k, sc.opts)
				var hold func()
				if sc.opts.MaxClients > 0 {
					hold = func() { holdSession(t, srv.Addr) }
				}
				record(t, sc, string(k), target{srv.Host, srv.Port}, hold)
			})
		}
	}
	sort.Strings(manifest)
	head := "# file\twant (any one first)\tscenario\tclient\tserver — written by TestCorpusRecord (-corpus); do not edit\n"
	if err := os.WriteFile(filepath.Join(corpusDir, "MANIFEST.tsv"), []byte(head+strings.Join(manifest, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// canDo reports whether a client can be told to do a: wget cannot upload or send PORT with another
// address, ftplib has no implicit TLS, jlaffaye/ftp has no active mode.
func canDo(client string, a action) bool {
	switch client {
	case "wget":
		return a.op != "put" && a.portAddr == ""
	case "ftplib":
		return a.tls != "implicit"
	case "goftp":
		return a.portAddr == ""
	}
	return true
}

// clientTimeout bounds one client run; the clients' own time-outs are shorter.
const clientTimeout = 60 * time.Second

// runClient runs one client and returns everything it printed, verbatim, and whether it failed
// (a non-zero exit status, or an error in process).
func runClient(t *testing.T, client string, tg target, a action) ([]byte, bool) {
	t.Helper()
	if client == "goftp" {
		return runGoFTP(tg, a)
	}
	dir := t.TempDir()
	local := filepath.Join(dir, "upload.txt")
	if err := os.WriteFile(local, []byte("a file to upload\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var argv []string
	switch client {
	case "curl":
		argv = curlArgs(tg, a, local)
	case "lftp":
		argv = lftpArgs(tg, a, local)
	case "wget":
		argv = wgetArgs(tg, a)
	case "ftplib":
		script := filepath.Join(dir, "client.py")
		if err := os.WriteFile(script, []byte(ftplibScript), 0o644); err != nil {
			t.Fatal(err)
		}
		argv = []string{"python3", script, tg.host, strconv.Itoa(tg.port), a.user, a.pass, a.op, a.path, a.tls,
			strconv.FormatBool(a.verify), a.portAddr, strconv.FormatBool(a.trustPasv), local}
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("%s: %v", strings.Join(argv, " "), err)
	}
	return out, err != nil
}

func ftpURL(scheme string, tg target, path string) string {
	return fmt.Sprintf("%s://%s:%d/%s", scheme, tg.host, tg.port, path)
}

func curlArgs(tg target, a action, local string) []string {
	argv := []string{"curl", "-v", "-sS", "--connect-timeout", "15", "--max-time", "30", "--disable-epsv", "-o", "/dev/null"}
	if a.user != "" {
		argv = append(argv, "-u", a.user+":"+a.pass)
	}
	scheme := "ftp"
	switch a.tls {
	case "explicit":
		argv = append(argv, "--ssl-reqd")
	case "implicit":
		scheme = "ftps"
	}
	if !a.verify {
		argv = append(argv, "-k")
	}
	if a.trustPasv {
		argv = append(argv, "--no-ftp-skip-pasv-ip")
	}
	if a.portAddr != "" {
		argv = append(argv, "-P", a.portAddr)
	}
	switch a.op {
	case "list":
		argv = append(argv, ftpURL(scheme, tg, ""))
	case "get":
		argv = append(argv, ftpURL(scheme, tg, a.path))
	case "put":
		argv = append(argv, "-T", local, ftpURL(scheme, tg, a.path))
	case "cd":
		argv = append(argv, ftpURL(scheme, tg, a.path+"/"))
	}
	return argv
}

func lftpArgs(tg target, a action, local string) []string {
	sets := []string{"set net:timeout 15", "set net:max-retries 1", "set net:reconnect-interval-base 1",
		"set ftp:prefer-epsv no", "set cmd:fail-exit yes"}
	sets = append(sets, "set ssl:verify-certificate "+map[bool]string{true: "yes", false: "no"}[a.verify])
	scheme := "ftp"
	switch a.tls {
	case "explicit":
		sets = append(sets, "set ftp:ssl-force yes", "set ftp:ssl-protect-data yes")
	case "implicit":
		scheme = "ftps"
	}
	if a.portAddr != "" {
		sets = append(sets, "set ftp:passive-mode off", "set ftp:port-ipv4 "+a.portAddr)
	}
	open := fmt.Sprintf("open %s://%s:%d", scheme, tg.host, tg.port)
	if a.user != "" {
		open = fmt.Sprintf("open -u %s,%s %s://%s:%d", a.user, a.pass, scheme, tg.host, tg.port)
	}
	var op string
	switch a.op {
	case "list":
		op = "ls"
	case "get":
		op = "get " + a.path + " -o /dev/null"
	case "put":
		op = "put " + local + " -o " + a.path
	case "cd":
		op = "cd " + a.path
	}
	return []string{"lftp", "-d", "-c", strings.Join(append(sets, open, op), "; ")}
}

func wgetArgs(tg target, a action) []string {
	argv := []string{"wget", "-d", "--tries=1", "--timeout=15", "-O", "/dev/null", "--no-remove-listing"}
	if a.user != "" {
		argv = append(argv, "--ftp-user="+a.user, "--ftp-password="+a.pass)
	}
	scheme := "ftp"
	switch a.tls {
	case "explicit":
		scheme = "ftps"
	case "implicit":
		scheme = "ftps"
		argv = append(argv, "--ftps-implicit")
	}
	if !a.verify {
		argv = append(argv, "--no-check-certificate")
	}
	path := a.path
	switch a.op {
	case "list":
		path = ""
	case "cd":
		path += "/"
	}
	return append(argv, ftpURL(scheme, tg, path))
}

// ftplibScript is the kind of script people write with ftplib, with debug output on and no
// exception handling, so a failure ends in Python's traceback.
const ftplibScript = `import ftplib, ssl, sys
host, port, user, pw, op, path, mode, verify, portaddr, trust, local = sys.argv[1:]
if mode == "explicit":
    ctx = ssl.create_default_context() if verify == "true" else ssl._create_unverified_context()
    ftp = ftplib.FTP_TLS(context=ctx, timeout=15)
else:
    ftp = ftplib.FTP(timeout=15)
ftp.set_debuglevel(2)
ftp.trust_server_pasv_ipv4_address = trust == "true"
ftp.connect(host, int(port))
if user:
    ftp.login(user, pw)
else:
    ftp.login()
if mode == "explicit":
    ftp.prot_p()
if portaddr:
    ftp.set_pasv(False)
    ftp.sendport(portaddr, 40001)
if op == "list":
    ftp.retrlines("LIST")
elif op == "get":
    with open("/dev/null", "wb") as f:
        ftp.retrbinary("RETR " + path, f.write)
elif op == "put":
    with open(local, "rb") as f:
        ftp.storbinary("STOR " + path, f)
elif op == "cd":
    ftp.cwd(path)
ftp.quit()
`

// runGoFTP runs github.com/jlaffaye/ftp in process, the way a Go program would, with its debug
// output (both directions of the control connection) and the program's log.Fatal-style error.
func runGoFTP(tg target, a action) ([]byte, bool) {
	var out strings.Builder
	lg := log.New(&out, "", log.LstdFlags)
	conf := &tls.Config{InsecureSkipVerify: !a.verify, ServerName: tg.host}
	// A deadline on every connection, as a careful program sets: jlaffaye/ftp's own time-out
	// covers only the dial, and a port that never greets would hang the recording.
	dial := func(network, addr string) (net.Conn, error) {
		c, err := net.DialTimeout(network, addr, 6*time.Second)
		if err != nil {
			return nil, err
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if a.tls == "implicit" {
			return tls.Client(c, conf), nil
		}
		return c, nil
	}
	opts := []ftp.DialOption{ftp.DialWithDialFunc(dial), ftp.DialWithDebugOutput(&out),
		ftp.DialWithDisabledEPSV(true), ftp.DialWithTrustPasvIP(a.trustPasv)}
	if a.tls == "explicit" {
		opts = append(opts, ftp.DialWithExplicitTLS(conf))
	}
	c, err := ftp.Dial(net.JoinHostPort(tg.host, strconv.Itoa(tg.port)), opts...)
	if err != nil {
		lg.Printf("dial: %v", err)
		return []byte(out.String()), true
	}
	defer c.Quit()
	user, pass := a.user, a.pass
	if user == "" {
		user, pass = "anonymous", "anonymous"
	}
	if err := c.Login(user, pass); err != nil {
		lg.Printf("login: %v", err)
		return []byte(out.String()), true
	}
	switch a.op {
	case "list":
		_, err = c.List("")
	case "get":
		var r *ftp.Response
		if r, err = c.Retr(a.path); err == nil {
			_, err = io.Copy(io.Discard, r)
			r.Close()
		}
	case "put":
		err = c.Stor(a.path, strings.NewReader("a file to upload\n"))
	case "cd":
		err = c.ChangeDir(a.path)
	}
	if err != nil {
		lg.Printf("%s: %v", a.op, err)
	}
	return []byte(out.String()), err != nil
}

// holdSession opens one logged-in session and keeps it until the test ends, so the next one is
// over the server's MaxClients.
func holdSession(t *testing.T, addr string) {
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Logf("hold: %v", err)
		return
	}
	if err := c.Login(corpusUser, corpusPass); err != nil {
		t.Logf("hold login: %v", err)
	}
	t.Cleanup(func() { c.Quit() })
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) target {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return target{"127.0.0.1", port}
}

// startSSHD runs OpenSSH's server on a loopback high port with its own configuration and host
// key, as an FTP client pointed at an SFTP server meets it, and stops it by its PID.
func startSSHD(t *testing.T) target {
	bin := "/usr/sbin/sshd"
	if _, err := os.Stat(bin); err != nil || os.Geteuid() != 0 {
		testenv.Missing(t, "the SSH scenario needs /usr/sbin/sshd (openssh-server) and root")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	tg := closedPort(t)
	conf := filepath.Join(dir, "sshd_config")
	cfg := fmt.Sprintf("ListenAddress 127.0.0.1\nPort %d\nHostKey %s\nPidFile none\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\nAllowUsers nobody-at-all\n", tg.port, key)
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-D", "-e", "-f", conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("sshd: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 50; i++ {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(tg.host, strconv.Itoa(tg.port)), time.Second); err == nil {
			c.Close()
			return tg
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("sshd did not listen")
	return tg
}

// corpusEntry is one row of MANIFEST.tsv.
type corpusEntry struct {
	file, want, scenario, client, server string
}

func readManifest(t *testing.T) []corpusEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "MANIFEST.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Fatal("testdata/corpus/MANIFEST.tsv is missing: record the corpus with -corpus")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("MANIFEST.tsv: bad row %q", sc.Text())
		}
		out = append(out, corpusEntry{c[0], c[1], c[2], c[3], c[4]})
	}
	return out
}

// wantFirst reports whether id is one of the labels ("530|login-failures|tls-*").
func wantFirst(labels, id string) bool {
	for _, l := range strings.Split(labels, "|") {
		if l == id || (strings.HasSuffix(l, "*") && strings.HasPrefix(id, strings.TrimSuffix(l, "*"))) {
			return true
		}
	}
	return false
}

// TestCorpus checks that every recorded real log gets its diagnosis first, that its evidence is
// verbatim from the log, and that every scenario was recorded with at least two clients.
func TestCorpus(t *testing.T) {
	e := engine(t)
	rows := readManifest(t)
	clients := map[string]map[string]bool{}
	for _, row := range rows {
		if clients[row.scenario] == nil {
			clients[row.scenario] = map[string]bool{}
		}
		clients[row.scenario][row.client] = true
		t.Run(row.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpusDir, row.file))
			if err != nil {
				t.Fatal(err)
			}
			r := e.Ask(string(data))
			if len(r.Matches) == 0 || !wantFirst(row.want, r.Matches[0].ID) {
				var got []string
				for _, m := range r.Matches {
					got = append(got, m.ID)
				}
				t.Errorf("first match %v, want one of %s\n%s: %s\n%s", got, row.want, r.Title, r.Summary, data)
			}
			if len(r.Evidence) > bot.MaxEvidence {
				t.Errorf("%d evidence lines, want at most %d", len(r.Evidence), bot.MaxEvidence)
			}
			for _, ev := range r.Evidence {
				if !strings.Contains(string(data), ev) {
					t.Errorf("evidence %q is not in the log", ev)
				}
			}
		})
	}
	for _, sc := range corpusScenarios() {
		if n := len(clients[sc.name]); n < 2 {
			t.Errorf("scenario %s was recorded with %d clients, want at least 2", sc.name, n)
		}
	}
}

// TestCorpusFirstSteps: where a scenario's failure is named, the card's FIRST step is the
// action that fixes it, on every recorded log: the setting the named server uses, not a
// generic step or a step for another kind of failure.
func TestCorpusFirstSteps(t *testing.T) {
	tests := []struct {
		scenario string
		want     map[string][]string // server ("" for any) -> words any one of which the first step has
		not      []string            // words the first step must not have
	}{
		{"writable-chroot", map[string][]string{"": {"allow_writeable_chroot", "chmod a-w"}}, nil},
		{"tls-required", map[string][]string{"": {"TLS", "encryption"}}, []string{"certificate"}},
		{"passive-address-unreachable", map[string][]string{
			"vsftpd": {"pasv_address"}, "proftpd": {"MasqueradeAddress"}, "pure-ftpd": {"ForcePassiveIP"}}, nil},
		// The recognised server's login settings or the credentials themselves; never TLS.
		{"wrong-password", map[string][]string{"": {"password", "passwd", "user", "login"}}, []string{"encrypt", "TLS", "connection-limit"}},
		{"missing-file", map[string][]string{"": {"path"}}, []string{"upload", "write"}},
		{"upload-denied", map[string][]string{
			"vsftpd": {"write_enable"}, "proftpd": {"<Limit WRITE>"}, "pure-ftpd": {"anonymous uploads"}}, nil},
	}
	e := engine(t)
	rows := readManifest(t)
	for _, tc := range tests {
		n := 0
		for _, row := range rows {
			if row.scenario != tc.scenario {
				continue
			}
			n++
			data, err := os.ReadFile(filepath.Join(corpusDir, row.file))
			if err != nil {
				t.Fatal(err)
			}
			r := e.Ask(string(data))
			if len(r.FirstSteps) == 0 {
				t.Errorf("%s: no first step", row.file)
				continue
			}
			first := r.FirstSteps[0]
			want, ok := tc.want[row.server]
			if !ok {
				want = tc.want[""]
			}
			if !containsAny(first, want) {
				t.Errorf("%s: first step %q, want one that names %q", row.file, first, want)
			}
			if containsAny(first, tc.not) {
				t.Errorf("%s: first step %q is about another failure (%q)", row.file, first, tc.not)
			}
		}
		if n == 0 {
			t.Errorf("no recorded log for scenario %s", tc.scenario)
		}
	}
}

// containsAny reports whether s holds any of words, ignoring case.
func containsAny(s string, words []string) bool {
	ls := strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(ls, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
