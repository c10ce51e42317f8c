package bot

import (
	"strings"
	"unicode/utf8"
)

// MaxLineBytes bounds what the engine reads of one line, and of the text it makes of several
// lines that are not a log. Reply lines, client errors and questions are far shorter; what
// matters in a longer line comes first. Every step after it (the code, class and topic
// patterns, the search) costs in proportion to the text, and a 512 KB line cost the better
// part of a second of CPU (issue 14). Logs keep their lines: transcript.Parse caps them by
// lines and bytes.
const MaxLineBytes = 8 << 10

// boundLines cuts every line of s to MaxLineBytes, at a character boundary.
func boundLines(s string) string {
	if len(s) <= MaxLineBytes {
		return s
	}
	var b strings.Builder
	rest := s
	changed := false
	for rest != "" {
		line, tail, more := strings.Cut(rest, "\n")
		if len(line) > MaxLineBytes {
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:len(s)-len(rest)])
				changed = true
			}
			line = prefix(line, MaxLineBytes)
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

// joinBounded joins lines with spaces, up to MaxLineBytes.
func joinBounded(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte(' ')
		}
		if b.Len()+len(l) > MaxLineBytes {
			b.WriteString(prefix(l, MaxLineBytes-b.Len()))
			break
		}
		b.WriteString(l)
	}
	return b.String()
}

// prefix is s cut to at most n bytes, at a character boundary.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
