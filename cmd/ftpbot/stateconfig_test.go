package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateConfig: the [state] table reaches the state package's checks (state's
// TestConfigProblems has every case) and FTPBOT_REDIS_URL wins over the file.
func TestStateConfig(t *testing.T) {
	runConfigCases(t, []configCase{
		{name: "default is memory", toml: ""},
		{name: "redis with a URL", toml: "[state]\nbackend = \"redis\"\nredis_url = \"redis://127.0.0.1:6379/0\"\n"},
		{name: "redis URL from the environment", toml: "[state]\nbackend = \"redis\"\n", env: map[string]string{"FTPBOT_REDIS_URL": "rediss://u:pw@redis.internal:6380/2"}},
		{name: "redis without a URL", toml: "[state]\nbackend = \"redis\"\n", want: []string{"state.redis_url (or FTPBOT_REDIS_URL) is required"}},
		{name: "not a redis URL", toml: "[state]\nbackend = \"redis\"\nredis_url = \"http://u:Hunter2@h:6379\"\n", want: []string{"state.redis_url (or FTPBOT_REDIS_URL) must start with redis://"}},
		{name: "unknown key", toml: "[state]\nredis = \"x\"\n", want: []string{"state.redis is not a key ftpbot knows"}},
	})
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
