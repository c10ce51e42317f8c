// Package console renders ftpbot's replies for a terminal and runs the interactive prompt.
//
//	console.Render(os.Stdout, reply, console.Options{Color: true, BaseURL: "http://127.0.0.1:8080"})
//
// Colour is ANSI and only used when asked (the command line turns it on for a TTY and off when
// NO_COLOR is set); everything else is plain text wrapped to a readable width.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ftpbot/ftpbot/bot"
)

// Options control rendering.
type Options struct {
	Color   bool
	BaseURL string // prefix for reference links ("/codes/530"); links are left relative when empty
	Width   int    // wrap width; 88 when zero
}

const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	blue   = "\x1b[34m"
	cyan   = "\x1b[36m"
)

var severityColor = map[bot.Severity]string{
	bot.SeverityInfo:    cyan,
	bot.SeveritySuccess: green,
	bot.SeverityPending: blue,
	bot.SeverityWarning: yellow,
	bot.SeverityError:   red,
}

// Render writes r to w as terminal text.
func Render(w io.Writer, r bot.Reply, o Options) error {
	if o.Width <= 0 {
		o.Width = 88
	}
	p := &printer{o: o}
	p.line(p.paint(bold+severityColor[r.Severity], r.Title))
	if r.Summary != "" {
		p.wrap(r.Summary, "")
	}
	if len(r.Fields) > 0 {
		var parts []string
		for _, f := range r.Fields {
			parts = append(parts, p.paint(dim, f.Label+":")+" "+f.Value)
		}
		p.line(strings.Join(parts, "   "))
	}
	for _, s := range r.Sections {
		p.line("")
		h := s.Heading
		if s.Team {
			h += " (team note)"
		}
		p.line(p.paint(bold, h))
		if s.Body != "" {
			if s.Pre {
				for _, l := range strings.Split(s.Body, "\n") {
					p.line("  " + l)
				}
			} else {
				for _, para := range strings.Split(s.Body, "\n") {
					p.wrap(para, "  ")
				}
			}
		}
		for i, it := range s.Items {
			bullet := "  • "
			if s.Ordered {
				bullet = fmt.Sprintf("  %d. ", i+1)
			}
			p.wrapHang(it, bullet, strings.Repeat(" ", utf8.RuneCountInString(bullet)))
		}
	}
	// Related answers are buttons in chat; in a terminal they are a line, minus those a section
	// has just listed (a class's or a prefix's codes).
	listed := map[string]bool{}
	for _, s := range r.Sections {
		for _, it := range s.Items {
			listed[it] = true
		}
	}
	labels := make([]string, 0, len(r.Related))
	for _, rel := range r.Related {
		if !listed[rel.Label] {
			labels = append(labels, rel.Label)
		}
	}
	if len(labels) > 0 {
		p.line("")
		p.wrapHang(strings.Join(labels, " · "), p.paint(bold, "Related: "), "  ")
	}
	for _, l := range r.Links {
		url := l.URL
		if strings.HasPrefix(url, "/") && o.BaseURL != "" {
			url = strings.TrimRight(o.BaseURL, "/") + url
		}
		p.line(p.paint(dim, l.Label+": ") + url)
	}
	if r.Footer != "" {
		p.line(p.paint(dim, "Defined in "+r.Footer))
	}
	_, err := io.WriteString(w, p.b.String())
	return err
}

// RenderCard writes r's card (bot.Reply.Card): the title, the evidence, what it means here, what
// to do first, the context line, related answers and the guide link, and then how to see the
// rest (more says what to type or pass for it: "more", "--more"). It is the first screen of an
// answer; Render writes everything.
func RenderCard(w io.Writer, r bot.Reply, o Options, more string) error {
	if o.Width <= 0 {
		o.Width = 88
	}
	c := r.Card()
	p := &printer{o: o}
	p.line(p.paint(bold+severityColor[r.Severity], c.Title))
	switch len(c.Evidence) {
	case 0:
	case 1:
		p.wrapHang(c.Evidence[0], p.paint(dim, c.EvidenceLabel+": "), "  ")
	default:
		p.line(p.paint(dim, c.EvidenceLabel+":"))
		for _, l := range c.Evidence {
			p.line("  " + strings.ReplaceAll(l, "\t", " "))
		}
	}
	if c.EvidenceSource != nil {
		p.line(p.paint(dim, "from "+c.EvidenceSource.URL))
	}
	if c.Meaning != "" {
		p.wrap(c.Meaning, "")
	}
	if c.TeamNote != "" {
		p.wrapHang(c.TeamNote, p.paint(bold, "Your team's note: "), "  ")
	}
	if len(c.List) > 0 {
		p.line("")
		p.line(p.paint(bold, c.ListHeading))
		for _, it := range c.List {
			p.wrapHang(it, "  • ", "    ")
		}
	}
	if len(c.FirstSteps) > 0 {
		p.line("")
		p.line(p.paint(bold, "What to do first"))
		for i, s := range c.FirstSteps {
			bullet := fmt.Sprintf("  %d. ", i+1)
			p.wrapHang(s, bullet, strings.Repeat(" ", utf8.RuneCountInString(bullet)))
		}
	}
	if len(c.Context) > 0 {
		p.line("")
		p.wrap(p.paint(dim, strings.Join(c.Context, " · ")), "")
	}
	if len(c.Related) > 0 {
		var labels []string
		for _, ref := range c.Related {
			if len(labels) < maxCardRelated && !slices.Contains(c.List, ref.Label) {
				labels = append(labels, ref.Label)
			}
		}
		if len(labels) > 0 {
			p.wrapHang(strings.Join(labels, " · "), p.paint(bold, "Related: "), "  ")
		}
	}
	if c.Guide != "" {
		url := c.Guide
		if o.BaseURL != "" {
			url = strings.TrimRight(o.BaseURL, "/") + url
		}
		p.line(p.paint(dim, bot.LinkGuide+": ") + url)
	}
	if c.More && more != "" {
		p.line(p.paint(dim, "The whole answer: "+more))
	}
	_, err := io.WriteString(w, p.b.String())
	return err
}

