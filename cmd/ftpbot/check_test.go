package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/ftpservertest"
	"github.com/ftpbot/ftpbot/knowledge"
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
	users := ftpservertest.Start(t, ftpservertest.PureFTPd, ftpservertest.Options{User: "alice", Password: "wonderland"})
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
host = "127.0.0.1"
username = "alice"
password_env = "ALICE_PW"

[probe.profiles.elsewhere]
host = "ftp.example.com"
username = "bob"
password = "x"
`)), 0o600)
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
			"dns:ok connect:ok greeting:ok feat:ok tls:warning login:failed", "Failed at login (530)"},
		{"profile login", []string{"check", "--json", "--allow-private", "--config", cfgPath, "--profile", "alice", users.Addr}, 0,
			"dns:ok connect:ok greeting:ok feat:ok tls:warning login:ok syst:ok pwd:ok type:ok pasv:ok epsv:ok list:ok quit:ok", ""},
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

// TestChatCheck: with [probe] enabled, "/ftp check" in chat runs under the chat policy: the
// allow list lets the test reach loopback, the port list is enforced, progress is reported,
// and the per-user rate limit answers politely.
func TestChatCheck(t *testing.T) {
	srv := ftpservertest.Start(t, ftpservertest.VSFTPD, ftpservertest.Options{Anonymous: true})
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaults()
	cfg.Probe.Enabled = true
	cfg.Probe.Allow = []string{"127.0.0.1"}
	cfg.Probe.PerUserPerMinute = 2
	e := bot.New(kb)
	e.Check = chatChecker(&cfg, kb, slog.New(slog.DiscardHandler))

	ask := func(user, text string) (bot.Reply, []string) {
		var progress []string
		r := e.Handle(context.Background(), bot.Request{Text: text, User: user, Platform: "test",
			Progress: func(l string) { progress = append(progress, l) }})
		return r, progress
	}
	// Port not in [probe] ports: refused before dialling.
	r, _ := ask("u1", "check "+srv.Addr)
	if r.Kind != bot.KindError || !strings.Contains(r.Summary+fmt.Sprint(r.Sections), "port") {
		t.Errorf("port outside the list: %+v", r)
	}
	cfg.Probe.Ports = append(cfg.Probe.Ports, srv.Port)
	r, progress := ask("u2", "check "+srv.Addr)
	if r.Kind != bot.KindProbe || !strings.Contains(r.Title, "works, with warnings") {
		t.Errorf("check reply = %q %q", r.Kind, r.Title)
	}
	if len(progress) < 5 || !strings.HasPrefix(progress[0], "Checking") {
		t.Errorf("progress = %q", progress)
	}
	// A loopback address not on the allow list is refused.
	r, _ = ask("u3", "check 127.0.0.2:"+fmt.Sprint(srv.Port))
	if r.Kind != bot.KindError || !strings.Contains(r.Summary+fmt.Sprint(r.Sections), "loopback") {
		t.Errorf("127.0.0.2: %+v", r)
	}
	// Credentials typed into chat are refused.
	r, _ = ask("u4", "check ftp://bob:pw@"+srv.Addr)
	if r.Kind != bot.KindError {
		t.Errorf("credentials accepted: %+v", r)
	}
	// The per-user limit (2 a minute; u2 used one).
	ask("u2", "check "+srv.Addr)
	r, _ = ask("u2", "check "+srv.Addr)
	if r.Kind != bot.KindError || !strings.Contains(r.Summary+fmt.Sprint(r.Sections), "wait") {
		t.Errorf("third check in a minute: %q %q", r.Kind, r.Summary)
	}
}

func TestChatPorts(t *testing.T) {
	tests := []struct {
		extra, want []int
	}{
		{nil, []int{21, 990}},
		{[]int{}, []int{21, 990}},
		{[]int{2121, 21}, []int{21, 990, 2121}},
	}
	for _, tt := range tests {
		if got := chatPorts(tt.extra); !slices.Equal(got, tt.want) {
			t.Errorf("chatPorts(%v) = %v, want %v", tt.extra, got, tt.want)
		}
	}
}
