// Package discord is ftpbot's Discord adapter: the /ftp application command with autocomplete,
// the "Explain FTP error" message context menu, a select menu of related answers, buttons for
// the whole answer (More) and for sharing, and (when enabled) answers to @mentions; in a thread, a
// forum post or a reply chain both read the conversation and answer from all of it (see
// thread.go). It runs over the gateway or as an HTTP interactions
// endpoint (POST /discord/interactions), verified with Ed25519.
//
//	a, err := discord.New(discord.Options{Mode: "gateway", BotToken: tok, ApplicationID: app, Engine: e})
//	go a.Run(ctx)
//
// Every message it sends has empty AllowedMentions: no user text can ping anyone.
package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/adapters/chatkit"
	"github.com/ftpbot/ftpbot/bot"
)

// Options configure the adapter; see config.example.toml's [discord] table.
type Options struct {
	Mode              string // "gateway" (default) | "http"
	BotToken          string
	ApplicationID     string
	PublicKey         string // hex; required in HTTP mode
	GuildID           string // register commands in one guild (instant) instead of globally
	MessageContent    bool   // answer @mentions (needs the privileged intent)
	DefaultVisibility bot.Visibility
	BaseURL           string
	Engine            *bot.Engine
	Health            *bot.Health
	Log               *slog.Logger
	// Transport, when set, carries the REST calls (tests capture them here).
	Transport     http.RoundTripper
	Now           func() time.Time
	MaxConcurrent int // handlers at once on the gateway; 16 when zero
	// OnDeliveryFailure is told when a follow-up could not be delivered after retries.
	OnDeliveryFailure func(reason string)
	// Gateway, when set, claims each gateway interaction and mention by id before it is answered.
	// One session per shard gets each event, but two replicas started with the same token and
	// shard both get it; with a shared store (state.Store) only the first answers. The HTTP
	// endpoint needs none: Discord posts an interaction once, to one replica.
	Gateway bot.Dedup
}

// Adapter is a running Discord connection.
type Adapter struct {
	o    Options
	key  ed25519.PublicKey
	rest *discordgo.Session // REST calls: responses, follow-ups, registration
	log  *slog.Logger
	// workers answer interactions and mentions, a bounded number at once; busyWorkers send the
	// "busy, try again" replies when every worker is taken (see busy).
	workers, busyWorkers *chatkit.Workers
	// rendered holds the responses to stable questions, encoded (see fast).
	rendered  *bot.Cache[*response]
	questions *chatkit.Questions // the questions behind the cards' More buttons
}

// Name is the adapter's name in health, metrics and logs.
const Name = "discord"

// MaxBody bounds an interaction request. Discord's payloads are a few KB; a context-menu command
// carries the target message (up to 4,000 characters of content plus embeds).
const MaxBody = 256 << 10

