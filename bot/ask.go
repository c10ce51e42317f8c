package bot

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ftpbot/ftpbot/bot/transcript"
	"github.com/ftpbot/ftpbot/knowledge"
)

// MaxQueryBytes bounds what one question may carry. A longer paste is cut, and the answer says so.
const MaxQueryBytes = transcript.MaxBytes

// Ask answers a question from the knowledge base alone: a code, a class, a prefix, a reply line,
// a client error, a log, a topic or free text. It never fails; a question it cannot answer gets a
// no-match reply with suggestions.
func (e *Engine) Ask(query string) Reply {
	if r, ok := e.cache.Get(query); ok {
		return r
	}
	r := e.ask(query)
	r.Query = query
	r.Stable = true
	if r.Visibility == "" {
		r.Visibility = Ephemeral
	}
	e.cache.Put(query, r)
	return r
}

func (e *Engine) ask(raw string) Reply {
	text, cut := clean(raw)
	t := transcript.Parse(text) // once, for the answer, its evidence and its first steps
	r := e.refusedControlPort(e.answer(text, t), text)
	switch r.Kind {
	case KindCode, KindLog, KindTopic, KindClass:
		if len(r.Evidence) <= 1 && r.Kind != KindClass {
			if ev := e.inputEvidence(text, t); len(ev) > len(r.Evidence) {
				r.Evidence = ev
			}
		}
		r.FirstSteps = e.firstSteps(r, text, t)
	}
	// Whatever picked them, evidence lines never carry a password (see CarriesCredential).
	r.Evidence = withoutCredentials(r.Evidence)
	if cut {
		// Every kind of answer says so: the part that was read may not be the part that mattered.
		note := Section{Heading: "Input cut", Body: fmt.Sprintf("Your text was longer than %d KB, so only its beginning was read. Paste the part around the error (the last screenful of a log) for an answer about that.", MaxQueryBytes>>10)}
		r.Sections = append([]Section{note}, r.Sections...)
	}
	return r
}

