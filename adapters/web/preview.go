package web

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ftpbot/ftpbot/bot"
)

// previewView is one platform's rendering of an answer: its payload as JSON and, when the shape
// is recognised, a card drawn in the platform's look from that payload (not from the reply), so
// the card shows what the platform would show: the cuts, the escaping, the buttons.
type previewView struct {
	Name      string
	Slug      string // for ids: "slack"
	JSON      string
	Err       string
	Slack     *slackCard
	Discord   *discordCard
	Severity  string
	Ephemeral bool
}

type slackCard struct {
	Blocks []slackBlockView
}

type slackBlockView struct {
	Type     string // header, section, context, divider, actions, other
	Text     template.HTML
	Fields   []template.HTML
	Elements []template.HTML
	Buttons  []buttonView
}

type buttonView struct {
	Label   string
	URL     string
	Primary bool
}

type discordCard struct {
	Content template.HTML
	Embeds  []embedView
	Rows    [][]buttonView
}

type embedView struct {
	Title       string
	URL         string
	Description template.HTML
	Fields      []embedFieldView
	Footer      string
}

type embedFieldView struct {
	Name   string
	Value  template.HTML
	Inline bool
}

// previews renders a reply with every configured platform. A renderer that fails or panics shows
// its error in place of the card; it never breaks the page.
func (h *Handler) previews(r bot.Reply) []previewView {
	var out []previewView
	for _, p := range h.o.Previews {
		v := previewView{Name: p.Name, Slug: slugify(p.Name), Ephemeral: r.Visibility != bot.InChannel}
		v.Severity, _ = severityOf(r.Severity)
		payload, err := safeRender(p, r)
		if err != nil {
			h.log.Warn("web: platform preview failed", "platform", p.Name, "err", err)
			v.Err = err.Error()
			out = append(out, v)
			continue
		}
		raw, err := json.Marshal(payload)
		if err != nil {
			v.Err = "the payload is not JSON: " + err.Error()
			out = append(out, v)
			continue
		}
		v.JSON = indentJSON(raw)
		v.Slack, v.Discord = cardOf(raw)
		out = append(out, v)
	}
	return out
}

func safeRender(p Preview, r bot.Reply) (payload any, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("the %s renderer panicked: %v", p.Name, x)
		}
	}()
	if p.Render == nil {
		return nil, fmt.Errorf("no renderer for %s", p.Name)
	}
	return p.Render(r)
}

func indentJSON(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return string(raw)
	}
	return strings.TrimRight(b.String(), "\n")
}