// New validates the options and prepares the adapter. It does not connect.
func New(o Options) (*Adapter, error) {
	if o.Engine == nil {
		return nil, errors.New("discord: no engine")
	}
	if o.Mode == "" {
		o.Mode = "gateway"
	}
	if o.DefaultVisibility == "" {
		o.DefaultVisibility = bot.Ephemeral
	}
	if p := o.Problems(true); len(p) > 0 {
		return nil, errors.New("discord: " + strings.Join(p, " "))
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &Adapter{o: o, log: o.Log, rendered: chatkit.NewRendered[*response](), questions: chatkit.NewQuestions(1000)}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.workers = chatkit.NewWorkers(chatkit.WorkerOptions{Max: o.MaxConcurrent, Name: Name, Log: a.log, Health: o.Health,
		OnBusy: func() { a.deliveryFailed("busy") }})
	a.busyWorkers = chatkit.NewWorkers(chatkit.WorkerOptions{Max: busyReplies, Name: Name, Log: a.log, Health: o.Health})
	if o.Mode == "http" {
		a.key, _ = hex.DecodeString(o.PublicKey) // Problems checked it
	}
	token := ""
	if o.BotToken != "" {
		token = "Bot " + strings.TrimPrefix(o.BotToken, "Bot ")
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	s.Client = &http.Client{Timeout: 10 * time.Second, Transport: o.Transport}
	s.ShouldRetryOnRateLimit = true // honours 429 Retry-After per route bucket
	s.MaxRestRetries = 2
	s.LogLevel = discordgo.LogWarning
	a.rest = s
	return a, nil
}

// Commands are the application commands ftpbot registers: /ftp with an autocompleted query and a
// public flag, and the message context menu. The description comes from the bot's registry.
func Commands() []*discordgo.ApplicationCommand {
	// The description and the option's hint come from the bot's command registry, so Discord,
	// Slack and help say the same thing.
	var summary string
	var verbs []string
	for _, c := range bot.Commands() {
		if c.Name == "ask" {
			summary = c.Summary
			continue
		}
		verbs = append(verbs, c.Name+" "+c.Usage)
	}
	hint := "A code (530), a server line, an error, a mode (passive), or: " + strings.Join(verbs, ", ")
	return []*discordgo.ApplicationCommand{
		{
			Name:        "ftp",
			Description: cut(summary, 100),
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "query", Description: cut(hint, 100), Required: false, Autocomplete: true, MaxLength: 4000},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "public", Description: "Post the answer in the channel for everyone", Required: false},
			},
		},
		{Name: ContextMenuName, Type: discordgo.MessageApplicationCommand},
	}
}

// ContextMenuName is the message context-menu command.
const ContextMenuName = "Explain FTP error"

// Register overwrites the application's commands in one call: in the guild when GuildID is set
// (instant), else globally.
func (a *Adapter) Register(ctx context.Context) error {
	if a.o.BotToken == "" || a.o.ApplicationID == "" {
		a.log.Info("discord: command registration skipped: it needs discord.bot_token and discord.application_id (DISCORD_BOT_TOKEN, DISCORD_APPLICATION_ID); register /ftp once from a run that has them")
		return nil
	}
	_, err := a.rest.ApplicationCommandBulkOverwrite(a.o.ApplicationID, a.o.GuildID, Commands(), discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: registering commands: %w", err)
	}
	return nil
}

// Routes returns the HTTP interactions endpoint when the adapter runs in HTTP mode.
func (a *Adapter) Routes() map[string]http.Handler {
	if a.o.Mode != "http" {
		return nil
	}
	return map[string]http.Handler{"POST /discord/interactions": http.HandlerFunc(a.serveHTTP)}
}

// Run connects (gateway) or waits (HTTP mode) until ctx ends, and returns nil then. Discord being
// unreachable is not an error: opening the gateway and registering the commands are retried in
// the background (see gateway.go) and reported through Health.
func (a *Adapter) Run(ctx context.Context) error {
	defer a.busyWorkers.Shutdown(drainTimeout)
	defer a.workers.Shutdown(drainTimeout)
	if a.o.Mode == "http" {
		a.o.Health.Set(Name, bot.StateListening, "POST /discord/interactions")
		registered := a.registerInBackground(ctx)
		<-ctx.Done()
		<-registered
		return nil
	}
	return a.runGateway(ctx)
}

func (a *Adapter) runGateway(ctx context.Context) error {
	s := a.rest
	s.Identify.Intents = discordgo.IntentsGuilds
	if a.o.MessageContent {
		s.Identify.Intents |= discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent
	}
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) { a.o.Health.Set(Name, bot.StateConnected, "") })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		a.o.Health.Set(Name, bot.StateDisconnected, "gateway connection lost; discordgo reconnects")
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
		a.o.Health.Reconnected(Name)
		a.o.Health.Set(Name, bot.StateConnected, "")
	})
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { a.gatewayInteraction(ic.Interaction) })
	if a.o.MessageContent {
		s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { a.mention(m.Message) })
	}
	// Neither step holds up the start or stops ftpbot when Discord cannot be reached: both retry
	// in the background (see gateway.go) while the web reference and Slack keep answering.
	registered := a.registerInBackground(ctx)
	opened := a.openGateway(ctx)
	<-ctx.Done()
	<-registered
	a.o.Health.Set(Name, bot.StateOff, "shut down")
	if !opened {
		return nil
	}
	return s.Close()
}

