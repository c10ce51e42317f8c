package main

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		toml string
		env  map[string]string
		want []string // every problem expected, as substrings; nil means valid
	}{
		{name: "empty is fine", toml: ""},
		{name: "listen and limits", toml: "[server]\nlisten = \"127.0.0.1:9000\"\n[limits]\nper_user_per_minute = 0\n"},
		{name: "unknown key with suggestion", toml: "[slack]\ntokne = \"x\"\n", want: []string{"slack.tokne is not a key ftpbot knows"}},
		{name: "unknown table", toml: "[slak]\nenabled = true\n", want: []string{"slak is not a key ftpbot knows (did you mean slack?)"}},
		{name: "wrong types, all at once", toml: "[server]\nlisten = 8080\n[limits]\nper_user_per_minute = \"20\"\n[slack]\nenabled = \"yes\"\n",
			want: []string{"server.listen must be a string in quotes, not a number", "limits.per_user_per_minute must be a whole number, not a string", "slack.enabled must be true or false, not a string"}},
		{name: "bad listen", toml: "[server]\nlisten = \"localhost\"\n", want: []string{"server.listen must be host:port"}},
		{name: "bad port", toml: "[server]\nlisten = \"127.0.0.1:99999\"\n", want: []string{"server.listen has \"99999\" as its port"}},
		{name: "socket mode without secrets", toml: "[slack]\nenabled = true\n",
			want: []string{"slack.app_token (or SLACK_APP_TOKEN) is required", "slack.bot_token (or SLACK_BOT_TOKEN) is required"}},
		{name: "http mode needs the signing secret", toml: "[slack]\nenabled = true\nmode = \"http\"\n", want: []string{"slack.signing_secret (or SLACK_SIGNING_SECRET) is required"}},
		{name: "secret from env satisfies", toml: "[slack]\nenabled = true\nmode = \"http\"\n", env: map[string]string{"SLACK_SIGNING_SECRET": "s3cret"}},
		{name: "bad modes", toml: "[slack]\nmode = \"rtm\"\n[discord]\nmode = \"webhook\"\n", want: []string{"slack.mode must be", "discord.mode must be"}},
		{name: "discord gateway without ids", toml: "[discord]\nenabled = true\n", want: []string{"discord.bot_token", "discord.application_id"}},
		{name: "discord bad public key", toml: "[discord]\nmode = \"http\"\npublic_key = \"xyz\"\n", want: []string{"discord.public_key must be the application's public key"}},
		{name: "visibility", toml: "[slack]\ndefault_visibility = \"public\"\n", want: []string{`slack.default_visibility must be "ephemeral" or "in_channel"`}},
		{name: "probe values", toml: "[probe]\ntimeout = \"forever\"\nports = [21, 70000]\nallow = [\"10.0.0.0/8\", \"not a host!\"]\n",
			want: []string{"probe.timeout must be a duration", "probe.ports has 70000", `probe.allow has "not a host!"`}},
		{name: "probe ports and hosts", toml: "[probe]\nports = [21, 70000]\nallow = [\"10.0.0.0/8\", \"not a host!\"]\n",
			want: []string{"probe.ports has 70000", `probe.allow has "not a host!"`}},
		{name: "profile without user", toml: "[probe.profiles.prod]\nhost = \"ftp.example.com\"\npassword_env = \"X\"\n", want: []string{"probe.profiles.prod.username is required"}},
		{name: "profile unknown key", toml: "[probe.profiles.prod]\nhost = \"ftp.example.com\"\nusername = \"u\"\npasswd = \"x\"\n", want: []string{"probe.profiles.prod.passwd is not a key"}},
		{name: "not TOML", toml: "[server\n", want: []string{"not valid TOML at line 2"}},
		{name: "key problems and value problems in one run",
			toml: "lisen = \"x\"\n[server]\nlog_level = 5\nlisten = \"nohost\"\n[limits]\nper_user_per_minute = -1\n[slack]\nenabled = true\nmode = \"socket\"\nbot_token = \"xoxb-1\"\n",
			want: []string{"lisen is not a key", "server.log_level must be a string", "server.listen must be host:port", "limits.per_user_per_minute must be 0", "slack.app_token (or SLACK_APP_TOKEN) is required"}},
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
			if len(ce) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(ce), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestConfigEnvWinsAndAutoModes(t *testing.T) {
	c, err := ParseConfig(strings.NewReader("[slack]\nbot_token = \"xoxb-file\"\napp_token = \"xapp-file\"\n"),
		envOf(map[string]string{"SLACK_BOT_TOKEN": "xoxb-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.BotToken != "xoxb-env" || c.Slack.AppToken != "xapp-file" {
		t.Errorf("tokens = %q, %q; the environment must win over the file", c.Slack.BotToken, c.Slack.AppToken)
	}
	if !c.Slack.Enabled || c.Slack.Mode != "socket" {
		t.Errorf("slack enabled=%v mode=%s, want on in socket mode when both tokens are there", c.Slack.Enabled, c.Slack.Mode)
	}

	c, err = ParseConfig(strings.NewReader(""), envOf(map[string]string{"SLACK_SIGNING_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Slack.Enabled || c.Slack.Mode != "http" {
		t.Errorf("with only the signing secret: enabled=%v mode=%s, want http", c.Slack.Enabled, c.Slack.Mode)
	}

	c, err = ParseConfig(strings.NewReader("[slack]\nenabled = false\n"), envOf(map[string]string{"SLACK_SIGNING_SECRET": "s"}))
	if err != nil || c.Slack.Enabled {
		t.Errorf("enabled = false in the file must win: %v %v", c.Slack.Enabled, err)
	}

	c, _ = ParseConfig(strings.NewReader(""), noEnv)
	if c.Slack.Enabled || c.Discord.Enabled || c.Probe.Enabled {
		t.Error("nothing may be on without secrets")
	}
	if c.Limits.PerUserPerMinute != 20 || c.Server.Listen != "127.0.0.1:8080" || c.Probe.Timeout.Duration != 20*time.Second {
		t.Errorf("defaults = %+v", c)
	}
}

func TestConfigErrorsNeverShowSecrets(t *testing.T) {
	_, err := ParseConfig(strings.NewReader("[slack]\nmode = \"socket\"\nenabled = true\napp_token = \"TOPSECRET-app\"\nbot_token = \"TOPSECRET-bot\"\n"), noEnv)
	if err == nil {
		t.Fatal("want errors for tokens with the wrong prefix")
	}
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("a secret leaked into the error: %v", err)
	}
}

// The example config must always parse and validate, so it cannot drift from the code.
func TestExampleConfig(t *testing.T) {
	f, err := os.Open("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ParseConfig(f, noEnv)
	if err != nil {
		t.Fatalf("config.example.toml: %v", err)
	}
	// every key the struct knows must be documented in the example
	data, _ := os.ReadFile("../../config.example.toml")
	for _, key := range []string{"listen", "public_url", "log_level", "shutdown_timeout", "per_user_per_minute", "team_notes",
		"enabled", "mode", "bot_token", "app_token", "signing_secret", "command", "default_visibility",
		"application_id", "public_key", "guild_id", "message_content", "timeout", "max_concurrent", "ports", "allow", "deny", "profiles", "metrics_listen", "web", "allow_plaintext"} {
		if !strings.Contains(string(data), key) {
			t.Errorf("config.example.toml does not document %s", key)
		}
	}
	_ = c
}
