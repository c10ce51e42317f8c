package main

import (
	"flag"
	"fmt"
)

// configCheck validates a config file and reports every problem at once, by key name, without
// printing any secret.
func (ev env) configCheck(args []string) error {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(ev.stderr)
	path := fs.String("config", "", "config file (default: $FTPBOT_CONFIG, else ./ftpbot.toml)")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: exitUsage}
	}
	cfg, where, err := loadConfig(*path, ev.getenv)
	file := where
	if where == "" {
		where = "(no config file: defaults and environment)"
	}
	if err != nil {
		return &exitError{code: exitUsage, msg: configErrorText(where, err)}
	}
	fmt.Fprintf(ev.stdout, "%s: OK\n", where)
	if w := permissionWarning(file, cfg); w != "" {
		fmt.Fprintln(ev.stdout, "  "+w)
	}
	fmt.Fprintf(ev.stdout, "  listen %s; slack %s; discord %s; probe in chat %s, on the web %s\n", cfg.Server.Listen,
		onOff(cfg.Slack.Enabled, cfg.Slack.Mode), onOff(cfg.Discord.Enabled, cfg.Discord.Mode), onOff(cfg.Probe.Enabled, ""), onOff(cfg.Probe.Web, ""))
	return nil
}

func onOff(on bool, mode string) string {
	if !on {
		return "off"
	}
	if mode == "" {
		return "on"
	}
	return "on (" + mode + ")"
}
