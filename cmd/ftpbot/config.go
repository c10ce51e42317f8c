package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/ftpbot/ftpbot/adapters/slack"
	"github.com/ftpbot/ftpbot/bot/probe"
	"github.com/ftpbot/ftpbot/internal/tomlcheck"
)

// Config is ftpbot's configuration: config.example.toml documents every key.
type Config struct {
	Server    ServerConfig    `toml:"server"`
	Limits    LimitsConfig    `toml:"limits"`
	Knowledge KnowledgeConfig `toml:"knowledge"`
	Slack     SlackConfig     `toml:"slack"`
	Discord   DiscordConfig   `toml:"discord"`
	Probe     ProbeConfig     `toml:"probe"`
	State     StateConfig     `toml:"state"`

	// meta records which keys the file set, so defaults that depend on presence ("enabled" unset
	// means: on when the secrets are there) can tell an absent key from a false one.
	meta toml.MetaData
	// fileRedisURL is state.redis_url as the file wrote it, before FTPBOT_REDIS_URL replaces
	// it: whether the file holds a password depends on the file's value.
	fileRedisURL string
}

// isSet reports whether the file wrote the dotted key ("slack.enabled"), whatever its value.
func (c *Config) isSet(key string) bool { return c.meta.IsDefined(strings.Split(key, ".")...) }

// ServerConfig is the HTTP server that carries the web reference and the platforms' endpoints.
type ServerConfig struct {
	Listen string `toml:"listen"`
	// MetricsListen serves /metrics on its own address; empty: on Listen, with everything else.
	MetricsListen   string   `toml:"metrics_listen"`
	PublicURL       string   `toml:"public_url"`
	LogLevel        string   `toml:"log_level"`
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// TrustedProxies are the CIDR ranges of the reverse proxies in front of the server, whose
	// X-Forwarded-For names the web visitor (see web.Options.TrustedProxies). Empty: none.
	TrustedProxies []string `toml:"trusted_proxies"`
}

// trustedProxies is server.trusted_proxies parsed; Validate has refused what does not parse.
// A bare address is a range of one.
func (c ServerConfig) trustedProxies() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, ok := parseProxyRange(s); ok {
			out = append(out, p)
		}
	}
	return out
}

func parseProxyRange(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// LimitsConfig bounds what one user can ask.
type LimitsConfig struct {
	PerUserPerMinute int `toml:"per_user_per_minute"`
}

// KnowledgeConfig adds the team's own notes to the built-in knowledge.
type KnowledgeConfig struct {
	TeamNotes string `toml:"team_notes"`
}

// SlackConfig configures the Slack adapter.
type SlackConfig struct {
	Enabled           bool   `toml:"enabled"`
	Mode              string `toml:"mode"`
	BotToken          string `toml:"bot_token"`
	AppToken          string `toml:"app_token"`
	SigningSecret     string `toml:"signing_secret"`
	Command           string `toml:"command"`
	DefaultVisibility string `toml:"default_visibility"`
	// APIURL is the Web API's base URL: Slack's, GovSlack's, or a fake's in tests.
	APIURL string `toml:"api_url"`
}

// DiscordConfig configures the Discord adapter.
type DiscordConfig struct {
	Enabled           bool   `toml:"enabled"`
	Mode              string `toml:"mode"`
	BotToken          string `toml:"bot_token"`
	ApplicationID     string `toml:"application_id"`
	PublicKey         string `toml:"public_key"`
	GuildID           string `toml:"guild_id"`
	MessageContent    bool   `toml:"message_content"`
	DefaultVisibility string `toml:"default_visibility"`
}

// ProbeConfig configures live server checks.
type ProbeConfig struct {
	Enabled bool `toml:"enabled"`
	// Web lets the web page and /api/ask run checks too: off by default, since a public page
	// that dials any host is an open scanner. Chat checks follow Enabled alone.
	Web              bool               `toml:"web"`
	Timeout          Duration           `toml:"timeout"`
	MaxConcurrent    int                `toml:"max_concurrent"`
	PerUserPerMinute int                `toml:"per_user_per_minute"`
	Ports            []int              `toml:"ports"`
	Allow            []string           `toml:"allow"`
	Deny             []string           `toml:"deny"`
	Profiles         map[string]Profile `toml:"profiles"`
}

// Profile is a named login for checks, so nobody types a password into chat.
type Profile struct {
	Host        string `toml:"host"`
	Username    string `toml:"username"`
	Password    string `toml:"password"`
	PasswordEnv string `toml:"password_env"`
	// AllowPlaintext lets the password go to a server that offers no TLS.
	AllowPlaintext bool `toml:"allow_plaintext"`
}

// Duration is a time.Duration written as "20s" in the file.
type Duration struct{ time.Duration }

// UnmarshalText parses "20s", "1m30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"20s\"", string(b))
	}
	d.Duration = v
	return nil
}

