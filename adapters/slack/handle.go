package slack

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ftpbot/ftpbot/adapters/chatkit"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// This file holds what both transports share: what to answer, and where. The transports only
// parse, verify and acknowledge.

// markupRE matches Slack's markup in incoming text: <@U…>, <#C…|name>, <!here>, <http://…|label>.
var markupRE = regexp.MustCompile(`<([^<>]*)>`)

// slackUnescape undoes the three escapes Slack applies to text it sends.
var slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// incoming turns Slack's text into what a person typed: user and channel references become
// @id and #name, links become their label (or URL), and &amp; &lt; &gt; are unescaped last, so
// an escaped "&lt;@U1&gt;" stays text. self, when not empty, is the bot's own user id, whose
// mentions are dropped.
func incoming(text, self string) string {
	text = markupRE.ReplaceAllStringFunc(text, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"):
			if self != "" && target[1:] == self {
				return ""
			}
			if hasLabel {
				return "@" + label
			}
			return target
		case strings.HasPrefix(target, "#"):
			if hasLabel {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			// <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>: keep the words only.
			if hasLabel {
				return label
			}
			return "@" + strings.TrimPrefix(target, "!")
		case hasLabel:
			return label
		}
		return strings.TrimPrefix(target, "mailto:")
	})
	return slackUnescape.Replace(text)
}

