package state

import (
	"fmt"
	"strings"
	"unicode"
)

// Problems reports every problem with the [state] options, each a full sentence naming the config
// key (and FTPBOT_REDIS_URL, which wins over state.redis_url), never repeating the URL: it may hold
// a password. `ftpbot config check` and start-up list them with the rest of the configuration's.
func (c Config) Problems() []string {
	var p []string
	switch c.Backend {
	case Memory, Redis:
	default:
		p = append(p, fmt.Sprintf("state.backend must be %q or %q, not %q.", Memory, Redis, c.Backend))
	}
	if c.Backend == Redis && c.RedisURL == "" {
		p = append(p, "state.redis_url (or FTPBOT_REDIS_URL) is required with backend = \"redis\": redis://[user:password@]host:6379/0, or rediss:// for TLS.")
	} else if c.RedisURL != "" {
		if err := CheckURL(c.RedisURL); err != nil {
			p = append(p, fmt.Sprintf("state.redis_url (or FTPBOT_REDIS_URL) %v.", err))
		}
	}
	if len(c.KeyPrefix) > 64 || strings.IndexFunc(c.KeyPrefix, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		p = append(p, "state.key_prefix must be at most 64 printable characters without spaces, like \"ftpbot:\".")
	}
	return p
}
