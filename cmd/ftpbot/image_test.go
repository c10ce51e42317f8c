package main

import (
	"bufio"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/internal/logtest"
)

// dockerfile is the image's Dockerfile, read into its instructions.
type dockerfile struct {
	args  map[string]string // ARG name → default
	stage []instruction     // the final stage's instructions, FROM first
	all   []instruction
}

type instruction struct {
	cmd  string // upper case: FROM, RUN, ENV, …
	rest string
}

// readDockerfile parses the Dockerfile at the repository root: comments dropped, continuation
// lines joined. No Docker engine runs here, so this test reads the file the engine would.
func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	raw := mustRead(t, "../../Dockerfile")
	var lines []string
	var cur strings.Builder
	for _, line := range strings.Split(raw, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	d := dockerfile{args: map[string]string{}}
	for _, l := range lines {
		if l == "" {
			continue
		}
		cmd, rest, _ := strings.Cut(l, " ")
		in := instruction{cmd: strings.ToUpper(cmd), rest: strings.TrimSpace(rest)}
		d.all = append(d.all, in)
		if in.cmd == "FROM" {
			d.stage = nil
		}
		d.stage = append(d.stage, in)
		if in.cmd == "ARG" {
			for _, a := range strings.Fields(in.rest) {
				name, def, _ := strings.Cut(a, "=")
				d.args[name] = def
			}
		}
	}
	return d
}

// last returns the final stage's last instruction of a kind.
func (d dockerfile) last(t *testing.T, cmd string) string {
	t.Helper()
	for i := len(d.stage) - 1; i >= 0; i-- {
		if d.stage[i].cmd == cmd {
			return d.stage[i].rest
		}
	}
	t.Fatalf("the Dockerfile's final stage has no %s", cmd)
	return ""
}

// execForm decodes a JSON-array (exec form) argument, as ENTRYPOINT, CMD and HEALTHCHECK use.
func execForm(t *testing.T, what, s string) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil || len(out) == 0 {
		t.Fatalf("%s %s is not in exec form (a JSON array): the image has no shell", what, s)
	}
	return out
}

// shellWords splits a command line as sh would for the simple lines a Dockerfile's RUN has:
// words separated by blanks, double quotes grouping, ${NAME} expanded from vars (an unknown name
// fails the test, so a new build argument cannot slip past it).
func shellWords(t *testing.T, line string, vars map[string]string) []string {
	t.Helper()
	expand := regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)
	line = expand.ReplaceAllStringFunc(line, func(m string) string {
		name := strings.Trim(m, "${}")
		v, ok := vars[name]
		if !ok {
			t.Fatalf("the Dockerfile's build line uses $%s, which this test does not know", name)
		}
		return v
	})
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// goBuild returns the environment assignments and the arguments of the Dockerfile's `go build`.
func (d dockerfile) goBuild(t *testing.T, vars map[string]string) (env, args []string) {
	t.Helper()
	for _, in := range d.all {
		if in.cmd != "RUN" || !strings.Contains(in.rest, "go build") {
			continue
		}
		words := shellWords(t, in.rest, vars)
		for len(words) > 0 && strings.Contains(words[0], "=") {
			env, words = append(env, words[0]), words[1:]
		}
		if len(words) < 2 || words[0] != "go" || words[1] != "build" {
			t.Fatalf("the build line %q is not `[VAR=value…] go build …`", in.rest)
		}
		return env, words[2:]
	}
	t.Fatal("the Dockerfile has no RUN … go build")
	return nil, nil
}

