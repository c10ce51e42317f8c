package slack

import (
	"fmt"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
)

// Problems reports every problem with the options, each a full sentence naming the config key and
// its environment variable, never a secret's value. The secrets a mode needs are required only
// when required is true, so a switched-off adapter's values are still checked. New calls it with
// required set; `ftpbot config check` calls it for every problem at once.
func (o Options) Problems(required bool) []string {
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if !strings.HasPrefix(o.Command, "/") || strings.ContainsAny(o.Command, " \t") {
		bad("slack.command must be a slash command like \"/ftp\".")
	}
	if o.DefaultVisibility != bot.Ephemeral && o.DefaultVisibility != bot.InChannel {
		bad("slack.default_visibility must be %q or %q, not %q.", bot.Ephemeral, bot.InChannel, o.DefaultVisibility)
	}
	switch o.Mode {
	case "socket":
		if required {
			if o.AppToken == "" {
				bad("slack.app_token (or SLACK_APP_TOKEN) is required for Socket Mode: an app-level token starting with xapp- with the connections:write scope.")
			} else if !strings.HasPrefix(o.AppToken, "xapp-") {
				bad("slack.app_token must be an app-level token starting with xapp-.")
			}
			if o.BotToken == "" {
				bad("slack.bot_token (or SLACK_BOT_TOKEN) is required for Socket Mode: the bot token starting with xoxb- from OAuth & Permissions.")
			}
		}
	case "http":
		if required && o.SigningSecret == "" {
			bad("slack.signing_secret (or SLACK_SIGNING_SECRET) is required for HTTP mode: the signing secret from the app's Basic Information page.")
		}
	default:
		bad("slack.mode must be \"socket\" or \"http\", not %q.", o.Mode)
	}
	if o.BotToken != "" && !strings.HasPrefix(o.BotToken, "xoxb-") {
		bad("slack.bot_token must be a bot token starting with xoxb-.")
	}
	if err := CheckAPIURL(o.APIURL); err != nil {
		bad("slack.api_url %v.", err)
	}
	return p
}