// defaults returns the configuration with nothing set.
func defaults() Config {
	return Config{
		Server:  ServerConfig{Listen: "127.0.0.1:8080", LogLevel: "info", ShutdownTimeout: Duration{10 * time.Second}},
		Limits:  LimitsConfig{PerUserPerMinute: 20},
		Slack:   SlackConfig{Command: "/ftp", DefaultVisibility: "ephemeral", APIURL: slack.DefaultAPIURL},
		Discord: DiscordConfig{DefaultVisibility: "ephemeral"},
		// Ports lists the extra ports only: 21 and 990 are always allowed (see probe.ChatPorts).
		Probe: ProbeConfig{Timeout: Duration{20 * time.Second}, MaxConcurrent: 4, PerUserPerMinute: 3},
		State: defaultState(),
	}
}

// Secrets that may come from the environment instead of the file; the environment wins.
var secretEnv = []struct {
	env   string
	field func(*Config) *string
}{
	{"SLACK_BOT_TOKEN", func(c *Config) *string { return &c.Slack.BotToken }},
	{"SLACK_APP_TOKEN", func(c *Config) *string { return &c.Slack.AppToken }},
	{"SLACK_SIGNING_SECRET", func(c *Config) *string { return &c.Slack.SigningSecret }},
	{"DISCORD_BOT_TOKEN", func(c *Config) *string { return &c.Discord.BotToken }},
	{"DISCORD_APPLICATION_ID", func(c *Config) *string { return &c.Discord.ApplicationID }},
	{"DISCORD_PUBLIC_KEY", func(c *Config) *string { return &c.Discord.PublicKey }},
	{"FTPBOT_REDIS_URL", func(c *Config) *string { return &c.State.RedisURL }},
}

// listenEnv overrides [server] listen; the --listen flag overrides it in turn.
const listenEnv = "FTPBOT_LISTEN"

// ConfigErrors is every problem found in a config, each a full sentence naming its key.
type ConfigErrors []string

func (e ConfigErrors) Error() string { return "the configuration has " + e.list() }

// list is "2 problems:" and the problems, one a line.
func (e ConfigErrors) list() string {
	return plural(len(e), "problem") + ":\n  - " + strings.Join(e, "\n  - ")
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// ParseConfig reads a TOML config from r, applies the environment's secrets and defaults, and
// validates it. Errors are ConfigErrors listing every problem at once.
func ParseConfig(r io.Reader, getenv func(string) string) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	c := defaults()
	// Every unknown key and every wrong type at once, instead of stopping at the first.
	meta, keyProblems, err := tomlcheck.Decode(string(data), &c)
	if err != nil {
		return nil, ConfigErrors{tomlcheck.SyntaxProblem(string(data), err)}
	}
	c.meta = meta
	problems := ConfigErrors(keyProblems)
	c.fileRedisURL = c.State.RedisURL
	for _, s := range secretEnv {
		if v := strings.TrimSpace(getenv(s.env)); v != "" {
			*s.field(&c) = v
		}
	}
	// The image sets FTPBOT_LISTEN=0.0.0.0:8080, so a config written for a laptop (127.0.0.1)
	// still listens where the container's port is; --listen wins over both.
	if v := strings.TrimSpace(getenv(listenEnv)); v != "" {
		c.Server.Listen = v
	}
	c.applyAutoModes()
	problems = append(problems, c.Validate()...)
	if len(problems) > 0 {
		return &c, problems
	}
	return &c, nil
}

// applyAutoModes fills in what an absent key means: an adapter whose "enabled" is not written is on
// when its secrets are present, and its mode follows the secrets given.
func (c *Config) applyAutoModes() {
	for _, p := range platforms {
		p.autoMode(c)
	}
}

