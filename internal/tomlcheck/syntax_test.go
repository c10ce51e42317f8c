package tomlcheck

import (
	"strings"
	"testing"
)

// TestTOMLErrorsNeverQuoteSecrets: a document that is not valid TOML gets an error naming the
// line and, for a secret, the key — never any part of the value (BurntSushi/toml quotes what it
// found: `expected value but found "Hunter" instead`).
func TestTOMLErrorsNeverQuoteSecrets(t *testing.T) {
	tests := []struct{ name, toml, want string }{
		{"unquoted token", "[slack]\nbot_token = Hunter2secret\n", "slack.bot_token"},
		{"token with text after it", "[slack]\nbot_token = \"xoxb-1\" Hunter2secret\n", "slack.bot_token"},
		{"token starting with digits", "[slack]\nbot_token = 12Hunter2secret\n", "slack.bot_token"},
		{"bad escape", "[slack]\nsigning_secret = \"Hu\\qnter2secret\"\n", "slack.signing_secret"},
		{"unquoted password", "[probe.profiles.p]\nusername = \"u\"\npassword = Hunter2secret\n", "password"},
		{"inline table", "[probe]\nprofiles = { p = { password = Hunter2secret } }\n", "line 2"},
		{"inside a multi-line string", "[probe.profiles.p]\nusername = \"u\"\npassword = \"\"\"Hunter2\nHunter2\\qsecret\"\"\"\n", "line 4"},
		// A URL may carry a user and password: redis://user:password@host.
		{"unquoted redis URL starting with its password", "[state]\nredis_url = Hunter2pw@redis:6379\n", "state.redis_url"},
		{"unquoted redis URL", "[state]\nredis_url = redis://u:Hunter2pw@h:6379/0\n", "state.redis_url"},
		{"redis URL with a bad escape", "[state]\nredis_url = \"redis://u:Hu\\qnter2pw@h\"\n", "state.redis_url"},
		{"any URL key", "[server]\npublic_url = Hunter2pw@example.com\n", "server.public_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.toml, &map[string]any{})
			if err == nil {
				t.Fatal("want an error")
			}
			msg := SyntaxProblem(tt.toml, err)
			for _, part := range []string{"Hunter", "Hu", "2secret", `\q`, "'H'", "'t'", `"redis"`} {
				if strings.Contains(msg, part) {
					t.Errorf("the error quotes %q from the secret: %s", part, msg)
				}
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("the error does not name %q: %s", tt.want, msg)
			}
		})
	}
	// A mistake in a value that is not secret still shows what was found.
	const listen = "[server]\nlisten = 127.0.0.1:8080\n"
	if _, _, err := Decode(listen, &map[string]any{}); err == nil || !strings.Contains(SyntaxProblem(listen, err), `line 2: Invalid float value: "127.0.0.1"`) {
		t.Errorf("a bad listen value: %v", err)
	}
}
