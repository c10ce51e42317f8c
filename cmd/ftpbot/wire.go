package main

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/ftpbot/ftpbot/adapters/discord"
	"github.com/ftpbot/ftpbot/adapters/slack"
	"github.com/ftpbot/ftpbot/adapters/web"
	"github.com/ftpbot/ftpbot/bot"
)

// buildAdapters creates the enabled chat adapters and records why the others are off.
func (s *server) buildAdapters() error {
	c := s.cfg
	if c.Discord.Enabled {
		a, err := discord.New(discord.Options{
			Mode: c.Discord.Mode, BotToken: c.Discord.BotToken, ApplicationID: c.Discord.ApplicationID,
			PublicKey: c.Discord.PublicKey, GuildID: c.Discord.GuildID, MessageContent: c.Discord.MessageContent,
			DefaultVisibility: bot.Visibility(c.Discord.DefaultVisibility), BaseURL: s.baseURL(),
			Engine: s.engine, Health: s.health, Log: s.log.With("adapter", "discord"),
			OnDeliveryFailure: func(reason string) { s.metrics.Delivery.WithLabelValues("discord", reason).Inc() },
		})
		if err != nil {
			return err
		}
		s.adapters["discord"] = a
	} else {
		s.off["discord"] = offReason(c.isSet("discord.enabled"), "discord", "no DISCORD_BOT_TOKEN or DISCORD_PUBLIC_KEY")
	}
	if c.Slack.Enabled {
		a, err := slack.New(slack.Options{
			Mode: c.Slack.Mode, BotToken: c.Slack.BotToken, AppToken: c.Slack.AppToken, SigningSecret: c.Slack.SigningSecret,
			Command: c.Slack.Command, DefaultVisibility: bot.Visibility(c.Slack.DefaultVisibility), BaseURL: s.baseURL(),
			APIURL: c.Slack.APIURL,
			Engine: s.engine, Health: s.health, Log: s.log.With("adapter", "slack"),
			OnDeliveryFailure: func(reason string) { s.metrics.Delivery.WithLabelValues("slack", reason).Inc() },
		})
		if err != nil {
			return err
		}
		s.adapters["slack"] = a
	} else {
		s.off["slack"] = offReason(c.isSet("slack.enabled"), "slack", "no SLACK_APP_TOKEN+SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET")
	}
	for name, why := range s.off {
		s.health.Set(name, bot.StateOff, why)
	}
	return nil
}

// offReason says why an adapter is off: the config switched it off, or its secrets are missing.
func offReason(switchedOff bool, name, noSecrets string) string {
	if switchedOff {
		return name + ".enabled = false in the config"
	}
	return noSecrets
}

// routes is the HTTP server's handler: the web reference, playground, API, health and metrics,
// with each enabled adapter's endpoints mounted on the same mux.
func (s *server) routes() http.Handler {
	h := web.New(web.Options{
		Engine: s.engine, Health: s.health, Metrics: s.metrics.Handler(), BaseURL: s.baseURL(),
		AllowCheck: s.cfg.Probe.Enabled, Log: s.log.With("adapter", "web"),
		Previews: []web.Preview{
			{Name: "Slack", Render: func(r bot.Reply) (any, error) {
				return slack.Render(r, slack.RenderOptions{BaseURL: s.baseURL(), Ephemeral: r.Visibility != bot.InChannel}), nil
			}},
			{Name: "Discord", Render: func(r bot.Reply) (any, error) {
				return discord.Render(r, discord.RenderOptions{BaseURL: s.baseURL(), Ephemeral: r.Visibility != bot.InChannel}), nil
			}},
		},
	})
	for name, a := range s.adapters {
		for pattern, rh := range a.Routes() {
			s.log.Debug("route", "adapter", name, "pattern", pattern)
			h.Handle(pattern, rh)
		}
	}
	return recoverPanics(h, s.log, s.health)
}

// recoverPanics keeps a panic in any HTTP handler from costing more than its own request: it is
// logged and counted (ftpbot_panics_total), and the client gets a 500 with a polite message
// instead of a dropped connection.
func recoverPanics(next http.Handler, log *slog.Logger, h *bot.Health) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer bot.Recover(log, h, "http "+r.Method+" "+r.URL.Path, func() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]string{"error": bot.PoliteError})
		})
		next.ServeHTTP(w, r)
	})
}
