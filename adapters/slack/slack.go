// Package slack is ftpbot's Slack adapter: the /ftp slash command, answers to @ftpbot mentions in
// threads (from the whole thread, see thread.go), the "Explain FTP error" message shortcut, a
// select menu of related answers, buttons for the whole answer (More) and for sharing a private
// answer in the channel, and the App Home tab. Answers are Block Kit messages rendered from the
// platform-neutral bot.Reply (see Render).
//
// It runs over Socket Mode (the default: no public URL, needs the app token xapp-… and the bot
// token xoxb-…) or in HTTP mode, where Slack posts to /slack/commands, /slack/interactivity and
// /slack/events on ftpbot's own HTTP server and every request is verified with the signing
// secret. HTTP mode works with the signing secret alone: slash commands and buttons answer
// through the response and response_url; mentions, threads and the Home tab need the bot token.
//
//	a, err := slack.New(slack.Options{AppToken: app, BotToken: bot, Engine: e, Health: h})
//	go a.Run(ctx)
//
// The adapter never logs tokens, secrets or what users typed: only the kind of command.
package slack

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ftpbot/ftpbot/adapters/chatkit"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
)

// Options configure the adapter; see config.example.toml's [slack] table.
type Options struct {
	Mode                              string // "socket" (default) | "http"
	BotToken, AppToken, SigningSecret string
	Command                           string         // the slash command, "/ftp" when empty
	DefaultVisibility                 bot.Visibility // ephemeral (default) | in_channel
	// BaseURL is the public URL of the web reference, for "Full guide" links; empty means no
	// link buttons (text only).
	BaseURL string
	Engine  *bot.Engine
	// Health, when set, is told the connection state (connecting, connected, disconnected,
	// listening, off) with reasons people can act on.
	Health *bot.Health
	Log    *slog.Logger
	// APIURL is the Slack Web API base URL ("" = DefaultAPIURL): GovSlack's, or slacktest in
	// tests. It must be https, or http to loopback (see CheckAPIURL).
	APIURL string
	// HTTPClient carries every outbound call (Web API, response_url); one with a 10 s timeout
	// when nil.
	HTTPClient *http.Client
	Now        func() time.Time // the clock for the event de-duplication and share TTLs; time.Now when nil
	// MaxConcurrent bounds the answers being worked on at once; 16 when zero.
	MaxConcurrent int
	// OnDeliveryFailure, when set, is told when an answer could not be delivered to Slack.
	OnDeliveryFailure func(reason string)
	// Events remembers handled event ids, so a retry is answered once; Shares keeps private
	// answers for their Share buttons. Both are this process's memory when nil; a shared store
	// (state.Store) makes replicas agree.
	Events bot.Dedup
	Shares bot.Shares
}

// Name is the adapter's name in health, metrics, logs and bot.Request.Platform.
const Name = "slack"

// Tunables of the adapter. Slack waits 3 seconds for an acknowledgement; slash-command answers
// not ready within defaultAckBudget are acknowledged with a short "working on it" and delivered
// through response_url.
const (
	defaultAckBudget = 2 * time.Second
	jobTimeout       = 2 * time.Minute  // one answer, including a live check and its delivery
	callTimeout      = 10 * time.Second // one Web API or response_url call
	maxRetryWait     = 30 * time.Second // longest Retry-After honoured before giving up
	maxAckBytes      = 19 << 10         // Socket Mode drops acknowledgements of 20 KB and more
	drainTimeout     = 5 * time.Second  // how long Run waits for answers in progress at shutdown

	// EventTTL is how long handled event ids are remembered (Slack retries for about 5 minutes).
	EventTTL = 15 * time.Minute
	// ShareTTL is how long an answer waits for its Share button: response_url lives 30 minutes.
	ShareTTL = 30 * time.Minute
)

// Adapter is the Slack front end of one engine.
type Adapter struct {
	o      Options
	log    *slog.Logger
	api    webAPI        // the Web API with the bot token; nil in HTTP mode without one
	client *slack.Client // the same client, for Socket Mode
	http   *http.Client

	workers *chatkit.Workers // answers in progress, bounded; cancelled at shutdown

	events    bot.Dedup          // event ids already handled (Slack retries)
	shares    bot.Shares         // private answers that may be shared
	rendered  *bot.Cache[[]byte] // encoded answers to stable replies, by question
	questions *chatkit.Questions // the questions behind the cards' More buttons
	// progressEvery spaces a slow command's progress updates (see progress).
	progressEvery time.Duration

	selfMu sync.Mutex
	selfID string // the bot's own user id, for stripping its mention

	homeMu   sync.Mutex
	homeView *slack.HomeTabViewRequest

	ackBudget time.Duration // how long a slash command may take to answer in its acknowledgement
	maxAck    int           // the largest acknowledgement payload, in bytes
}

