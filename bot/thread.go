package bot

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ftpbot/ftpbot/bot/transcript"
	"github.com/ftpbot/ftpbot/knowledge"
)

// Message is one message of a chat thread, as an adapter read it.
type Message struct {
	ID     string `json:"id"`               // the platform's id: a Slack ts, a Discord snowflake
	Link   string `json:"link,omitempty"`   // its permalink; "" when unknown
	Author string `json:"author,omitempty"` // a stable id of who wrote it; never shown
	// Text is what the message says, with the platform's markup already undone (as for
	// Request.Text); the bot's own mention is removed.
	Text string `json:"text"`
	// FromBot marks ftpbot's own messages: they are skipped, so the bot never diagnoses its own
	// card. Other bots' messages (an alerting bot's error) are evidence like any other.
	FromBot bool `json:"from_bot,omitempty"`
}

// Thread is a conversation to diagnose as a whole: a client log in one message, a server line
// in another, a question in a third. Adapters put it in Request.Thread.
type Thread struct {
	Messages []Message // oldest first
	// Focus is the ID of the message the person pointed at: the one that mentioned the bot, or
	// the one a message shortcut was used on. "" means the last message.
	Focus string
	// Notice, when set, becomes the answer's Reply.Notice: what the bot could not read and what
	// it needs to (a missing Slack scope, a Discord intent), when the thread is only that message.
	Notice string
}

// MaxThreadMessages is the most messages of a thread that are read: the last ones.
const MaxThreadMessages = 100

// weight is what a message of a thread holds, ordered from least to most decisive.
type weight int

const (
	clueNone     weight = iota // chatter, help, or nothing the bot knows
	clueQuestion               // a question in words: it narrows, it does not decide
	clueCode                   // a question naming a code or class ("what is 530?")
	clueClean                  // a log without a failure
	clueClient                 // a client's error: a time-out, a refusal, a stalled listing
	clueServer                 // a failing server reply: the server said what is wrong
)

// clue is one message, read on its own through the engine's usual path (Ask).
type clue struct {
	msg    Message
	text   string // cleaned as Ask cleans it
	weight weight
	reply  Reply
	t      *transcript.Transcript
	focus  bool
}

// Diagnose answers a thread as one question. Each message is read as Ask reads it; the
// decisive one is the strongest evidence: a failing server reply beats a client's error, which
// beats a clean log, and any of them beats a question in words. A question in the thread
// narrows the choice between pieces of evidence of the same strength (the one whose answer
// shares the question's codes and topics); then the message the person pointed at, then the
// most recent. A question that names a code (the pointed-at message's "@ftpbot 331") is
// answered as asked unless a message holds that code's reply. Without evidence the pointed-at
// message is answered when it says something of its own, else the thread's first message (the
// problem as first told), else its last question.
//
// The reply is the decisive message's answer with Evidence (its decisive lines) and, when the
// thread had other messages, EvidenceSource (a link to it) set, and the other messages' failures after its own in
// Matches. It is never Stable: it depends on more than Query.
func (e *Engine) Diagnose(th Thread) Reply {
	msgs := th.Messages
	if len(msgs) > MaxThreadMessages {
		msgs = msgs[len(msgs)-MaxThreadMessages:]
	}
	focusID := th.Focus
	if focusID == "" && len(msgs) > 0 {
		focusID = msgs[len(msgs)-1].ID
	}
	var clues []*clue
	for _, m := range msgs {
		if m.FromBot {
			continue
		}
		m.Text = unfence(m.Text)
		text, _ := clean(m.Text)
		if strings.TrimSpace(text) == "" && m.ID != focusID {
			continue
		}
		clues = append(clues, e.readClue(m, text, m.ID == focusID))
	}
	best := e.decisive(clues)
	if best == nil {
		r := e.Ask("")
		return e.threadReply(r, nil, clues, th.Notice)
	}
	return e.threadReply(best.reply, best, clues, th.Notice)
}

// readClue reads one message on its own.
func (e *Engine) readClue(m Message, text string, focus bool) *clue {
	c := &clue{msg: m, text: text, focus: focus, reply: e.askQuiet(m.Text)}
	if strings.TrimSpace(text) == "" {
		return c
	}
	c.t = transcript.Parse(text)
	// The message as one line, bounded as answer bounds the line it reads.
	line := knowledge.Bounded(strings.Join(nonEmptyLines(text), " "), maxLineBytes)
	_, short := e.shortCode(line)
	switch {
	case short && len(nonEmptyLines(text)) == 1:
		c.weight = clueCode
	case c.t.Failure() != nil:
		c.weight = clueServer
	case c.t.ClientError() != nil || c.t.Stalled() != nil:
		c.weight = clueClient
	case len(c.t.Responses()) > 1:
		c.weight = clueClean
	default:
		if code, ok := e.embeddedCode(line); ok && code/100 >= 4 && code/100 <= 5 {
			// A refusal quoted in a sentence or a client's message ("server says: 550
			// Permission denied.", "curl: (67) Access denied: 530"): the server's word.
			c.weight = clueServer
		} else if _, ok := e.clientError(line); ok {
			c.weight = clueClient
		} else if _, ok := e.embeddedCode(line); ok {
			c.weight = clueClient
		} else if errorLineRE.MatchString(text) && c.reply.Kind != KindNoMatch {
			// A program's error line the knowledge has no wording for ("Error: Can't open
			// data connection in passive mode"): still what the client said, not a question.
			c.weight = clueClient
		} else if c.reply.Kind == KindNoMatch || c.reply.Kind == KindHelp || pointsElsewhere(line) {
			c.weight = clueNone
		} else {
			c.weight = clueQuestion
		}
	}
	return c
}

