package slack

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/ftpbot/ftpbot/adapters/chatkit"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"
)

// Slack's Block Kit limits (see the platform facts). A message over any of them is rejected whole
// (invalid_blocks), so rendering cuts to them and points at the full guide instead.
const (
	maxBlocks        = 50   // per message
	maxHomeBlocks    = 100  // per Home tab view
	maxSectionText   = 3000 // a section's text
	maxFieldText     = 2000 // one section field
	maxFields        = 10   // fields per section
	maxHeaderText    = 150  // a header's plain text
	maxContextElems  = 10   // elements of a context block
	maxActionElems   = 25   // elements of an actions block
	maxButtonText    = 75   // a button's label
	maxActionID      = 255  // a button's action_id
	maxButtonValue   = 2000 // a button's value
	maxURL           = 3000 // a link button's url
	maxFallbackText  = 3000 // the top-level text we send with blocks (our own bound; Slack allows more)
	maxContextText   = 2000 // a context element's text (our own bound, well inside Slack's)
	maxSectionChunks = 4    // blocks one long section may spread over before it is cut
)

// Action ids of the card's controls. Slack requires every action_id in a block to be unique;
// the card has one of each.
const (
	actionMore    = "ftp_more"    // value: the More token (see chatkit.Questions)
	actionRelated = "ftp_related" // static_select; the selected option's value: the answer's id ("530", a topic slug)
	actionShare   = "ftp_share"   // value: share key "\n" query
	actionLink    = "ftp_link_"   // + index; a URL button: Slack still sends an interaction, which is acknowledged and ignored
	// actionRelatedButton is the related buttons of answers posted before the card: still answered.
	actionRelatedButton = "ftp_rel_"
)

// Card budgets (see the platform facts and issue 13): the card's visible text, its blocks, and
// the block text of any message, which chat.postMessage rejects (msg_blocks_too_long) above
// about 12,000 characters.
const (
	maxCardText      = 1200
	maxCardBlocks    = 6
	maxMessageText   = 11000
	maxOptionText    = 75  // a select option's text
	maxOptionValue   = 150 // a select option's value
	maxSelectOptions = 100
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
	// BaseURL is the public URL of the web reference. Empty: no link buttons.
	BaseURL string
	// Ephemeral answers are seen only by the asker; they carry the Share in channel button.
	Ephemeral bool
	// ShareKey names the answer in the adapter's share cache; it goes into the Share button's
	// value with the question, so a share works even after the cache forgot the answer.
	ShareKey string
	// MoreToken is the More button's value (see chatkit.Questions); empty: no More button.
	MoreToken string
	// SharedBy and AskedBy are Slack user ids (U…/W…) shown as attribution. They come from
	// Slack's signed payloads, never from user text, and are checked for shape.
	SharedBy string
	AskedBy  string
}

// Render turns a reply into its card: the title, the evidence with whose words it is, what it
// means here, what to do first, one line of context (class · step · server · RFC), and the
// actions: More, Full guide, Share in channel (private answers) and one menu of related
// failures and concepts. Every text from a reply is escaped for mrkdwn, so nothing a user typed
// can mention anyone or inject a link. The card is short by construction (bot.Card); its
// visible text stays within maxCardText and its blocks within maxCardBlocks.
func Render(r bot.Reply, o RenderOptions) Message {
	// Escapes (&amp;) count against Slack's text: a card full of them is asked for in less.
	for budget := bot.CardBudget; ; budget -= 100 {
		m := renderCard(r, r.CardWithin(budget), o)
		if blocksText(m.Blocks) <= maxCardText || budget <= 300 {
			return m
		}
	}
}