// New validates the options and prepares the adapter. It does not connect.
func New(o Options) (*Adapter, error) {
	if o.Engine == nil {
		return nil, errors.New("slack: no engine")
	}
	if o.Mode == "" {
		o.Mode = "socket"
	}
	if o.Command == "" {
		o.Command = "/ftp"
	}
	if o.DefaultVisibility == "" {
		o.DefaultVisibility = bot.Ephemeral
	}
	if p := o.Problems(true); len(p) > 0 {
		return nil, errors.New("slack: " + strings.Join(p, " "))
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: callTimeout}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 16
	}
	a := &Adapter{
		o:             o,
		log:           o.Log,
		http:          o.HTTPClient,
		events:        o.Events,
		shares:        o.Shares,
		rendered:      chatkit.NewRendered[[]byte](),
		questions:     chatkit.NewQuestions(1000),
		progressEvery: 3 * time.Second,

		ackBudget: defaultAckBudget,
		maxAck:    maxAckBytes,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.workers = chatkit.NewWorkers(chatkit.WorkerOptions{Max: o.MaxConcurrent, Name: "slack", Log: a.log, Health: o.Health,
		OnBusy: func() { a.deliveryFailed("busy") }})
	if a.events == nil {
		a.events = bot.NewSeen(EventTTL, 4096, o.Now)
	}
	if a.shares == nil {
		a.shares = bot.NewShareCache(ShareTTL, 1000, o.Now)
	}
	if o.BotToken != "" {
		opts := []slack.Option{slack.OptionHTTPClient(o.HTTPClient)}
		if o.APIURL != "" {
			opts = append(opts, slack.OptionAPIURL(strings.TrimRight(o.APIURL, "/")+"/"))
		}
		if o.AppToken != "" {
			opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
		}
		a.client = slack.New(o.BotToken, opts...)
		a.api = a.client
	}
	return a, nil
}

// webAPI is the part of slack-go's Web API client that the adapter calls.
type webAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	GetPermalinkContext(ctx context.Context, params *slack.PermalinkParameters) (string, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
}

// Routes returns the HTTP endpoints Slack posts to in HTTP mode; none in Socket Mode.
func (a *Adapter) Routes() map[string]http.Handler {
	if a.o.Mode != "http" {
		return nil
	}
	return map[string]http.Handler{
		"POST /slack/commands":      http.HandlerFunc(a.serveCommand),
		"POST /slack/interactivity": http.HandlerFunc(a.serveInteractivity),
		"POST /slack/events":        http.HandlerFunc(a.serveEvents),
	}
}

// Run runs until ctx ends: the Socket Mode connection with its reconnects, or, in HTTP mode,
// nothing but the health report (the routes do the work). It returns nil on shutdown; problems
// with Slack are reported through Health and the log, and retried, so that the rest of the
// server keeps running.
func (a *Adapter) Run(ctx context.Context) error {
	defer a.shutdown()
	if a.o.Mode == "http" {
		if a.api == nil {
			a.log.Info("slack: HTTP mode without slack.bot_token (SLACK_BOT_TOKEN): slash commands and buttons work; thread mentions, shortcut answers in threads and the App Home tab are off")
		}
		a.o.Health.Set(Name, bot.StateListening, "POST /slack/commands, /slack/interactivity, /slack/events")
		<-ctx.Done()
		a.o.Health.Set(Name, bot.StateOff, "shut down")
		return nil
	}
	err := a.runSocket(ctx)
	a.o.Health.Set(Name, bot.StateOff, "shut down")
	return err
}

// shutdown stops new work, lets answers in progress finish for a moment, then cancels them.
func (a *Adapter) shutdown() { a.workers.Shutdown(drainTimeout) }

// spawn runs fn in the background with a bounded number at once; fn's context ends after
// timeout or at shutdown. It reports false when the adapter is shutting down.
func (a *Adapter) spawn(timeout time.Duration, fn func(ctx context.Context)) bool {
	return a.workers.Go(timeout, fn)
}

func (a *Adapter) deliveryFailed(reason string) {
	if a.o.OnDeliveryFailure != nil {
		a.o.OnDeliveryFailure(reason)
	}
}

// request builds the engine request for a Slack user.
func request(text, user string) bot.Request {
	return bot.Request{Text: text, User: user, Platform: Name}
}
