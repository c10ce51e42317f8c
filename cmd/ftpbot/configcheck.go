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
		return &exitError{code: exitUsage, msg: configErrorText(file, err)}
	}
	fmt.Fprintf(ev.stdout, "%s: OK\n", where)
	if w := permissionWarning(file, cfg); w != "" {
		fmt.Fprintln(ev.stdout, "  "+w)
	}
	line := "  listen " + cfg.Server.Listen
	for _, p := range platforms {
		line += "; " + p.name + " " + onOff(p.state(cfg))
	}
	fmt.Fprintf(ev.stdout, "%s; probe in chat %s, on the web %s\n", line, onOff(cfg.Probe.Enabled, ""), onOff(cfg.Probe.Web, ""))
	fmt.Fprintf(ev.stdout, "  %s\n", cfg.State.summary())
	// Where the Slack bot token goes: worth seeing when it is not Slack's own (GovSlack, a fake).
	fmt.Fprintf(ev.stdout, "  slack.api_url %s\n", cfg.Slack.APIURL)
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
