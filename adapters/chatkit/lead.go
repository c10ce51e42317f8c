package chatkit

import (
	"slices"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
)

// Markup is how one platform writes the few kinds of text a card's lead uses. Every function
// gets plain text and returns it marked up and escaped for that platform.
type Markup struct {
	Escape func(string) string // plain text
	Bold   func(string) string // already escaped text, made bold
	Italic func(string) string // already escaped text, made italic
	Code   func(string) string // one line of verbatim text, as inline code
	Fence  func([]string) string
	// Link returns a link to url labelled label, or "" when url cannot be linked safely.
	Link func(url, label string) string
}

// Lead is the top of a card in one platform's markup: a notice about the answer itself (what
// could not be read), whose words the evidence is, the evidence
// itself (inline for one line, fenced for several), the message it came from, what it means
// here, and the team's note.
func Lead(c bot.Card, m Markup) string {
	var b strings.Builder
	if c.Notice != "" {
		b.WriteString(m.Italic(m.Escape(oneLine(c.Notice))) + "\n")
	}
	switch len(c.Evidence) {
	case 0:
	case 1:
		b.WriteString(m.Bold(m.Escape(c.EvidenceLabel)+":") + " " + m.Code(c.Evidence[0]))
	default:
		b.WriteString(m.Bold(m.Escape(c.EvidenceLabel)+":") + "\n" + m.Fence(slices.Clone(c.Evidence)))
	}
	if len(c.Evidence) > 0 && c.EvidenceSource != nil {
		if l := m.Link(c.EvidenceSource.URL, "this message"); l != "" {
			b.WriteString("\nfrom " + l)
		}
	}
	if c.Meaning != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(m.Escape(c.Meaning))
	}
	if c.TeamNote != "" {
		b.WriteString("\n" + m.Italic("Your team's note:") + " " + m.Escape(oneLine(c.TeamNote)))
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