// Validate reports every problem with the values, as sentences naming the key. It never includes
// a secret's value.
func (c *Config) Validate() ConfigErrors {
	var p ConfigErrors
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	if err := checkListen(c.Server.Listen); err != nil {
		bad("server.listen %v.", err)
	}
	if c.Server.MetricsListen != "" {
		if err := checkListen(c.Server.MetricsListen); err != nil {
			bad("server.metrics_listen %v.", err)
		}
	}
	if u := c.Server.PublicURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			bad("server.public_url must be an http or https URL like \"https://ftpbot.example.com\".")
		}
	}
	switch c.Server.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("server.log_level must be debug, info, warn or error, not %q.", c.Server.LogLevel)
	}
	if c.Server.ShutdownTimeout.Duration <= 0 {
		bad("server.shutdown_timeout must be more than zero.")
	}
	for _, r := range c.Server.TrustedProxies {
		if _, ok := parseProxyRange(r); !ok {
			bad("server.trusted_proxies has %q, which is not a CIDR range like \"10.0.0.0/8\" or an address.", r)
		}
	}
	if c.Limits.PerUserPerMinute < 0 {
		bad("limits.per_user_per_minute must be 0 (no limit) or more.")
	}
	if dir := c.Knowledge.TeamNotes; dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			bad("knowledge.team_notes names %q, which is not a directory.", dir)
		}
	}

	for _, pl := range platforms {
		p = append(p, pl.problems(c)...)
	}

	pr := c.Probe
	if pr.Timeout.Duration <= 0 || pr.Timeout.Duration > 5*time.Minute {
		bad("probe.timeout must be between 1s and 5m.")
	}
	if pr.MaxConcurrent < 1 {
		bad("probe.max_concurrent must be at least 1.")
	}
	if pr.PerUserPerMinute < 0 {
		bad("probe.per_user_per_minute must be 0 (no limit) or more.")
	}
	for _, port := range pr.Ports {
		if port < 1 || port > 65535 {
			bad("probe.ports has %d, which is not a TCP port.", port)
		}
	}
	for key, list := range map[string][]string{"probe.allow": pr.Allow, "probe.deny": pr.Deny} {
		for _, entry := range list {
			if !validHostOrCIDR(entry) {
				bad("%s has %q, which is neither a host name, an address nor a CIDR range.", key, entry)
			}
		}
	}
	names := make([]string, 0, len(pr.Profiles))
	for n := range pr.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		prof := pr.Profiles[n]
		if prof.Username == "" {
			bad("probe.profiles.%s.username is required.", n)
		}
		if _, err := probe.ParseScope(prof.Host); err != nil {
			bad("probe.profiles.%s.host %v.", n, err)
		}
		if prof.Password != "" && prof.PasswordEnv != "" {
			bad("probe.profiles.%s has both password and password_env: keep one.", n)
		}
	}
	p = append(p, c.State.options().Problems()...)
	return p
}

func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port like \"127.0.0.1:8080\", not %q", addr)
	}
	var n int
	if _, err := fmt.Sscan(port, &n); err != nil || n < 0 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("has %q as its port, which is not a number from 0 to 65535", port)
	}
	if host != "" && host != "localhost" {
		if _, err := netip.ParseAddr(host); err != nil && !validHostOrCIDR(host) {
			return fmt.Errorf("has %q as its host, which is not an address or host name", host)
		}
	}
	return nil
}

func validHostOrCIDR(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimPrefix(s, "*."), ".") {
		if label == "" || len(label) > 63 || strings.Trim(strings.ToLower(label), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}

// findConfig returns the config file to read: --config, else FTPBOT_CONFIG, else ./ftpbot.toml if
// it exists. An empty result means none: defaults and the environment apply.
func findConfig(flagValue string, getenv func(string) string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := getenv("FTPBOT_CONFIG"); v != "" {
		return v, nil
	}
	if _, err := os.Stat("ftpbot.toml"); err == nil {
		return "ftpbot.toml", nil
	}
	return "", nil
}

// loadConfig finds, reads and validates the configuration.
func loadConfig(flagValue string, getenv func(string) string) (*Config, string, error) {
	path, err := findConfig(flagValue, getenv)
	if err != nil {
		return nil, "", err
	}
	var r io.Reader = strings.NewReader("")
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, path, fmt.Errorf("reading the config: %w", err)
		}
		defer f.Close()
		r = f
	}
	c, err := ParseConfig(r, getenv)
	if c != nil {
		// Profiles' passwords may live in the environment; read them once, here, where getenv is.
		for name, p := range c.Probe.Profiles {
			if p.PasswordEnv != "" {
				p.Password = getenv(p.PasswordEnv)
				c.Probe.Profiles[name] = p
			}
		}
	}
	return c, path, err
}
