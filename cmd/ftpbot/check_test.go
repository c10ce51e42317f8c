package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/internal/ftpservertest"
)

// runCLIEnv is runCLI with an environment.
func runCLIEnv(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	code := 0
	var ex *exitError
	switch {
	case errors.As(err, &ex):
		code = ex.code
		errOut.WriteString(ex.msg)
	case err != nil:
		code = 1
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

// TestCheckCommand runs `ftpbot check` against real servers on loopback and checks the exit
// status and the JSON contract.
func TestCheckCommand(t *testing.T) {
	anon := ftpservertest.Start(t, ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true})
	// TLS on: a profile's password goes only over TLS (issue 14).
	users := ftpservertest.Start(t, ftpservertest.PureFTPd, ftpservertest.Options{User: "alice", Password: "wonderland", TLS: true})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "ftpbot.toml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`
[probe.profiles.alice]
host = %q
username = "alice"
password_env = "ALICE_PW"

[probe.profiles.elsewhere]
host = "ftp.example.com"
username = "bob"
password = "x"
`, users.Addr)), 0o600)
	env := map[string]string{"ALICE_PW": "wonderland"}

	tests := []struct {
		name  string
		args  []string
		code  int
		steps string // the step names and statuses, when JSON
		out   string // a substring of stdout or stderr
	}{
		{"healthy anonymous, JSON", []string{"check", "--json", "--allow-private", anon.Addr}, 0,
			"dns:ok connect:ok greeting:ok feat:ok tls:warning login:ok syst:ok pwd:ok type:ok pasv:ok epsv:ok list:ok quit:ok", `"verdict"`},
		{"flags after the host, text", []string{"check", anon.Addr, "--allow-private"}, 0, "", "✓ greeting 220"},
		{"anonymous refused", []string{"check", "--json", "--allow-private", users.Addr}, 1,
			"dns:ok connect:ok greeting:ok feat:ok tls:warning prot:ok login:failed", "Failed at login (530)"},
		{"profile login", []string{"check", "--json", "--allow-private", "--config", cfgPath, "--profile", "alice", users.Addr}, 0,
			"dns:ok connect:ok greeting:ok feat:ok tls:warning prot:ok login:ok syst:ok pwd:ok type:ok pasv:ok epsv:ok list:ok quit:ok", ""},
		{"profile for another host", []string{"check", "--allow-private", "--config", cfgPath, "--profile", "elsewhere", users.Addr}, 2, "", "is for ftp.example.com"},
		{"unknown profile", []string{"check", "--allow-private", "--profile", "nope", users.Addr}, 2, "", "no login profile"},
		{"connection refused", []string{"check", "--allow-private", refused}, 1, "", "10061"},
		{"loopback needs --allow-private", []string{"check", anon.Addr}, 2, "", "loopback"},
		{"no host", []string{"check"}, 2, "", "give one HOST"},
		{"two hosts", []string{"check", "a.example", "b.example"}, 2, "", "give one HOST"},
		{"credentials in the target", []string{"check", "ftp://bob:pw@ftp.example.com"}, 2, "", "password"},
		{"bad port", []string{"check", "ftp.example.com:99999"}, 2, "", "not a port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLIEnv(t, env, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, stderr)
			}
			if !strings.Contains(out+stderr, tt.out) {
				t.Errorf("output lacks %q:\n%s%s", tt.out, out, stderr)
			}
			if strings.Contains(out+stderr, "wonderland") {
				t.Errorf("the output shows the password")
			}
			if tt.steps == "" {
				return
			}
			var rep struct {
				Target string `json:"target"`
				Steps  []struct {
					Name    string `json:"name"`
					Status  string `json:"status"`
					Code    *int   `json:"code"`
					Reply   string `json:"reply"`
					MS      *int64 `json:"ms"`
					Explain string `json:"explain"`
				} `json:"steps"`
				Verdict string `json:"verdict"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("stdout is not the JSON report: %v\n%s", err, out)
			}
			var got []string
			for _, s := range rep.Steps {
				got = append(got, s.Name+":"+s.Status)
				if s.Code == nil || s.MS == nil || s.Explain == "" {
					t.Errorf("step %s lacks code, ms or explain: %+v", s.Name, s)
				}
			}
			if g := strings.Join(got, " "); g != tt.steps {
				t.Errorf("steps:\n got %s\nwant %s", g, tt.steps)
			}
			if rep.Target == "" || rep.Verdict == "" {
				t.Errorf("target %q, verdict %q", rep.Target, rep.Verdict)
			}
		})
	}
}
