package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	runConfigCases(t, []configCase{
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
		{name: "trusted proxies", toml: "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.10\"]\n"},
		{name: "bad trusted proxies", toml: "[server]\ntrusted_proxies = [\"10.0.0.0/33\", \"ingress\"]\n",
			want: []string{`server.trusted_proxies has "10.0.0.0/33"`, `server.trusted_proxies has "ingress"`}},
		{name: "not TOML", toml: "[server\n", want: []string{"not valid TOML at line 2"}},
		{name: "key problems and value problems in one run",
			toml: "lisen = \"x\"\n[server]\nlog_level = 5\nlisten = \"nohost\"\n[limits]\nper_user_per_minute = -1\n[slack]\nenabled = true\nmode = \"socket\"\nbot_token = \"xoxb-1\"\n",
			want: []string{"lisen is not a key", "server.log_level must be a string", "server.listen must be host:port", "limits.per_user_per_minute must be 0", "slack.app_token (or SLACK_APP_TOKEN) is required"}},
	})
}

// configCase is a config file and what ParseConfig must say about it.
type configCase struct {
	name string
	toml string
	env  map[string]string
	want []string // every problem expected, one substring each; nil means valid
}

// secretInTests is the password the cases write into URLs: no problem may repeat it.
const secretInTests = "Hunter2"

// runConfigCases parses each case's file: a valid one must parse without a problem; otherwise
// ParseConfig must report exactly the problems wanted, none repeating a password.
func runConfigCases(t *testing.T, tests []configCase) {
	t.Helper()
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
			if strings.Contains(err.Error(), secretInTests) {
				t.Errorf("a problem repeats the password: %v", err)
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
	// Not TOML at all: the parser would quote the start of the value (internal/tomlcheck's
	// TestTOMLErrorsNeverQuoteSecrets has the cases).
	_, err = ParseConfig(strings.NewReader("[state]\nredis_url = TOPSECRET:pw@redis:6379\n"), noEnv)
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") || !strings.Contains(err.Error(), "state.redis_url") {
		t.Errorf("an unquoted URL: %v, want an error naming state.redis_url without its value", err)
	}
}

// The example config must always parse and validate, and document every key the code reads, so
// it cannot drift from the code: the keys come from Config's toml tags.
func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(strings.NewReader(string(data)), noEnv)
	if err != nil {
		t.Fatalf("config.example.toml: %v", err)
	}
	keys := configKeys(reflect.TypeFor[Config](), nil)
	if len(keys) < 40 {
		t.Fatalf("found %d keys in Config, want every key (at least 40): is the walk broken?", len(keys))
	}
	for _, k := range keys {
		if !documented(string(data), c, k) {
			t.Errorf("config.example.toml does not document %s", strings.Join(k, "."))
		}
	}
}

// documented reports whether the example writes key in its table, or shows it there commented
// out ("# enabled = true": some keys mean something by being absent, and a profile needs a real
// host). Under a map of tables ("*"), the example's table is a commented "# [probe.profiles.NAME]".
func documented(text string, c *Config, key []string) bool {
	if !slices.Contains(key, "*") && c.meta.IsDefined(key...) {
		return true
	}
	table := key[:len(key)-1]
	var header string
	if i := slices.Index(table, "*"); i >= 0 {
		header = "\n# [" + strings.Join(table[:i], ".") + "."
	} else {
		header = "\n[" + strings.Join(table, ".") + "]"
	}
	start := strings.Index(text, header)
	if start < 0 {
		return false
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n["); end >= 0 {
		section = section[:end]
	}
	return regexp.MustCompile(`(?m)^#.*\b` + regexp.QuoteMeta(key[len(key)-1]) + `\s*=`).MatchString(section)
}

// configKeys lists the dotted keys of the struct type t by their toml tags, tables included; a
// map of tables contributes its element's keys under "*".
func configKeys(t reflect.Type, prefix []string) [][]string {
	var keys [][]string
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		key := append(slices.Clone(prefix), tag)
		keys = append(keys, key)
		switch ft := f.Type; {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Duration]():
			keys = append(keys, configKeys(ft, key)...)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft.Elem(), append(key, "*"))...)
		}
	}
	return keys
}

// TestConfigErrorNamesTheFileOnce: the error says where the configuration came from once, then
// its problems ("ftpbot: the configuration: the configuration has 1 problem" said it twice).
func TestConfigErrorNamesTheFileOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ftpbot.toml")
	if err := os.WriteFile(path, []byte("[limits]\nper_user_per_minute = -1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"config check, a file", []string{"config", "check", "--config", path}, nil, "ftpbot: " + path + " has 1 problem:\n  - limits.per_user_per_minute"},
		{"serve, a file", []string{"serve", "--config", path}, nil, "ftpbot: " + path + " has 1 problem:\n  - limits.per_user_per_minute"},
		{"config check, the environment alone", []string{"config", "check"}, map[string]string{"FTPBOT_REDIS_URL": "ftp://h"},
			"ftpbot: the configuration (no config file: defaults and the environment) has 1 problem:\n  - state.redis_url"},
	}
	t.Chdir(t.TempDir()) // no ./ftpbot.toml
	for _, tt := range tests {
		var out, errOut strings.Builder
		err := run(t.Context(), tt.args, envOf(tt.env), strings.NewReader(""), &out, &errOut)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, tt.want) || strings.Count(msg, "configuration") > 1 {
			t.Errorf("%s: %q, want it to start %q and say \"configuration\" at most once", tt.name, msg, tt.want)
		}
	}
}