// gatewayInteraction answers an interaction that arrived over the gateway: the response is a
// REST call, made with bounded concurrency.
func (a *Adapter) gatewayInteraction(i *discordgo.Interaction) {
	if !a.claim("interaction:" + i.ID) {
		return
	}
	ok := a.workers.TryGo(ackTimeout, func(ctx context.Context) {
		resp, later := a.respond(ctx, i)
		if resp == nil {
			return
		}
		if err := a.rest.InteractionRespond(i, resp.InteractionResponse, discordgo.WithContext(ctx)); err != nil {
			a.log.Warn("discord: responding to an interaction failed", "error", redactURL(err))
			return
		}
		if later != nil {
			later()
		}
	})
	if !ok {
		a.busy(i)
	}
}

// Tunables: Discord waits three seconds for a response; the token then lives 15 minutes.
const (
	ackTimeout     = 2500 * time.Millisecond
	laterTimeout   = 14 * time.Minute
	mentionTimeout = 30 * time.Second
	drainTimeout   = 5 * time.Second
)

// busyReplies bounds the "busy, try again" replies in flight at once.
const busyReplies = 4

// busyText is what someone sees when every worker is taken.
const busyText = "ftpbot is answering a lot of questions right now. Please try again in a moment."

// busy answers an interaction that found every worker taken with a short private "try again",
// instead of leaving Discord to show "This interaction failed". Those replies have a small pool
// of their own; past it the interaction is dropped, logged and counted.
func (a *Adapter) busy(i *discordgo.Interaction) {
	ok := a.busyWorkers.TryGo(ackTimeout, func(ctx context.Context) {
		resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: busyText, Flags: discordgo.MessageFlagsEphemeral,
				AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}}
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			resp = &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}}
		}
		if err := a.rest.InteractionRespond(i, resp, discordgo.WithContext(ctx)); err != nil {
			a.log.Warn("discord: the busy reply failed", "error", redactURL(err))
		}
	})
	if !ok {
		a.log.Warn("discord: too many interactions at once; dropping one")
		a.deliveryFailed("busy")
	}
}

func (a *Adapter) deliveryFailed(reason string) {
	if a.o.OnDeliveryFailure != nil {
		a.o.OnDeliveryFailure(reason)
	}
}

// serveHTTP is the interactions endpoint: verify, parse, answer in the response body.
func (a *Adapter) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		// 400 like every other malformed request (the contract both chat endpoints share): a
		// body over the bound is not an interaction Discord would send.
		httpError(w, http.StatusBadRequest, "request body too large or unreadable")
		return
	}
	if !a.verify(r, body) {
		httpError(w, http.StatusUnauthorized, "invalid request signature")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		httpError(w, http.StatusBadRequest, "expected application/json")
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil || i.Type == 0 {
		httpError(w, http.StatusBadRequest, "malformed interaction")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2500*time.Millisecond)
	defer cancel()
	resp, later := a.respond(ctx, &i)
	if resp == nil {
		httpError(w, http.StatusBadRequest, "unsupported interaction")
		return
	}
	out, err := resp.encode()
	if err != nil {
		httpError(w, http.StatusInternalServerError, "could not encode the answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Write(out)
	if later != nil {
		a.workers.Go(laterTimeout, func(context.Context) { later() })
	}
}

// verify checks that the timestamp is within five minutes, so a captured request cannot be
// replayed later, and then the Ed25519 signature over timestamp+body (which body, already read
// within MaxBody, holds). discordgo checks the signature but not the timestamp's age.
func (a *Adapter) verify(r *http.Request, body []byte) bool {
	sec, err := strconv.ParseInt(r.Header.Get("X-Signature-Timestamp"), 10, 64)
	if err != nil || len(a.key) != ed25519.PublicKeySize {
		return false
	}
	if d := a.o.Now().Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return discordgo.VerifyInteraction(r, a.key)
}

func httpError(w http.ResponseWriter, status int, msg string) { chatkit.HTTPError(w, status, msg) }

// response is an interaction response and, for a cached answer, its JSON already encoded.
type response struct {
	*discordgo.InteractionResponse
	body []byte // nil: encode InteractionResponse
}

func (r *response) encode() ([]byte, error) {
	if r.body != nil {
		return r.body, nil
	}
	return json.Marshal(r.InteractionResponse)
}

func wrap(r *discordgo.InteractionResponse, later func()) (*response, func()) {
	if r == nil {
		return nil, later
	}
	return &response{InteractionResponse: r}, later
}

// respond builds the immediate response to an interaction and, for slow work, a function that
// finishes it with an edit of the deferred response.
func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction) (*response, func()) {
	switch i.Type {
	case discordgo.InteractionPing:
		return wrap(&discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}, nil)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return wrap(a.autocomplete(i), nil)
	case discordgo.InteractionApplicationCommand:
		return a.command(ctx, i)
	case discordgo.InteractionMessageComponent:
		return wrap(a.component(ctx, i))
	}
	return nil, nil
}

