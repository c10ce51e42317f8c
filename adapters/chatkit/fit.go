package chatkit

import (
	"strings"

	"github.com/ftpbot/ftpbot/bot"
)

// Fit keeps the sections, in order, that fit in budget as measured by size (each platform
// measures its own rendering), cutting only between items or paragraphs: the first section
// that does not fit whole keeps the items (or paragraphs of its body) that do, and everything
// after it is left out. Sections come from bot.Reply.More, fixes first, so what is cut is
// background. cut reports whether anything was left out.
func Fit(sections []bot.Section, size func(bot.Section) int, budget int) (kept []bot.Section, cut bool) {
	used := 0
	for i, s := range sections {
		n := size(s)
		if used+n <= budget {
			kept = append(kept, s)
			used += n
			continue
		}
		if part, ok := fitPart(s, size, budget-used); ok {
			kept = append(kept, part)
		}
		return kept, i < len(sections)
	}
	return kept, false
}

// fitPart keeps the leading items, or the leading paragraphs of a body without items, of a
// section that fit in room; false when not even the heading with one item or paragraph fits.
func fitPart(s bot.Section, size func(bot.Section) int, room int) (bot.Section, bool) {
	if len(s.Items) > 0 {
		for n := len(s.Items) - 1; n >= 1; n-- {
			p := s
			p.Items = s.Items[:n]
			if size(p) <= room {
				return p, true
			}
		}
		p := s
		p.Items = nil
		if p.Body != "" && size(p) <= room {
			return p, true
		}
		return bot.Section{}, false
	}
	sep := "\n\n"
	if s.Pre {
		sep = "\n" // preformatted lines (a timeline) are cut between lines
	}
	paras := strings.Split(s.Body, sep)
	for n := len(paras) - 1; n >= 1; n-- {
		p := s
		p.Body = strings.Join(paras[:n], sep)
		if size(p) <= room {
			return p, true
		}
	}
	return bot.Section{}, false
}