// TestDockerfile checks the image's promises that can be read off the file: a pinned Go matching
// go.mod, a static build, distroless or scratch, a numeric non-root user, port 8080 on all
// interfaces, and a HEALTHCHECK that runs ftpbot itself.
func TestDockerfile(t *testing.T) {
	d := readDockerfile(t)
	goMod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(mustRead(t, "../../go.mod"))
	if goMod == nil || d.args["GO_VERSION"] != goMod[1] {
		t.Errorf("ARG GO_VERSION=%s, want go.mod's go %v", d.args["GO_VERSION"], goMod)
	}
	from := d.last(t, "FROM")
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("final image FROM %s, want distroless/static or scratch", from)
	}
	env, args := d.goBuild(t, map[string]string{"VERSION": "v", "REVISION": "r", "REVISION_TIME": "rt", "TARGETOS": "linux", "TARGETARCH": "amd64"})
	if !contains(env, "CGO_ENABLED=0") {
		t.Errorf("the build's environment %v lacks CGO_ENABLED=0: the binary must be static", env)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"-trimpath", "-X main.version=v ", "-X main.revision=r ", "-X main.revisionTime=rt", "./cmd/ftpbot"} {
		if !strings.Contains(joined, want) {
			t.Errorf("go build %s lacks %s", joined, want)
		}
	}
	user := d.last(t, "USER")
	if !regexp.MustCompile(`^[1-9]\d*(:[1-9]\d*)?$`).MatchString(user) {
		t.Errorf("USER %s: want a numeric non-root uid[:gid], so runAsNonRoot can verify it", user)
	}
	if got := d.last(t, "EXPOSE"); got != "8080" {
		t.Errorf("EXPOSE %s, want 8080", got)
	}
	listen := ""
	for _, in := range d.stage {
		if in.cmd == "ENV" && strings.HasPrefix(in.rest, listenEnv+"=") {
			listen = strings.TrimPrefix(in.rest, listenEnv+"=")
		}
	}
	if listen != "0.0.0.0:8080" {
		t.Errorf("ENV %s=%s, want 0.0.0.0:8080 (the container's port, on every interface)", listenEnv, listen)
	}
	entry := execForm(t, "ENTRYPOINT", d.last(t, "ENTRYPOINT"))
	if got := execForm(t, "CMD", d.last(t, "CMD")); got[0] != "serve" {
		t.Errorf("CMD %v, want serve", got)
	}
	hc := d.last(t, "HEALTHCHECK")
	_, hcCmd, ok := strings.Cut(hc, "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %s has no CMD", hc)
	}
	if got := execForm(t, "HEALTHCHECK CMD", hcCmd); got[0] != entry[0] || got[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK runs %v, want %s healthcheck (no curl in the image)", got, entry[0])
	}
	if !strings.Contains(hc, "--timeout=") {
		t.Errorf("HEALTHCHECK %s has no --timeout", hc)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestImageBinary builds the binary exactly as the Dockerfile does (its `go build` line, read
// from the file) and runs it the way the image does: as user 65532 (when the test runs as root,
// as it does in CI), in a read-only working directory, with the image's command and environment
// (listening on loopback instead of 0.0.0.0, as every test here does). It must be static, serve
// /healthz and /readyz, report the stamped version, and pass its own HEALTHCHECK.
func TestImageBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary with the image's flags (a minute or two with a cold cache)")
	}
	d := readDockerfile(t)
	const stampedVersion, stampedRevision, stampedTime = "v0.0.0-imagetest", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T09:00:00Z"
	env, args := d.goBuild(t, map[string]string{"VERSION": stampedVersion, "REVISION": stampedRevision, "REVISION_TIME": stampedTime,
		"TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH})

	root := t.TempDir()
	// t.TempDir's directories are 0700: the unprivileged user must be able to reach the binary.
	for _, dir := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(root, "ftpbot")
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			args[i+1] = bin
		}
	}
	build := exec.Command("go", append([]string{"build"}, args...)...)
	build.Dir = "../.."
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	// Static: no program interpreter and no shared libraries, so it runs on distroless/static.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP): it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	f.Close()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings CGO_ENABLED=%q -trimpath=%q, want 0 and true", settings["CGO_ENABLED"], settings["-trimpath"])
	}

	work := filepath.Join(root, "work")
	if err := os.Mkdir(work, 0o555); err != nil {
		t.Fatal(err)
	}
	// The image's environment: its ENV lines, with the listen address moved to loopback.
	imageEnv := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/nonroot"}
	for _, in := range d.stage {
		if in.cmd == "ENV" && !strings.HasPrefix(in.rest, listenEnv+"=") {
			imageEnv = append(imageEnv, in.rest)
		}
	}
	command := func(extraEnv []string, argv ...string) *exec.Cmd {
		c := exec.Command(bin, argv...)
		c.Dir = work
		c.Env = append(append([]string{}, imageEnv...), extraEnv...)
		if os.Geteuid() == 0 {
			// USER 65532:65532, the image's nonroot user.
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		}
		return c
	}

	out, err := command(nil, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ftpbot "+stampedVersion+"\n") || !strings.Contains(string(out), stampedRevision) || !strings.Contains(string(out), stampedTime) {
		t.Errorf("ftpbot version: %v\n%s\nwant the stamped version %s, revision %s and time %s", err, out, stampedVersion, stampedRevision, stampedTime)
	}

	cmdArgs := execForm(t, "CMD", d.last(t, "CMD"))
	srv := command([]string{listenEnv + "=127.0.0.1:0"}, cmdArgs...)
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr logtest.Buffer
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			srv.Process.Kill()
			<-exited
		}
	})
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`on http://([^/ ]+)/`).FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-exited:
		stopped = true
		t.Fatalf("serve exited at start: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start within 20s\n%s", stderr.String())
	}

	if os.Geteuid() == 0 {
		status := mustRead(t, fmt.Sprintf("/proc/%d/status", srv.Process.Pid))
		if m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)`).FindStringSubmatch(status); m == nil || m[1] != "65532" || m[2] != "65532" {
			t.Errorf("serve runs as %v, want uid 65532", m)
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, body)
		}
		if path == "/readyz" && !strings.Contains(string(body), `"version":"`+stampedVersion+`"`) {
			t.Errorf("/readyz does not name the stamped version: %s", body)
		}
	}

	hc := execForm(t, "HEALTHCHECK CMD", strings.SplitN(d.last(t, "HEALTHCHECK"), "CMD ", 2)[1])
	if out, err := command([]string{listenEnv + "=" + addr}, hc[1:]...).CombinedOutput(); err != nil {
		t.Errorf("the HEALTHCHECK (%v) failed against a healthy server: %v\n%s", hc, err, out)
	}

	// SIGTERM, as `docker stop` sends it: a clean exit.
	srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Error("serve did not stop within 15s of SIGTERM")
	}
	// The same HEALTHCHECK against the stopped server must fail, with Docker's "unhealthy" status.
	err = command([]string{listenEnv + "=" + addr}, hc[1:]...).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUnhealthy {
		t.Errorf("the HEALTHCHECK against a stopped server: %v, want exit status %d", err, exitUnhealthy)
	}
}