func (a *Adapter) autocomplete(i *discordgo.Interaction) *discordgo.InteractionResponse {
	value := ""
	for _, opt := range i.ApplicationCommandData().Options {
		if opt.Focused && opt.Type == discordgo.ApplicationCommandOptionString {
			value, _ = opt.Value.(string)
		}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: Choices(a.o.Engine.KB.Complete(cut(value, 200), maxChoices))},
	}
}

func (a *Adapter) command(ctx context.Context, i *discordgo.Interaction) (*response, func()) {
	data := i.ApplicationCommandData()
	var text string
	public := a.o.DefaultVisibility == bot.InChannel
	switch {
	case data.CommandType == discordgo.MessageApplicationCommand || data.Name == ContextMenuName:
		var target *discordgo.Message
		if data.Resolved != nil {
			if m := data.Resolved.Messages[data.TargetID]; m != nil {
				target, text = m, messageText(m)
			}
		}
		if strings.TrimSpace(text) == "" {
			text = "help"
		}
		if target != nil && text != "help" && (target.MessageReference != nil || target.ReferencedMessage != nil) {
			// It replies to other messages: read them too (see replyChain).
			return a.deferThread(i, target, text, public)
		}
	default:
		for _, opt := range data.Options {
			switch opt.Name {
			case "query":
				text, _ = opt.Value.(string)
			case "public":
				public, _ = opt.Value.(bool)
			}
		}
	}
	return a.answer(ctx, i, text, public)
}

// messageText is what a message says, with its embeds' text (a bot's error embed, a log pasted as
// a file preview) appended.
func messageText(m *discordgo.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		if e == nil {
			continue
		}
		for _, s := range []string{e.Title, e.Description} {
			if s != "" {
				b.WriteString("\n" + s)
			}
		}
	}
	return b.String()
}

// answer asks the bot. Fast questions are answered in the response; slow ones (a live check) are
// deferred and finished by editing the original response within the 15-minute token.
func (a *Adapter) answer(ctx context.Context, i *discordgo.Interaction, text string, public bool) (*response, func()) {
	req := bot.Request{Text: text, User: userID(i), Platform: Name}
	if public {
		req.Text = strings.TrimSpace(text) + " public"
	}
	if !chatkit.Slow(text) {
		return a.fast(a.o.Engine.Handle(ctx, req)), nil
	}
	return a.deferred(i, public, func(context.Context) bot.Request { return req })
}

// deferred acknowledges an interaction with "thinking…" and returns the work that finishes it:
// build the request (which may read from Discord), answer it, and edit the answer in.
func (a *Adapter) deferred(i *discordgo.Interaction, public bool, build func(ctx context.Context) bot.Request) (*response, func()) {
	flags := discordgo.MessageFlags(0)
	if !public {
		flags = discordgo.MessageFlagsEphemeral
	}
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: flags, AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}}
	later := func() {
		ctx, cancel := context.WithTimeout(a.workers.Context(), laterTimeout)
		defer cancel()
		req := build(ctx)
		req.Progress = a.progress(ctx, i)
		r := a.o.Engine.Handle(ctx, req)
		data := a.render(r)
		empty := ""
		edit := &discordgo.WebhookEdit{Content: &empty, Embeds: &data.Embeds, Components: &data.Components, AllowedMentions: data.AllowedMentions}
		a.retry(ctx, "edit deferred response", func() error {
			_, err := a.rest.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx))
			return err
		})
	}
	return wrap(deferred, later)
}

