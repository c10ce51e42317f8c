package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/adapters/chatkit"
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

// Custom ids of the card's controls. Every custom_id in a message must be unique, or Discord
// rejects the whole message; the card has one of each.
const (
	idMore    = "ftp:more:" // + the More token (see chatkit.Questions)
	idRelated = "ftp:rel"   // the related menu (string select); its value is the answer's id
	idShare   = "ftp:share"
	// idAsk is the related buttons of answers posted before the card: still answered.
	idAsk = "ftp:ask:"
)

// Card budgets (see issue 13): the card's visible text (title, description, fields, footer),
// one embed, two rows of components.
const (
	maxCardText    = 1200
	maxCardRows    = 2
	maxMenuOptions = 25
	maxOptionLabel = 100
	maxOptionValue = 100
	maxPlaceholder = 150
)

// RenderOptions control rendering.
type RenderOptions struct {
	BaseURL   string // public URL of the web reference; link buttons are left out when empty
	Ephemeral bool   // answer only to the asker (adds the Share button)
	// MoreToken is the More button's token (see chatkit.Questions); empty: no More button.
	MoreToken string
}

// Render turns a reply into its card: one embed with the title, the evidence with whose words
// it is, what it means here and what to do first, the context line (class · step · server ·
// RFC) as its footer; a row with More, Full guide and Share in channel (private answers); and
// one menu of related failures and concepts. AllowedMentions is always empty, so nothing a user
// typed can ping anyone.
func Render(r bot.Reply, o RenderOptions) *discordgo.InteractionResponseData {
	c := r.Card()
	guide := absolute(o.BaseURL, c.Guide)
	e := cardEmbed(c, guide)
	desc := lead(c)
	if len(c.List) > 0 {
		desc += "\n\n**" + escape(oneLine(c.ListHeading)) + "**"
		for _, it := range c.List {
			desc += "\n• " + escape(oneLine(it))
		}
	}
	if len(c.FirstSteps) > 0 {
		desc += "\n\n**What to do first**"
		for i, s := range c.FirstSteps {
			desc += fmt.Sprintf("\n%d. %s", i+1, escape(oneLine(s)))
		}
	}
	e.Description = cut(desc, maxDescription)
	return message(r, c, e, guide, o, true)
}

// RenderMore is the More view: the card's evidence and meaning, then everything else in the
// order bot.Reply.More gives (what to do, the servers' notes, the causes, the background), cut
// only between items or paragraphs when it would pass the embed's limits; a cut notice then
// points at the full guide.
func RenderMore(r bot.Reply, o RenderOptions) *discordgo.InteractionResponseData {
	c := r.Card()
	guide := absolute(o.BaseURL, c.Guide)
	e := cardEmbed(c, guide)
	head := lead(c)
	more := "\n\n*… cut here: the web reference has the rest.*"
	if guide != "" {
		more = "\n\n*… cut here.* [Read the full guide](" + guide + ")"
	}
	// Up to two embeds: the first holds the lead and what to do, the second what follows, all
	// within one message's 6,000 characters.
	left := maxEmbedTotal - utf8.RuneCountInString(e.Title) - footerLen(e) - utf8.RuneCountInString(head) - utf8.RuneCountInString(more)
	size := func(s bot.Section) int { return utf8.RuneCountInString(sectionBlock(s)) + 2 }
	rest := r.More()
	wasCut := false
	var descs []string
	for page := 0; page < maxMoreEmbeds && len(rest) > 0 && !wasCut; page++ {
		room := maxDescription - utf8.RuneCountInString(more)
		if page == 0 {
			room -= utf8.RuneCountInString(head)
		}
		room = min(room, left)
		kept, cut := chatkit.Fit(rest, size, room)
		var b strings.Builder
		if page == 0 {
			b.WriteString(head)
		}
		whole := 0
		for i, s := range kept {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(sectionBlock(s))
			left -= size(s)
			if len(s.Items) == len(rest[i].Items) && s.Body == rest[i].Body {
				whole++
			}
		}
		if b.Len() > 0 {
			descs = append(descs, b.String())
		}
		if !cut {
			rest = nil
			break
		}
		if whole < len(kept) || page == maxMoreEmbeds-1 {
			wasCut = true // a section was cut inside: the rest would read out of order
		}
		rest = rest[whole:]
	}
	if len(descs) == 0 {
		descs = []string{head}
	}
	if wasCut || len(rest) > 0 {
		descs[len(descs)-1] += more
	}
	e.Description = cut(descs[0], maxDescription)
	data := message(r, c, e, guide, o, false)
	for _, d := range descs[1:] {
		data.Embeds = append(data.Embeds, &discordgo.MessageEmbed{Description: cut(d, maxDescription), Color: e.Color})
	}
	// The context line closes the view: on the last embed.
	if last := data.Embeds[len(data.Embeds)-1]; last != e {
		last.Footer, e.Footer = e.Footer, nil
	}
	return data
}

