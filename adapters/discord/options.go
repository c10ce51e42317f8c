package discord

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
	if o.DefaultVisibility != bot.Ephemeral && o.DefaultVisibility != bot.InChannel {
		bad("discord.default_visibility must be %q or %q, not %q.", bot.Ephemeral, bot.InChannel, o.DefaultVisibility)
	}
	switch o.Mode {
	case "gateway":
		if required && o.BotToken == "" {
			bad("discord.bot_token (or DISCORD_BOT_TOKEN) is required for the gateway.")
		}
		if required && o.ApplicationID == "" {
			bad("discord.application_id (or DISCORD_APPLICATION_ID) is required for the gateway, to register the /ftp command.")
		}
	case "http":
		if required && o.PublicKey == "" {
			bad("discord.public_key (or DISCORD_PUBLIC_KEY) is required for the HTTP interactions endpoint.")
		}
	default:
		bad("discord.mode must be \"gateway\" or \"http\", not %q.", o.Mode)
	}
	if o.PublicKey != "" {
		if err := CheckPublicKey(o.PublicKey); err != nil {
			bad("discord.public_key must be the application's public key: %v.", err)
		}
	}
	for _, id := range []struct{ key, value string }{{"discord.application_id", o.ApplicationID}, {"discord.guild_id", o.GuildID}} {
		if id.value != "" && strings.Trim(id.value, "0123456789") != "" {
			bad("%s must be a numeric Discord id.", id.key)
		}
	}
	return p
}
