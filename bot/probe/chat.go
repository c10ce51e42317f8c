package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// Settings are the operator's settings for checks (the config's [probe] table): what the terminal
// and chat share.
type Settings struct {
	// Chat and Web switch checks on for chat users ([probe] enabled) and for web visitors
	// ([probe] web): one engine serves both, and a public page that dials any host is an open
	// scanner, so the web has its own switch.
	Chat, Web   bool
	Ports       []int    // ports chat users may check besides 21 and 990 (see ChatPorts)
	Allow, Deny []string // hosts, addresses and CIDR ranges (see Policy)
	Timeout     time.Duration
	Profiles    map[string]Profile
	// MaxConcurrent and PerUserPerMinute bound the checks chat users start (see NewLimiter).
	MaxConcurrent, PerUserPerMinute int
	// PerUser, when set, counts each user's checks instead of this process's memory: a limiter
	// replicas share (see package state). It should allow PerUserPerMinute.
	PerUser bot.Limiter
}

// Profile is a named login for checks, so nobody types a password into chat.
type Profile struct {
	Host        string // the only host (and port) it may be used for; see ParseScope
	Username    string
	Password    string
	PasswordEnv string // where Password came from, to name it when it is empty
	// AllowPlaintext lets the password go to a server without TLS (see Options.AllowPlaintext).
	AllowPlaintext bool
}

// ChatPorts is what chat users may check: FTP's 21 and implicit FTPS's 990 always, plus extra. An
// empty list never means "any port".
func ChatPorts(extra []int) []int {
	ports := []int{21, 990}
	for _, p := range extra {
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	return ports
}

// Options returns the options for checking t: the allow and deny lists, the chat ports and the
// deadline, and the named profile's login (only for the host and port it names).
func (s Settings) Options(kb *knowledge.Base, t Target, profile string) (Options, error) {
	o := Options{
		Policy:  &Policy{Ports: ChatPorts(s.Ports), Allow: s.Allow, Deny: s.Deny},
		KB:      kb,
		Timeout: s.Timeout,
	}
	if err := o.Policy.Compile(); err != nil {
		return o, err
	}
	if profile != "" {
		p, ok := s.Profiles[profile]
		if !ok {
			return o, fmt.Errorf("there is no login profile %q in [probe.profiles]", profile)
		}
		// Only ever for its own host and port: config check refuses a profile without a host,
		// and this refuses it again, so no path sends its password anywhere else.
		scope, err := ParseScope(p.Host)
		if err != nil {
			return o, fmt.Errorf("profile %q cannot be used: its host %v", profile, err)
		}
		if !scope.Allows(t) {
			return o, fmt.Errorf("profile %q is for %s, not %s", profile, scope, t)
		}
		if p.Password == "" {
			return o, fmt.Errorf("profile %q has no password (is %s set?)", profile, orDefault(p.PasswordEnv, "password"))
		}
		o.User, o.Password, o.AllowPlaintext = p.Username, p.Password, p.AllowPlaintext
	}
	return o, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ChatChecker runs live checks for chat users, as bot.Engine.Check: the settings' policy with its
// port list (never AllowPrivate), at most MaxConcurrent at once and PerUserPerMinute per user,
// and progress lines to the platform while the check runs.
func ChatChecker(s Settings, kb *knowledge.Base, log *slog.Logger) func(ctx context.Context, req bot.Request, args string) (bot.Reply, error) {
	perUser := s.PerUser
	if perUser == nil && s.PerUserPerMinute > 0 {
		perUser = bot.NewRateLimiter(s.PerUserPerMinute)
	}
	limit := NewLimiter(s.MaxConcurrent, perUser)
	return func(ctx context.Context, req bot.Request, args string) (bot.Reply, error) {
		if web := req.Platform == "web"; web && !s.Web || !web && !s.Chat {
			return bot.Reply{}, bot.UsageError(checksOffText(web, args))
		}
		host, profile, implicit, err := parseCheckArgs(args)
		if err != nil {
			return bot.Reply{}, err
		}
		target, err := ParseTarget(host, implicit)
		if err != nil {
			return bot.Reply{}, bot.UsageError("I can't check that: " + err.Error() + ".")
		}
		o, err := s.Options(kb, target, profile)
		if err != nil {
			return bot.Reply{}, bot.UsageError("I can't check that: " + err.Error() + ".")
		}
		release, err := limit.Acquire(ctx, req.User)
		if err != nil {
			return bot.Reply{}, err
		}
		defer release()
		if req.Progress != nil {
			req.Progress("Checking " + target.String() + " …")
			o.Progress = func(r Result) { req.Progress(ResultLine(r)) }
		}
		rep, err := Run(ctx, target, o)
		var pe *PolicyError
		if errors.As(err, &pe) {
			return bot.Reply{}, bot.UsageError("I can't check that: " + pe.Reason)
		}
		if err != nil {
			return bot.Reply{}, err
		}
		// Never the host in logs at info: it can be a customer's; the outcome is enough.
		log.Info("check", "adapter", req.Platform, "ok", rep.OK, "steps", len(rep.Results))
		return rep.Reply(kb), nil
	}
}

// checksOffText says that checks are off on this front end and what to do instead.
func checksOffText(web bool, args string) string {
	host := "HOST"
	if f := strings.Fields(args); len(f) > 0 {
		host = f[0]
	}
	if web {
		return "Live checks are not available on the web. Ask in Slack or Discord, or run `ftpbot check " + host + "` in a terminal."
	}
	return "Live checks are turned off here. An operator can enable them with [probe] enabled = true, or run `ftpbot check " + host + "` in a terminal."
}

// parseCheckArgs reads "HOST [--profile NAME | profile NAME | profile:NAME] [--implicit]". Its
// errors are bot.UsageErrors, said to the user as they are.
func parseCheckArgs(args string) (host, profile string, implicit bool, err error) {
	f := strings.Fields(args)
	for i := 0; i < len(f); i++ {
		w := strings.ToLower(f[i])
		switch {
		case w == "--implicit" || w == "implicit":
			implicit = true
		case (w == "--profile" || w == "profile") && i+1 < len(f):
			profile = f[i+1]
			i++
		case strings.HasPrefix(w, "--profile=") || strings.HasPrefix(w, "profile:"):
			_, profile, _ = strings.Cut(f[i], map[bool]string{true: "=", false: ":"}[strings.HasPrefix(w, "--")])
		case host == "":
			host = f[i]
		default:
			return "", "", false, bot.UsageError("I check one server at a time: `check HOST[:PORT] [--profile NAME] [--implicit]`")
		}
	}
	if host == "" {
		return "", "", false, bot.UsageError("tell me which server to check: `check ftp.example.com`")
	}
	return host, profile, implicit, nil
}
