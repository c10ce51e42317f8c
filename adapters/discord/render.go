package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// Discord's limits on one message (see the platform facts): a message over them is rejected
// whole, so rendering cuts to them and points at the full guide instead.
const (
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxEmbedTotal  = 6000
	maxRows        = 5
	maxButtonsRow  = 5
	maxLabel       = 80
	maxCustomID    = 100
	maxURL         = 512
	maxChoices     = 25
	maxChoiceName  = 100
	maxChoiceValue = 100
	maxContent     = 2000
)

// Colours by severity: 2xx green, 3xx blue, 4xx amber, 5xx red, topics neutral.
var colors = map[bot.Severity]int{
	bot.SeveritySuccess: 0x2EA043,
	bot.SeverityPending: 0x1F6FEB,
	bot.SeverityWarning: 0xD29922,
	bot.SeverityError:   0xCF222E,
	bot.SeverityInfo:    0x6E7781,
}

// Custom id prefixes of the buttons. The rest of the id is the question to ask.
const (
	idAsk   = "ftp:ask:"
	idShare = "ftp:share"
)

// RenderOptions control rendering.
type RenderOptions struct {
	BaseURL   string // public URL of the web reference; link buttons are left out when empty
	Ephemeral bool   // answer only to the asker (adds the Share button)
}

// minDescription is the room always left for the description, whatever the fields take.
const minDescription = 1000

// Render turns a reply into a Discord message: one embed, buttons for related answers, a Share
// button on private answers and a link to the full guide. AllowedMentions is always empty, so
// nothing a user typed can ping anyone.
func Render(r bot.Reply, o RenderOptions) *discordgo.InteractionResponseData {
	guide := absolute(o.BaseURL, r.Guide())
	e := &discordgo.MessageEmbed{
		Title: cut(r.Title, maxTitle),
		Color: colors[r.Severity],
	}
	if len(guide) <= maxURL {
		e.URL = guide
	}
	budget := maxEmbedTotal - utf8.RuneCountInString(e.Title)

	footer := ""
	if r.Footer != "" {
		footer = cut("Defined in "+r.Footer, maxFooter)
		budget -= utf8.RuneCountInString(footer)
	}
	var fields []*discordgo.MessageEmbedField
	if f := evidenceField(r); f != nil {
		fields = append(fields, f)
		budget -= utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	for _, f := range r.Fields {
		if len(fields) == maxFields {
			break
		}
		fld := &discordgo.MessageEmbedField{Name: cut(f.Label, maxFieldName), Value: cut(f.Value, maxFieldValue), Inline: true}
		size := utf8.RuneCountInString(fld.Name) + utf8.RuneCountInString(fld.Value)
		// Short facts must not starve the description: keep room for the summary and the cut note.
		if budget-size < minDescription {
			break
		}
		budget -= size
		fields = append(fields, fld)
	}
	more := ""
	if guide != "" {
		more = "\n\n… cut here. [Read the full guide](" + guide + ")"
	} else {
		more = "\n\n… cut here: ask on the web reference for the rest."
	}
	limit := min(maxDescription, budget)
	e.Description = cutWith(fitDescription(r, limit-utf8.RuneCountInString(more)), limit, more)
	e.Fields = fields
	if footer != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	data := &discordgo.InteractionResponseData{
		Embeds:          []*discordgo.MessageEmbed{e},
		Components:      components(r, guide, o.Ephemeral),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
	if o.Ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return data
}

// description is the embed's text: the summary, then every section in order (fields are kept for
// the short facts). dropped[i] items were left out of section i to make it fit.
func description(r bot.Reply, dropped []int) string {
	var desc strings.Builder
	// The summary is the first sentence of the meaning for codes: say it once.
	if len(r.Sections) == 0 || !strings.HasPrefix(r.Sections[0].Body, r.Summary) {
		desc.WriteString(escape(r.Summary))
	}
	for i, s := range r.Sections {
		if desc.Len() > 0 {
			desc.WriteString("\n\n")
		}
		desc.WriteString("**" + escape(s.Heading) + "**")
		if s.Team {
			desc.WriteString(" *(your team's note)*")
		}
		desc.WriteString("\n")
		if n := dropped[i]; n > 0 {
			s.Items = s.Items[:len(s.Items)-n]
			desc.WriteString(sectionText(s))
			fmt.Fprintf(&desc, "\n*…and %d more in the full guide.*", n)
		} else {
			desc.WriteString(sectionText(s))
		}
	}
	return desc.String()
}

// fitDescription shortens the longest lists, an item at a time from their ends, until the
// description fits in limit runes: a long list of causes must not push the fixes and the server
// note out of the message. Unordered lists give way before numbered steps; every list keeps
// at least two items. What still does not fit is cut by the caller.
func fitDescription(r bot.Reply, limit int) string {
	dropped := make([]int, len(r.Sections))
	for {
		d := description(r, dropped)
		if utf8.RuneCountInString(d) <= limit {
			return d
		}
		victim, most := -1, 2
		for pass := 0; pass < 2 && victim < 0; pass++ {
			for i, s := range r.Sections {
				left := len(s.Items) - dropped[i]
				if s.Ordered == (pass == 1) && left > most {
					victim, most = i, left
				}
			}
		}
		if victim < 0 {
			return d
		}
		dropped[victim]++
	}
}

func sectionText(s bot.Section) string {
	var b strings.Builder
	if s.Body != "" {
		if s.Pre {
			b.WriteString("```\n" + strings.ReplaceAll(s.Body, "```", "ʼʼʼ") + "\n```")
		} else {
			b.WriteString(escape(s.Body))
		}
	}
	for i, it := range s.Items {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if s.Ordered {
			fmt.Fprintf(&b, "%d. %s", i+1, escape(it))
		} else {
			b.WriteString("• " + escape(it))
		}
	}
	return b.String()
}

// components builds the button rows: related answers (at most three rows of five), then the
// guide link and Share.
func components(r bot.Reply, guide string, ephemeral bool) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row []discordgo.MessageComponent
	for _, rel := range r.Related {
		id := idAsk + rel.ID
		if len(id) > maxCustomID {
			continue
		}
		if len(row) == maxButtonsRow {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
			if len(rows) == maxRows-2 {
				break
			}
		}
		row = append(row, discordgo.Button{Label: cut(rel.Label, maxLabel), Style: discordgo.SecondaryButton, CustomID: id})
	}
	if len(row) > 0 && len(rows) < maxRows-2 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	var last []discordgo.MessageComponent
	if guide != "" && len(guide) <= maxURL {
		last = append(last, discordgo.Button{Label: bot.LinkGuide, Style: discordgo.LinkButton, URL: guide})
	}
	if ephemeral && r.Kind != bot.KindError && r.Kind != bot.KindSlowDown {
		last = append(last, discordgo.Button{Label: "Share in channel", Style: discordgo.PrimaryButton, CustomID: idShare})
	}
	if len(last) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: last})
	}
	return rows
}

