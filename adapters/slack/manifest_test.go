package slack

import (
	"os"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/internal/golden"
	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"
)

// TestManifest keeps the committed manifest.yaml in step with the command registry, and checks
// that it parses as a Slack app manifest with everything the adapter relies on.
func TestManifest(t *testing.T) {
	// manifest.yaml is generated from bot.Commands(); the committed copy must match it.
	golden.Check(t, "manifest.yaml", Manifest("/ftp"))
	got, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}

	var m slack.Manifest
	if err := yaml.Unmarshal(got, &m); err != nil {
		t.Fatalf("manifest.yaml is not valid YAML: %v", err)
	}
	desc, hint := SlashCommandText()
	if len(m.Features.SlashCommands) != 1 {
		t.Fatalf("%d slash commands, want 1", len(m.Features.SlashCommands))
	}
	sc := m.Features.SlashCommands[0]
	if sc.Command != "/ftp" || sc.Description != desc || sc.UsageHint != hint || sc.ShouldEscape {
		t.Errorf("slash command = %+v, want /ftp %q %q without escaping", sc, desc, hint)
	}
	for _, c := range bot.Commands() {
		if c.Name == "ask" {
			if desc != c.Summary {
				t.Errorf("description %q is not the registry's ask summary %q", desc, c.Summary)
			}
			continue
		}
		if !strings.Contains(hint, c.Name) {
			t.Errorf("usage hint %q does not mention %q", hint, c.Name)
		}
	}
	// Slack's own limits on these fields.
	if len(sc.Description) > 100 || len(sc.UsageHint) > 100 {
		t.Errorf("description (%d) or usage hint (%d) longer than 100 characters", len(sc.Description), len(sc.UsageHint))
	}
	if diff := cmp.Diff([]slack.Shortcut{{Name: ShortcutName, CallbackID: ShortcutCallbackID, Type: slack.MessageShortcut,
		Description: "Explain the FTP error, reply codes or log in this message"}}, m.Features.Shortcuts); diff != "" {
		t.Errorf("shortcuts (-want +got):\n%s", diff)
	}
	var scopes []string
	for _, s := range BotScopes {
		scopes = append(scopes, s.Scope)
	}
	if diff := cmp.Diff(scopes, m.OAuthConfig.Scopes.Bot); diff != "" {
		t.Errorf("bot scopes (-want +got):\n%s", diff)
	}
	if m.Settings.EventSubscriptions == nil || !cmp.Equal(BotEvents, m.Settings.EventSubscriptions.BotEvents) {
		t.Errorf("bot events = %+v, want %v", m.Settings.EventSubscriptions, BotEvents)
	}
	if !m.Settings.SocketModeEnabled || m.Settings.Interactivity == nil || !m.Settings.Interactivity.IsEnabled {
		t.Errorf("settings = %+v: want Socket Mode and interactivity on", m.Settings)
	}
	if !m.Features.AppHome.HomeTabEnabled || m.Features.BotUser.DisplayName == "" {
		t.Errorf("features = %+v: want the Home tab and a bot user", m.Features)
	}

	// The README explains every scope the manifest asks for.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scopes {
		if !strings.Contains(string(readme), "`"+s+"`") {
			t.Errorf("README.md does not explain the scope %s", s)
		}
	}
}
