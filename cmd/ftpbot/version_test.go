package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// stamp sets the link-time version and revision for one test, as -ldflags -X would.
func stamp(t *testing.T, v, rev string) {
	t.Helper()
	oldV, oldRev := version, revision
	version, revision = v, rev
	t.Cleanup(func() { version, revision = oldV, oldRev })
}

func TestVersionCommand(t *testing.T) {
	stamp(t, "v1.4.0", "0123456789abcdef0123456789abcdef01234567")
	out, stderr, code := runCLI(t, "", "version")
	if code != 0 {
		t.Fatalf("ftpbot version: exit %d, %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "ftpbot v1.4.0" {
		t.Errorf("first line %q, want %q (scripts read it)", lines[0], "ftpbot v1.4.0")
	}
	for _, want := range []string{"revision  0123456789abcdef0123456789abcdef01234567", "go        go1."} {
		if !strings.Contains(out, want) {
			t.Errorf("ftpbot version lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := runCLI(t, "", "version", "extra"); code != exitUsage {
		t.Errorf("ftpbot version extra: exit %d, want %d", code, exitUsage)
	}
}

// The running build is in /readyz and in the ftpbot_build_info metric.
func TestServeShowsBuild(t *testing.T) {
	stamp(t, "v1.4.0", "abc123")
	base, _, _ := startServe(t, nil, "")
	if st, body := get(t, base+"/readyz"); st != 200 || !strings.Contains(body, `"version":{"version":"v1.4.0","module":`) || !strings.Contains(body, `"revision":"abc123"`) {
		t.Errorf("/readyz = %d %s, want the version object with v1.4.0 and abc123", st, body)
	}
	_, metrics := get(t, base+"/metrics")
	want := `ftpbot_build_info{goversion="go1.`
	i := strings.Index(metrics, want)
	if i < 0 {
		t.Fatalf("/metrics lacks %s…", want)
	}
	line, _, _ := strings.Cut(metrics[i:], "\n")
	if !strings.Contains(line, `revision="abc123",version="v1.4.0"} 1`) {
		t.Errorf("build info metric %q, want revision abc123, version v1.4.0, value 1", line)
	}
}

func TestLoopbackFor(t *testing.T) {
	tests := []struct{ listen, want, err string }{
		{"0.0.0.0:8080", "127.0.0.1:8080", ""},
		{":8080", "127.0.0.1:8080", ""},
		{"[::]:8080", "[::1]:8080", ""},
		{"127.0.0.1:9000", "127.0.0.1:9000", ""},
		{"10.0.0.5:8080", "10.0.0.5:8080", ""}, // a specific address is asked where it listens
		{"127.0.0.1:0", "", "port 0"},
		{"nonsense", "", "not host:port"},
	}
	for _, tt := range tests {
		got, err := loopbackFor(tt.listen)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("loopbackFor(%q) = %q, %v; want %q, error with %q", tt.listen, got, err, tt.want, tt.err)
		}
	}
}

// healthcheck exits 0 for a healthy server and 1 (Docker's "unhealthy"; 2 is reserved) for
// everything else: nothing listening, an error status, a bad flag.
func TestHealthcheck(t *testing.T) {
	base, _, _ := startServe(t, nil, "")
	addr := strings.TrimPrefix(base, "http://")

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"flag", nil, []string{"--listen", addr}, 0, "200 OK"},
		{"environment, as the image sets it", map[string]string{listenEnv: addr}, nil, 0, "200 OK"},
		{"flag wins over the environment", map[string]string{listenEnv: closedAddr}, []string{"--listen", addr}, 0, "200 OK"},
		{"nothing listening", nil, []string{"--listen", closedAddr}, exitUnhealthy, "connection refused"},
		{"an error status", nil, []string{"--listen", strings.TrimPrefix(failing.URL, "http://")}, exitUnhealthy, "503"},
		{"a bad flag", nil, []string{"--nope"}, exitUnhealthy, "flag provided but not defined"},
		{"an argument", nil, []string{"--listen", addr, "extra"}, exitUnhealthy, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLIEnv(t, tt.env, append([]string{"healthcheck", "--timeout", "3s"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+stderr, tt.want) {
				t.Errorf("ftpbot healthcheck %v: exit %d, %q; want exit %d with %q", tt.args, code, out+stderr, tt.code, tt.want)
			}
		})
	}
}

// FTPBOT_LISTEN overrides [server] listen (the image sets it); serve's --listen overrides both.
func TestListenEnvironment(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("[server]\nlisten = \"127.0.0.1:9001\"\n"), envOf(map[string]string{listenEnv: "0.0.0.0:8080"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "0.0.0.0:8080" {
		t.Errorf("listen = %q, want the environment's 0.0.0.0:8080", cfg.Server.Listen)
	}
	_, err = ParseConfig(strings.NewReader(""), envOf(map[string]string{listenEnv: "nope"}))
	if err == nil || !strings.Contains(err.Error(), "server.listen") {
		t.Errorf("a bad %s: %v, want a server.listen problem", listenEnv, err)
	}
}
