package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSlackAPIURL: [slack] api_url defaults to Slack's and must be https, or http only to
// loopback; config check reports a bad one by its key, without the password a URL may carry.
func TestSlackAPIURL(t *testing.T) {
	tests := []struct {
		name  string
		value string // "" = the key is absent
		want  string // the value in force, when valid
		bad   string // a substring of the problem; "" = valid
	}{
		{name: "default", want: "https://slack.com/api/"},
		{name: "GovSlack", value: "https://slack-gov.com/api/", want: "https://slack-gov.com/api/"},
		{name: "loopback http for a fake", value: "http://127.0.0.1:39217/", want: "http://127.0.0.1:39217/"},
		{name: "localhost http", value: "http://localhost:8080/api/", want: "http://localhost:8080/api/"},
		{name: "ipv6 loopback", value: "http://[::1]:8080/api/", want: "http://[::1]:8080/api/"},
		{name: "plain http elsewhere", value: "http://slack.example.com/api/", bad: "would send the bot token unencrypted"},
		{name: "private address over http", value: "http://10.0.0.5/api/", bad: "slack.api_url must be an https URL"},
		{name: "another scheme", value: "ftp://slack.com/api/", bad: "slack.api_url must be an https URL"},
		{name: "not a URL", value: "slack.com/api", bad: "slack.api_url must be an https URL"},
		{name: "a password in it", value: "https://bob:s3cret@slack.example.com/api/", bad: "must not carry a user name or password"},
		{name: "a query", value: "https://slack.com/api/?x=1", bad: "without a query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toml := "[slack]\n"
			if tt.value != "" {
				toml += "api_url = \"" + tt.value + "\"\n"
			}
			c, err := ParseConfig(strings.NewReader(toml), noEnv)
			if tt.bad == "" {
				if err != nil {
					t.Fatalf("ParseConfig = %v, want no error", err)
				}
				if c.Slack.APIURL != tt.want {
					t.Errorf("slack.api_url = %q, want %q", c.Slack.APIURL, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Fatalf("ParseConfig = %v, want a problem with %q", err, tt.bad)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the problem shows the URL's password: %v", err)
			}
		})
	}
}

// TestConfigCheckAPIURL: `ftpbot config check` fails on a bad api_url and names the key, shows a
// good one, and the example config documents the key with its default.
func TestConfigCheckAPIURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ftpbot.toml")
	if err := os.WriteFile(path, []byte("[slack]\napi_url = \"http://slack.example.com/api/\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := env{getenv: noEnv, stdout: &out, stderr: &errOut}.configCheck([]string{"--config", path})
	if err == nil || !strings.Contains(err.Error()+errOut.String(), "slack.api_url") {
		t.Errorf("config check = %v (%s), want a problem naming slack.api_url", err, errOut.String())
	}
	// A good one is accepted and shown, so an operator sees where the bot token goes.
	if err := os.WriteFile(path, []byte("[slack]\napi_url = \"https://slack-gov.com/api/\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := (env{getenv: noEnv, stdout: &out, stderr: &errOut}).configCheck([]string{"--config", path}); err != nil {
		t.Fatalf("config check = %v", err)
	}
	if !strings.Contains(out.String(), "slack.api_url https://slack-gov.com/api/") {
		t.Errorf("config check does not show the api_url in force:\n%s", out.String())
	}
	example, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(example), `api_url = "https://slack.com/api/"`) {
		t.Error("config.example.toml does not document slack.api_url with its default")
	}
}