func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// Payload shapes, read leniently: only the parts a card shows.
type (
	slackText struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	slackElement struct {
		Type  string          `json:"type"`
		Text  json.RawMessage `json:"text"` // a string in context elements, an object in buttons
		URL   string          `json:"url"`
		Style string          `json:"style"`
	}
	slackBlock struct {
		Type     string         `json:"type"`
		Text     *slackText     `json:"text"`
		Fields   []slackText    `json:"fields"`
		Elements []slackElement `json:"elements"`
	}
	discordEmbed struct {
		Title       string `json:"title"`
		URL         string `json:"url"`
		Description string `json:"description"`
		Fields      []struct {
			Name   string `json:"name"`
			Value  string `json:"value"`
			Inline bool   `json:"inline"`
		} `json:"fields"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	}
	discordComponent struct {
		Type       int                `json:"type"`
		Label      string             `json:"label"`
		Style      int                `json:"style"`
		URL        string             `json:"url"`
		Components []discordComponent `json:"components"`
	}
	payloadShape struct {
		Blocks     []slackBlock       `json:"blocks"`
		Content    string             `json:"content"`
		Embeds     []discordEmbed     `json:"embeds"`
		Components []discordComponent `json:"components"`
		Data       json.RawMessage    `json:"data"` // a whole interaction response: the message is inside
	}
)

// cardOf recognises a Slack message (blocks) or a Discord message (embeds or components).
func cardOf(raw []byte) (*slackCard, *discordCard) {
	var p payloadShape
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, nil
	}
	if len(p.Blocks) == 0 && len(p.Embeds) == 0 && len(p.Data) > 0 {
		if err := json.Unmarshal(p.Data, &p); err != nil {
			return nil, nil
		}
	}
	switch {
	case len(p.Blocks) > 0:
		return slackCardOf(p.Blocks), nil
	case len(p.Embeds) > 0 || len(p.Components) > 0 || p.Content != "":
		return nil, discordCardOf(p)
	}
	return nil, nil
}

func slackCardOf(blocks []slackBlock) *slackCard {
	c := &slackCard{}
	text := func(t *slackText) template.HTML {
		if t == nil {
			return ""
		}
		if t.Type == "mrkdwn" {
			return slackMrkdwn(t.Text)
		}
		return slackPlain(t.Text)
	}
	for _, b := range blocks {
		v := slackBlockView{Type: b.Type}
		switch b.Type {
		case "header":
			v.Text = text(b.Text)
		case "section":
			v.Text = text(b.Text)
			for _, f := range b.Fields {
				v.Fields = append(v.Fields, text(&f))
			}
		case "context":
			for _, el := range b.Elements {
				var s string
				if json.Unmarshal(el.Text, &s) == nil {
					if el.Type == "mrkdwn" {
						v.Elements = append(v.Elements, slackMrkdwn(s))
					} else {
						v.Elements = append(v.Elements, slackPlain(s))
					}
				}
			}
		case "actions":
			for _, el := range b.Elements {
				var t slackText
				if el.Type != "button" || json.Unmarshal(el.Text, &t) != nil {
					continue
				}
				btn := buttonView{Label: html.UnescapeString(t.Text), Primary: el.Style == "primary"}
				if u, ok := safeLink("", el.URL); ok && !strings.HasPrefix(u, "/") {
					btn.URL = u
				}
				v.Buttons = append(v.Buttons, btn)
			}
		case "divider":
		default:
			v.Type = "other"
			v.Text = slackPlain("[" + b.Type + " block]")
		}
		c.Blocks = append(c.Blocks, v)
	}
	return c
}

func discordCardOf(p payloadShape) *discordCard {
	c := &discordCard{Content: discordMarkdown(p.Content)}
	for _, e := range p.Embeds {
		ev := embedView{Title: e.Title, Description: discordMarkdown(e.Description)}
		if u, ok := safeLink("", e.URL); ok && !strings.HasPrefix(u, "/") {
			ev.URL = u
		}
		for _, f := range e.Fields {
			ev.Fields = append(ev.Fields, embedFieldView{Name: f.Name, Value: discordMarkdown(f.Value), Inline: f.Inline})
		}
		if e.Footer != nil {
			ev.Footer = e.Footer.Text
		}
		c.Embeds = append(c.Embeds, ev)
	}
	for _, row := range p.Components {
		var btns []buttonView
		for _, comp := range row.Components {
			if comp.Type != 2 { // buttons only
				continue
			}
			b := buttonView{Label: comp.Label, Primary: comp.Style == 1}
			if u, ok := safeLink("", comp.URL); ok && !strings.HasPrefix(u, "/") {
				b.URL = u
			}
			btns = append(btns, b)
		}
		if len(btns) > 0 {
			c.Rows = append(c.Rows, btns)
		}
	}
	return c
}

// Markup conversion. Both converters build HTML from scratch: every piece of text is escaped,
// and the only tags they write are strong, em, del, u, code, pre, br and a (with an http(s) href,
// escaped). Whatever the payload holds, the card cannot carry markup of its own.

// spanRules are formatting rules in one pattern: alternative i has exactly one group, the inner
// text, and is wrapped in tags[i]. One pattern finds the leftmost match of any rule (the first
// rule on a tie) in a single scan, so formatting stays linear in the text however it is nested.
type spanRules struct {
	re   *regexp.Regexp
	tags []string
}

func newSpanRules(rules ...[2]string) spanRules {
	var alts, tags []string
	for _, r := range rules {
		alts = append(alts, "(?:"+r[0]+")")
		tags = append(tags, r[1])
	}
	return spanRules{re: regexp.MustCompile(strings.Join(alts, "|")), tags: tags}
}

var (
	slackSpans = newSpanRules(
		[2]string{`\*([^*\n]+)\*`, "strong"},
		[2]string{`_([^_\n]+)_`, "em"},
		[2]string{`~([^~\n]+)~`, "del"},
	)
	discordSpans = newSpanRules(
		[2]string{`\*\*([^\n]+?)\*\*`, "strong"},
		[2]string{`__([^\n]+?)__`, "u"},
		[2]string{`~~([^\n]+?)~~`, "del"},
		[2]string{`\*([^*\n]+)\*`, "em"},
		[2]string{`_([^_\n]+)_`, "em"},
	)
	slackLinkRE   = regexp.MustCompile(`<([^<>|\n]+)(?:\|([^<>\n]*))?>`)
	discordLinkRE = regexp.MustCompile(`\[([^\[\]\n]+)\]\((https?://[^()\s]+)\)`)
	slackEmojiRE  = regexp.MustCompile(`:([a-z0-9_+\-]+):`)
	inlineCodeRE  = regexp.MustCompile("`([^`\n]+)`")
)

// slackEmoji is the few emoji names the renderers use, shown as the characters Slack draws.
var slackEmoji = map[string]string{
	"red_circle": "🔴", "large_orange_circle": "🟠", "large_blue_circle": "🔵", "large_green_circle": "🟢",
	"information_source": "ℹ️", "books": "📚", "scissors": "✂️", "warning": "⚠️", "white_check_mark": "✅",
	"x": "❌", "mag": "🔍", "bulb": "💡", "wrench": "🔧", "link": "🔗", "lock": "🔒", "speech_balloon": "💬",
	"hourglass_flowing_sand": "⏳", "point_right": "👉", "busts_in_silhouette": "👥",
}

// slackPlain is a plain_text object: no markup, but Slack shows emoji names as emoji.
func slackPlain(s string) template.HTML {
	return template.HTML(strings.ReplaceAll(emojify(html.EscapeString(s)), "\n", "<br>"))
}

func emojify(escaped string) string {
	return slackEmojiRE.ReplaceAllStringFunc(escaped, func(m string) string {
		if e, ok := slackEmoji[m[1:len(m)-1]]; ok {
			return e
		}
		return m
	})
}

// slackUnescape decodes the three entities Slack's text uses, and nothing else.
var slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace

func identity(s string) string { return s }

// slackMrkdwn converts Slack mrkdwn (with &, < and > sent as entities) to HTML: ``` blocks,
// `code`, <url|links>, *bold*, _italic_, ~strike~, emoji names and line breaks.
func slackMrkdwn(s string) template.HTML {
	var b strings.Builder
	fences(s, &b, slackUnescape, func(text string) {
		codeSpans(text, &b, slackUnescape, func(text string) {
			links(text, slackLinkRE, &b, func(m []string) (string, string) {
				target, label := m[1], m[2]
				switch {
				case strings.HasPrefix(target, "http://"), strings.HasPrefix(target, "https://"):
					if label == "" {
						label = target
					}
					return slackUnescape(target), slackUnescape(label)
				case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
					return "", "@mention"
				case strings.HasPrefix(target, "!"):
					return "", "@" + strings.TrimPrefix(strings.SplitN(target, "^", 2)[0], "!")
				}
				return "", slackUnescape(m[0])
			}, func(text string) {
				spans(slackUnescape(text), slackSpans, &b, true)
			})
		})
	})
	return template.HTML(b.String())
}

// discordMarkdown converts Discord markdown to HTML: ``` blocks, `code`, backslash escapes,
// [label](https://links), **bold**, __underline__, ~~strike~~, *italic*, _italic_ and line breaks.
func discordMarkdown(s string) template.HTML {
	var b strings.Builder
	fences(s, &b, identity, func(text string) {
		codeSpans(text, &b, identity, func(text string) {
			links(text, discordLinkRE, &b, func(m []string) (string, string) {
				return m[2], unbackslash(m[1])
			}, func(text string) {
				spans(text, discordSpans, &b, false)
			})
		})
	})
	return template.HTML(b.String())
}

// fences splits out ``` blocks (shown as pre, their text decoded) and hands the rest to text.
// An unclosed fence is text.
func fences(s string, b *strings.Builder, decode func(string) string, text func(string)) {
	parts := strings.Split(s, "```")
	if len(parts)%2 == 0 {
		parts[len(parts)-2] += "```" + parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	for i, p := range parts {
		if i%2 == 0 {
			text(p)
			continue
		}
		p = strings.TrimPrefix(strings.TrimSuffix(p, "\n"), "\n")
		b.WriteString("<pre>" + html.EscapeString(decode(p)) + "</pre>")
	}
}

func codeSpans(s string, b *strings.Builder, decode func(string) string, text func(string)) {
	last := 0
	for _, m := range inlineCodeRE.FindAllStringSubmatchIndex(s, -1) {
		text(s[last:m[0]])
		b.WriteString("<code>" + html.EscapeString(decode(s[m[2]:m[3]])) + "</code>")
		last = m[1]
	}
	text(s[last:])
}

// links finds link markup with re; target returns the URL (empty for no link) and the label.
func links(s string, re *regexp.Regexp, b *strings.Builder, target func([]string) (string, string), text func(string)) {
	last := 0
	for _, idx := range re.FindAllStringSubmatchIndex(s, -1) {
		// the text before a link: a Discord link preceded by a backslash is escaped, not a link
		if re == discordLinkRE && idx[0] > 0 && s[idx[0]-1] == '\\' {
			continue
		}
		text(s[last:idx[0]])
		m := make([]string, len(idx)/2)
		for i := range m {
			if idx[2*i] >= 0 {
				m[i] = s[idx[2*i]:idx[2*i+1]]
			}
		}
		u, label := target(m)
		if _, ok := safeLink("", u); ok && !strings.HasPrefix(u, "/") {
			b.WriteString(`<a href="` + html.EscapeString(u) + `" rel="nofollow noopener">` + html.EscapeString(label) + "</a>")
		} else {
			b.WriteString(html.EscapeString(label))
		}
		last = idx[1]
	}
	text(s[last:])
}

// escapable is what Discord lets a backslash escape.
const escapable = "\\*_~`|>[]()#-.!:@<"

// spans writes text with the formatting rules applied: the leftmost match wins (the first rule
// on a tie), its inner text is formatted recursively. Slack's rules need a word boundary
// outside the markers ("a*b*c" is not bold) and Slack draws emoji names; Discord's escapes hide
// markers from the rules.
func spans(s string, rules spanRules, b *strings.Builder, slack bool) {
	var lit []string // Discord: escaped characters, held out of the patterns as private-use runes
	if !slack {
		var t strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(escapable, s[i+1]) >= 0 {
				t.WriteRune(rune(0xE000 + len(lit)))
				lit = append(lit, s[i+1:i+2])
				i++
				continue
			}
			t.WriteByte(s[i])
		}
		s = t.String()
	}
	writeSpans(s, rules, b, slack, lit)
}

func writeSpans(s string, rules spanRules, b *strings.Builder, slack bool, lit []string) {
	from := 0 // where the next search starts; text before it is written when a match is found
	for {
		m := rules.re.FindStringSubmatchIndex(s[from:])
		if m == nil {
			writeText(s, b, slack, lit)
			return
		}
		start, end := from+m[0], from+m[1]
		if slack && !boundary(s, start, end) {
			// not formatting here; look again from the next character
			_, size := utf8.DecodeRuneInString(s[start:])
			from = start + size
			continue
		}
		rule := 0
		for m[2+2*rule] < 0 {
			rule++
		}
		writeText(s[:start], b, slack, lit)
		tag := rules.tags[rule]
		b.WriteString("<" + tag + ">")
		writeSpans(s[from+m[2+2*rule]:from+m[3+2*rule]], rules, b, slack, lit)
		b.WriteString("</" + tag + ">")
		s, from = s[end:], 0
	}
}

// boundary reports whether s[start:end] stands alone: no letter or digit just outside it.
func boundary(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// writeText writes escaped text with line breaks (and Slack's emoji), restoring held-out literals.
func writeText(s string, b *strings.Builder, slack bool, lit []string) {
	if len(lit) > 0 {
		s = strings.Map(func(r rune) rune {
			if r >= 0xE000 && int(r-0xE000) < len(lit) {
				return rune(lit[r-0xE000][0])
			}
			return r
		}, s)
	}
	e := html.EscapeString(s)
	if slack {
		e = emojify(e)
	}
	b.WriteString(strings.ReplaceAll(e, "\n", "<br>"))
}

// unbackslash removes Discord's escapes from a label.
func unbackslash(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(escapable, s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
