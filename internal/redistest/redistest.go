// Package redistest starts a real redis-server for tests: on a free loopback port, without
// persistence (--save "" --appendonly no), in the test's temporary directory, stopped by its PID
// when the test ends. Tests of what happens when Redis goes away call Stop and Restart.
//
//	r := redistest.Start(t)
//	st, _ := state.Open(state.Config{Backend: "redis", RedisURL: r.URL()}, nil, nil)
//	r.Stop()    // Redis is gone
//	r.Restart() // back on the same port, empty
//
// When redis-server is not installed the test is skipped, or fails when testenv.RequireEnv is
// set (as in CI, where .ci/install-deps installs it).
package redistest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/testenv"
)

// Server is one running redis-server.
type Server struct {
	Addr     string // 127.0.0.1:port
	Password string // required by the server when not empty (see StartWithPassword)

	t      testing.TB
	bin    string
	dir    string
	proc   *os.Process   // nil while stopped
	exited chan struct{} // closed when proc has exited and been waited for
	log    bytes.Buffer
}

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	for _, p := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	return ""
}

// Start starts redis-server and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWithPassword(t, "")
}

// StartWithPassword starts redis-server requiring password (requirepass), for tests that check
// a password never reaches a log.
func StartWithPassword(t testing.TB, password string) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		testenv.Missing(t, "redistest: redis-server is not installed (.ci/install-deps installs it)")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), Password: password}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		s.Addr = freeAddr(t)
		if err = s.launch(); err == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("redistest: redis-server did not start: %v\n%s", err, s.log.String())
	return nil
}

// URL is the server's redis:// URL, database 0, with the password if there is one.
func (s *Server) URL() string {
	if s.Password != "" {
		return "redis://:" + url.QueryEscape(s.Password) + "@" + s.Addr + "/0"
	}
	return "redis://" + s.Addr + "/0"
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it. Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	if s.proc == nil {
		return
	}
	s.proc.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.proc.Kill()
		<-s.exited
	}
	s.proc = nil
}

// Kill stops the server abruptly (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.proc == nil {
		return
	}
	s.proc.Kill()
	<-s.exited
	s.proc = nil
}

// Restart starts the server again on the same port (empty: nothing was saved).
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for attempt := 0; attempt < 50; attempt++ { // the port may linger for a moment
		if err = s.launch(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redistest: redis-server did not restart on %s: %v\n%s", s.Addr, err, s.log.String())
}

func (s *Server) launch() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	s.log.Reset()
	cmd := exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--daemonize", "no", "--protected-mode", "yes",
		"--logfile", "", "--pidfile", filepath.Join(s.dir, "redis.pid"))
	if s.Password != "" {
		cmd.Args = append(cmd.Args, "--requirepass", s.Password)
	}
	cmd.Dir = s.dir
	cmd.Stdout = &s.log
	cmd.Stderr = &s.log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited at start")
		default:
		}
		if err := ping(s.Addr); err == nil || strings.Contains(err.Error(), "NOAUTH") {
			s.proc, s.exited = cmd.Process, exited
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis-server did not answer PING within 10 s")
}

// ping sends PING over a raw connection and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
