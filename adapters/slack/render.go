package slack

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"
)

// Slack's Block Kit limits (see the platform facts). A message over any of them is rejected whole
// (invalid_blocks), so rendering cuts to them and points at the full guide instead.
const (
	maxBlocks         = 50   // per message
	maxHomeBlocks     = 100  // per Home tab view
	maxSectionText    = 3000 // a section's text
	maxFieldText      = 2000 // one section field
	maxFields         = 10   // fields per section
	maxHeaderText     = 150  // a header's plain text
	maxContextElems   = 10   // elements of a context block
	maxActionElems    = 25   // elements of an actions block
	maxButtonText     = 75   // a button's label
	maxActionID       = 255  // a button's action_id
	maxButtonValue    = 2000 // a button's value
	maxURL            = 3000 // a link button's url
	maxFallbackText   = 3000 // the top-level text we send with blocks (our own bound; Slack allows more)
	maxContextText    = 2000 // a context element's text (our own bound, well inside Slack's)
	maxRelatedButtons = 10   // related answers shown as buttons; more would bury the answer
	maxSectionChunks  = 4    // blocks one long section may spread over before it is cut
)

// Action ids of the buttons the adapter answers. Related buttons carry an index so that every
// action_id in a block is unique, as Slack requires.
const (
	actionRelated = "ftp_rel_"  // + index; value: the answer's id ("530", "5xx", a topic slug)
	actionShare   = "ftp_share" // value: share key "\n" query
	actionLink    = "ftp_link_" // + index; a URL button: Slack still sends an interaction, which is acknowledged and ignored
)

// severityEmoji is how a reply's class shows in Slack, where messages have no colour of their own.
var severityEmoji = map[bot.Severity]string{
	bot.SeverityError:   ":red_circle:",
	bot.SeverityWarning: ":large_orange_circle:",
	bot.SeverityPending: ":large_blue_circle:",
	bot.SeveritySuccess: ":large_green_circle:",
	bot.SeverityInfo:    ":information_source:",
}

// Message is a rendered answer: the Block Kit blocks and the top-level text that Slack shows in
// notifications and where blocks cannot be shown.
type Message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// RenderOptions control rendering.
type RenderOptions struct {
	// BaseURL is the public URL of the web reference. Empty: no link buttons, and a cut answer
	// says so in words instead of linking.
	BaseURL string
	// Ephemeral answers are seen only by the asker; they carry the Share in channel button.
	Ephemeral bool
	// ShareKey names the answer in the adapter's share cache; it goes into the Share button's
	// value with the question, so a share works even after the cache forgot the answer.
	ShareKey string
	// SharedBy and AskedBy are Slack user ids (U…/W…) shown as attribution. They come from
	// Slack's signed payloads, never from user text, and are checked for shape.
	SharedBy string
	AskedBy  string
}

// Render turns a reply into Block Kit: a header with the title, the summary with the short
// facts (the class as a coloured emoji), the sections in order (numbered fixes, preformatted
// logs), related answers as buttons, the full-guide link and Share buttons, and the source. Every
// text from a reply is escaped for mrkdwn, so nothing a user typed can mention anyone or inject a
// link. Whatever exceeds Slack's limits is cut, with a pointer to the full guide.
func Render(r bot.Reply, o RenderOptions) Message {
	guide := absolute(o.BaseURL, r.Guide())
	cut := false

	var head []slack.Block
	if t := strings.TrimSpace(r.Title); t != "" {
		head = append(head, slack.NewHeaderBlock(plain(t, maxHeaderText)))
	}
	if who := attribution(o); who != "" {
		head = append(head, slack.NewContextBlock("", mrkdwn(who)))
	}
	if b := evidenceBlock(r); b != nil {
		head = append(head, b)
	}
	if b, c := summaryBlock(r); b != nil {
		head = append(head, b)
		cut = cut || c
	}

	var tail []slack.Block
	if b, c := relatedBlock(r); b != nil {
		tail = append(tail, b)
		cut = cut || c
	}
	if b := actionsBlock(r, o); b != nil {
		tail = append(tail, b)
	}
	if f := strings.TrimSpace(r.Footer); f != "" {
		tail = append(tail, slack.NewContextBlock("", mrkdwn(":books: "+cutEscaped(esc(oneLine(f)), maxContextText-10))))
	}

	var body []slack.Block
	for _, s := range r.Sections {
		if len(body) > maxBlocks { // already more than can be shown: the rest is cut anyway
			cut = true
			break
		}
		chunks, c := sectionChunks(s)
		cut = cut || c
		for _, ch := range chunks {
			body = append(body, slack.NewSectionBlock(mrkdwn(ch), nil, nil))
		}
	}
	room := maxBlocks - len(head) - len(tail)
	if len(body) > room {
		body = body[:max(room-1, 0)]
		cut = true
	} else if cut && len(body) == room {
		body = body[:max(room-1, 0)]
	}
	if cut {
		body = append(body, slack.NewContextBlock("", mrkdwn(cutNotice(guide))))
	}

	blocks := make([]slack.Block, 0, len(head)+len(body)+len(tail))
	blocks = append(append(append(blocks, head...), body...), tail...)
	return Message{Text: fallback(r), Blocks: blocks}
}

