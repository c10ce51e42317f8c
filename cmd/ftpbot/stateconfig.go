package main

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/ftpbot/ftpbot/adapters/slack"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/state"
)

// StateConfig chooses where the state replicas share lives: rate limits, Slack event
// de-duplication, answers waiting for a Share button. See config.example.toml's [state] table.
type StateConfig struct {
	Backend   string `toml:"backend"`
	RedisURL  string `toml:"redis_url"` // a secret when it holds a password; FTPBOT_REDIS_URL wins
	KeyPrefix string `toml:"key_prefix"`
}

func defaultState() StateConfig { return StateConfig{Backend: state.Memory, KeyPrefix: "ftpbot:"} }

// problems reports what is wrong with the [state] table, in sentences that never repeat the URL.
func (c StateConfig) problems() []string {
	var p []string
	switch c.Backend {
	case state.Memory, state.Redis:
	default:
		p = append(p, fmt.Sprintf("state.backend must be %q or %q, not %q.", state.Memory, state.Redis, c.Backend))
	}
	if c.Backend == state.Redis && c.RedisURL == "" {
		p = append(p, "state.redis_url (or FTPBOT_REDIS_URL) is required with backend = \"redis\": redis://[user:password@]host:6379/0, or rediss:// for TLS.")
	} else if c.RedisURL != "" {
		if err := state.CheckURL(c.RedisURL); err != nil {
			p = append(p, fmt.Sprintf("state.redis_url (or FTPBOT_REDIS_URL) %v.", err))
		}
	}
	if len(c.KeyPrefix) > 64 || strings.IndexFunc(c.KeyPrefix, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		p = append(p, "state.key_prefix must be at most 64 printable characters without spaces, like \"ftpbot:\".")
	}
	return p
}

// summary is config check's line about the state: the backend, and where Redis is without its
// password.
func (c StateConfig) summary() string {
	if c.Backend != state.Redis {
		return "state in memory (this process only)"
	}
	return "state shared in Redis at " + state.Redact(c.RedisURL) + " with keys " + c.KeyPrefix + "…"
}

// openState opens the configured store and hands its limiters to the engine and the checks.
// Redis being down does not stop the server: the store starts degraded and answers from memory.
func (s *server) openState() error {
	st, err := state.Open(state.Config{Backend: s.cfg.State.Backend, RedisURL: s.cfg.State.RedisURL, KeyPrefix: s.cfg.State.KeyPrefix},
		s.log.With("component", "state"), s.health)
	if err != nil {
		return err
	}
	s.state = st
	if n := s.cfg.Limits.PerUserPerMinute; n > 0 {
		s.engine.Limiter = st.Limiter("questions", n)
	}
	return nil
}

// checkLimiter is the per-user limit on live checks, shared like the question limit; nil when
// probe.per_user_per_minute is 0.
func (s *server) checkLimiter() bot.Limiter {
	if n := s.cfg.Probe.PerUserPerMinute; n > 0 {
		return s.state.Limiter("checks", n)
	}
	return nil
}

// discordClaimTTL is how long a Discord gateway event stays claimed: an interaction must be
// answered within 3 seconds and its token lives 15 minutes.
const discordClaimTTL = 15 * time.Minute

// slackState is the Slack adapter's shared state: event de-duplication and Share answers.
func (s *server) slackState(o slack.Options) slack.Options {
	o.Events = s.state.Dedup("slack-events", slack.EventTTL)
	o.Shares = s.state.Shares("slack", slack.ShareTTL)
	return o
}