func renderCard(r bot.Reply, c bot.Card, o RenderOptions) Message {
	var blocks []slack.Block
	blocks = append(blocks, slack.NewHeaderBlock(plain(c.Title, maxHeaderText)))
	if who := attribution(o); who != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(who)))
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(cutEscaped(lead(c), maxSectionText)), nil, nil))
	// The list (a live check's steps) and what to do first share one block: the card keeps to
	// six blocks with an attribution.
	var parts []string
	if len(c.List) > 0 {
		t := "*" + esc(oneLine(c.ListHeading)) + "*"
		for _, it := range c.List {
			t += "\n• " + esc(oneLine(it))
		}
		parts = append(parts, t)
	}
	if len(c.FirstSteps) > 0 {
		t := "*What to do first*"
		for i, s := range c.FirstSteps {
			t += fmt.Sprintf("\n%d. %s", i+1, esc(oneLine(s)))
		}
		parts = append(parts, t)
	}
	if len(parts) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(cutEscaped(strings.Join(parts, "\n\n"), maxSectionText)), nil, nil))
	}
	blocks = append(blocks, contextLine(c))
	if b := actionsBlock(r, c, o, true); b != nil {
		blocks = append(blocks, b)
	}
	return Message{Text: fallback(r), Blocks: blocks}
}

// RenderMore is the More view: the card's evidence and meaning, then everything else in the
// order bot.Reply.More gives (what to do, the servers' notes, the causes, the background), cut
// only between items or paragraphs, and only when the message would pass Slack's limits or
// maxMessageText; a cut notice then points at the full guide. It has no More button.
func RenderMore(r bot.Reply, o RenderOptions) Message {
	c := r.Card()
	o.MoreToken = ""
	head := []slack.Block{slack.NewHeaderBlock(plain(c.Title, maxHeaderText))}
	if who := attribution(o); who != "" {
		head = append(head, slack.NewContextBlock("", mrkdwn(who)))
	}
	head = append(head, slack.NewSectionBlock(mrkdwn(cutEscaped(lead(c), maxSectionText)), nil, nil))
	tail := []slack.Block{contextLine(c)}
	if b := actionsBlock(r, c, o, false); b != nil {
		tail = append(tail, b)
	}
	const notice = 200 // room kept for the cut notice
	room := maxMessageText - blocksText(head) - blocksText(tail) - notice
	size := func(s bot.Section) int {
		chunks, _ := sectionChunks(s)
		return textLen(strings.Join(chunks, ""))
	}
	kept, cut := chatkit.Fit(r.More(), size, room)
	var body []slack.Block
	blockRoom := maxBlocks - len(head) - len(tail) - 1
	for _, s := range kept {
		chunks, c := sectionChunks(s)
		cut = cut || c
		for _, ch := range chunks {
			if len(body) == blockRoom {
				cut = true
				break
			}
			body = append(body, slack.NewSectionBlock(mrkdwn(ch), nil, nil))
		}
	}
	if cut {
		body = append(body, slack.NewContextBlock("", mrkdwn(cutNotice(absolute(o.BaseURL, c.Guide)))))
	}
	blocks := make([]slack.Block, 0, len(head)+len(body)+len(tail))
	blocks = append(append(append(blocks, head...), body...), tail...)
	return Message{Text: fallback(r), Blocks: blocks}
}

// lead is the card's first section: the evidence, whose words it is and where it was found,
// then what it means here.
func lead(c bot.Card) string {
	if t := chatkit.Lead(c, markup); t != "" {
		return t
	}
	return " "
}

// markup is mrkdwn for chatkit.Lead.
var markup = chatkit.Markup{
	Escape: esc,
	Bold:   func(s string) string { return "*" + s + "*" },
	Italic: func(s string) string { return "_" + s + "_" },
	Code:   func(s string) string { return "`" + esc(strings.ReplaceAll(s, "`", "ʼ")) + "`" },
	Fence: func(lines []string) string {
		for i, l := range lines {
			lines[i] = esc(strings.ReplaceAll(l, "```", "ʼʼʼ"))
		}
		return "```\n" + strings.Join(lines, "\n") + "\n```"
	},
	Link: func(u, label string) string {
		if !linkable(u) || strings.ContainsAny(u, "|<> ") {
			return ""
		}
		return "<" + u + "|" + esc(label) + ">"
	},
}