// maxMoreEmbeds is how many embeds a More view spreads over.
const maxMoreEmbeds = 2

// cardEmbed is the embed's frame: title, colour, guide link and the context line.
func cardEmbed(c bot.Card, guide string) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{Title: cut(c.Title, maxTitle), Color: colors[c.Severity]}
	if len(guide) <= maxURL {
		e.URL = guide
	}
	if len(c.Context) > 0 {
		e.Footer = &discordgo.MessageEmbedFooter{Text: cut(strings.Join(c.Context, " · "), maxFooter)}
	}
	return e
}

func footerLen(e *discordgo.MessageEmbed) int {
	if e.Footer == nil {
		return 0
	}
	return utf8.RuneCountInString(e.Footer.Text)
}

// message wraps an embed with the card's components.
func message(r bot.Reply, c bot.Card, e *discordgo.MessageEmbed, guide string, o RenderOptions, withMore bool) *discordgo.InteractionResponseData {
	data := &discordgo.InteractionResponseData{
		Embeds:          []*discordgo.MessageEmbed{e},
		Components:      components(r, c, guide, o, withMore),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
	if o.Ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return data
}

// lead is the evidence, whose words it is and where it was found, then what it means here.
func lead(c bot.Card) string { return chatkit.Lead(c, markup) }

// markup is Discord's markdown for chatkit.Lead.
var markup = chatkit.Markup{
	Escape: escape,
	Bold:   func(s string) string { return "**" + s + "**" },
	Italic: func(s string) string { return "*" + s + "*" },
	Code:   func(s string) string { return "`" + strings.ReplaceAll(s, "`", "ʼ") + "`" },
	Fence: func(lines []string) string {
		for i, l := range lines {
			lines[i] = strings.ReplaceAll(l, "```", "ʼʼʼ")
		}
		return "```\n" + strings.Join(lines, "\n") + "\n```"
	},
	Link: func(u, label string) string {
		if !strings.HasPrefix(u, "https://") || len(u) > maxURL || strings.ContainsAny(u, " ()<>") {
			return ""
		}
		return "[" + label + "](" + u + ")"
	},
}

// sectionBlock is one section of the More view: its heading and its text.
func sectionBlock(s bot.Section) string {
	h := "**" + escape(s.Heading) + "**"
	if s.Team {
		h += " *(your team's note)*"
	}
	return h + "\n" + sectionText(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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

// components builds the card's two rows: More, the guide link and Share; then the menu of
// related failures and concepts.
func components(r bot.Reply, c bot.Card, guide string, o RenderOptions, withMore bool) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var first []discordgo.MessageComponent
	if withMore && c.More && o.MoreToken != "" && len(idMore+o.MoreToken) <= maxCustomID {
		first = append(first, discordgo.Button{Label: "More", Style: discordgo.SecondaryButton, CustomID: idMore + o.MoreToken})
	}
	if guide != "" && len(guide) <= maxURL {
		first = append(first, discordgo.Button{Label: bot.LinkGuide, Style: discordgo.LinkButton, URL: guide})
	}
	if o.Ephemeral && chatkit.Shareable(r) {
		first = append(first, discordgo.Button{Label: "Share in channel", Style: discordgo.PrimaryButton, CustomID: idShare})
	}
	if len(first) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: first})
	}
	var opts []discordgo.SelectMenuOption
	seen := map[string]bool{}
	for _, ref := range c.Related {
		if len(opts) == maxMenuOptions || ref.ID == "" || len(ref.ID) > maxOptionValue || seen[ref.ID] {
			continue
		}
		seen[ref.ID] = true
		opts = append(opts, discordgo.SelectMenuOption{Label: cut(ref.Label, maxOptionLabel), Value: ref.ID})
	}
	if len(opts) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.SelectMenu{
			MenuType: discordgo.StringSelectMenu, CustomID: idRelated, Placeholder: "Related codes and topics", Options: opts,
		}}})
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
