package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/probe"
	"github.com/ftpbot/ftpbot/knowledge"
)

// check is `ftpbot check [--json] [--allow-private] [--implicit] [--profile NAME] [--config FILE]
// HOST[:PORT]`: exit 0 when every step passed (warnings allowed), 1 when one failed, 2 for a
// usage error or a target the policy refuses.
func (ev env) check(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(ev.stderr)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	allowPrivate := fs.Bool("allow-private", false, "allow loopback and private addresses (the operator's own servers)")
	implicit := fs.Bool("implicit", false, "implicit FTPS: TLS from the first byte (port 990 unless given)")
	profile := fs.String("profile", "", "log in with the named profile from [probe.profiles] instead of anonymously")
	configPath := fs.String("config", "", "config file (for profiles and the allow/deny lists)")
	// Flags may come after the host too: `ftpbot check ftp.example.com --json`.
	var hosts []string
	for {
		if err := fs.Parse(args); err != nil {
			return &exitError{code: exitUsage}
		}
		if fs.NArg() == 0 {
			break
		}
		hosts = append(hosts, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(hosts) != 1 {
		return usageErr("ftpbot check: give one HOST[:PORT], e.g. ftpbot check ftp.example.com")
	}
	target, err := probe.ParseTarget(hosts[0], *implicit)
	if err != nil {
		return usageErr("ftpbot check: %v", err)
	}
	cfg, path, err := loadConfig(*configPath, ev.getenv)
	if err != nil {
		return &exitError{code: exitUsage, msg: configErrorText(path, err)}
	}
	kb, err := knowledge.Open(cfg.Knowledge.TeamNotes)
	if err != nil {
		return err
	}
	o, err := probeOptions(cfg, kb, target, *profile)
	if err != nil {
		return &exitError{code: exitUsage, msg: "ftpbot check: " + err.Error()}
	}
	o.Policy.Ports = nil // the terminal takes any port
	o.Policy.AllowPrivate = *allowPrivate
	if !*asJSON {
		fmt.Fprintf(ev.stdout, "Checking %s …\n", target)
		o.Progress = func(s probe.Result) { fmt.Fprintln(ev.stdout, "  "+probe.ResultLine(s)) }
	} else if isTerminal(ev.stderr) {
		o.Progress = func(s probe.Result) { fmt.Fprintln(ev.stderr, probe.ResultLine(s)) }
	}
	rep, err := probe.Run(ctx, target, o)
	var pe *probe.PolicyError
	if errors.As(err, &pe) {
		return &exitError{code: exitUsage, msg: "ftpbot check: " + pe.Reason}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(ev.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(ev.stdout, rep.Verdict)
	}
	if !rep.OK {
		return &exitError{code: exitNoMatch}
	}
	return nil
}

// chatPorts is what chat users may check: FTP's 21 and implicit FTPS's 990 always, plus what
// [probe] ports lists. An empty list never means "any port".
func chatPorts(extra []int) []int {
	ports := []int{21, 990}
	for _, p := range extra {
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	return ports
}

// probeOptions is what the terminal and chat share: the config's allow/deny lists, ports and
// deadline, and the named profile's login (only for the host it names).
func probeOptions(cfg *Config, kb *knowledge.Base, t probe.Target, profile string) (probe.Options, error) {
	o := probe.Options{
		Policy:  &probe.Policy{Ports: chatPorts(cfg.Probe.Ports), Allow: cfg.Probe.Allow, Deny: cfg.Probe.Deny},
		KB:      kb,
		Timeout: cfg.Probe.Timeout.Duration,
	}
	if err := o.Policy.Compile(); err != nil {
		return o, err
	}
	if profile != "" {
		p, ok := cfg.Probe.Profiles[profile]
		if !ok {
			return o, fmt.Errorf("there is no login profile %q in [probe.profiles]", profile)
		}
		if p.Host != "" && !strings.EqualFold(strings.TrimSuffix(p.Host, "."), t.Host) {
			return o, fmt.Errorf("profile %q is for %s, not %s", profile, p.Host, t.Host)
		}
		if p.Password == "" {
			return o, fmt.Errorf("profile %q has no password (is %s set?)", profile, orDefault(p.PasswordEnv, "password"))
		}
		o.User, o.Password = p.Username, p.Password
	}
	return o, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// chatChecker runs live checks for chat users: the config's policy with its port list (never
// --allow-private), at most max_concurrent at once and per_user_per_minute per user, and progress
// lines to the platform while the check runs.
func chatChecker(cfg *Config, kb *knowledge.Base, log *slog.Logger) func(ctx context.Context, req bot.Request, target string) (bot.Reply, error) {
	limit := probe.NewLimiter(cfg.Probe.MaxConcurrent, cfg.Probe.PerUserPerMinute)
	return func(ctx context.Context, req bot.Request, args string) (bot.Reply, error) {
		host, profile, implicit, err := parseCheckArgs(args)
		if err != nil {
			return bot.Reply{}, bot.UsageError(err.Error())
		}
		target, err := probe.ParseTarget(host, implicit)
		if err != nil {
			return bot.Reply{}, bot.UsageError("I can't check that: " + err.Error() + ".")
		}
		o, err := probeOptions(cfg, kb, target, profile)
		if err != nil {
			return bot.Reply{}, bot.UsageError("I can't check that: " + err.Error() + ".")
		}
		release, err := limit.Acquire(req.User)
		if err != nil {
			return bot.Reply{}, err
		}
		defer release()
		if req.Progress != nil {
			req.Progress("Checking " + target.String() + " …")
			o.Progress = func(s probe.Result) { req.Progress(probe.ResultLine(s)) }
		}
		rep, err := probe.Run(ctx, target, o)
		var pe *probe.PolicyError
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

// parseCheckArgs reads "HOST [--profile NAME | profile NAME | profile:NAME] [--implicit]".
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
			return "", "", false, fmt.Errorf("I check one server at a time: `check HOST[:PORT] [--profile NAME] [--implicit]`")
		}
	}
	if host == "" {
		return "", "", false, fmt.Errorf("tell me which server to check: `check ftp.example.com`")
	}
	return host, profile, implicit, nil
}