// contextLine is the card's frame: the class as a coloured emoji, then class · step · server ·
// RFC.
func contextLine(c bot.Card) slack.Block {
	emoji := severityEmoji[c.Severity]
	if emoji == "" {
		emoji = severityEmoji[bot.SeverityInfo]
	}
	t := emoji
	if len(c.Context) > 0 {
		t += " " + esc(strings.Join(c.Context, " · "))
	}
	return slack.NewContextBlock("", mrkdwn(cutEscaped(t, maxContextText)))
}

// blocksText is the text of blocks as Slack counts it against a message's size.
func blocksText(blocks []slack.Block) int {
	n := 0
	for _, t := range visibleTexts(blocks) {
		n += textLen(t)
	}
	return n
}

// visibleTexts are the texts of blocks a reader sees: headers, sections, context, button
// labels and a menu's placeholder (its options show only when it is opened).
func visibleTexts(blocks []slack.Block) []string {
	var out []string
	add := func(o *slack.TextBlockObject) {
		if o != nil {
			out = append(out, o.Text)
		}
	}
	for _, b := range blocks {
		switch x := b.(type) {
		case *slack.HeaderBlock:
			add(x.Text)
		case *slack.SectionBlock:
			add(x.Text)
			for _, f := range x.Fields {
				add(f)
			}
		case *slack.ContextBlock:
			for _, el := range x.ContextElements.Elements {
				if o, ok := el.(*slack.TextBlockObject); ok {
					add(o)
				}
			}
		case *slack.ActionBlock:
			for _, el := range x.Elements.ElementSet {
				switch e := el.(type) {
				case *slack.ButtonBlockElement:
					add(e.Text)
				case *slack.SelectBlockElement:
					add(e.Placeholder)
				}
			}
		}
	}
	return out
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

// actionsBlock holds the card's actions: More (when there is more), the full guide, Share in
// channel on a private answer, and the menu of related failures and concepts.
func actionsBlock(r bot.Reply, c bot.Card, o RenderOptions, more bool) slack.Block {
	var els []slack.BlockElement
	if more && c.More && o.MoreToken != "" && textLen(o.MoreToken) <= maxButtonValue {
		els = append(els, slack.NewButtonBlockElement(actionMore, o.MoreToken, plain("More", maxButtonText)))
	}
	links := append([]bot.Link(nil), r.Links...)
	for i, l := range links {
		if l.Label == bot.LinkGuide && i > 0 {
			links[0], links[i] = links[i], links[0]
		}
	}
	for _, l := range links {
		u := absolute(o.BaseURL, l.URL)
		if !linkable(u) || len(els) >= 3 {
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
	if m := relatedMenu(c.Related); m != nil {
		els = append(els, m)
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock("actions", els...)
}

// relatedMenu is the one menu of related answers: choosing one shows it (see the adapter for
// where).
func relatedMenu(refs []bot.Ref) *slack.SelectBlockElement {
	var opts []*slack.OptionBlockObject
	seen := map[string]bool{}
	for _, ref := range refs {
		if len(opts) == maxSelectOptions || ref.ID == "" || len(ref.ID) > maxOptionValue || seen[ref.ID] {
			continue
		}
		seen[ref.ID] = true
		opts = append(opts, slack.NewOptionBlockObject(ref.ID, plain(ref.Label, maxOptionText), nil))
	}
	if len(opts) == 0 {
		return nil
	}
	return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Related codes and topics", maxButtonText), actionRelated, opts...)
}

// shareable reports whether a private answer is worth posting for everyone.
func shareable(r bot.Reply) bool { return chatkit.Shareable(r) }

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
	return ":scissors: This answer was cut to fit in Slack. See the web reference for the rest."
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
	m := RenderMore(help, RenderOptions{BaseURL: baseURL})
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
