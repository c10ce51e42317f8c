package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the dependency rule mechanical: the knowledge core and the bot core never
// depend on a chat platform or on an adapter (the standard library does the same in
// go/build/deps_test.go). Adapters depend on bot (and the chat kit, adapters/chatkit), never on
// each other.
func TestLayering(t *testing.T) {
	rules := []struct {
		pkgs      []string
		forbidden []string
	}{
		{[]string{"../bot/...", "../knowledge/..."}, []string{"slack-go", "discordgo", "/adapters/", "chromedp"}},
		{[]string{"../knowledge/..."}, []string{"github.com/ftpbot/ftpbot/bot"}},
		{[]string{"../adapters/slack/..."}, []string{"/adapters/discord", "/adapters/web", "/adapters/console", "discordgo"}},
		{[]string{"../adapters/discord/..."}, []string{"/adapters/slack", "/adapters/web", "/adapters/console", "slack-go"}},
		{[]string{"../adapters/web/..."}, []string{"/adapters/slack", "/adapters/discord", "/adapters/console", "slack-go", "discordgo"}},
		{[]string{"../adapters/console/..."}, []string{"/adapters/slack", "/adapters/discord", "/adapters/web", "slack-go", "discordgo"}},
		// The chat kit serves every platform: it knows bot.Reply and no platform's SDK.
		{[]string{"../adapters/chatkit/..."}, []string{"/adapters/slack", "/adapters/discord", "/adapters/web", "/adapters/console", "slack-go", "discordgo"}},
	}
	for _, r := range rules {
		args := append([]string{"list", "-deps"}, r.pkgs...)
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "matched no packages") || strings.Contains(string(out), "no such file") {
				continue
			}
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range r.forbidden {
				if strings.Contains(dep, f) {
					t.Errorf("%v depends on %s", r.pkgs, dep)
				}
			}
		}
	}
}
