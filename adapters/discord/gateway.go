package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/gorilla/websocket"
)

// connectRetry paces the attempts to reach Discord when it cannot be reached (no network, DNS
// failure, an outage): opening the gateway and registering the commands each retry with
// exponential backoff and jitter, from 200–400ms up to 1–2 minutes, while the rest of ftpbot
// serves. Under Kubernetes every replica meets the same outage at once; the jitter keeps them
// from returning in step.
var connectRetry = bot.Backoff{Initial: 400 * time.Millisecond, Max: 2 * time.Minute}

// gatewayTimeout bounds one attempt's websocket handshake (the REST call before it has the
// client's 10 s time-out).
const gatewayTimeout = 10 * time.Second

// openGateway opens the gateway session, retrying until it opens or ctx ends, and reports
// whether it opened. The adapter's state says meanwhile what failed and when the next attempt
// comes, in /readyz and the ftpbot_adapter_state metric; the log says it with the exact wait.
// Once open, discordgo itself resumes or reconnects a session that drops.
func (a *Adapter) openGateway(ctx context.Context) bool {
	s := a.rest
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: gatewayTimeout}
	b := connectRetry
	for {
		reason := "opening the gateway"
		if b.Attempts() > 0 {
			reason = fmt.Sprintf("opening the gateway (attempt %d)", b.Attempts()+1)
		}
		a.o.Health.Set(Name, bot.StateConnecting, reason)
		err := openSession(ctx, s)
		if err == nil {
			if b.Attempts() > 0 {
				a.log.Info("discord: gateway open", "attempts", b.Attempts()+1)
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		d := b.Next()
		why := describeGatewayError(err)
		a.o.Health.Set(Name, bot.StateDisconnected, why+"; retrying in "+d.String())
		a.log.Warn("discord: "+why+"; retrying in "+d.String(), "attempt", b.Attempts(), "retry_in", d.String())
		if !bot.Sleep(ctx, d) {
			return false
		}
	}
}

// openSession is s.Open, which takes no context, abandoned when ctx ends: an attempt in flight
// then finishes on its own and its session, if it opened, is closed.
func openSession(ctx context.Context, s *discordgo.Session) error {
	done := make(chan error, 1)
	go func() { done <- s.Open() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				s.Close()
			}
		}()
		return ctx.Err()
	}
}

// describeGatewayError says what an operator should know about a failed gateway open.
func describeGatewayError(err error) string {
	var rerr *discordgo.RESTError
	if errors.As(err, &rerr) && rerr.Response != nil && rerr.Response.StatusCode == http.StatusUnauthorized {
		return "Discord rejected the bot token: check DISCORD_BOT_TOKEN"
	}
	// The URLs in these errors (/gateway, /applications/…/commands) carry no token.
	return "cannot open the Discord gateway: " + err.Error()
}

// registerInBackground registers the commands without holding up the start: while Discord cannot
// be reached or answers 5xx it retries with backoff; a refusal (another 4xx: a wrong token or
// application id) is final, since asking again gets the same answer. The commands registered
// before stay meanwhile. Where it stands is in /readyz (the adapter's "commands"). The returned
// channel closes when it is done.
func (a *Adapter) registerInBackground(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if a.o.BotToken == "" || a.o.ApplicationID == "" {
		a.o.Health.SetCommands(Name, "skipped: registering needs DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID")
		a.Register(ctx) // logs why it is skipped
		close(done)
		return done
	}
	a.o.Health.SetCommands(Name, "registering")
	go func() {
		defer close(done)
		defer bot.Recover(a.log, a.o.Health, "discord: registering commands", nil)
		b := connectRetry
		for {
			err := a.Register(ctx)
			if err == nil {
				a.o.Health.SetCommands(Name, "registered")
				a.log.Info("discord: commands registered", "scope", a.scope(), "attempts", b.Attempts()+1)
				return
			}
			if ctx.Err() != nil {
				return
			}
			var rerr *discordgo.RESTError
			if errors.As(err, &rerr) && rerr.Response != nil && rerr.Response.StatusCode < 500 {
				a.o.Health.SetCommands(Name, "failed: "+err.Error())
				a.log.Warn("discord: command registration refused; the commands registered before stay", "error", err)
				return
			}
			d := b.Next()
			a.o.Health.SetCommands(Name, "retrying in "+d.String()+": "+err.Error())
			a.log.Warn("discord: command registration failed; retrying in "+d.String(), "error", err, "attempt", b.Attempts(), "retry_in", d.String())
			if !bot.Sleep(ctx, d) {
				return
			}
		}
	}()
	return done
}

// scope says where the commands are registered.
func (a *Adapter) scope() string {
	if a.o.GuildID != "" {
		return "guild " + a.o.GuildID
	}
	return "global"
}
