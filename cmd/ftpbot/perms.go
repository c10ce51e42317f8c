package main

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
)

// secretKeys are the keys whose values are secrets when the file sets them.
var secretKeys = []string{"slack.bot_token", "slack.app_token", "slack.signing_secret", "discord.bot_token"}

// secretsInFile lists the secret keys the config file itself sets (not the environment).
func (c *Config) secretsInFile() []string {
	var keys []string
	for _, k := range secretKeys {
		if c.isSet(k) {
			keys = append(keys, k)
		}
	}
	if c.isSet("state.redis_url") && hasCredentials(c.fileRedisURL) {
		keys = append(keys, "state.redis_url")
	}
	for name := range c.Probe.Profiles {
		if c.meta.IsDefined("probe", "profiles", name, "password") {
			keys = append(keys, "probe.profiles."+name+".password")
		}
	}
	sort.Strings(keys)
	return keys
}

// hasCredentials reports whether a URL carries a password (redis://user:password@host, or
// redis://:password@host). One that does not parse counts when it has an "@": better a needless
// warning than a missed secret.
func hasCredentials(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return strings.Contains(raw, "@")
	}
	pw, ok := u.User.Password()
	return ok && pw != ""
}

// permissionWarning says when a config file that holds secrets may be read by other users of
// the machine (its group or everyone), or "" when it may not, holds none, or is not a file.
func permissionWarning(path string, c *Config) string {
	if path == "" {
		return ""
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o044 == 0 {
		return ""
	}
	secrets := c.secretsInFile()
	if len(secrets) == 0 {
		return ""
	}
	return fmt.Sprintf("warning: %s holds secrets (%s) and other users of this machine can read it (mode %04o). Run `chmod 600 %s`, or move the secrets to the environment.",
		path, joinKeys(secrets), st.Mode().Perm(), path)
}

func joinKeys(keys []string) string {
	if len(keys) > 3 {
		return fmt.Sprintf("%s, %s and %d more", keys[0], keys[1], len(keys)-2)
	}
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}