// answer answers cleaned text (t is its transcript, parsed once by the caller): help, a log, a
// code or class, a pasted line, a client error, a topic, or a search.
func (e *Engine) answer(text string, t *transcript.Transcript) Reply {
	if strings.TrimSpace(text) == "" {
		return e.help()
	}

	lines := nonEmptyLines(text)
	var parsed *transcript.Transcript
	if len(lines) > 1 {
		parsed = t
		// An FTP client's or server's own log is read first, even when it shows another
		// protocol's words: an FTP client pointed at an SSH or web server's port prints that
		// server's banner, and the log says so better than a note that it is not FTP.
		if parsed.Format != "raw" {
			if r, ok := e.logReply(parsed); ok {
				return r
			}
		}
	}
	// A mail server's bounce ("550 5.1.1 Recipient address rejected"), a web server's "421
	// Misdirected Request" or a CIFS mount error reads like an FTP reply; it is not one, and an FTP
	// answer to it would be confidently wrong.
	if p, ok := e.KB.Elsewhere(text); ok && !e.ftpClientMessage(text) {
		// SFTP is not FTP either, but people ask about it in FTP's words: its topic says so.
		if t, ok := e.KB.Topic(p.Topic); ok {
			r := e.topicReply(t)
			r.Sections = append([]Section{{Heading: "What it looks like", Body: p.Note}}, r.Sections...)
			return e.withAlternatives(r, strings.Join(nonEmptyLines(text), " "))
		}
		return e.notFTP(text, p)
	}
	if parsed != nil {
		if parsed.Format == "raw" {
			if r, ok := e.logReply(parsed); ok {
				return r
			}
		}
		text = strings.Join(lines, " ")
	}
	// What decides a line or a question comes first: a 512 KB line is read as its first
	// maxLineBytes, so no step below costs more than that.
	text = knowledge.Bounded(text, maxLineBytes)

	// A short question about a code or class: "530", "ftp 530", "error 425?", "5xx", "class 4", "53".
	if r, ok := e.shortCode(text); ok {
		return r
	}

	line := strings.TrimSpace(text)
	// A pasted reply line, possibly with a client's decoration: "Response: 530 Login incorrect."
	if len(lines) == 1 {
		t := transcript.Parse(line)
		if reps := t.Responses(); len(reps) == 1 && knowledge.Code(reps[0].Code).Class() != "" {
			if entry, ok := e.KB.Lookup(reps[0].Code); ok {
				// The line's wording may name a cause its code does not ("session reuse
				// required"): the search's candidates follow the code, or lead it (see lead).
				r := e.withAlternatives(e.codeReply(entry, replyEvidence(reps[0]), line), line)
				return e.lead(r, line, entry.Code, text)
			}
		}
	}
	// A client's error message, or a line with a reply code inside it.
	if code, ok := e.embeddedCode(line); ok {
		entry, _ := e.KB.Lookup(code)
		r := e.codeReply(entry, nil, line)
		if ce, ok := e.clientError(line); ok {
			r.Sections = append([]Section{e.clientSectionFor(ce, line)}, r.Sections...)
		}
		return e.lead(e.withAlternatives(r, line), line, code, text)
	}
	if ce, ok := e.clientError(line); ok {
		if r, ok := e.pastGivingUp(ce, line); ok {
			r.Evidence = evidenceFor(text, line)
			return r
		}
		var r Reply
		entry, hasCode := e.KB.Lookup(ce.Code)
		if t, ok := e.KB.Topic(ce.Topic); ok && hasCode && ce.Code != 0 && !ce.AboutSuccess() && serverSide(ce) && !mentionsCode(line, ce.Code) {
			// A server's own log line ("Authentication failed for user [bob]", "FAIL LOGIN")
			// carries no reply code: the code is only what the client was sent, and the failure
			// the line names is its topic. The topic leads, the code follows.
			r = e.topicReply(t)
			r.Matches = append(r.Matches, knowledge.Match{ID: ce.Code.String(), Kind: knowledge.KindCode, Title: entry.Title})
			r.Sections = append([]Section{e.clientSectionFor(ce, line)}, r.Sections...)
			r.Evidence = evidenceFor(text, line)
			return e.withAlternatives(r, line)
		}
		if hasCode && ce.Code != 0 && !ce.AboutSuccess() {
			r = e.codeReply(entry, nil, line)
		} else if t, ok := e.KB.Topic(ce.Topic); ok {
			r = e.topicReply(t)
			if hasCode && ce.AboutSuccess() {
				// The reply that worked follows its topic.
				r.Matches = append(r.Matches, knowledge.Match{ID: ce.Code.String(), Kind: knowledge.KindCode, Title: entry.Title})
			}
		}
		r.Sections = append([]Section{e.clientSectionFor(ce, line)}, r.Sections...)
		r = e.withAlternatives(r, line)
		if hasCode && ce.Code != 0 && !ce.AboutSuccess() {
			r = e.lead(r, line, ce.Code, text)
		} else {
			r.Evidence = evidenceFor(text, line)
		}
		return r
	}
	if t, ok := e.aliasTopic(line); ok {
		// A question that is also exactly a code's own words ("login incorrect", "wrong
		// password") is that code's reply; the topic follows it.
		if c, ok := e.tables().codePhrases[foldWords(line)]; ok {
			entry, _ := e.KB.Lookup(c)
			r := e.codeReply(entry, nil, "")
			r.Matches = append(r.Matches, knowledge.Match{ID: t.Slug, Kind: knowledge.KindTopic, Title: t.Title})
			return r
		}
		// The codes and topics close behind follow it ("wrong password" is the login topic,
		// then 530).
		return e.withAlternatives(e.topicReply(t), line)
	}
	// A class named in a sentence ("are 4xx codes temporary?") is a question about the class.
	if cl, ok := classInText(line); ok {
		if r, ok := e.classReply(cl); ok {
			return r
		}
	}
	matches := e.conceptFirst(line, e.KB.Search(line, 10))
	if len(matches) == 0 {
		return e.noMatch(line)
	}
	r := e.replyFor(matches[0])
	r.Matches = matches
	return r
}

