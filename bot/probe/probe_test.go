package probe

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/ftpservertest"
	"github.com/ftpbot/ftpbot/knowledge"
)

// options are the tests' options: the terminal's --allow-private policy, the only way to reach the
// servers the tests start on 127.0.0.1.
func options(t *testing.T) Options {
	t.Helper()
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatalf("knowledge: %v", err)
	}
	// A refused login takes vsftpd two seconds or more (PAM's failure delay plus its own
	// delay_failed_login), longer on a loaded machine: the wait timeout leaves room for that.
	return Options{Policy: &Policy{AllowPrivate: true}, KB: kb, Timeout: 20 * time.Second, WaitTimeout: 7 * time.Second}
}

// statuses is a report's steps as "name=status[:code]", the shape the tests compare.
func statuses(r *Report) string {
	var parts []string
	for _, s := range r.Results {
		p := s.Name + "=" + string(s.Status)
		if s.Code != 0 {
			p += fmt.Sprintf(":%d", s.Code)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func mustTarget(t *testing.T, addr string) Target {
	t.Helper()
	tg, err := ParseTarget(addr, false)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestRealServers walks healthy and broken real Debian servers on loopback.
func TestRealServers(t *testing.T) {
	tests := []struct {
		name    string
		kind    ftpservertest.Software
		opts    ftpservertest.Options
		trust   bool   // trust the server's self-signed certificate
		want    string // the steps, as statuses() prints them
		verdict string // a substring of the verdict
		explain string // a substring of some step's explanation or fix
	}{
		{"vsftpd anonymous, no TLS", ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true},
			false, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=warning login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=ok:227 epsv=ok:229 list=ok:226 quit=ok:221",
			"Works, with warnings at tls", "unencrypted"},
		{"vsftpd FTPS, trusted certificate", ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true, TLS: true},
			true, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=ok:234 prot=ok:200 login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=ok:227 epsv=ok:229 list=ok:226 quit=ok:221",
			"Healthy", "encrypted data connection"},
		{"vsftpd FTPS, self-signed", ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true, TLS: true},
			false, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=warning:234 prot=ok:200 login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=ok:227 epsv=ok:229 list=ok:226 quit=ok:221",
			"warnings at tls", "self-signed"},
		{"vsftpd login refused", ftpservertest.VSFTPD, ftpservertest.Options{User: "alice", Password: "wonderland"},
			false, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=warning login=failed:530",
			"Failed at login (530)", "Anonymous login was refused"},
		{"vsftpd wrong passive address", ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true, PasvAddress: "127.0.0.2"},
			false, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=warning login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=warning:227 epsv=ok:229 list=ok:226 quit=ok:221",
			"warnings at tls, pasv", "pasv_address"},
		{"proftpd anonymous, TLS offered", ftpservertest.ProFTPD, ftpservertest.Options{Anonymous: true, TLS: true},
			true, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=ok:234 prot=ok:200 login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=ok:227 epsv=ok:229 list=ok:226 quit=ok:221",
			"Healthy", "MLSD"},
		{"pure-ftpd user login, allow_plaintext", ftpservertest.PureFTPd, ftpservertest.Options{User: "alice", Password: "wonderland"},
			false, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=warning:500 login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=ok:227 epsv=ok:229 list=ok:226 quit=ok:221",
			"warnings at tls", "Logged in as the profile's user"},
		// Without allow_plaintext a profile's password waits for TLS, which this server lacks.
		{"pure-ftpd user login, no TLS", ftpservertest.PureFTPd, ftpservertest.Options{User: "alice", Password: "wonderland"},
			false, "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=warning:500 login=failed",
			"Failed at login", "allow_plaintext = true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ftpservertest.Start(t, tt.kind, tt.opts)
			o := options(t)
			if tt.opts.User != "" && !strings.Contains(tt.name, "refused") {
				o.User, o.Password = tt.opts.User, tt.opts.Password
				o.AllowPlaintext = strings.Contains(tt.name, "allow_plaintext")
			}
			if tt.trust {
				o.RootCAs = x509.NewCertPool()
				o.RootCAs.AppendCertsFromPEM(srv.CertPEM)
			}
			var progress []string
			o.Progress = func(s Result) { progress = append(progress, s.Name) }
			rep, err := Run(context.Background(), mustTarget(t, srv.Addr), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(rep); got != tt.want {
				t.Errorf("steps:\n got %s\nwant %s", got, tt.want)
			}
			if !strings.Contains(rep.Verdict, tt.verdict) {
				t.Errorf("verdict = %q, want it to contain %q", rep.Verdict, tt.verdict)
			}
			if !strings.Contains(reportText(rep), tt.explain) {
				t.Errorf("no step explains %q:\n%s", tt.explain, reportText(rep))
			}
			if len(progress) != len(rep.Results) {
				t.Errorf("progress reported %d steps, the report has %d", len(progress), len(rep.Results))
			}
			if strings.Contains(reportText(rep), "wonderland") || strings.Contains(reportText(rep), anonPassword) {
				t.Errorf("the report shows a password:\n%s", reportText(rep))
			}
		})
	}
}