// fallback is the notification text: the title and the summary, escaped.
func fallback(r bot.Reply) string {
	t := strings.TrimSpace(r.Title)
	if s := strings.TrimSpace(r.Summary); s != "" {
		if t != "" {
			t += ": "
		}
		t += s
	}
	if t == "" {
		t = "ftpbot"
	}
	return cutEscaped(esc(oneLine(t)), maxFallbackText)
}

func attribution(o RenderOptions) string {
	switch {
	case userIDRE.MatchString(o.SharedBy):
		return "Shared by <@" + o.SharedBy + ">"
	case userIDRE.MatchString(o.AskedBy):
		return "Asked by <@" + o.AskedBy + ">"
	}
	return ""
}

// userIDRE is the shape of a Slack user id. Only ids of this shape become <@…> mentions.
var userIDRE = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// summaryBlock is the summary with the short facts as fields. The class field (or, without one,
// the summary) carries the severity emoji.
func summaryBlock(r bot.Reply) (slack.Block, bool) {
	emoji := severityEmoji[r.Severity]
	if emoji == "" {
		emoji = severityEmoji[bot.SeverityInfo]
	}
	cut := false
	var fields []*slack.TextBlockObject
	classDone := false
	for _, f := range r.Fields {
		if len(fields) == maxFields {
			cut = true
			break
		}
		v := esc(f.Value)
		if strings.EqualFold(f.Label, "Class") && !classDone {
			v = emoji + " " + v
			classDone = true
		}
		t := "*" + esc(oneLine(f.Label)) + "*\n" + v
		if textLen(t) > maxFieldText {
			t = cutEscaped(t, maxFieldText)
			cut = true
		}
		fields = append(fields, mrkdwn(t))
	}
	var text *slack.TextBlockObject
	if s := strings.TrimSpace(r.Summary); s != "" || len(fields) == 0 {
		t := esc(s)
		if !classDone {
			t = strings.TrimSpace(emoji + " " + t)
		}
		if textLen(t) > maxSectionText {
			t = cutEscaped(t, maxSectionText)
			cut = true
		}
		text = mrkdwn(t)
	}
	return slack.NewSectionBlock(text, fields, nil), cut
}

// sectionChunks renders one section as mrkdwn and splits it, at line ends and spaces, into
// pieces that fit a section block; after maxSectionChunks blocks the rest is cut. It reports
// whether anything was cut.
func sectionChunks(s bot.Section) ([]string, bool) {
	const fence = "```"
	heading := "*" + cutEscaped(esc(oneLine(s.Heading)), maxHeadingRunes) + "*"
	if s.Team {
		heading += " _(your team's note)_"
	}
	var lines []string
	if s.Body != "" {
		body := esc(s.Body)
		if s.Pre {
			// Each chunk gets its own fence, so the body cannot close one early.
			body = strings.ReplaceAll(body, fence, "ʼʼʼ")
		}
		lines = append(lines, strings.Split(body, "\n")...)
	}
	for i, it := range s.Items {
		if s.Ordered {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, esc(it)))
		} else {
			lines = append(lines, "• "+esc(it))
		}
	}
	overhead := 0
	if s.Pre {
		overhead = 2*len(fence) + 2
	}
	// Every piece fits in a block together with the heading and the fences.
	limit := maxSectionText - overhead - textLen(heading) - 2
	var pieces []string
	for _, l := range lines {
		pieces = append(pieces, splitLine(l, limit)...)
	}

	var chunks []string
	var cur []string
	size := 0
	flush := func() {
		text := strings.Join(cur, "\n")
		if s.Pre && len(cur) > 0 {
			text = fence + "\n" + text + "\n" + fence
		}
		if len(chunks) == 0 {
			text = strings.TrimRight(heading+"\n"+text, "\n")
		}
		chunks = append(chunks, text)
		cur, size = nil, 0
	}
	for i, p := range pieces {
		n := textLen(p) + 1
		base := overhead
		if len(chunks) == 0 {
			base += textLen(heading) + 1
		}
		if len(cur) > 0 && base+size+n > maxSectionText {
			flush()
			if len(chunks) == maxSectionChunks {
				return chunks, i < len(pieces)
			}
		}
		cur = append(cur, p)
		size += n
	}
	if len(cur) > 0 || len(chunks) == 0 {
		flush()
	}
	return chunks, false
}

