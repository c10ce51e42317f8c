package discord

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
)

// Whole-thread diagnosis on Discord: a mention in a thread or forum post reads the thread's
// recent messages, and the "Explain FTP error" message command reads the target message and the
// messages it replies to; the engine answers from all of them (bot.Engine.Diagnose). Without the
// Message Content intent or the Read Message History permission, the answer begins with one line
// saying which is needed and explains the one message at hand.

// Bounds on what one question reads.
const (
	maxThreadRead = 50              // a thread's most recent messages read for a mention
	maxReplyChain = 5               // messages followed up a reply chain
	restTimeout   = 5 * time.Second // one REST read
)

// Notices for what is missing; each names the setting or permission to change.
const (
	noticeIntent     = "I could read only this message. To read the messages around it I need the Message Content intent: turn it on for the bot in the Developer Portal and set discord.message_content = true."
	noticePermission = "I could read only this message. To read the rest I need the Read Message History permission in this channel."
	noticeToken      = "I could read only this message: reading the messages it replies to needs the bot's token (discord.bot_token)."
	noticeFailed     = "I could read only this message: Discord did not let me read the rest just now."
)

// permalink is a message's link, as Discord's "Copy Message Link" writes it.
func permalink(guildID, channelID, messageID string) string {
	if channelID == "" || messageID == "" {
		return ""
	}
	if guildID == "" {
		guildID = "@me"
	}
	return "https://discord.com/channels/" + guildID + "/" + channelID + "/" + messageID
}

// threadMessage turns a Discord message into one message of a bot.Thread. self is the bot's user
// id: its own messages are marked, and its mentions removed from the text.
func threadMessage(m *discordgo.Message, guildID, self string) bot.Message {
	if m.GuildID != "" {
		guildID = m.GuildID
	}
	out := bot.Message{ID: m.ID, Link: permalink(guildID, m.ChannelID, m.ID), Text: stripMention(messageText(m), self)}
	if m.Author != nil {
		out.Author = m.Author.ID
		out.FromBot = self != "" && m.Author.ID == self
	}
	return out
}

func stripMention(text, self string) string {
	if self == "" {
		return strings.TrimSpace(text)
	}
	return strings.TrimSpace(strings.NewReplacer("<@"+self+">", "", "<@!"+self+">", "").Replace(text))
}

// readNotice turns a failed read into the notice the answer begins with.
func readNotice(err error) string {
	var rerr *discordgo.RESTError
	if errors.As(err, &rerr) {
		if rerr.Message != nil && (rerr.Message.Code == discordgo.ErrCodeMissingAccess || rerr.Message.Code == discordgo.ErrCodeMissingPermissions) {
			return noticePermission
		}
		if rerr.Response != nil && rerr.Response.StatusCode == http.StatusForbidden {
			return noticePermission
		}
	}
	return noticeFailed
}

// unreadable reports whether Discord withheld a message's content: without the Message Content
// intent, messages that do not mention the bot arrive with no content, embeds or attachments.
func unreadable(m *discordgo.Message) bool {
	return m.Content == "" && len(m.Embeds) == 0 && len(m.Attachments) == 0 && len(m.Components) == 0
}

// isThread reports whether a channel is a thread or a forum post, from the gateway's state when
// it has the channel, else with one REST call.
func (a *Adapter) isThread(ctx context.Context, channelID string) bool {
	if a.rest.State != nil {
		if ch, err := a.rest.State.Channel(channelID); err == nil && ch != nil {
			return ch.IsThread()
		}
	}
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	ch, err := a.rest.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Debug("discord: looking up a channel failed", "error", err)
		return false
	}
	return ch.IsThread()
}