func reportText(r *Report) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

// TestNothingListening: a closed port is refused, explained as 10061.
func TestNothingListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	rep, err := Run(context.Background(), mustTarget(t, addr), options(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(rep), "dns=ok connect=failed:10061"; got != want {
		t.Errorf("steps = %s, want %s", got, want)
	}
	if rep.OK || !strings.Contains(rep.Verdict, "refused") {
		t.Errorf("verdict = %q (ok=%v)", rep.Verdict, rep.OK)
	}
}

// fakeServer accepts connections and runs script on each; for behaviour no real server shows
// on demand (silence, a connection cut mid-session).
func fakeServer(t *testing.T, script func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); script(c) }()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// TestSilentPort: a port that accepts and never greets times out at the greeting, with a hint
// about implicit FTPS.
func TestSilentPort(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) { c.Read(make([]byte, 1)) })
	o := options(t)
	o.WaitTimeout = 300 * time.Millisecond
	rep, err := Run(context.Background(), mustTarget(t, addr), o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(rep), "dns=ok connect=ok greeting=failed"; got != want {
		t.Errorf("steps = %s, want %s", got, want)
	}
	if f, _ := rep.Failure(); !strings.Contains(f.Fix, "--implicit") {
		t.Errorf("fix = %q, want the implicit FTPS hint", f.Fix)
	}
}

// TestClosedMidSession: the server greets, then hangs up on USER.
func TestClosedMidSession(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		fmt.Fprintf(c, "220 test server\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "USER") {
				return // close without a reply
			}
			fmt.Fprintf(c, "502 no\r\n")
		}
	})
	rep, err := Run(context.Background(), mustTarget(t, addr), options(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(rep), "dns=ok connect=ok greeting=ok:220 feat=ok:502 tls=warning login=failed:421"; got != want {
		t.Errorf("steps = %s, want %s", got, want)
	}
	if !strings.Contains(rep.Verdict, "closed the control connection") {
		t.Errorf("verdict = %q", rep.Verdict)
	}
}

// TestHostileServer: a server that floods an endless reply line and garbage is cut off, not
// believed, and never makes the probe hang past its deadline.
func TestHostileServer(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "220-")
		chunk := []byte(strings.Repeat("A", 4096))
		for i := 0; i < 4096; i++ {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	o := options(t)
	o.WaitTimeout, o.Timeout = 500*time.Millisecond, 2*time.Second
	start := time.Now()
	rep, err := Run(context.Background(), mustTarget(t, addr), o)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the check took %v", time.Since(start))
	}
	for _, s := range rep.Results {
		if len(s.Response) > maxResponseText+len("…") {
			t.Errorf("step %s keeps a %d-byte reply", s.Name, len(s.Response))
		}
	}
	if rep.OK {
		t.Errorf("a flooding server passed: %s", statuses(rep))
	}
}

// TestPolicyRefusesLoopback: without --allow-private the probe refuses before dialling.
func TestPolicyRefusesLoopback(t *testing.T) {
	dialled := make(chan bool, 1)
	addr := fakeServer(t, func(c net.Conn) { dialled <- true })
	o := options(t)
	o.Policy = &Policy{}
	_, err := Run(context.Background(), mustTarget(t, addr), o)
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("Run = %v, want a policy refusal", err)
	}
	select {
	case <-dialled:
		t.Error("the refused address was dialled")
	case <-time.After(100 * time.Millisecond):
	}
	o.Policy = &Policy{AllowPrivate: true, Ports: []int{21, 990}}
	if _, err := Run(context.Background(), mustTarget(t, addr), o); !errors.As(err, &pe) {
		t.Errorf("a chat policy allowed port %s: %v", addr, err)
	}
}

