package main

import (
	"time"

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

// options is the [state] table as the state package takes it.
func (c StateConfig) options() state.Config {
	return state.Config{Backend: c.Backend, RedisURL: c.RedisURL, KeyPrefix: c.KeyPrefix}
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
	st, err := state.Open(s.cfg.State.options(), s.log.With("component", "state"), s.health)
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