// maxCardRelated is how many related answers the card lists; More lists them all.
const maxCardRelated = 5

type printer struct {
	o Options
	b strings.Builder
}

func (p *printer) paint(code, s string) string {
	if !p.o.Color {
		return s
	}
	return code + s + reset
}

func (p *printer) line(s string) { p.b.WriteString(s); p.b.WriteByte('\n') }

func (p *printer) wrap(s, indent string) { p.wrapHang(s, indent, indent) }

// wrapHang word-wraps s to the width, the first line after first and the rest after rest. It
// writes straight into the output, word by word, without building the lines as strings: an
// answer has a few hundred lines and this is most of rendering it.
func (p *printer) wrapHang(s, first, rest string) {
	width, started := 0, false
	for len(s) > 0 {
		// the next word: skip spaces, then take up to the next space
		i := 0
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		s = s[i:]
		j := 0
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		if j == 0 {
			break
		}
		w := s[:j]
		s = s[j:]
		wl := utf8.RuneCountInString(w)
		switch {
		case !started:
			p.b.WriteString(first)
			width = visibleLen(first) + wl
			started = true
		case width+1+wl > p.o.Width:
			p.b.WriteByte('\n')
			p.b.WriteString(rest)
			width = visibleLen(rest) + wl
		default:
			p.b.WriteByte(' ')
			width += 1 + wl
		}
		p.b.WriteString(w)
	}
	if started {
		p.b.WriteByte('\n')
	}
}

// isSpace reports the ASCII white space strings.Fields splits on; answers are plain text and
// other Unicode spaces stay inside words, which only affects where a line may break.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// visibleLen counts runes outside ANSI escape sequences.
func visibleLen(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			esc = true
		case esc && r == 'm':
			esc = false
		case !esc:
			n++
		}
	}
	return n
}

// Answerer is what the prompt asks: the bot engine's Handle.
type Answerer func(ctx context.Context, text string) bot.Reply

// Prompt reads questions from in until EOF, "quit" or "exit", answering each on out with its
// card. A line "more" shows the rest of the last answer; "paste" starts a multi-line paste (a
// log) that ends at an empty line.
func Prompt(ctx context.Context, in io.Reader, out io.Writer, answer Answerer, o Options) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	fmt.Fprintln(out, "ftpbot — ask about an FTP reply code, error, log or mode. Type help, paste (for a multi-line log), more (the rest of the last answer), or quit.")
	var last *bot.Reply
	for {
		fmt.Fprint(out, "ftp> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			return sc.Err()
		}
		q := strings.TrimSpace(sc.Text())
		switch strings.ToLower(q) {
		case "":
			continue
		case "quit", "exit", `\q`:
			return nil
		case "more":
			if last == nil {
				fmt.Fprintln(out, "Ask something first; more shows the rest of the last answer.")
				continue
			}
			if err := Render(out, *last, o); err != nil {
				return err
			}
			fmt.Fprintln(out)
			continue
		case "paste":
			fmt.Fprintln(out, "Paste the log, then an empty line:")
			var lines []string
			for sc.Scan() && strings.TrimSpace(sc.Text()) != "" {
				lines = append(lines, sc.Text())
			}
			q = strings.Join(lines, "\n")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r := answer(ctx, q)
		last = &r
		if err := RenderCard(out, r, o, "type more"); err != nil {
			return err
		}
		fmt.Fprintln(out)
	}
}