// maxHeadingRunes bounds a section heading; headings are a few words, this only stops abuse.
const maxHeadingRunes = 200

// splitLine splits an escaped line into pieces of at most limit (in textLen units), at a space
// when there is one in the second half of the piece, and never inside an entity such as &amp;.
func splitLine(l string, limit int) []string {
	if textLen(l) <= limit {
		return []string{l}
	}
	var out []string
	rs := []rune(l)
	for {
		// fit: how many runes fit in limit units.
		fit, units := 0, 0
		for fit < len(rs) && units+runeLen(rs[fit]) <= limit {
			units += runeLen(rs[fit])
			fit++
		}
		if fit == len(rs) {
			return append(out, string(rs))
		}
		at := fit
		for i := fit - 1; i > fit/2; i-- {
			if rs[i] == ' ' {
				at = i
				break
			}
		}
		if at == fit {
			// No space: step back over an entity that the cut would break.
			for i := at - 1; i >= 0 && i > at-6; i-- {
				if rs[i] == ';' {
					break
				}
				if rs[i] == '&' {
					at = i
					break
				}
			}
		}
		if at == 0 {
			at = max(fit, 1)
		}
		out = append(out, strings.TrimRight(string(rs[:at]), " "))
		rs = rs[at:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
}

// relatedBlock shows related answers as buttons that update the answer in place.
func relatedBlock(r bot.Reply) (slack.Block, bool) {
	var els []slack.BlockElement
	cut := false
	for _, ref := range r.Related {
		if len(els) == maxRelatedButtons {
			cut = true
			break
		}
		if ref.ID == "" || textLen(ref.ID) > maxButtonValue {
			continue
		}
		label := strings.TrimSpace(ref.Label)
		if label == "" {
			label = ref.ID
		}
		b := slack.NewButtonBlockElement(fmt.Sprintf("%s%d", actionRelated, len(els)), ref.ID, plain(label, maxButtonText))
		els = append(els, b)
	}
	if len(els) == 0 {
		return nil, cut
	}
	return slack.NewActionBlock("related", els...), cut
}

// actionsBlock holds the link buttons (the full guide first) and, on a private answer, Share.
func actionsBlock(r bot.Reply, o RenderOptions) slack.Block {
	var els []slack.BlockElement
	links := append([]bot.Link(nil), r.Links...)
	for i, l := range links {
		if l.Label == bot.LinkGuide && i > 0 {
			links[0], links[i] = links[i], links[0]
		}
	}
	for _, l := range links {
		u := absolute(o.BaseURL, l.URL)
		if !linkable(u) || len(els) == maxActionElems-1 {
			continue
		}
		b := slack.NewButtonBlockElement(fmt.Sprintf("%s%d", actionLink, len(els)), "", plain(l.Label, maxButtonText))
		b.URL = u
		els = append(els, b)
	}
	if o.Ephemeral && shareable(r) {
		b := slack.NewButtonBlockElement(actionShare, shareValue(o.ShareKey, r.Query), plain("Share in channel", maxButtonText))
		b.Style = slack.StylePrimary
		els = append(els, b)
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock("actions", els...)
}

// shareable reports whether a private answer is worth posting for everyone: not errors, rate
// limits, usage or "I don't know that one".
func shareable(r bot.Reply) bool {
	switch r.Kind {
	case bot.KindError, bot.KindSlowDown, bot.KindHelp, bot.KindNoMatch:
		return false
	}
	return true
}

// shareValue packs the share key and the question into the Share button's value. A question too
// long for the value (a pasted log) leaves only the key.
func shareValue(key, query string) string {
	v := key + "\n" + query
	if textLen(v) > maxButtonValue {
		v = key + "\n"
	}
	return v
}

func cutNotice(guide string) string {
	if linkable(guide) && !strings.ContainsAny(guide, "|<> ") {
		return ":scissors: This answer was cut to fit in Slack. <" + guide + "|Read the full guide> for the rest."
	}
	return ":scissors: This answer was cut to fit in Slack. Ask a narrower question, or see the web reference for the rest."
}

// absolute turns a reference path into a URL on the web reference; without a base URL, paths
// have nowhere to point and are dropped.
func absolute(base, path string) string {
	if path == "" {
		return ""
	}
	if strings.HasPrefix(path, "/") {
		if base == "" {
			return ""
		}
		return strings.TrimRight(base, "/") + path
	}
	return path
}

// linkable reports whether u is an absolute http(s) URL Slack accepts on a button.
func linkable(u string) bool {
	if u == "" || len(u) > maxURL {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}

// angleQuotes keeps plain text from looking like Slack markup. Replacers are built once: building
// one is most of its cost.
var angleQuotes = strings.NewReplacer("<", "‹", ">", "›")

// plain is a plain_text object. Slack does not parse plain text for mentions or links; angle
// brackets are still swapped for look-alikes and broadcast words broken, so that no text from a
// reply ever carries Slack's markup, whatever object it lands in.
func plain(s string, limit int) *slack.TextBlockObject {
	s = angleQuotes.Replace(oneLine(s))
	s = cutRunes(broadcastRE.ReplaceAllString(s, "@\u2060$1"), limit)
	if s == "" {
		s = " "
	}
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// mrkdwn is a text object for text that has been escaped. Verbatim stops Slack from turning
// words into links or mentions on its own ("@channel", bare URLs, #channel names).
func mrkdwn(s string) *slack.TextBlockObject {
	if s == "" {
		s = " "
	}
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

var broadcastRE = regexp.MustCompile(`(?i)@(channel|here|everyone)\b`)

// esc escapes text for mrkdwn: exactly &, < and > (which is what stops <!channel>, <@U…> and
// <http://…|links>), and breaks the bare broadcast words with a word joiner so they cannot even
// look like a mention.
func esc(s string) string {
	s = slackutilsx.EscapeMessage(s)
	return broadcastRE.ReplaceAllString(s, "@\u2060$1")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// textLen is the length of s as Slack counts it for its limits: in UTF-16 code units, so a
// character outside the Basic Multilingual Plane (most emoji) counts twice. Counting that way
// can only err on the safe side.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += runeLen(r)
	}
	return n
}

func runeLen(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// prefix returns the longest prefix of s that is at most n units long.
func prefix(s string, n int) string {
	units := 0
	for i, r := range s {
		if units+runeLen(r) > n {
			return s[:i]
		}
		units += runeLen(r)
	}
	return s
}

// cutRunes shortens s to n units, ending with an ellipsis when it had to cut.
func cutRunes(s string, n int) string {
	if textLen(s) <= n {
		return s
	}
	return strings.TrimRight(prefix(s, n-1), " ") + "…"
}

var partialEntity = regexp.MustCompile(`&[a-z]{0,3}$`)

// cutEscaped is cutRunes for escaped text: it never leaves half an entity ("&am") at the end.
func cutEscaped(s string, n int) string {
	if textLen(s) <= n {
		return s
	}
	head := partialEntity.ReplaceAllString(prefix(s, n-1), "")
	return strings.TrimRight(head, " ") + "…"
}

// Home renders the App Home tab from the bot's help reply: what ftpbot does, the ways to ask
// (the slash command with the registry's examples, a mention in a thread, the message shortcut),
// then the help's own sections. Related buttons are left out: the Home tab has nowhere to put
// their answers.
func Home(help bot.Reply, command, baseURL string) slack.HomeTabViewRequest {
	help.Related = nil
	m := Render(help, RenderOptions{BaseURL: baseURL})
	var ex []string
	for _, c := range bot.Commands() {
		for _, e := range c.Examples {
			ex = append(ex, "• `"+esc(command+" "+e)+"`")
		}
	}
	ways := "*Ways to ask*\n" + strings.Join(ex, "\n") +
		"\n• Add `public` at the end to answer in the channel: `" + esc(command) + " 530 public`" +
		"\n• In a thread: mention `@ftpbot` (\"@ftpbot what does this mean?\") and I read the whole thread and answer there" +
		"\n• On any message: ⋯ More actions → *" + ShortcutName + "*"
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(cutEscaped(ways, maxSectionText)), nil, nil), slack.NewDividerBlock()}
	if len(m.Blocks) > 0 {
		// The header stays on top.
		blocks = append([]slack.Block{m.Blocks[0]}, append(blocks, m.Blocks[1:]...)...)
	}
	if len(blocks) > maxHomeBlocks {
		blocks = blocks[:maxHomeBlocks]
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}
