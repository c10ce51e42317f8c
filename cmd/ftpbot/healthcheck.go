package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// exitUnhealthy is healthcheck's only failure status: Docker's HEALTHCHECK reads 0 as healthy and
// 1 as unhealthy, and reserves 2, so even a usage error exits 1 here.
const exitUnhealthy = 1

// healthcheck asks the ftpbot serving on this host for /healthz, with a time-out: the image's
// HEALTHCHECK, which has no curl. The address is the one serve listens on, found the same way
// (--listen, else FTPBOT_LISTEN, else [server] listen of the config, else 127.0.0.1:8080), with
// an unspecified host (0.0.0.0, ::) asked on loopback.
func (ev env) healthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(ev.stderr)
	configFile := fs.String("config", "", "config file, for [server] listen (default: $FTPBOT_CONFIG, else ./ftpbot.toml if present)")
	listen := fs.String("listen", "", "the address serve listens on, overriding FTPBOT_LISTEN and [server] listen")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: exitUnhealthy}
	}
	if fs.NArg() > 0 {
		return &exitError{code: exitUnhealthy, msg: fmt.Sprintf("ftpbot healthcheck: unexpected argument %q", fs.Arg(0))}
	}
	addr := *listen
	if addr == "" {
		// A config with problems still names its listen address; serve would refuse it, and
		// then the request below fails, which is the right answer.
		cfg, _, _ := loadConfig(*configFile, ev.getenv)
		addr = defaults().Server.Listen
		if cfg != nil {
			addr = cfg.Server.Listen
		}
	}
	target, err := loopbackFor(addr)
	if err != nil {
		return &exitError{code: exitUnhealthy, msg: "ftpbot healthcheck: " + err.Error()}
	}
	url := "http://" + target + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &exitError{code: exitUnhealthy, msg: "ftpbot healthcheck: " + err.Error()}
	}
	// No proxy: the question is about this host, whatever HTTP_PROXY says.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return &exitError{code: exitUnhealthy, msg: fmt.Sprintf("ftpbot healthcheck: %s: %v", url, err)}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return &exitError{code: exitUnhealthy, msg: fmt.Sprintf("ftpbot healthcheck: %s answered %s", url, resp.Status)}
	}
	fmt.Fprintf(ev.stdout, "ftpbot healthcheck: %s: %s\n", url, resp.Status)
	return nil
}

// loopbackFor turns a listen address into one to connect to: an unspecified host (":8080",
// "0.0.0.0:8080", "[::]:8080") is asked on loopback of the same family.
func loopbackFor(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("the listen address %q is not host:port", listen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	if port == "0" {
		return "", fmt.Errorf("the listen address %q has port 0 (any free port): give the real one with --listen", listen)
	}
	return net.JoinHostPort(host, port), nil
}