// fast answers a quick question in the interaction response. A stable reply (the same text
// always gets it) is rendered and encoded once, then served from the cache: nothing in the
// message depends on who asked.
func (a *Adapter) fast(r bot.Reply) (resp *response) {
	// A renderer panic becomes the polite error (logged and counted) rather than a failed
	// interaction.
	defer bot.Recover(a.log, a.o.Health, "discord: rendering an answer", func() {
		resp = &response{InteractionResponse: &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: bot.PoliteError, Flags: discordgo.MessageFlagsEphemeral,
				AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}}}
	})
	if r.Stable {
		if c, ok := a.rendered.Get(r.Query); ok {
			a.questions.Key(r.Query) // the cached card's More button names it
			return c
		}
	}
	resp = &response{InteractionResponse: &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: a.render(r)}}
	if r.Stable {
		if b, err := json.Marshal(resp.InteractionResponse); err == nil {
			resp.body = b
			a.rendered.Put(r.Query, resp)
		}
	}
	return resp
}

// progress shows a slow command's progress lines in the deferred response ("ftpbot is
// thinking…" becomes the steps so far), at most one edit a second and never retried: the final
// answer replaces it anyway.
func (a *Adapter) progress(ctx context.Context, i *discordgo.Interaction) func(string) {
	var lines []string
	var last time.Time
	return func(line string) {
		// A line carries what a server sent (its greeting, its replies): shown as text, escaped
		// like the final report, never as markdown, links or mentions.
		lines = append(lines, escape(line))
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		text := "⏳ " + strings.Join(lines, "\n")
		if len(text) > 1900 {
			text = "⏳ …" + text[len(text)-1900:]
		}
		text = strings.ToValidUTF8(text, "")
		if _, err := a.rest.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &text,
			AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}, discordgo.WithContext(ctx)); err != nil {
			a.log.Debug("discord: progress edit failed", "error", redactURL(err))
		}
	}
}