// unfence removes chat formatting around pasted text: the ``` of a code block at a line's start
// or end, and the backticks around a line of inline code ("`530 Login incorrect.`"). People wrap
// logs in them; a reply line inside them is still a reply line.
func unfence(text string) string {
	if !strings.Contains(text, "`") {
		return text
	}
	lines := strings.Split(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		t = strings.TrimPrefix(t, "```")
		t = strings.TrimSuffix(t, "```")
		if len(t) > 2 && strings.HasPrefix(t, "`") && strings.HasSuffix(t, "`") && !strings.Contains(t[1:len(t)-1], "`") {
			t = t[1 : len(t)-1]
		}
		if strings.TrimSpace(t) == "" && strings.TrimSpace(l) != "" {
			continue // a fence on a line of its own
		}
		if t != strings.TrimSpace(l) {
			l = t
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// errorLineRE finds a line a program wrote to report an error: labelled "Error:", "ERROR",
// "[error]", "Fatal error:" or "…Exception:", as clients, libraries and scripts print them.
var errorLineRE = regexp.MustCompile(`(?im)(\berror\s*[:\]]|\[error\]|\bexception\s*:|\w+exception\b|^\s*error\b)`)

// askQuiet answers text as Ask does, from the engine's cache when the answer is there, but does
// not store it: a thread's hundred messages of chatter must not push out what people ask.
func (e *Engine) askQuiet(text string) Reply {
	if r, ok := e.cache.Get(text); ok {
		return r
	}
	r := e.ask(text)
	r.Query = text
	return r
}

// pointerWords point at the rest of a thread or carry no question of their own: "what does
// this mean?", "any idea?", "same here". With fillers (the words around a code), they make up a
// message that asks about the thread rather than something of its own.
var pointerWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`this that these those it its above here there thread parent mean means meant
		explain why how any anyone idea ideas wrong going on happening now still same again too also
		thanks thank ok okay so we you they us see look looks at can could would should someone
		know knows of for and or but is are was were be been has have had did to in from one`) {
		pointerWords[w] = true
	}
}

// pointsElsewhere reports whether a text has no words of its own: it points at the rest of
// the thread.
func pointsElsewhere(text string) bool {
	for _, w := range wordRE.FindAllString(strings.ToLower(text), -1) {
		if !fillers[w] && !pointerWords[w] {
			return false
		}
	}
	return true
}

// decisive picks the message that decides the answer (see Diagnose); nil for an empty thread.
func (e *Engine) decisive(clues []*clue) *clue {
	if len(clues) == 0 {
		return nil
	}
	var focus *clue
	for _, c := range clues {
		if c.focus {
			focus = c
		}
	}
	// A code asked about by the pointed-at message: the reply line that carries it, else the
	// code itself.
	if focus != nil && focus.weight == clueCode {
		asked := focus.reply.ID
		var found *clue
		for _, c := range clues {
			if c.weight >= clueClient && failingCode(c) == asked {
				found = c // the latest wins
			}
		}
		if found != nil {
			return found
		}
		return focus
	}
	top := clueNone
	for _, c := range clues {
		top = max(top, c.weight)
	}
	if top >= clueClean {
		return e.narrowed(clues, top)
	}
	// No evidence: the pointed-at message's own question, else the problem as first told, else
	// the last question asked.
	if focus != nil && focus.weight >= clueQuestion {
		return focus
	}
	if clues[0].weight >= clueQuestion {
		return clues[0]
	}
	var last *clue
	for _, c := range clues {
		if c.weight >= clueQuestion {
			last = c
		}
	}
	if last != nil {
		return last
	}
	if focus != nil {
		return focus
	}
	return clues[len(clues)-1]
}

// narrowed chooses among the messages of the greatest weight: the one whose answer shares most
// with the thread's questions, then the pointed-at one, then the most recent.
func (e *Engine) narrowed(clues []*clue, top weight) *clue {
	// What the questions are about, weighted by rank: a question's best match counts most.
	about := map[string]float64{}
	for _, c := range clues {
		if c.weight != clueQuestion && c.weight != clueCode {
			continue
		}
		for i, m := range c.reply.Matches {
			if i == 5 {
				break
			}
			w := 1 / float64(i+1)
			about[m.ID] += w
			// A topic asked about is also about the codes central to it (the first it lists):
			// "why does the listing fail?" finds the data connection topic, which names 425.
			if tp, ok := e.KB.Topic(m.ID); ok && m.Kind == knowledge.KindTopic {
				for _, code := range tp.Related[:min(len(tp.Related), centralCodes)] {
					about[code.String()] += w / 2
				}
			}
		}
	}
	var best *clue
	bestScore := -1.0
	for _, c := range clues {
		if c.weight != top {
			continue
		}
		score := 0.0
		for i, m := range c.reply.Matches {
			if i == 4 {
				break
			}
			score += about[m.ID]
		}
		switch {
		case best == nil, score > bestScore:
		case score < bestScore:
			continue
		case best.focus:
			continue // an equal score: the pointed-at message stays
		}
		best, bestScore = c, score
	}
	return best
}

// centralCodes is how many of a topic's related codes count as what the topic is about.
const centralCodes = 5

// failingCode is the code a piece of evidence fails with, as its answer explains it.
func failingCode(c *clue) string {
	if c.t != nil {
		if f := c.t.Failure(); f != nil {
			return f.Code.String()
		}
	}
	if len(c.reply.Matches) > 0 && c.reply.Matches[0].Kind == knowledge.KindCode {
		return c.reply.Matches[0].ID
	}
	return ""
}

// threadReply finishes the decisive message's answer for the thread.
func (e *Engine) threadReply(r Reply, best *clue, clues []*clue, notice string) Reply {
	// The cached answer's slices are shared: copy what is changed.
	r.Matches = append([]knowledge.Match(nil), r.Matches...)
	r.Sections = append([]Section(nil), r.Sections...)
	r.Fields = append([]Field(nil), r.Fields...)
	r.Stable = false
	if best != nil && best.weight >= clueClean {
		if len(r.Evidence) == 0 {
			r.Evidence = e.threadEvidence(best)
		}
		// Whatever picked them, no line that carries a credential is quoted into the thread.
		r.Evidence = withoutCredentials(r.Evidence)
		// Naming the message only helps when there were others to choose from.
		if len(clues) > 1 {
			r.EvidenceSource = &Link{Label: evidenceLabel(best.weight), URL: best.msg.Link}
		}
	}
	if best != nil {
		e.serverFromThread(&r, best, clues)
	}
	// The other messages' failures follow the answer's own matches.
	seen := map[string]bool{}
	for _, m := range r.Matches {
		seen[m.ID] = true
	}
	for _, c := range clues {
		if c == best || c.weight < clueClient {
			continue
		}
		if code := failingCode(c); code != "" && !seen[code] && len(c.reply.Matches) > 0 {
			seen[code] = true
			r.Matches = append(r.Matches, c.reply.Matches[0])
		}
	}
	r.Notice = strings.TrimSpace(notice)
	return r
}

// evidenceLabel names the decisive message by what it held, so a card can say "from the
// message with the server's reply" without naming (or pinging) its author.
func evidenceLabel(k weight) string {
	switch k {
	case clueServer:
		return "the message with the server's reply"
	case clueClient:
		return "the message with the client's error"
	}
	return "the message with the log"
}

// threadEvidence is a decisive message's lines when its answer quoted none: the lines around a
// log's failure, else its first line that says something, verbatim, under the same rules as a
// single question's evidence (no line that CarriesCredential, none longer than maxEvidenceLine).
func (e *Engine) threadEvidence(c *clue) []string {
	if ev := e.inputEvidence(c.text, c.t); len(ev) > 0 {
		return ev
	}
	for _, l := range strings.Split(c.text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) <= maxEvidenceLine && !CarriesCredential(l) {
				return []string{l}
			}
			return nil
		}
	}
	return nil
}

// serverFromThread names the server software when another message of the thread gives it away
// (the greeting in one message, the failing reply in another) and the decisive one did not.
func (e *Engine) serverFromThread(r *Reply, best *clue, clues []*clue) {
	for _, f := range r.Fields {
		if f.Label == "Server" {
			return
		}
	}
	if r.Kind != KindCode && r.Kind != KindLog {
		return
	}
	n, err := strconv.Atoi(r.ID)
	if err != nil {
		return
	}
	entry, ok := e.KB.Lookup(knowledge.Code(n))
	if !ok {
		return
	}
	var b strings.Builder
	for _, c := range clues {
		if c != best && c.weight >= clueQuestion {
			b.WriteString(c.text + "\n")
		}
	}
	server, ok := e.KB.RecogniseServer(b.String())
	if !ok {
		return
	}
	r.Fields = append(r.Fields, Field{Label: "Server", Value: server.Name})
	note, ok := entry.ExampleFor(server.ID)
	if !ok || note.Note == "" {
		return
	}
	on := Section{Heading: "On " + server.Name, Body: note.Note}
	for i, s := range r.Sections {
		if s.Heading == "Server by server" {
			r.Sections[i] = on
			return
		}
	}
	r.Sections = append(r.Sections, on)
}
