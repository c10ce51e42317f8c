package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateConfig(t *testing.T) {
	tests := []struct {
		name string
		toml string
		env  map[string]string
		want []string // problems expected, as substrings; nil means valid
	}{
		{name: "default is memory", toml: ""},
		{name: "redis with a URL", toml: "[state]\nbackend = \"redis\"\nredis_url = \"redis://127.0.0.1:6379/0\"\n"},
		{name: "redis URL from the environment", toml: "[state]\nbackend = \"redis\"\n", env: map[string]string{"FTPBOT_REDIS_URL": "rediss://u:pw@redis.internal:6380/2"}},
		{name: "redis without a URL", toml: "[state]\nbackend = \"redis\"\n", want: []string{"state.redis_url (or FTPBOT_REDIS_URL) is required"}},
		{name: "unknown backend", toml: "[state]\nbackend = \"etcd\"\n", want: []string{`state.backend must be "memory" or "redis", not "etcd"`}},
		{name: "not a redis URL", toml: "[state]\nbackend = \"redis\"\nredis_url = \"http://u:Hunter2@h:6379\"\n", want: []string{"state.redis_url (or FTPBOT_REDIS_URL) must start with redis://"}},
		{name: "bad database", toml: "[state]\nbackend = \"redis\"\nredis_url = \"redis://:Hunter2@h:6379/db\"\n", want: []string{"state.redis_url (or FTPBOT_REDIS_URL) is not understood"}},
		{name: "bad prefix", toml: "[state]\nkey_prefix = \"ftp bot\"\n", want: []string{"state.key_prefix must be"}},
		{name: "unknown key", toml: "[state]\nredis = \"x\"\n", want: []string{"state.redis is not a key ftpbot knows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tt.toml), envOf(tt.env))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ParseConfig = %v, want no error", err)
				}
				return
			}
			var ce ConfigErrors
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig = %v, want ConfigErrors", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems %q lack %q", err.Error(), w)
				}
			}
			if strings.Contains(err.Error(), "Hunter2") {
				t.Errorf("a problem repeats the password: %v", err)
			}
		})
	}
}

// TestConfigCheckState: config check names the backend and where Redis is, never its password.
func TestConfigCheckState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ftpbot.toml")
	os.WriteFile(path, []byte("[state]\nbackend = \"redis\"\nredis_url = \"redis://ftpbot:Hunter2@redis.internal:6379/0\"\n"), 0o600)
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"config", "check", "--config", path}, noEnv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("config check: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "redis.internal:6379") || strings.Contains(out.String()+errOut.String(), "Hunter2") {
		t.Errorf("config check printed:\n%s%s", out.String(), errOut.String())
	}
	os.WriteFile(path, []byte("[state]\nbackend = \"redis\"\nredis_url = \"redis://ftpbot:Hunter2@redis.internal:6379/x\"\n"), 0o600)
	out.Reset()
	errOut.Reset()
	err = run(t.Context(), []string{"config", "check", "--config", path}, noEnv, strings.NewReader(""), &out, &errOut)
	all := out.String() + errOut.String()
	if err == nil {
		t.Fatal("config check accepted a bad URL")
	}
	if strings.Contains(all+err.Error(), "Hunter2") || !strings.Contains(err.Error(), "state.redis_url") {
		t.Errorf("config check of a bad URL: %v\n%s", err, all)
	}
}
