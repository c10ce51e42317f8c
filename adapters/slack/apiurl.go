package slack

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// DefaultAPIURL is Slack's Web API. GovSlack workspaces use their own (https://slack-gov.com/api/);
// tests point the adapter at a fake on loopback.
const DefaultAPIURL = "https://slack.com/api/"

// CheckAPIURL reports what is wrong with a Web API base URL ("" means DefaultAPIURL). The bot token
// goes with every call, so the URL must be https; plain http is accepted only to a loopback
// address, where a test's fake Slack listens. The error completes "slack.api_url …" and never
// repeats a password the URL may carry.
func CheckAPIURL(raw string) error {
	if raw == "" {
		return nil
	}
	const want = `must be an https URL like "https://slack.com/api/" (http only to a loopback address such as http://127.0.0.1:8080/api/)`
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return errors.New(want)
	}
	if u.User != nil {
		return errors.New("must not carry a user name or password: the bot token is all Slack needs")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s, without a query or fragment, not %q", want, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s: %q would send the bot token unencrypted", want, raw)
	}
	return fmt.Errorf("%s, not %q", want, raw)
}

// isLoopback reports whether host is localhost or a loopback address (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