// leadingMentionRE is a user mention at the start of a message: the one that summoned the bot,
// when the bot's own id is not known.
var leadingMentionRE = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>`)

// messageText is the text of a message to explain: its text, or, for messages that are all
// attachments (alerts from other bots), their text.
func messageText(m slack.Message, self string) string {
	parts := []string{m.Text}
	for _, at := range m.Attachments {
		for _, t := range []string{at.Pretext, at.Title, at.Text} {
			if strings.TrimSpace(t) != "" {
				parts = append(parts, t)
			}
		}
		if at.Text == "" && at.Fallback != "" {
			parts = append(parts, at.Fallback)
		}
	}
	return strings.TrimSpace(incoming(strings.Join(parts, "\n"), self))
}

// public reports whether an answer goes to the whole channel (see chatkit.Public).
func (a *Adapter) public(r bot.Reply) bool { return chatkit.Public(r, a.o.DefaultVisibility) }

// render renders an answer for a slash command or a button: in channel or private with a Share
// button, as a response.
func (a *Adapter) render(r bot.Reply, private bool) response {
	return a.renderWith(r, private, true)
}

// renderWith renders a reply; with shareStore, a private answer's Share button names it in the
// share cache, else the button carries only the question, which sharing asks again.
func (a *Adapter) renderWith(r bot.Reply, private, shareStore bool) response {
	if !private && a.public(r) {
		m := Render(r, a.options(r, RenderOptions{}))
		return response{ResponseType: slack.ResponseTypeInChannel, Text: m.Text, Blocks: m.Blocks}
	}
	o := RenderOptions{Ephemeral: true}
	if shareable(r) && shareStore {
		o.ShareKey = a.shares.Put(a.workers.Context(), r)
	}
	m := Render(r, a.options(r, o))
	return response{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text, Blocks: m.Blocks}
}

// options completes rendering options with what every card carries: the web reference's URL
// and the More button's token, which remembers the question behind the answer.
func (a *Adapter) options(r bot.Reply, o RenderOptions) RenderOptions {
	o.BaseURL = a.o.BaseURL
	if len(r.Sections) > 0 {
		o.MoreToken = a.questions.MoreToken(r)
	}
	return o
}

func notice(text string) response {
	return response{ResponseType: slack.ResponseTypeEphemeral, Text: text,
		Blocks: []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}}
}

func (a *Adapter) fitsAck(p *response) bool {
	b, err := p.encode()
	return err == nil && len(b) < a.maxAck
}

// safeAnswer is answer, with a renderer panic turned into the polite error notice (logged and
// counted), so the person who asked is not left with "working on it".
func (a *Adapter) safeAnswer(r bot.Reply) (p response) {
	defer bot.Recover(a.log, a.o.Health, "slack: rendering an answer", func() { p = notice(bot.PoliteError) })
	return a.answer(r)
}

// answer renders a command's reply. A stable reply (the same text always gets it) is rendered
// and encoded once and then served from the adapter's cache: its Share button carries the
// question instead of a share-cache key, so the cached bytes stay valid for everyone.
func (a *Adapter) answer(r bot.Reply) response {
	if !r.Stable || textLen(shareValue("", r.Query)) > maxButtonValue {
		return a.render(r, false)
	}
	if b, ok := a.rendered.Get(r.Query); ok {
		a.questions.Key(r.Query) // the cached card's More button names it
		return response{raw: b}
	}
	p := a.renderWith(r, false, false)
	b, err := json.Marshal(p)
	if err != nil {
		return p
	}
	a.rendered.Put(r.Query, b)
	return response{raw: b}
}

// command answers a slash command. It returns, within the acknowledgement budget (2 s), what to acknowledge with: the
// answer when it is ready and small enough, else a short "working on it" (nil: an empty
// acknowledgement); the answer then follows through the response_url.
func (a *Adapter) command(cmd slack.SlashCommand) *response {
	text := incoming(cmd.Text, "")
	q, _ := bot.SplitVisibility(text)
	c, args := bot.ParseCommand(q)
	a.log.Debug("slack: slash command", "kind", c.Name)
	slow := chatkit.Slow(text)
	if !slow {
		// A question answered before is answered here and now: its answer is rendered already
		// and the engine has it cached, so there is nothing to wait for and no need for the
		// background job that guards the acknowledgement budget.
		if _, ok := a.rendered.Get(text); ok {
			p := a.safeAnswer(a.o.Engine.Handle(a.workers.Context(), request(text, cmd.UserID)))
			if a.fitsAck(&p) {
				return &p
			}
		}
	}

	var mu sync.Mutex
	late := false
	result := make(chan *response, 1)
	ok := a.spawn(jobTimeout, func(ctx context.Context) {
		req := request(text, cmd.UserID)
		if slow {
			req.Progress = a.progress(ctx, cmd.ResponseURL)
		}
		r := a.o.Engine.Handle(ctx, req)
		p := a.safeAnswer(r)
		// The hand-over happens under the lock, so the handler either takes this answer (or the
		// nil that says "acknowledge empty, it follows") or has already acknowledged with the
		// placeholder, which the answer then replaces.
		mu.Lock()
		wasLate := late
		if !wasLate {
			if a.fitsAck(&p) {
				result <- &p
				mu.Unlock()
				return
			}
			result <- nil // too big for an acknowledgement: acknowledge empty, deliver below
		}
		mu.Unlock()
		if wasLate {
			if p.raw != nil {
				p = a.render(r, false) // the cached bytes cannot carry replace_original
			}
			if p.ResponseType == slack.ResponseTypeEphemeral {
				p.ReplaceOriginal = true // replaces the "working on it" message
			}
		}
		a.deliver(ctx, cmd.ResponseURL, p, wasLate)
	})
	if !ok {
		p := notice("ftpbot is restarting. Try again in a moment.")
		return &p
	}
	if !slow {
		t := time.NewTimer(a.ackBudget)
		defer t.Stop()
		select {
		case p := <-result:
			return p
		case <-t.C:
		}
	}
	mu.Lock()
	late = true
	mu.Unlock()
	select {
	case p := <-result: // it was ready as the time ran out
		return p
	default:
	}
	p := notice(working(c, args))
	return &p
}

// maxProgressPosts is how many progress updates one slow command may post: Slack takes five
// posts to a response_url, and the answer itself needs one, or two when it also removes the
// private "working on it" message.
const maxProgressPosts = 2

// progress shows a slow command's steps so far (a live check's "connect ok 12 ms" lines) in place
// of the "working on it" message. Updates are spaced by a.progressEvery, the first one too, so
// the acknowledgement that created the message is surely there to be replaced.
func (a *Adapter) progress(ctx context.Context, responseURL string) func(string) {
	var (
		mu    sync.Mutex
		lines []string
		last  = time.Now()
		posts int
	)
	return func(line string) {
		mu.Lock()
		lines = append(lines, esc(oneLine(line)))
		if posts >= maxProgressPosts || time.Since(last) < a.progressEvery {
			mu.Unlock()
			return
		}
		posts++
		last = time.Now()
		text := ":hourglass_flowing_sand: Working on it… so far:\n" + strings.Join(lines, "\n")
		mu.Unlock()
		p := notice(cutRunes(text, maxSectionText))
		p.ReplaceOriginal = true
		if err := a.postResponse(ctx, responseURL, p); err != nil {
			a.log.Debug("slack: progress update failed", "error", err)
		}
	}
}

// deliver sends a late answer to the response_url. An answer for the channel that follows a
// private "working on it" also removes that message.
func (a *Adapter) deliver(ctx context.Context, responseURL string, p response, placeholder bool) {
	if err := a.postResponse(ctx, responseURL, p); err != nil {
		a.log.Warn("slack: delivering an answer through response_url failed", "error", err)
		a.deliveryFailed("response_url")
		return
	}
	if placeholder && p.ResponseType == slack.ResponseTypeInChannel {
		if err := a.postResponse(ctx, responseURL, response{DeleteOriginal: true}); err != nil {
			a.log.Debug("slack: removing the working-on-it message failed", "error", err)
		}
	}
}

func working(c bot.Command, args string) string {
	if c.Name == "check" && args != "" {
		return ":hourglass_flowing_sand: Checking `" + esc(cutRunes(oneLine(args), 200)) + "`… the report follows here in a moment."
	}
	return ":hourglass_flowing_sand: Working on it… the answer follows here in a moment."
}

// interaction handles a button press or a shortcut. Slack only needs an empty acknowledgement;
// the work happens in the background.
func (a *Adapter) interaction(cb slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, act := range cb.ActionCallback.BlockActions {
			if act == nil {
				continue
			}
			switch {
			case act.ActionID == actionShare:
				a.log.Debug("slack: share")
				value := act.Value
				a.spawn(jobTimeout, func(ctx context.Context) { a.share(ctx, cb, value) })
				return
			case act.ActionID == actionMore:
				a.log.Debug("slack: more")
				q := a.questions.MoreQuestion(act.Value)
				a.spawn(jobTimeout, func(ctx context.Context) { a.more(ctx, cb, q) })
				return
			case act.ActionID == actionRelated || strings.HasPrefix(act.ActionID, actionRelatedButton):
				a.log.Debug("slack: related answer")
				value := act.Value
				if act.SelectedOption.Value != "" {
					value = act.SelectedOption.Value // the menu (static_select)
				}
				if value == "" {
					return
				}
				a.spawn(jobTimeout, func(ctx context.Context) { a.related(ctx, cb, value) })
				return
			}
		}
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID == ShortcutCallbackID {
			a.log.Debug("slack: message shortcut")
			a.spawn(jobTimeout, func(ctx context.Context) { a.shortcut(ctx, cb) })
		}
	}
}

// share posts a private answer for the whole channel, attributed to who shared it, and removes
// the private copy.
func (a *Adapter) share(ctx context.Context, cb slack.InteractionCallback, value string) {
	key, query, _ := strings.Cut(value, "\n")
	r, ok := a.shares.Get(ctx, key)
	if !ok {
		q, _ := bot.SplitVisibility(query)
		if c, _ := bot.ParseCommand(q); strings.TrimSpace(query) == "" || c.Slow {
			a.respond(ctx, cb.ResponseURL, notice("That answer is too old to share. Ask again with `"+esc(a.o.Command)+" … public` to answer in the channel."))
			return
		}
		r = a.o.Engine.Handle(ctx, request(query, cb.User.ID))
	}
	if !shareable(r) {
		a.respond(ctx, cb.ResponseURL, a.render(r, true))
		return
	}
	m := Render(r, a.options(r, RenderOptions{SharedBy: cb.User.ID}))
	if err := a.postResponse(ctx, cb.ResponseURL, response{ResponseType: slack.ResponseTypeInChannel, Text: m.Text, Blocks: m.Blocks}); err != nil {
		a.log.Warn("slack: sharing an answer failed", "error", err)
		a.deliveryFailed("response_url")
		return
	}
	if err := a.postResponse(ctx, cb.ResponseURL, response{DeleteOriginal: true}); err != nil {
		a.log.Debug("slack: removing the private copy of a shared answer failed", "error", err)
	}
}

// related answers a choice in the related menu, and more the More button. On a private answer
// the new view replaces it, keeping its Share button; on a message the whole channel sees, the
// view goes privately to who pressed, and the shared message never changes under everyone
// else's eyes.
func (a *Adapter) related(ctx context.Context, cb slack.InteractionCallback, id string) {
	r := a.o.Engine.Handle(ctx, request(id, cb.User.ID))
	a.respond(ctx, cb.ResponseURL, a.view(ctx, r, cb.Container.IsEphemeral, Render))
}

func (a *Adapter) more(ctx context.Context, cb slack.InteractionCallback, query string) {
	q, _ := bot.SplitVisibility(query)
	if c, _ := bot.ParseCommand(q); c.Slow || strings.TrimSpace(q) == "" {
		a.respond(ctx, cb.ResponseURL, notice("That answer is too old to open. Ask again with `"+esc(a.o.Command)+"`."))
		return
	}
	r := a.o.Engine.Handle(ctx, request(q, cb.User.ID))
	a.respond(ctx, cb.ResponseURL, a.view(ctx, r, cb.Container.IsEphemeral, RenderMore))
}

// view renders what a button on an answer shows: in place of a private answer, or as a new
// private message beside a shared one.
func (a *Adapter) view(ctx context.Context, r bot.Reply, onPrivate bool, render func(bot.Reply, RenderOptions) Message) response {
	o := RenderOptions{Ephemeral: true}
	if shareable(r) {
		o.ShareKey = a.shares.Put(ctx, r)
	}
	m := render(r, a.options(r, o))
	return response{ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: onPrivate, Text: m.Text, Blocks: m.Blocks}
}

// respond sends to a response_url, logging failures.
func (a *Adapter) respond(ctx context.Context, responseURL string, p response) {
	if err := a.postResponse(ctx, responseURL, p); err != nil {
		a.log.Warn("slack: answering through response_url failed", "error", err)
		a.deliveryFailed("response_url")
	}
}

// shortcut explains the message the "Explain FTP error" shortcut was used on, in that message's
// thread. Without a bot token (or when Slack refuses the post) the answer goes privately to who
// asked.
func (a *Adapter) shortcut(ctx context.Context, cb slack.InteractionCallback) {
	text := messageText(cb.Message, "")
	if text == "" {
		a.respond(ctx, cb.ResponseURL, notice("That message has no text I can read. Paste the error with `"+esc(a.o.Command)+"` instead."))
		return
	}
	req := request(text, cb.User.ID)
	if a.api != nil && cb.Message.ThreadTimestamp != "" && cb.Channel.ID != "" {
		// A message in a thread (or the first of one): the whole thread is read.
		req = a.threadRequest(ctx, text, cb.User.ID, cb.Channel.ID, cb.Message.ThreadTimestamp, "",
			bot.Message{ID: cb.Message.Timestamp, Author: cb.Message.User, Text: text}, ownIDs{user: a.botUserID(ctx), app: cb.APIAppID})
	}
	r := a.o.Engine.Handle(ctx, req)
	if a.api != nil && shareable(r) && cb.Channel.ID != "" {
		thread := cb.Message.ThreadTimestamp
		if thread == "" {
			thread = cb.Message.Timestamp
		}
		err := a.postMessage(ctx, cb.Channel.ID, thread, Render(r, a.options(r, RenderOptions{AskedBy: cb.User.ID})))
		if err == nil {
			return
		}
		a.log.Warn("slack: posting a shortcut's answer in the thread failed; answering privately", "error", err)
	}
	a.respond(ctx, cb.ResponseURL, a.render(r, true))
}

// event handles an Events API event, once: a retry of an event already handled is ignored.
func (a *Adapter) event(ev slackevents.EventsAPIEvent) {
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if cb == nil {
		return
	}
	if cb.EventID != "" && !a.events.First(a.workers.Context(), cb.EventID) {
		a.log.Debug("slack: event already handled", "type", ev.InnerEvent.Type)
		return
	}
	if a.api == nil {
		return // HTTP mode without a bot token: nothing can be posted (logged once at start)
	}
	self := ""
	for _, au := range cb.Authorizations {
		if au.IsBot && au.UserID != "" {
			self = au.UserID
		}
	}
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" || (self != "" && e.User == self) {
			return // never answer bots, including ourselves
		}
		a.log.Debug("slack: mention")
		app := ev.APIAppID
		a.spawn(jobTimeout, func(ctx context.Context) { a.mention(ctx, e, self, app) })
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "" && e.Tab != "home" {
			return
		}
		a.spawn(jobTimeout, func(ctx context.Context) { a.home(ctx, e.User) })
	}
}

// mention answers an @mention, in its thread. In a thread, the engine answers from the whole
// thread (see threadRequest); at the top level, from the text after the mention.
func (a *Adapter) mention(ctx context.Context, e *slackevents.AppMentionEvent, self, app string) {
	if self == "" {
		self = a.botUserID(ctx)
	}
	raw := e.Text
	if self == "" {
		raw = leadingMentionRE.ReplaceAllString(raw, "")
	}
	rest := strings.TrimSpace(incoming(raw, self))
	thread := e.ThreadTimeStamp
	if thread == "" {
		thread = e.TimeStamp
	}
	req := request(rest, e.User)
	if e.ThreadTimeStamp != "" && e.ThreadTimeStamp != e.TimeStamp {
		req = a.threadRequest(ctx, rest, e.User, e.Channel, e.ThreadTimeStamp, e.TimeStamp,
			bot.Message{ID: e.TimeStamp, Author: e.User, Text: rest}, ownIDs{user: self, app: app})
	}
	r := a.o.Engine.Handle(ctx, req)
	if err := a.postMessage(ctx, e.Channel, thread, Render(r, a.options(r, RenderOptions{}))); err != nil {
		a.log.Warn("slack: posting an answer in a thread failed", "error", err)
		a.deliveryFailed("chat.postMessage")
	}
}

// home shows the App Home tab. The view is the same for everyone; it is built once.
func (a *Adapter) home(ctx context.Context, user string) {
	a.homeMu.Lock()
	view := a.homeView
	if view == nil {
		help := a.o.Engine.Handle(ctx, request("help", ""))
		if help.Kind == bot.KindHelp {
			v := Home(help, a.o.Command, a.o.BaseURL)
			a.homeView, view = &v, &v
		}
	}
	a.homeMu.Unlock()
	if view == nil {
		return // the engine declined (rate limit): the tab keeps what it showed before
	}
	if err := a.publishHome(ctx, user, *view); err != nil {
		a.log.Warn("slack: publishing the Home tab failed", "error", err)
		a.deliveryFailed("views.publish")
	}
}