// Choices turns ranked matches into autocomplete choices: "530 — Not logged in".
func Choices(ms []knowledge.Match) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(ms), maxChoices))
	for _, m := range ms {
		if len(out) == maxChoices {
			break
		}
		if len(m.ID) > maxChoiceValue {
			continue
		}
		name := m.Title
		if m.Kind != knowledge.KindTopic {
			name = m.ID + " — " + m.Title
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: cut(name, maxChoiceName), Value: m.ID})
	}
	return out
}

func absolute(base, path string) string {
	if path == "" || base == "" {
		return ""
	}
	if strings.HasPrefix(path, "/") {
		return strings.TrimRight(base, "/") + path
	}
	return path
}

// escape neutralises Discord markdown and mentions in text that may have come from a user or a
// server (a pasted line): AllowedMentions already stops pings; this stops formatting tricks and
// "@everyone" from even looking like a mention.
func escape(s string) string {
	return markdownEscaper.Replace(s)
}

// markdownEscaper is built once: building a Replacer costs more than using it.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`,
	"@everyone", "@\u200beveryone", "@here", "@\u200bhere", "<@", "<\u200b@", "<#", "<\u200b#",
	"](", `]\(`,
)

// cut shortens s to n runes, ending with an ellipsis when it had to cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// cutWith shortens s to n runes, appending more (which counts) when it had to cut. It never
// leaves a code block open.
func cutWith(s string, n int, more string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	keep := n - utf8.RuneCountInString(more)
	if keep < 0 {
		return cut(more, n)
	}
	head := string([]rune(s)[:keep])
	if strings.Count(head, "```")%2 == 1 {
		if keep > 4 {
			head = string([]rune(head)[:keep-4]) + "\n```"
		}
	}
	return head + more
}
