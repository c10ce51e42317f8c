package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket runs the Socket Mode connection until ctx ends. slack-go reconnects on `disconnect`
// messages, dropped sockets and missed pings; when it gives up (a rejected token, say), the
// connection is opened again after a growing pause, so the adapter never stops on its own.
func (a *Adapter) runSocket(ctx context.Context) error {
	dialer := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: callTimeout, WriteBufferSize: 32 << 10}
	client := socketmode.New(a.client, socketmode.OptionDialer(dialer))
	a.o.Health.Set(Name, bot.StateConnecting, "opening a Socket Mode connection")

	go func() {
		// Jittered, so replicas that Slack refused at the same moment do not return together.
		b := bot.Backoff{Initial: 2 * time.Second, Max: 5 * time.Minute}
		for {
			err := client.RunContext(ctx)
			if ctx.Err() != nil {
				return
			}
			pause := b.Next()
			why := describeSocketError(err)
			a.o.Health.Set(Name, bot.StateDisconnected, why+"; retrying in "+pause.String())
			a.log.Error("slack: Socket Mode stopped; retrying in "+pause.String(), "reason", why, "retry_in", pause.String())
			if !bot.Sleep(ctx, pause) {
				return
			}
		}
	}()

	connected := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-client.Events:
			a.socketEvent(ctx, client, ev, &connected)
		}
	}
}

// describeSocketError says what an operator should do about a Socket Mode failure.
func describeSocketError(err error) string {
	var sc slack.StatusCodeError
	switch {
	case err == nil:
		return "Socket Mode connection ended"
	case errors.As(err, &sc) && sc.Code == http.StatusNotFound,
		err.Error() == "invalid_auth", err.Error() == "not_authed", err.Error() == "token_revoked", err.Error() == "account_inactive":
		return "Slack rejected the app token (" + err.Error() + "): check SLACK_APP_TOKEN (xapp-…, with the connections:write scope) and that Socket Mode is on"
	}
	return "Socket Mode connection failed: " + err.Error()
}

// socketEvent handles one Socket Mode event. Every envelope is acknowledged within Slack's three
// seconds: events and interactions at once, slash commands with their answer when it is ready in
// time (see command).
func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, ev socketmode.Event, connected *bool) {
	switch ev.Type {
	case socketmode.EventTypeConnecting:
		reason := "connecting to Slack"
		if c, ok := ev.Data.(*slack.ConnectingEvent); ok && c.Attempt > 1 {
			reason = fmt.Sprintf("connecting to Slack (attempt %d)", c.Attempt)
		}
		if *connected {
			reason = "reconnecting to Slack"
		}
		a.o.Health.Set(Name, bot.StateConnecting, reason)
	case socketmode.EventTypeConnectionError:
		reason, retryIn := "cannot connect to Slack", ""
		if c, ok := ev.Data.(*slack.ConnectionErrorEvent); ok && c.ErrorObj != nil {
			// slack-go waits 100ms, 200ms, 400ms… (or Slack's Retry-After): say exactly how long,
			// not rounded to a second ("0s").
			retryIn = c.Backoff.Round(time.Millisecond).String()
			reason = fmt.Sprintf("cannot connect to Slack: %v; retrying in %s", c.ErrorObj, retryIn)
		}
		a.o.Health.Set(Name, bot.StateDisconnected, reason)
		a.log.Warn("slack: "+reason, "retry_in", retryIn)
	case socketmode.EventTypeInvalidAuth:
		a.o.Health.Set(Name, bot.StateDisconnected, "Slack rejected the app token: check SLACK_APP_TOKEN (xapp-…, with the connections:write scope)")
	case socketmode.EventTypeConnected:
		if *connected {
			a.o.Health.Reconnected(Name)
			a.log.Info("slack: reconnected")
		} else {
			a.log.Info("slack: connected over Socket Mode")
		}
		*connected = true
		a.o.Health.Set(Name, bot.StateConnected, "")
	case socketmode.EventTypeSlashCommand:
		cmd, ok := ev.Data.(slack.SlashCommand)
		if !ok || ev.Request == nil {
			return
		}
		req := *ev.Request
		go func() { a.ack(ctx, client, req.EnvelopeID, a.command(cmd)) }()
	case socketmode.EventTypeInteractive:
		if ev.Request != nil {
			a.ack(ctx, client, ev.Request.EnvelopeID, nil)
		}
		if cb, ok := ev.Data.(slack.InteractionCallback); ok {
			a.interaction(cb)
		}
	case socketmode.EventTypeEventsAPI:
		if ev.Request != nil {
			a.ack(ctx, client, ev.Request.EnvelopeID, nil)
		}
		if e, ok := ev.Data.(slackevents.EventsAPIEvent); ok {
			a.event(e)
		}
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go could not parse (an event type it does not know): acknowledge it
		// anyway, or Slack sends it again.
		if b, ok := ev.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(b.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(ctx, client, env.EnvelopeID, nil)
			}
		}
	case socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: writing to the Socket Mode connection failed")
	}
}

// ack acknowledges an envelope, with an optional payload (a slash command's answer).
func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, envelopeID string, p *response) {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var payload any
	if p != nil {
		b, err := p.encode()
		if err != nil {
			a.log.Warn("slack: encoding an answer failed", "error", err)
			return
		}
		payload = json.RawMessage(b)
	}
	if err := client.AckCtx(actx, envelopeID, payload); err != nil {
		a.log.Warn("slack: acknowledging an envelope failed", "error", err)
	}
}
