package discord

import (
	"fmt"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Problems lists every Discord limit a message breaks (see the platform facts): embed texts and
// their total, fields, rows and their components, labels, menu options, link URLs, and unique
// custom_ids (Discord rejects a whole message that repeats one). An empty list means Discord
// takes the message.
func Problems(d *discordgo.InteractionResponseData) []string {
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	n := utf8.RuneCountInString
	total := 0
	if len(d.Embeds) > 10 {
		bad("%d embeds", len(d.Embeds))
	}
	for _, e := range d.Embeds {
		if n(e.Title) > maxTitle {
			bad("title of %d", n(e.Title))
		}
		if n(e.Description) > maxDescription {
			bad("description of %d", n(e.Description))
		}
		if len(e.Fields) > maxFields {
			bad("%d fields", len(e.Fields))
		}
		total += n(e.Title) + n(e.Description)
		for _, f := range e.Fields {
			if n(f.Name) > maxFieldName || n(f.Value) > maxFieldValue || f.Name == "" || f.Value == "" {
				bad("field %q out of bounds", f.Name)
			}
			total += n(f.Name) + n(f.Value)
		}
		if e.Footer != nil {
			if n(e.Footer.Text) > maxFooter {
				bad("footer of %d", n(e.Footer.Text))
			}
			total += n(e.Footer.Text)
		}
		if len(e.URL) > maxURL {
			bad("url of %d", len(e.URL))
		}
	}
	if total > maxEmbedTotal {
		bad("embeds total %d over %d", total, maxEmbedTotal)
	}
	if len(d.Components) > maxRows {
		bad("%d rows", len(d.Components))
	}
	ids := map[string]bool{}
	id := func(s string) {
		if s == "" || len(s) > maxCustomID || ids[s] {
			bad("custom_id %q empty, too long or used twice", s)
		}
		ids[s] = true
	}
	for _, row := range d.Components {
		ar, ok := row.(discordgo.ActionsRow)
		if !ok {
			bad("a row of type %T", row)
			continue
		}
		if len(ar.Components) > maxButtonsRow || len(ar.Components) == 0 {
			bad("a row with %d components", len(ar.Components))
		}
		for _, c := range ar.Components {
			switch x := c.(type) {
			case discordgo.Button:
				if n(x.Label) > maxLabel || x.Label == "" {
					bad("button label %q", x.Label)
				}
				if x.URL == "" {
					id(x.CustomID)
				}
				if len(x.URL) > maxURL {
					bad("link of %d", len(x.URL))
				}
			case discordgo.SelectMenu:
				if len(ar.Components) != 1 {
					bad("a menu shares its row")
				}
				id(x.CustomID)
				if x.MenuType != discordgo.StringSelectMenu || len(x.Options) == 0 || len(x.Options) > maxMenuOptions || n(x.Placeholder) > maxPlaceholder {
					bad("menu of type %d with %d options", x.MenuType, len(x.Options))
				}
				values := map[string]bool{}
				for _, o := range x.Options {
					if o.Label == "" || n(o.Label) > maxOptionLabel || o.Value == "" || len(o.Value) > maxOptionValue || values[o.Value] {
						bad("menu option %q/%q out of bounds or repeated", o.Label, o.Value)
					}
					values[o.Value] = true
				}
			default:
				bad("a component of type %T", c)
			}
		}
	}
	if n(d.Content) > maxContent {
		bad("content of %d", n(d.Content))
	}
	return p
}

// CardText is a card's visible text as issue 13 measures it: title, description, fields and
// footer.
func CardText(d *discordgo.InteractionResponseData) int {
	n := 0
	for _, e := range d.Embeds {
		n += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		for _, f := range e.Fields {
			n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if e.Footer != nil {
			n += utf8.RuneCountInString(e.Footer.Text)
		}
	}
	return n
}

// CardProblems lists what breaks the card's budget: visible text over maxCardText, more than one
// embed, more than two rows of components.
func CardProblems(d *discordgo.InteractionResponseData) []string {
	var p []string
	if n := CardText(d); n > maxCardText {
		p = append(p, fmt.Sprintf("card has %d characters of visible text (limit %d)", n, maxCardText))
	}
	if len(d.Embeds) != 1 {
		p = append(p, fmt.Sprintf("card has %d embeds, want 1", len(d.Embeds)))
	}
	if len(d.Components) > maxCardRows {
		p = append(p, fmt.Sprintf("card has %d rows (limit %d)", len(d.Components), maxCardRows))
	}
	return p
}
