package discord

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
)

// evidenceField names the message of a thread that held the decisive evidence, as a link to it
// when the link is a Discord one: "Decisive evidence: [the message with the log](…)". Nil when
// the reply did not come from a thread.
//
// This is the minimal line of the thread diagnosis; the card (issue 13) decides where the
// evidence and its source finally go.
func evidenceField(r bot.Reply) *discordgo.MessageEmbedField {
	src := r.EvidenceSource
	if src == nil {
		return nil
	}
	label := escape(strings.Join(strings.Fields(src.Label), " "))
	if label == "" {
		label = "this message"
	}
	value := cut(label, maxFieldValue)
	if u, err := url.Parse(src.URL); err == nil && u.Scheme == "https" && u.Host != "" &&
		utf8.RuneCountInString(src.URL) <= maxURL && !strings.ContainsAny(src.URL, " ()<>") {
		value = "[" + cut(label, 200) + "](" + src.URL + ")"
	}
	return &discordgo.MessageEmbedField{Name: "Decisive evidence", Value: value}
}