// maxLineBytes bounds what the line and question steps of answer read (the search reads less,
// knowledge.MaxSearchBytes).
const maxLineBytes = 8 << 10

// maxAlternatives is how many ranked search results follow a client error's own answer.
const maxAlternatives = 4

// minAlternativeShare is the least share of the best search score an alternative must reach.
const minAlternativeShare = 0.3

// searchable bounds the text an alternatives search reads: the words that matter in a pasted line
// come first, and a 400 KB line must not cost a search over all of it.
func searchable(line string) string { return knowledge.Bounded(line, 2<<10) }

// withAlternatives adds the search's other candidates after the answer to a client error, a pasted
// reply line or a line with a code in it: a message like "Connection closed by server" has one most
// likely cause, and Matches then shows the runners-up a person (or a script reading --json) may
// want next. Only candidates that score close to the best one are shown: a single shared word
// ("incorrect") is not a reason to offer a topic.
func (e *Engine) withAlternatives(r Reply, line string) Reply {
	seen := map[string]bool{}
	for _, m := range r.Matches {
		seen[m.ID] = true
	}
	added := 0
	for _, m := range e.closeMatches(line, maxAlternatives+len(r.Matches)) {
		if added == maxAlternatives {
			break
		}
		if !seen[m.ID] {
			seen[m.ID] = true
			r.Matches = append(r.Matches, m)
			added++
		}
	}
	return r
}

// closeMatches searches the start of line (see searchable) and keeps the results that score at
// least minAlternativeShare of the best one.
func (e *Engine) closeMatches(line string, limit int) []knowledge.Match {
	found := e.KB.Search(searchable(line), limit)
	kept := found[:0]
	for _, m := range found {
		if m.Score >= minAlternativeShare*found[0].Score {
			kept = append(kept, m)
		}
	}
	return kept
}

// clean unescapes what chat platforms escape, drops control characters and invalid UTF-8, and
// cuts the text to MaxQueryBytes.
func clean(s string) (string, bool) {
	cut := false
	if len(s) > MaxQueryBytes {
		s = s[:MaxQueryBytes]
		cut = true
	}
	s = boundLines(s)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return s, cut
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// fillers are words around a code that do not change the question: "what does error 530 mean?".
var fillers = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`ftp ftps error errors err erorr eror code codes reply response status
		what whats is does do mean means meaning the a an getting got i im im' get help with on server
		this about explain me number series class reply: return returned returns returning says said
		message msg tell pls please hey hi`) {
		fillers[w] = true
	}
}

var (
	classRE = regexp.MustCompile(`^([1-6])(xx|\*\*|00s)$`)
	wordRE  = regexp.MustCompile(`[a-z0-9]+`)
)

// shortCode answers questions that are only a code, a class or a code prefix with filler words.
func (e *Engine) shortCode(text string) (Reply, bool) {
	words := wordRE.FindAllString(strings.ToLower(text), -1)
	if len(words) > 6 || strings.IndexFunc(text, isCJKLetter) >= 0 {
		// (Chinese, Japanese and Korean words are not in words: "120 秒后无活动" is a sentence)
		return Reply{}, false
	}
	var rest []string
	hadClassWord := false
	for _, w := range words {
		if w == "class" || w == "series" {
			hadClassWord = true
		}
		if !fillers[w] {
			rest = append(rest, w)
		}
	}
	if len(rest) != 1 {
		return Reply{}, false
	}
	w := rest[0]
	if m := classRE.FindStringSubmatch(w); m != nil {
		return e.classReply(m[1] + "xx")
	}
	if !isDigits(w) {
		return Reply{}, false
	}
	switch len(w) {
	case 1:
		return e.classReply(w + "xx")
	case 2:
		if hadClassWord {
			return Reply{}, false
		}
		return e.prefixReply(w), true
	case 3, 5:
		var n int
		fmt.Sscan(w, &n)
		if entry, ok := e.KB.Lookup(knowledge.Code(n)); ok {
			return e.codeReply(entry, nil, ""), true
		}
		return e.unknownCode(n), true
	}
	return Reply{}, false
}

