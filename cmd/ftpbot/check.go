package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

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
	o, err := probeSettings(cfg).Options(kb, target, *profile)
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

// probeSettings are the config's [probe] table as the probe's settings.
func probeSettings(cfg *Config) probe.Settings {
	s := probe.Settings{Chat: cfg.Probe.Enabled, Web: cfg.Probe.Web, Ports: cfg.Probe.Ports, Allow: cfg.Probe.Allow, Deny: cfg.Probe.Deny, Timeout: cfg.Probe.Timeout.Duration,
		MaxConcurrent: cfg.Probe.MaxConcurrent, PerUserPerMinute: cfg.Probe.PerUserPerMinute, Profiles: map[string]probe.Profile{}}
	for name, p := range cfg.Probe.Profiles {
		s.Profiles[name] = probe.Profile{Host: p.Host, Username: p.Username, Password: p.Password, PasswordEnv: p.PasswordEnv, AllowPlaintext: p.AllowPlaintext}
	}
	return s
}
