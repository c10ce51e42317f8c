package main

import (
	"github.com/ftpbot/ftpbot/adapters/discord"
	"github.com/ftpbot/ftpbot/adapters/slack"
	"github.com/ftpbot/ftpbot/adapters/web"
	"github.com/ftpbot/ftpbot/bot"
)

// platform is one chat adapter as the command sees it. platforms is the one place that names
// them: configuration defaults, `config check`, start-up and the start-up line all loop over it.
type platform struct {
	name      string
	noSecrets string // why it is off when the config did not switch it off
	// state is whether it is on, and in which mode, after autoMode.
	state func(*Config) (enabled bool, mode string)
	// autoMode fills in what an absent enabled or mode key means, from the secrets given.
	autoMode func(*Config)
	// problems checks the adapter's options: the adapter validates its own options.
	problems func(*Config) []string
	start    func(*server) (adapter, error)
	// preview renders a reply as the platform would, for the web playground, with links on base.
	preview func(base string) web.Preview
}

var platforms = []platform{
	{
		name:      slack.Name,
		noSecrets: "no SLACK_APP_TOKEN+SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET",
		state:     func(c *Config) (bool, string) { return c.Slack.Enabled, c.Slack.Mode },
		autoMode: func(c *Config) {
			if !c.isSet("slack.mode") {
				c.Slack.Mode = "socket"
				if c.Slack.AppToken == "" && c.Slack.SigningSecret != "" {
					c.Slack.Mode = "http"
				}
			}
			if !c.isSet("slack.enabled") {
				c.Slack.Enabled = (c.Slack.AppToken != "" && c.Slack.BotToken != "") || c.Slack.SigningSecret != ""
			}
		},
		problems: func(c *Config) []string { return slackOptions(c).Problems(c.Slack.Enabled) },
		start: func(s *server) (adapter, error) {
			o := slackOptions(s.cfg)
			o.BaseURL, o.Engine, o.Health, o.Log = s.baseURL(), s.engine, s.health, s.log.With("adapter", slack.Name)
			o.OnDeliveryFailure = func(reason string) { s.metrics.Delivery.WithLabelValues(slack.Name, reason).Inc() }
			return slack.New(s.slackState(o))
		},
		preview: func(base string) web.Preview {
			return web.Preview{Name: "Slack", Render: func(r bot.Reply) (any, error) {
				return slack.Render(r, slack.RenderOptions{BaseURL: base, Ephemeral: r.Visibility != bot.InChannel}), nil
			}}
		},
	},
	{
		name:      discord.Name,
		noSecrets: "no DISCORD_BOT_TOKEN or DISCORD_PUBLIC_KEY",
		state:     func(c *Config) (bool, string) { return c.Discord.Enabled, c.Discord.Mode },
		autoMode: func(c *Config) {
			if !c.isSet("discord.mode") {
				c.Discord.Mode = "gateway"
				if c.Discord.BotToken == "" && c.Discord.PublicKey != "" {
					c.Discord.Mode = "http"
				}
			}
			if !c.isSet("discord.enabled") {
				c.Discord.Enabled = c.Discord.BotToken != "" || c.Discord.PublicKey != ""
			}
		},
		problems: func(c *Config) []string { return discordOptions(c).Problems(c.Discord.Enabled) },
		start: func(s *server) (adapter, error) {
			o := discordOptions(s.cfg)
			o.BaseURL, o.Engine, o.Health, o.Log = s.baseURL(), s.engine, s.health, s.log.With("adapter", discord.Name)
			o.OnDeliveryFailure = func(reason string) { s.metrics.Delivery.WithLabelValues(discord.Name, reason).Inc() }
			o.Gateway = s.state.Dedup("discord-gateway", discordClaimTTL)
			return discord.New(o)
		},
		preview: func(base string) web.Preview {
			return web.Preview{Name: "Discord", Render: func(r bot.Reply) (any, error) {
				return discord.Render(r, discord.RenderOptions{BaseURL: base, Ephemeral: r.Visibility != bot.InChannel}), nil
			}}
		},
	},
}

// slackOptions are the [slack] table's values as the adapter's options.
func slackOptions(c *Config) slack.Options {
	return slack.Options{Mode: c.Slack.Mode, BotToken: c.Slack.BotToken, AppToken: c.Slack.AppToken, SigningSecret: c.Slack.SigningSecret,
		Command: c.Slack.Command, DefaultVisibility: bot.Visibility(c.Slack.DefaultVisibility), APIURL: c.Slack.APIURL}
}

// discordOptions are the [discord] table's values as the adapter's options.
func discordOptions(c *Config) discord.Options {
	return discord.Options{Mode: c.Discord.Mode, BotToken: c.Discord.BotToken, ApplicationID: c.Discord.ApplicationID,
		PublicKey: c.Discord.PublicKey, GuildID: c.Discord.GuildID, MessageContent: c.Discord.MessageContent,
		DefaultVisibility: bot.Visibility(c.Discord.DefaultVisibility)}
}