// TestReportReply: a failed report becomes a reply with the failing code as related and a guide.
func TestReportReply(t *testing.T) {
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{Target: "ftp.example.com:21", Results: []Result{
		{Name: "connect", Status: OK},
		{Name: "login", Status: Failed, Code: 530, Response: "530 Login incorrect.", Explain: "No. Really.", Fix: "Check the password."},
	}, Verdict: "Failed at login (530): No."}
	r := rep.Reply(kb)
	if r.Severity != "error" || len(r.Related) == 0 || r.Related[0].ID != "530" || r.Guide() != "/codes/530" {
		t.Errorf("reply = %+v", r)
	}
	if !strings.Contains(r.Sections[0].Items[1], "✗ login 530") {
		t.Errorf("step line = %q", r.Sections[0].Items[1])
	}
}

// TestRequireTLS: ftpes:// asks for explicit FTPS, so a server without it fails at tls instead
// of getting the usual warning.
func TestRequireTLS(t *testing.T) {
	srv := ftpservertest.Start(t, ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true})
	rep, err := Run(context.Background(), mustTarget(t, "ftpes://"+srv.Addr), options(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(rep), "dns=ok connect=ok greeting=ok:220 feat=ok:211 tls=failed:530"; got != want {
		t.Errorf("steps:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(reportText(rep), "ftpes://") {
		t.Errorf("the report does not say why TLS was required:\n%s", reportText(rep))
	}
}

// TestIPv6PassiveIsNotNAT: over IPv6 a 227 cannot name the control address, which is not the NAT
// mistake; EPSV is what counts there. The server is a small script on ::1 with a real data port.
func TestIPv6PassiveIsNotNAT(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer l.Close()
	data, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	dport := data.Addr().(*net.TCPAddr).Port
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		fmt.Fprint(c, "220 script ready\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch strings.ToUpper(cmd) {
			case "FEAT":
				fmt.Fprint(c, "211-Features:\r\n EPSV\r\n211 End\r\n")
			case "USER":
				fmt.Fprint(c, "331 Password please\r\n")
			case "PASS":
				fmt.Fprint(c, "230 Logged in\r\n")
			case "SYST":
				fmt.Fprint(c, "215 UNIX Type: L8\r\n")
			case "PWD":
				fmt.Fprint(c, "257 \"/\"\r\n")
			case "TYPE":
				fmt.Fprint(c, "200 Binary\r\n")
			case "PASV":
				fmt.Fprint(c, "227 Entering Passive Mode (127,0,0,1,4,1).\r\n")
			case "EPSV":
				fmt.Fprintf(c, "229 Entering Extended Passive Mode (|||%d|)\r\n", dport)
			case "MLSD", "LIST":
				fmt.Fprint(c, "150 Here it comes\r\n")
				if dc, err := data.Accept(); err == nil {
					fmt.Fprint(dc, "type=file;size=1; a.txt\r\n")
					dc.Close()
				}
				fmt.Fprint(c, "226 Done\r\n")
			case "QUIT":
				fmt.Fprint(c, "221 Bye\r\n")
				return
			default:
				fmt.Fprint(c, "502 Not here\r\n")
			}
		}
	}()
	rep, err := Run(context.Background(), mustTarget(t, l.Addr().String()), options(t))
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(rep)
	if !strings.Contains(got, "pasv=ok:227") || !strings.Contains(got, "epsv=ok:229") || !strings.Contains(got, "list=ok:226") {
		t.Errorf("steps = %s, want pasv ok (not a NAT warning), epsv and list ok", got)
	}
}

// TestImplicitFTPS: a real vsftpd speaking TLS from the first byte, checked with --implicit.
func TestImplicitFTPS(t *testing.T) {
	srv := ftpservertest.Start(t, ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true, ImplicitTLS: true})
	o := options(t)
	o.RootCAs = x509.NewCertPool()
	o.RootCAs.AppendCertsFromPEM(srv.CertPEM)
	tg, err := ParseTarget(srv.Addr, true)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), tg, o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(rep), "dns=ok connect=ok tls=ok greeting=ok:220 feat=ok:211 prot=ok:200 login=ok:230 syst=ok:215 pwd=ok:257 type=ok:200 pasv=ok:227 epsv=ok:229 list=ok:226 quit=ok:221"; got != want {
		t.Errorf("steps:\n got %s\nwant %s", got, want)
	}
}
