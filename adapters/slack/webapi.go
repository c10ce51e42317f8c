package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// response is what ftpbot sends back to Slack for a slash command or an interaction: in the HTTP
// response body, in a Socket Mode acknowledgement or to a response_url.
type response struct {
	ResponseType    string        `json:"response_type,omitempty"` // "ephemeral" | "in_channel"
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	DeleteOriginal  bool          `json:"delete_original,omitempty"`
	Text            string        `json:"text,omitempty"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	// raw, when set, is this response already encoded (a cached answer, see Adapter.answer);
	// the fields above are then empty.
	raw []byte
}

// encode returns the response as JSON.
func (p *response) encode() ([]byte, error) {
	if p.raw != nil {
		return p.raw, nil
	}
	return json.Marshal(p)
}

// call runs one outbound call with a short timeout, honouring Slack's rate limits: on HTTP 429 it
// waits Retry-After (when that is not too long) and tries again, at most three times in all.
func (a *Adapter) call(ctx context.Context, fn func(ctx context.Context) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err = fn(cctx)
		cancel()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := max(rl.RetryAfter, time.Second)
		if wait > maxRetryWait {
			return err
		}
		a.log.Info("slack: rate limited; waiting as Slack asked", "retry_after", wait.String())
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
	return err
}

// postResponse sends a message to a response_url (valid 30 minutes, at most 5 times).
func (a *Adapter) postResponse(ctx context.Context, responseURL string, p response) error {
	u, err := url.Parse(responseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("no usable response_url")
	}
	body, err := p.encode()
	if err != nil {
		return err
	}
	return a.call(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.http.Do(req)
		if err != nil {
			return redactURL(err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &slack.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
		case resp.StatusCode/100 != 2:
			return fmt.Errorf("response_url answered %s: %s", resp.Status, bytes.TrimSpace(msg))
		}
		return nil
	})
}

// redactURL drops the URL from a transport error: a response_url is a bearer credential for
// 30 minutes and does not belong in logs.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// postMessage posts a message with chat.postMessage, in a thread when threadTS is set.
func (a *Adapter) postMessage(ctx context.Context, channel, threadTS string, m Message) error {
	if a.api == nil {
		return errors.New("no bot token")
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false), // already escaped by Render
		slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return a.call(ctx, func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
}

// publishHome shows the Home tab to a user.
func (a *Adapter) publishHome(ctx context.Context, user string, view slack.HomeTabViewRequest) error {
	if a.api == nil {
		return errors.New("no bot token")
	}
	return a.call(ctx, func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
}

// botUserID returns the bot's own user id (auth.test, asked once and remembered).
func (a *Adapter) botUserID(ctx context.Context) string {
	a.selfMu.Lock()
	defer a.selfMu.Unlock()
	if a.selfID != "" || a.api == nil {
		return a.selfID
	}
	err := a.call(ctx, func(ctx context.Context) error {
		r, err := a.api.AuthTestContext(ctx)
		if err == nil {
			a.selfID = r.UserID
		}
		return err
	})
	if err != nil {
		a.log.Warn("slack: auth.test failed; the bot's own mention is stripped by position only", "error", err)
	}
	return a.selfID
}
