package slack

import (
	"context"
	"errors"
	"net/url"
	"path"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
)

// Whole-thread diagnosis: when ftpbot is mentioned in a thread, or its shortcut is used on a
// message in one, it reads the thread (conversations.replies, the last bot.MaxThreadMessages
// messages) and the engine answers from all of it (bot.Engine.Diagnose). Without the history
// scope it says which scope it needs and explains the one message it has.

// maxReplyPages bounds the conversations.replies pages read for one thread: a thread longer
// than this many pages is read from its start up to there (its last messages are what count,
// but Slack pages from the oldest).
const maxReplyPages = 5

// ownIDs name ftpbot in a workspace: its bot user id, and its app id (answers posted through a
// response_url carry the app's bot profile rather than the bot user).
type ownIDs struct{ user, app string }

// wrote reports whether ftpbot wrote m.
func (s ownIDs) wrote(m slack.Message) bool {
	return s.user != "" && m.User == s.user || s.app != "" && m.BotProfile != nil && m.BotProfile.AppID == s.app
}

// readThread returns the messages of a thread up to and including latest, oldest first, at most
// bot.MaxThreadMessages (the last ones), with permalinks when Slack gives one. ftpbot's own
// messages are marked FromBot.
func (a *Adapter) readThread(ctx context.Context, channel, threadTS, latest string, me ownIDs) ([]bot.Message, error) {
	if a.api == nil {
		return nil, errors.New("no bot token")
	}
	var all []slack.Message
	cursor := ""
	for page := 0; page < maxReplyPages; page++ {
		var (
			msgs    []slack.Message
			hasMore bool
			next    string
		)
		err := a.call(ctx, func(ctx context.Context) error {
			var err error
			msgs, hasMore, next, err = a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadTS, Latest: latest, Inclusive: true,
				Limit: bot.MaxThreadMessages, Cursor: cursor,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, msgs...)
		if len(all) > bot.MaxThreadMessages {
			all = all[len(all)-bot.MaxThreadMessages:]
		}
		if !hasMore || next == "" {
			break
		}
		cursor = next
	}
	links := a.permalinks(ctx, channel, threadTS)
	out := make([]bot.Message, 0, len(all))
	for _, m := range all {
		out = append(out, bot.Message{
			ID:      m.Timestamp,
			Link:    links(m.Timestamp),
			Author:  m.User,
			Text:    messageText(m, me.user),
			FromBot: me.wrote(m),
		})
	}
	return out, nil
}

// permalinks returns a function giving each message of a thread its permalink. It asks Slack
// for the thread's first message's permalink once (chat.getPermalink) and builds the others
// from it the way Slack writes them (…/archives/C…/p<ts without the dot>?thread_ts=…&cid=…), so a
// thread of 100 messages costs one call. When Slack does not answer, links are "".
func (a *Adapter) permalinks(ctx context.Context, channel, threadTS string) func(ts string) string {
	none := func(string) string { return "" }
	var root string
	err := a.call(ctx, func(ctx context.Context) error {
		var err error
		root, err = a.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: threadTS})
		return err
	})
	if err != nil {
		a.log.Debug("slack: chat.getPermalink failed; thread answers name their evidence without a link", "error", err)
		return none
	}
	u, err := url.Parse(root)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || !strings.HasPrefix(path.Base(u.Path), "p") {
		return none
	}
	return func(ts string) string {
		if ts == "" {
			return ""
		}
		if ts == threadTS {
			return root
		}
		l := *u
		l.Path = path.Join(path.Dir(u.Path), "p"+strings.ReplaceAll(ts, ".", ""))
		l.RawQuery = url.Values{"thread_ts": {threadTS}, "cid": {channel}}.Encode()
		return l.String()
	}
}

// historyScopes are the scopes that let conversations.replies read each kind of conversation.
var historyScopes = map[byte]string{'C': "channels:history", 'G': "groups:history", 'D': "im:history"}

// historyNotice turns a failure to read a thread into the one line the answer begins with: what
// ftpbot needs to read the thread. Slack names the missing scope in missing_scope errors; for
// other refusals the scope is told from the conversation's id.
func historyNotice(err error, channel string) string {
	var se slack.SlackErrorResponse
	scope := ""
	if len(channel) > 0 {
		scope = historyScopes[channel[0]]
	}
	if scope == "" {
		scope = "channels:history"
	}
	if errors.As(err, &se) {
		switch se.Err {
		case "missing_scope":
			if se.Needed != "" {
				scope = se.Needed
			}
			return "I could read only this message. To read the whole thread I need the " + scope + " scope: add it under OAuth & Permissions and reinstall the app."
		case "not_in_channel", "channel_not_found":
			return "I could read only this message. To read the whole thread, invite me to this channel (/invite @ftpbot); I need the " + scope + " scope there."
		}
	}
	return "I could read only this message: Slack did not let me read the rest of the thread just now."
}

// threadRequest builds the request for a question asked in a thread: the thread as read (up to
// latest, when set), with the asking message (focus) in it, or, when the thread could not be
// read, that message alone with a notice of what is missing.
func (a *Adapter) threadRequest(ctx context.Context, text, user, channel, threadTS, latest string, focus bot.Message, me ownIDs) bot.Request {
	req := request(text, user)
	msgs, err := a.readThread(ctx, channel, threadTS, latest, me)
	notice := ""
	if err != nil {
		a.log.Info("slack: reading a thread failed; answering from one message", "error", err)
		notice = historyNotice(err, channel)
		msgs = nil
	}
	found := false
	for i := range msgs {
		if msgs[i].ID == focus.ID {
			// The asking message as the event carried it: the bot's own mention removed.
			msgs[i].Text, found = focus.Text, true
			if focus.Link != "" {
				msgs[i].Link = focus.Link
			}
		}
	}
	if !found {
		msgs = append(msgs, focus)
	}
	req.Thread = &bot.Thread{Messages: msgs, Focus: focus.ID, Notice: notice}
	return req
}