// retry repeats a follow-up call that failed with a server error (5xx) or a network error, with
// backoff, a few times. 429s are retried inside discordgo per its rate-limit buckets; other 4xx
// are final. What still fails is logged and counted.
func (a *Adapter) retry(ctx context.Context, what string, call func() error) {
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil {
			return
		}
		var rerr *discordgo.RESTError
		final := errors.As(err, &rerr) && rerr.Response != nil && rerr.Response.StatusCode < 500
		if final || attempt == 3 || ctx.Err() != nil {
			a.log.Warn("discord: "+what+" failed", "attempts", attempt, "error", redactURL(err))
			if a.o.OnDeliveryFailure != nil {
				a.o.OnDeliveryFailure(what)
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// redactURL drops the URL from a transport error: a follow-up's URL carries the interaction
// token, a bearer credential for 15 minutes that does not belong in logs.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func (a *Adapter) render(r bot.Reply) *discordgo.InteractionResponseData {
	return Render(r, a.options(r, r.Visibility != bot.InChannel))
}

// options are the rendering options of an answer: the web reference and, when the answer has
// more than its card, the More button's token, which remembers the question.
func (a *Adapter) options(r bot.Reply, ephemeral bool) RenderOptions {
	o := RenderOptions{BaseURL: a.o.BaseURL, Ephemeral: ephemeral}
	if len(r.Sections) > 0 {
		o.MoreToken = a.questions.MoreToken(r)
	}
	return o
}

// component handles the card's controls. More and the related menu show their answer in
// place of a private answer (an update, type 7); on a message the channel sees they answer
// privately to who pressed (a new ephemeral message, type 4 with flag 64), and the shared
// message never changes. Share posts the message's answer publicly, attributed to whoever
// shared it.
func (a *Adapter) component(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, func()) {
	d := i.MessageComponentData()
	id := d.CustomID
	private := i.Message == nil || i.Message.Flags&discordgo.MessageFlagsEphemeral != 0
	view := func(q string, render func(bot.Reply, RenderOptions) *discordgo.InteractionResponseData) *discordgo.InteractionResponse {
		r := a.o.Engine.Handle(ctx, bot.Request{Text: q, User: userID(i), Platform: Name})
		data := render(r, a.options(r, true))
		if private {
			data.Flags = 0 // an update keeps the message's own flags
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: data}
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}
	}
	switch {
	case id == idRelated:
		if len(d.Values) == 0 || d.Values[0] == "" {
			return nil, nil
		}
		return view(d.Values[0], Render), nil
	case strings.HasPrefix(id, idAsk):
		return view(strings.TrimPrefix(id, idAsk), Render), nil
	case strings.HasPrefix(id, idMore):
		q := a.questions.MoreQuestion(strings.TrimPrefix(id, idMore))
		if c, _ := bot.ParseCommand(q); c.Slow || strings.TrimSpace(q) == "" {
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "That answer is too old to open. Ask again with /ftp.", Flags: discordgo.MessageFlagsEphemeral,
					AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}}, nil
		}
		return view(q, RenderMore), nil
	case id == idShare:
		if i.Message == nil || len(i.Message.Embeds) == 0 {
			return nil, nil
		}
		embeds := i.Message.Embeds
		var rows []discordgo.MessageComponent
		for _, row := range i.Message.Components {
			if ar, ok := row.(*discordgo.ActionsRow); ok {
				var kept []discordgo.MessageComponent
				for _, c := range ar.Components {
					if b, ok := c.(*discordgo.Button); ok && b.CustomID == idShare {
						continue
					}
					kept = append(kept, c)
				}
				if len(kept) > 0 {
					rows = append(rows, discordgo.ActionsRow{Components: kept})
				}
			}
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content:         cut("Shared by "+escape(displayName(i)), maxContent),
				Embeds:          embeds,
				Components:      rows,
				AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
			}}, nil
	}
	return nil, nil
}

// mention answers an @mention of the bot, as a reply: in a thread or forum post from the
// thread's recent messages, elsewhere from the message and the messages it replies to.
func (a *Adapter) mention(m *discordgo.Message) {
	me := a.rest.State.User
	if me == nil || m.Author == nil || m.Author.Bot || !mentions(m, me.ID) {
		return
	}
	text := stripMention(m.Content, me.ID)
	if !a.claim("message:" + m.ID) {
		return
	}
	ok := a.workers.TryGo(mentionTimeout, func(ctx context.Context) {
		req := bot.Request{Text: text, User: m.Author.ID, Platform: Name}
		if a.isThread(ctx, m.ChannelID) {
			req.Thread = a.threadOf(ctx, m, me.ID)
		} else {
			req.Thread = a.replyChain(ctx, m, m.GuildID, me.ID)
		}
		r := a.o.Engine.Handle(ctx, req)
		data := Render(r, a.options(r, false))
		send := &discordgo.MessageSend{Embeds: data.Embeds, Components: data.Components, AllowedMentions: data.AllowedMentions,
			Reference: &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID}}
		a.retry(ctx, "reply to mention", func() error {
			_, err := a.rest.ChannelMessageSendComplex(m.ChannelID, send, discordgo.WithContext(ctx))
			return err
		})
	})
	if !ok {
		a.deliveryFailed("busy")
	}
}

// claim reports whether this replica should answer the gateway event id (see Options.Gateway).
func (a *Adapter) claim(id string) bool {
	return a.o.Gateway == nil || a.o.Gateway.First(a.workers.Context(), id)
}

func mentions(m *discordgo.Message, id string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == id {
			return true
		}
	}
	return false
}

// userID is the interacting user: Member.User in guilds, User in DMs.
func userID(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

func displayName(i *discordgo.Interaction) string {
	var u *discordgo.User
	if i.Member != nil {
		if i.Member.Nick != "" {
			return i.Member.Nick
		}
		u = i.Member.User
	}
	if u == nil {
		u = i.User
	}
	if u == nil {
		return "someone"
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}
