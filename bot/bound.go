package bot

import (
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// boundLines cuts every line of s to maxLineBytes, at a character boundary, before anything
// reads it: answer bounds the line it works on, and this bounds each line of a log too, whose
// parsing (transcript.Parse) runs its patterns over every line — a 500 KB line in a paste cost
// as much as a 500 KB question (issue 14). Real reply, log and client lines are far shorter.
func boundLines(s string) string {
	if len(s) <= maxLineBytes {
		return s
	}
	var b strings.Builder
	rest := s
	changed := false
	for rest != "" {
		line, tail, more := strings.Cut(rest, "\n")
		if len(line) > maxLineBytes {
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:len(s)-len(rest)])
				changed = true
			}
			line = knowledge.Bounded(line, maxLineBytes)
		}
		if changed {
			b.WriteString(line)
			if more {
				b.WriteByte('\n')
			}
		}
		rest = tail
	}
	if !changed {
		return s
	}
	return b.String()
}