// classInText finds the one class ("4xx", "5**", "500s") a sentence names; two classes, or none,
// and it is not a class question.
func classInText(text string) (string, bool) {
	found := ""
	lower := strings.ToLower(text)
	for _, loc := range wordRE.FindAllStringIndex(lower, -1) {
		w := lower[loc[0]:loc[1]]
		if knowledge.ExpectedBefore(lower[:loc[0]]) {
			continue // "Waiting for ('2xx',) but got 550": what the client wanted, not what it got
		}
		if m := classRE.FindStringSubmatch(w); m != nil {
			if found != "" && found != m[1]+"xx" {
				return "", false
			}
			found = m[1] + "xx"
		}
	}
	return found, found != ""
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// embeddedRE finds a reply code inside a client's message: after a colon or quote ("Access
// denied: 530", "error_perm: 530 Login incorrect") and followed by reply text or the end. Numbers
// that are durations or ports ("after 120 seconds", ":2121") do not fit the pattern.
var embeddedRE = regexp.MustCompile(`(?:^|:\s*|['"]|response\s+)([1-6]\d\d)(?:[ -]+[A-Za-z"'(]|\s*$|\s*['"])`)

func (e *Engine) embeddedCode(line string) (knowledge.Code, bool) {
	var codes map[knowledge.Code]bool // the numbers that stand as codes (not "Waiting for ('150',)")
	for _, m := range embeddedRE.FindAllStringSubmatch(line, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		if codes == nil {
			codes = map[knowledge.Code]bool{}
			for _, c := range knowledge.CodesIn(line) {
				codes[c.Code] = true
			}
		}
		if !codes[knowledge.Code(n)] {
			continue
		}
		if _, ok := e.KB.Lookup(knowledge.Code(n)); ok {
			return knowledge.Code(n), true
		}
	}
	return 0, false
}

// clientError finds the most specific client message in text: the longest matching pattern wins.
func (e *Engine) clientError(text string) (knowledge.ClientError, bool) {
	lower := strings.ToLower(text)
	t := e.tables()
	// A tool's own error number ("curl: (28)") is definitive: when the text carries one, only the
	// messages filed under that number compete, so "Couldn't connect to server" after a (28) is
	// the time-out it is, not the refusal the same words mean after a (7).
	var numbered map[string]bool
	for _, k := range t.numbered {
		if m := &t.clients[k]; strings.Contains(lower, m.lower) {
			if numbered == nil {
				numbered = map[string]bool{}
			}
			numbered[m.ce.ID] = true
		}
	}
	// The longest message the text holds wins (on a tie, the knowledge's order): byLength puts it
	// first, and starts at the messages no longer than the text.
	start, _ := slices.BinarySearchFunc(t.byLength, len(lower), func(k, n int) int {
		if len(t.clients[k].lower) > n {
			return -1
		}
		return 1
	})
	for _, k := range t.byLength[start:] {
		m := &t.clients[k]
		if numbered != nil && !numbered[m.ce.ID] {
			continue
		}
		if containsMessage(lower, m.lower) {
			return m.ce, true
		}
	}
	return knowledge.ClientError{}, false
}

// isErrorNumber reports whether a client message is a tool's error number, like "curl: (28)".
func isErrorNumber(m string) bool {
	rest, ok := strings.CutPrefix(m, "curl: (")
	return ok && strings.HasSuffix(rest, ")") && isDigits(strings.TrimSuffix(rest, ")"))
}

// containsMessage reports whether text holds the client message m. A short message ("EOF",
// "ETIMEDOUT") must stand as a whole word: inside a longer word or a blob of base64 it is chance.
func containsMessage(text, m string) bool {
	if len(m) >= shortMessage {
		return strings.Contains(text, m)
	}
	for i := 0; ; {
		j := strings.Index(text[i:], m)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(m)
		if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

// shortMessage is the length under which a client message must match as a whole word.
const shortMessage = 10

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// aliasTopic matches a whole question against topic aliases, ignoring filler words: "what is
// passive mode?" is the alias "passive mode".
func (e *Engine) aliasTopic(text string) (*knowledge.Topic, bool) {
	q := foldWords(text)
	stripped := q
	for _, p := range []string{"what is ", "whats ", "what are ", "explain ", "tell me about ", "how does ", "how do "} {
		stripped = strings.TrimPrefix(stripped, p)
	}
	aliases := e.tables().aliases
	a, okA := aliases[q]
	b, okB := aliases[stripped]
	switch {
	case okA && (!okB || a.order <= b.order):
		return a.topic, true
	case okB:
		return b.topic, true
	}
	return nil, false
}

// foldWords is text as aliases are compared: lower-case words of letters and digits, one space
// apart.
func foldWords(text string) string {
	return strings.Join(wordRE.FindAllString(strings.ToLower(text), -1), " ")
}

// replyFor builds the full reply for a search match.
func (e *Engine) replyFor(m knowledge.Match) Reply {
	switch m.Kind {
	case knowledge.KindCode:
		var n int
		fmt.Sscan(m.ID, &n)
		if entry, ok := e.KB.Lookup(knowledge.Code(n)); ok {
			return e.codeReply(entry, nil, "")
		}
	case knowledge.KindTopic:
		if t, ok := e.KB.Topic(m.ID); ok {
			return e.topicReply(t)
		}
	case knowledge.KindClass:
		if r, ok := e.classReply(m.ID); ok {
			return r
		}
	}
	return e.noMatch(m.ID)
}

// evidence is what a specific reply line adds to a code's answer: the exact text.
type evidence struct {
	line string
}

func replyEvidence(en transcript.Entry) *evidence {
	return &evidence{line: knowledge.Code(en.Code).String() + " " + strings.ReplaceAll(en.Text, "\n", " ")}
}

func isCJKLetter(r rune) bool {
	return r >= 0x2E80 && unicode.IsLetter(r)
}

// pastGivingUp answers a line whose client message only says the client gave up ("Fatal error:
// max-retries exceeded") by the rest of the line, when that names something ("… the transfer
// timed out", "… uploading large files"): the concrete evidence leads, the client's message
// follows as its section and its topic among the matches.
func (e *Engine) pastGivingUp(ce knowledge.ClientError, line string) (Reply, bool) {
	if !ce.GaveUp {
		return Reply{}, false
	}
	rest := line
	lower := strings.ToLower(line)
	for _, m := range ce.Match {
		if i := strings.Index(lower, strings.ToLower(m)); i >= 0 {
			rest = line[:i] + " " + line[i+len(m):]
			break
		}
	}
	ms := e.conceptFirst(rest, e.KB.Search(rest, 10))
	if len(ms) == 0 || ms[0].ID == ce.Topic || ms[0].Score < minConcreteScore {
		return Reply{}, false
	}
	r := e.replyFor(ms[0])
	r.Matches = ms
	if t, ok := e.KB.Topic(ce.Topic); ok {
		// the client's own topic second: what giving up means
		rest := slices.DeleteFunc(slices.Clone(ms[1:]), func(m knowledge.Match) bool { return m.ID == t.Slug })
		r.Matches = append([]knowledge.Match{ms[0], {ID: t.Slug, Kind: knowledge.KindTopic, Title: t.Title}}, rest...)
	}
	r.Sections = append([]Section{e.clientSectionFor(ce, line)}, r.Sections...)
	return r, true
}

// minConcreteScore is the least search score the rest of a line must reach to be evidence on
// its own: more than one shared everyday word.
const minConcreteScore = 6.0
