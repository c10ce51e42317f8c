package slack

import (
	"encoding/json"
	"errors"
	"github.com/ftpbot/ftpbot/adapters/chatkit"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody bounds one request from Slack. Slash commands and events are a few KB; an interaction
// or event that carries a message with a pasted log can be larger.
const maxBody = 512 << 10

var (
	errNoSignature  = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	errStale        = errors.New("request timestamp is more than 5 minutes from now")
	errBadSignature = errors.New("signature does not match")
	errSSLCheck     = errors.New("ssl_check")
)

// verifySignature checks Slack's request signature with slack-go's SecretsVerifier: the
// timestamp within five minutes of now (older requests may be replays), X-Slack-Signature "v0="
// and the HMAC-SHA256 of "v0:" + timestamp + ":" + the raw body, compared in constant time. It
// sorts the verifier's errors into the three the adapter logs.
func verifySignature(secret string, h http.Header, body []byte) error {
	sv, err := slack.NewSecretsVerifier(h, secret)
	var numErr *strconv.NumError
	switch {
	case errors.Is(err, slack.ErrMissingHeaders):
		return errNoSignature
	case errors.Is(err, slack.ErrExpiredTimestamp), errors.As(err, &numErr):
		return errStale
	case err != nil:
		return errBadSignature
	}
	sv.Write(body)
	if sv.Ensure() != nil {
		return errBadSignature
	}
	return nil
}

// readVerified reads the body once, within maxBody, verifies the signature and then the content
// type. On failure it writes the error response (401 for anything about the signature, 400 for
// the rest) and returns false; nothing is answered.
func (a *Adapter) readVerified(w http.ResponseWriter, r *http.Request, contentType string) ([]byte, bool) {
	if r.Header.Get("X-Slack-Signature") == "" || r.Header.Get("X-Slack-Request-Timestamp") == "" {
		httpError(w, http.StatusUnauthorized, errNoSignature.Error())
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		httpError(w, http.StatusBadRequest, "request body too large or unreadable")
		return nil, false
	}
	if err := verifySignature(a.o.SigningSecret, r.Header, body); err != nil {
		a.log.Info("slack: rejected a request", "path", r.URL.Path, "reason", err.Error())
		httpError(w, http.StatusUnauthorized, "invalid request signature")
		return nil, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != contentType {
		httpError(w, http.StatusBadRequest, "expected "+contentType)
		return nil, false
	}
	return body, true
}

func httpError(w http.ResponseWriter, status int, msg string) { chatkit.HTTPError(w, status, msg) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// parseCommand reads a slash command from its form body.
func parseCommand(body []byte) (slack.SlashCommand, error) {
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return slack.SlashCommand{}, err
	}
	if f.Get("ssl_check") == "1" {
		// Slack checks the certificate of a command URL now and then with this POST.
		return slack.SlashCommand{}, errSSLCheck
	}
	c := slack.SlashCommand{
		TeamID: f.Get("team_id"), TeamDomain: f.Get("team_domain"), EnterpriseID: f.Get("enterprise_id"),
		ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"),
		UserID: f.Get("user_id"), UserName: f.Get("user_name"),
		Command: f.Get("command"), Text: f.Get("text"),
		ResponseURL: f.Get("response_url"), TriggerID: f.Get("trigger_id"), APIAppID: f.Get("api_app_id"),
	}
	if c.Command == "" || c.UserID == "" {
		return c, errors.New("not a slash command: no command or user_id")
	}
	return c, nil
}

// parseInteraction reads an interaction from its form body (a JSON "payload" field).
func parseInteraction(body []byte) (slack.InteractionCallback, error) {
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return slack.InteractionCallback{}, err
	}
	p := f.Get("payload")
	if p == "" {
		return slack.InteractionCallback{}, errors.New("no payload")
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(p), &cb); err != nil {
		return cb, err
	}
	if cb.Type == "" {
		return cb, errors.New("interaction without a type")
	}
	return cb, nil
}

// serveCommand is POST /slack/commands: the answer goes in the response body when it is ready in
// time, else a short acknowledgement now and the answer through response_url.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r, "application/x-www-form-urlencoded")
	if !ok {
		return
	}
	cmd, err := parseCommand(body)
	if errors.Is(err, errSSLCheck) {
		w.WriteHeader(http.StatusOK)
		return
	}
	if err != nil {
		httpError(w, http.StatusBadRequest, "malformed slash command")
		return
	}
	if p := a.command(cmd); p != nil {
		body, err := p.encode()
		if err != nil {
			httpError(w, http.StatusInternalServerError, "could not encode the answer")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveInteractivity is POST /slack/interactivity: buttons and the message shortcut. It
// acknowledges at once; answers go through response_url or the Web API.
func (a *Adapter) serveInteractivity(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r, "application/x-www-form-urlencoded")
	if !ok {
		return
	}
	cb, err := parseInteraction(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, "malformed interaction payload")
		return
	}
	a.interaction(cb)
	w.WriteHeader(http.StatusOK)
}

// parseEvent reads an Events API request: a url_verification challenge or an event callback.
func parseEvent(body []byte) (slackevents.EventsAPIEvent, string, error) {
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		return slackevents.EventsAPIEvent{}, "", err
	}
	if outer.Type == slackevents.URLVerification {
		return slackevents.EventsAPIEvent{Type: outer.Type}, outer.Challenge, nil
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	return ev, "", err
}

// serveEvents is POST /slack/events: the url_verification challenge, then mentions and the Home
// tab. Every event is acknowledged at once; a retry (X-Slack-Retry-Num) of one already handled
// is acknowledged and not answered again.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r, "application/json")
	if !ok {
		return
	}
	ev, challenge, err := parseEvent(body)
	switch {
	case err == nil && ev.Type == slackevents.URLVerification:
		writeJSON(w, map[string]string{"challenge": challenge})
		return
	case err != nil && ev.Type == "":
		httpError(w, http.StatusBadRequest, "malformed event")
		return
	case err != nil:
		// An event type this adapter does not know: acknowledge so Slack does not retry it.
		a.log.Debug("slack: ignoring an event", "type", ev.Type)
	default:
		a.event(ev)
	}
	w.WriteHeader(http.StatusOK)
}
