package ftpservertest

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// account is the part of a passwd entry the kit uses.
type account struct {
	name     string
	uid, gid int
	home     string
}

// lookupUser reads name's entry from the host's /etc/passwd.
func lookupUser(name string) (account, bool) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return account{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 7 || f[0] != name {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return account{}, false
		}
		return account{name: name, uid: uid, gid: gid, home: f[5]}, true
	}
	return account{}, false
}

// hostFTPUser is the host's ftp user (created by Debian's vsftpd package) if its home exists.
func hostFTPUser() (account, bool) {
	u, ok := lookupUser("ftp")
	if !ok || u.uid == 0 {
		return account{}, false
	}
	if fi, err := os.Stat(u.home); err != nil || !fi.IsDir() {
		return account{}, false
	}
	return u, true
}

// ftpUser is the identity anonymous sessions (and the test login) run as: the host's ftp user's
// uid and gid when it exists, else nobody/nogroup (65534).
func ftpUser() account {
	if u, ok := lookupUser("ftp"); ok && u.uid != 0 {
		return u
	}
	return account{name: "ftp", uid: 65534, gid: 65534}
}

// namespaces reports whether the kit can run a server in a private mount namespace with a file
// bind-mounted over a system file (util-linux unshare and mount, as root).
var namespaces = sync.OnceValue(func() bool {
	if os.Geteuid() != 0 {
		return false
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return false
	}
	dir, err := os.MkdirTemp("", "ftpservertest-ns")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("bound\n"), 0o644)
	os.WriteFile(b, []byte("plain\n"), 0o644)
	out, err := exec.Command(unshare, "--mount", "--propagation", "private", "/bin/sh", "-c",
		`mount --bind "$0" "$1" && cat "$1"`, a, b).Output()
	return err == nil && string(out) == "bound\n"
})

// namespaceCommand writes a start script that bind-mounts each file or directory of binds (source →
// target) inside a private mount namespace and then execs argv, and returns the command that runs
// it. With exec the server keeps the PID the kit started.
func (s *Server) namespaceCommand(binds [][2]string, argv []string) ([]string, error) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# Written by ftpservertest: private mounts for this server only, then the server itself.\nset -e\n")
	for _, bind := range binds {
		fmt.Fprintf(&b, "mount --bind %s %s\n", shellQuote(bind[0]), shellQuote(bind[1]))
	}
	b.WriteString("exec")
	for _, a := range argv {
		b.WriteString(" " + shellQuote(a))
	}
	b.WriteString("\n")
	script := filepath.Join(s.tmp, "start.sh")
	if err := os.WriteFile(script, []byte(b.String()), 0o755); err != nil {
		return nil, err
	}
	return []string{unshare, "--mount", "--propagation", "private", "/bin/sh", script}, nil
}

// passwdWithFTPHome writes a copy of the host's /etc/passwd in which the ftp user's home is the
// served directory, plus extra entries, and returns its path.
func (s *Server) passwdWithFTPHome(extra ...string) (string, error) {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return "", err
	}
	u := ftpUser()
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		name, _, _ := strings.Cut(line, ":")
		if name == "ftp" || (s.Options.User != "" && name == s.Options.User) {
			continue
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "ftp:x:%d:%d:ftpservertest anonymous:%s:/usr/sbin/nologin\n", u.uid, u.gid, s.Dir)
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	p := filepath.Join(s.tmp, "passwd")
	return p, os.WriteFile(p, []byte(b.String()), 0o644)
}

// cryptPassword returns a SHA-512 crypt(3) hash of pw, which glibc's crypt (used by pam_unix,
// ProFTPD and Pure-FTPd) verifies.
func cryptPassword(pw string) (string, error) {
	cmd := exec.Command("openssl", "passwd", "-6", "-stdin")
	cmd.Stdin = strings.NewReader(pw + "\n")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("openssl passwd: %v", err)
	}
	h := strings.TrimSpace(string(out))
	if !strings.HasPrefix(h, "$6$") {
		return "", fmt.Errorf("openssl passwd: unexpected output %q", h)
	}
	return h, nil
}

// pureBin finds a Pure-FTPd helper (pure-pw) next to the server.
func pureBin(name string) string {
	for _, dir := range []string{filepath.Join(ServersRoot(), "usr/bin"), "/usr/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// moduleDir is where ProFTPD's loadable modules are, next to the binary in use.
func moduleDir() string {
	bin := Binary(ProFTPD)
	if bin == "" {
		return "/usr/lib/proftpd"
	}
	return filepath.Join(filepath.Dir(filepath.Dir(bin)), "lib", "proftpd")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// The certificate is made once per test process (RSA key generation is the slow part) and written
// into each TLS server's temp dir.
var testCert = sync.OnceValues(func() (pemPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return pemPair{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return pemPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "127.0.0.1", Organization: []string{"ftpbot ftpservertest"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour), // long enough that a probe does not warn of expiry
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return pemPair{}, err
	}
	return pemPair{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	}, nil
})

type pemPair struct{ cert, key []byte }

// writeCert writes cert.pem, key.pem and the combined server.pem (cert then key, as Pure-FTPd
// wants) into the temp dir and returns the certificate.
func (s *Server) writeCert() []byte {
	s.t.Helper()
	pair, err := testCert()
	certPEM, keyPEM := pair.cert, pair.key
	if err != nil {
		s.t.Fatalf("ftpservertest: certificate: %v", err)
	}
	for name, data := range map[string][]byte{
		"cert.pem":   certPEM,
		"key.pem":    keyPEM,
		"server.pem": append(append([]byte{}, certPEM...), keyPEM...),
	} {
		if err := os.WriteFile(filepath.Join(s.tmp, name), data, 0o600); err != nil {
			s.t.Fatalf("ftpservertest: %v", err)
		}
	}
	return certPEM
}
