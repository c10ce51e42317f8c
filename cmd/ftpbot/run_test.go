package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line as main does and returns stdout, stderr and the exit status.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errOut)
	code := 0
	if err != nil {
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
			errOut.WriteString(ex.msg)
		} else {
			code = 1
			errOut.WriteString(err.Error())
		}
	}
	return out.String(), errOut.String(), code
}

func TestAskJSON(t *testing.T) {
	tests := []struct {
		args  []string
		stdin string
		first string
		kind  string
		code  int
	}{
		{[]string{"ask", "--json", "530"}, "", "530", "code", 0},
		{[]string{"ask", "--json", "ftp", "425"}, "", "425", "code", 0},
		{[]string{"ask", "--json", "5xx"}, "", "5xx", "class", 0},
		{[]string{"ask", "--json", "passive"}, "", "active-vs-passive", "topic", 0},
		{[]string{"ask", "--json", "-"}, "220 hi\nUSER a\n331 pw\nPASS b\n530 Login incorrect.\n", "530", "code", 0},
		{[]string{"ask", "--json", "zzqxv"}, "", "", "", 1},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, stderr, code := runCLI(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			var got struct {
				Query   string `json:"query"`
				Matches []struct {
					ID, Kind, Title string
				} `json:"matches"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out)
			}
			if strings.Count(strings.TrimSpace(out), "\n") != 0 {
				t.Errorf("want one line of JSON, got %q", out)
			}
			if tt.first == "" {
				if len(got.Matches) != 0 {
					t.Errorf("matches = %+v, want none", got.Matches)
				}
				return
			}
			if len(got.Matches) == 0 || got.Matches[0].ID != tt.first || got.Matches[0].Kind != tt.kind || got.Matches[0].Title == "" {
				t.Errorf("matches = %+v, want %s (%s) first", got.Matches, tt.first, tt.kind)
			}
		})
	}
}

func TestAskText(t *testing.T) {
	out, _, code := runCLI(t, "", "ask", "530")
	if code != 0 || !strings.Contains(out, "530 Not logged in") || !strings.Contains(out, "What to do first") || strings.Contains(out, "How to fix it") {
		t.Errorf("exit %d, output (want the card):\n%s", code, out)
	}
	out, _, code = runCLI(t, "", "ask", "--more", "530")
	if code != 0 || !strings.Contains(out, "530 Not logged in") || !strings.Contains(out, "How to fix it") {
		t.Errorf("ask --more: exit %d, output (want the whole answer):\n%s", code, out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour escapes in output that is not a terminal")
	}
	out, _, code = runCLI(t, "", "ask", "qqzzxx")
	if code != 1 || !strings.Contains(out, "No match") {
		t.Errorf("no match: exit %d, output:\n%s", code, out)
	}
}

func TestUsageAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"version"}, 0, "ftpbot "},
		{[]string{"ask"}, 2, "give a question"},
		{[]string{"ask", "  "}, 2, "give a question"},
		{[]string{"ask", "-"}, 2, "give a question"}, // standard input is empty
		{[]string{"ask", "--json", "-"}, 2, "give a question"},
		{[]string{"ask", "--json=maybe", "530"}, 2, "invalid boolean value"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{nil, 2, "needs a terminal"},
		{[]string{"config"}, 2, "config check"},
		{[]string{"serve", "extra"}, 2, "unexpected argument"},
		{[]string{"serve", "--listen", "nope"}, 2, "--listen must be host:port"},
		{[]string{"serve", "--log-level", "loud"}, 2, "--log-level must be debug, info, warn or error"},
	}
	for _, tt := range tests {
		out, stderr, code := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(out+stderr, tt.want) {
			t.Errorf("ftpbot %v: exit %d, output %q; want exit %d with %q", tt.args, code, out+stderr, tt.code, tt.want)
		}
	}
}

// TestAskWithTeamNotes: ask reads the team notes named by the config serve would use, and a
// config that does not load costs only the notes, with a warning.
func TestAskWithTeamNotes(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes")
	os.Mkdir(notes, 0o755)
	os.WriteFile(filepath.Join(notes, "ours.toml"), []byte("[[note]]\ncode = 530\ntext = \"On the SFTP gateway, 530 means your VPN password expired.\"\n"), 0o644)
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[knowledge]\nteam_notes = \""+notes+"\"\n"), 0o644)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[knowledge]\nteam_notse = 1\n"), 0o644)

	out, _, code := runCLIEnv(t, map[string]string{"FTPBOT_CONFIG": good}, "ask", "530")
	if code != 0 || !strings.Contains(out, "VPN password expired") {
		t.Errorf("ask 530 with team notes: exit %d, output lacks the note:\n%s", code, out)
	}
	out, errOut, code := runCLIEnv(t, map[string]string{"FTPBOT_CONFIG": bad}, "ask", "530")
	if code != 0 || strings.Contains(out, "VPN") || !strings.Contains(out, "530 Not logged in") || !strings.Contains(errOut, "team notes are left out") {
		t.Errorf("ask 530 with a broken config: exit %d, stderr %q", code, errOut)
	}
}

// TestAskArgsStartingWithDash: a question may start with a dash (lftp's "---- Connecting to …"),
// so an argument that is none of ask's flags is text, "--" still ends the flags, and the JSON
// keeps its shape.
func TestAskArgsStartingWithDash(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		query string // the query the JSON must echo; "" when the output is not JSON
		code  int
	}{
		{"lftp log line", []string{"ask", "--json", "----", "Connecting", "to", "ftp.example.com"}, "---- Connecting to ftp.example.com", -1},
		{"one argument", []string{"ask", "--json", "---> PASS xxxx"}, "---> PASS xxxx", -1},
		{"unknown single-dash word", []string{"ask", "--json", "-vvv", "530"}, "-vvv 530", 0},
		{"double dash ends the flags", []string{"ask", "--json", "--", "--json"}, "--json", -1},
		{"known flag after the text is a flag", []string{"ask", "530", "--json"}, "530", 0},
		{"known flag between words", []string{"ask", "ftp", "--json", "425"}, "ftp 425", 0},
		{"--more after the text is a flag", []string{"ask", "530", "--more", "--json"}, "530", 0},
		{"unknown dash word after the text", []string{"ask", "--json", "curl", "-v", "530"}, "curl -v 530", 0},
		{"flag after -- is text", []string{"ask", "--json", "530", "--", "--json"}, "530 --json", 0},
		{"single-dash flag", []string{"ask", "-json", "530"}, "530", 0},
		{"flag with a value", []string{"ask", "--json=true", "530"}, "530", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			if code == exitUsage {
				t.Fatalf("exit %d (usage), want an answer; stderr %q", code, stderr)
			}
			if tt.code >= 0 && code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			var got struct {
				Query   string            `json:"query"`
				Matches []json.RawMessage `json:"matches"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out)
			}
			if got.Query != tt.query {
				t.Errorf("query = %q, want %q", got.Query, tt.query)
			}
			if got.Matches == nil {
				t.Errorf("matches is missing or null, want a list: %s", out)
			}
		})
	}
	// Help still works, and a bare dash still reads standard input.
	if _, _, code := runCLI(t, "", "ask", "-h"); code != exitUsage {
		t.Errorf("ask -h: exit %d, want %d", code, exitUsage)
	}
	out, _, _ := runCLI(t, "530 Login incorrect.\n", "ask", "--json", "-")
	if !strings.Contains(out, `"530"`) {
		t.Errorf("ask --json - with 530 on stdin: %s", out)
	}
}