// threadOf reads the recent messages of the thread a mention was posted in, oldest first, with
// the mention itself as the focus.
func (a *Adapter) threadOf(ctx context.Context, m *discordgo.Message, self string) *bot.Thread {
	focus := threadMessage(m, m.GuildID, self)
	th := &bot.Thread{Focus: focus.ID}
	rctx, cancel := context.WithTimeout(ctx, restTimeout)
	msgs, err := a.rest.ChannelMessages(m.ChannelID, maxThreadRead, "", "", "", discordgo.WithContext(rctx))
	cancel()
	if err != nil {
		a.log.Info("discord: reading a thread failed; answering from one message", "error", err)
		th.Messages, th.Notice = []bot.Message{focus}, readNotice(err)
		return th
	}
	found := false
	others, withheld := 0, 0
	for _, x := range slices.Backward(msgs) { // Discord lists the newest first
		if x == nil {
			continue
		}
		if x.ID == m.ID {
			th.Messages, found = append(th.Messages, focus), true
			continue
		}
		if x.Type == discordgo.MessageTypeThreadStarterMessage {
			// A thread started from a channel message begins with a pointer to it: the
			// problem as first told lives in the parent channel.
			x = a.starter(ctx, x)
			if x == nil {
				continue
			}
		}
		if x.Author == nil || x.Author.ID != self {
			others++
			if unreadable(x) {
				withheld++
			}
		}
		th.Messages = append(th.Messages, threadMessage(x, m.GuildID, self))
	}
	if !found {
		th.Messages = append(th.Messages, focus)
	}
	if others > 0 && withheld == others {
		// Every other message came back empty: the intent is off where it matters.
		th.Messages, th.Notice = []bot.Message{focus}, noticeIntent
	}
	return th
}

// starter returns the channel message a thread was started from, given the thread's first
// message that points at it; nil when it cannot be read.
func (a *Adapter) starter(ctx context.Context, x *discordgo.Message) *discordgo.Message {
	if x.ReferencedMessage != nil {
		return x.ReferencedMessage
	}
	ref := x.MessageReference
	if ref == nil || ref.MessageID == "" || ref.ChannelID == "" {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	st, err := a.rest.ChannelMessage(ref.ChannelID, ref.MessageID, discordgo.WithContext(rctx))
	if err != nil {
		a.log.Debug("discord: reading a thread's starter message failed", "error", err)
		return nil
	}
	return st
}

// replyChain reads the messages a message replies to, up to maxReplyChain, and returns them with
// it as a thread, oldest first, the message itself as the focus. A message that replies to
// nothing is a thread of one, without a notice.
func (a *Adapter) replyChain(ctx context.Context, m *discordgo.Message, guildID, self string) *bot.Thread {
	focus := threadMessage(m, guildID, self)
	th := &bot.Thread{Focus: focus.ID, Messages: []bot.Message{focus}}
	ref, channel := m.MessageReference, m.ChannelID
	if m.ReferencedMessage != nil {
		// Discord sent the first link of the chain along.
		th.Messages = append([]bot.Message{threadMessage(m.ReferencedMessage, guildID, self)}, th.Messages...)
		ref, channel = m.ReferencedMessage.MessageReference, m.ReferencedMessage.ChannelID
	}
	for ref != nil && ref.MessageID != "" && len(th.Messages) <= maxReplyChain {
		if !a.o.MessageContent {
			th.Notice = noticeIntent
			break
		}
		if a.o.BotToken == "" {
			th.Notice = noticeToken
			break
		}
		if ref.ChannelID != "" {
			channel = ref.ChannelID
		}
		rctx, cancel := context.WithTimeout(ctx, restTimeout)
		x, err := a.rest.ChannelMessage(channel, ref.MessageID, discordgo.WithContext(rctx))
		cancel()
		if err != nil {
			a.log.Info("discord: reading a replied-to message failed", "error", err)
			th.Notice = readNotice(err)
			break
		}
		if unreadable(x) {
			th.Notice = noticeIntent
			break
		}
		th.Messages = append([]bot.Message{threadMessage(x, guildID, self)}, th.Messages...)
		ref, channel = x.MessageReference, x.ChannelID
	}
	if th.Notice != "" {
		// Say what is missing and explain the one message the person pointed at.
		th.Messages = []bot.Message{focus}
	}
	return th
}

// selfID is the bot's own user id: from the gateway's state, else the application id (a bot's
// user id is its application's id).
func (a *Adapter) selfID() string {
	if a.rest.State != nil && a.rest.State.User != nil {
		return a.rest.State.User.ID
	}
	return a.o.ApplicationID
}

// deferThread answers a message command whose target replies to other messages: a deferred
// response now, then the chain is read and the answer edited in.
func (a *Adapter) deferThread(i *discordgo.Interaction, m *discordgo.Message, text string, public bool) (*response, func()) {
	return a.deferred(i, public, func(ctx context.Context) bot.Request {
		req := bot.Request{Text: text, User: userID(i), Platform: Name}
		if public {
			req.Text = strings.TrimSpace(text) + " public"
		}
		req.Thread = a.replyChain(ctx, m, i.GuildID, a.selfID())
		return req
	})
}
