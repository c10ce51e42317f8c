package bot

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ftpbot/ftpbot/bot/transcript"
	"github.com/ftpbot/ftpbot/knowledge"
)

// A pasted log is answered in four steps, each its own function:
//
//  1. parse: transcript.Parse reads it with the format that recognises most of its lines;
//  2. find the failure (findLogFailure): the reply the session did not recover from, the client's
//     own error, or the place where it stalled;
//  3. choose the diagnosis (diagnose): the evidence rules below, strongest first, name the specific
//     failure when the log shows it (an SSH banner, a passive address the client cannot reach, a
//     vsftpd OOPS); otherwise the failing code explains it;
//  4. build the reply (buildLogReply): the diagnosis leads the title, the summary and Matches, and
//     its decisive lines are the Evidence, verbatim.

// logReply explains a pasted log. ok is false when the text holds no reply and no client error,
// or is about something other than FTP (it is then treated as prose).
func (e *Engine) logReply(t *transcript.Transcript) (Reply, bool) {
	f, ok := e.findLogFailure(t)
	if !ok {
		return Reply{}, false
	}
	d := e.diagnose(t, f)
	return e.buildLogReply(t, f, d), true
}

// logFailure is what step 2 found.
type logFailure struct {
	reply  *transcript.Entry      // the failing reply, nil if none
	benign bool                   // reply is only a refusal the session went on after
	hint   *transcript.Entry      // the client's error line, when no reply explains it
	ce     *knowledge.ClientError // the client message hint matched, if any
	stall  *transcript.Entry      // the reply after which the log stops waiting for data, if any
	data   *transcript.Entry      // the reply after which a data connection failed (227, 229, 200 to PORT, 150), if any
	noFTP  bool                   // no reply at all from the server
	banner *transcript.Entry      // a greeting that is not FTP (SSH, HTTP), if any
	conn   *transcript.Entry      // the client's note that the TCP connection opened, if any
	summ   []*transcript.Entry    // client summaries naming the failed command (lftp)
	exc    *transcript.Entry      // the exception ending a traceback, if any
}

// findLogFailure is step 2. ok is false when the text is not an FTP log.
func (e *Engine) findLogFailure(t *transcript.Transcript) (logFailure, bool) {
	f := logFailure{reply: t.Failure(), benign: t.Benign(), hint: t.ClientError(), stall: t.Stalled()}
	replies := t.Responses()
	if banners := t.Tagged(transcript.TagBanner); len(banners) > 0 {
		f.banner = banners[0]
	}
	if len(replies) == 0 && f.hint == nil && f.banner == nil && connectedLine(t, nil) == nil {
		return f, false
	}
	// A mail server's or web server's lines pasted without any FTP client's decoration read like
	// FTP replies; they are not.
	if t.Format == "raw" && f.banner == nil && e.KB.AboutSomethingElse(rawText(t)) {
		return f, false
	}
	f.noFTP = len(replies) == 0
	f.conn = connectedLine(t, f.hint)
	if f.noFTP && f.banner == nil && f.conn == nil && !hasCommand(t) && f.hint != nil {
		if _, known := e.clientError(f.hint.Text); !known && socketCode(f.hint.Text) == 0 {
			// Only the client's own words, and nothing shows the connection opened: they are read
			// as a message, like a single pasted line, unless the line is a client message we know.
			return f, false
		}
	}
	f.summ = t.Tagged(transcript.TagSummary)
	if ex := t.Tagged(transcript.TagException); len(ex) > 0 {
		f.exc = ex[len(ex)-1]
	}
	if f.stall != nil {
		// A refused EPSV or AUTH the session went on after explains less than where it stopped.
		f.reply, f.benign = nil, false
	}
	if f.hint != nil {
		if c, ok := e.clientError(f.hint.Text); ok {
			f.ce = &c
		} else if f.exc != nil && f.exc != f.hint {
			if c, ok := e.clientError(f.exc.Text); ok {
				f.hint, f.ce = f.exc, &c
			}
		}
		// A connection that times out, is refused or is reset right after the server opened a
		// passive port, accepted an active one or started a transfer is the data connection
		// failing, whatever the client calls it.
		if last := t.LastResponseBefore(t.Index(f.hint)); last != nil && (last.OpensData() || last.Code == 150 || last.Code == 125) &&
			(f.ce == nil || isConnectFailure(*f.ce) || isDataWords(f.hint.Text)) {
			f.data = last
		}
	}
	if f.reply != nil && !f.benign && (f.reply.Code == 425 || f.reply.Code == 426) {
		if last := t.LastResponseBefore(t.Index(f.reply)); last != nil && (last.OpensData() || last.Code == 150 || last.Code == 125) {
			f.data = last
		}
	}
	return f, true
}

var (
	// Go's error for a read on an established connection: "read tcp 10.0.0.2:51234->203.0.113.7:21: i/o timeout"
	goReadRE = regexp.MustCompile(`\bread tcp \S+->\S+`)
	// a Python frame in ftplib's connect(), and one reading a reply under it
	pyConnectRE = regexp.MustCompile(`, in connect$`)
	pyReadRE    = regexp.MustCompile(`, in (getresp|getmultiline|getline|readline|recv_into)$`)
)

// connectedLine returns the line that shows the TCP connection opened: the client's own note
// ("Connected to …", "connected."), a Go error reading from the established connection, or a
// Python traceback that failed reading a reply inside ftplib's connect() — the greeting.
func connectedLine(t *transcript.Transcript, hint *transcript.Entry) *transcript.Entry {
	if c := t.Tagged(transcript.TagConnected); len(c) > 0 {
		return c[0]
	}
	if hint != nil && goReadRE.MatchString(hint.Text) {
		return hint
	}
	inConnect := false
	for _, fr := range t.Tagged(transcript.TagFrame) {
		switch {
		case pyConnectRE.MatchString(fr.Text):
			inConnect = true
		case inConnect && pyReadRE.MatchString(fr.Text):
			return fr
		}
	}
	return nil
}

var (
	refusedRE  = regexp.MustCompile(`(?i)connection refused|ECONNREFUSED|actively refused`)
	timedOutRE = regexp.MustCompile(`(?i)connection timed out|ETIMEDOUT|timed out|i/o timeout`)
	resetRE    = regexp.MustCompile(`(?i)connection reset|ECONNRESET|reset by peer`)
)

// socketCode is the Windows socket error a client's words name when its own message is not one
// the knowledge base lists: refused (10061), timed out (10060), reset (10054); 0 for none.
func socketCode(s string) knowledge.Code {
	switch {
	case refusedRE.MatchString(s):
		return 10061
	case resetRE.MatchString(s):
		return 10054
	case timedOutRE.MatchString(s):
		return 10060
	}
	return 0
}

func hasCommand(t *transcript.Transcript) bool {
	for _, en := range t.Entries {
		if en.Dir == transcript.Command {
			return true
		}
	}
	return false
}

// isDataWords reports whether a client message is about the data connection.
func isDataWords(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "data connection") || strings.Contains(s, "data socket") || strings.Contains(s, "connect:") ||
		strings.Contains(s, "timed out") || strings.Contains(s, "timeout") || strings.Contains(s, "refused") || strings.Contains(s, "reset") ||
		strings.Contains(s, "broken pipe")
}

// codeDiagnosis is the rule when no evidence names the failure: the failing reply's code, the
// client's error, a stall, a code outside the standards, or no failure.
func (e *Engine) codeDiagnosis(t *transcript.Transcript, f logFailure) diagnosis {
	var d diagnosis
	if f.reply != nil {
		d.entry, _ = e.KB.Lookup(f.reply.Code)
		d.evidence = []*transcript.Entry{f.reply}
	}
	if d.entry == nil && f.hint != nil {
		d.evidence = []*transcript.Entry{f.hint}
		switch {
		case f.ce != nil && f.ce.Code != 0 && !f.ce.AboutSuccess():
			d.entry, _ = e.KB.Lookup(f.ce.Code)
		case f.ce != nil:
		default:
			if code, ok := e.embeddedCode(f.hint.Text); ok {
				d.entry, _ = e.KB.Lookup(code)
			} else if code := socketCode(f.hint.Text); code != 0 {
				d.entry, _ = e.KB.Lookup(code)
			}
		}
		if d.entry == nil && f.ce != nil && f.ce.Topic != "" {
			d.topic, _ = e.KB.Topic(f.ce.Topic)
			if d.topic != nil {
				d.title = d.topic.Title
				d.summary = knowledge.FirstSentence(f.ce.Meaning)
			}
		}
	}
	if d.entry != nil {
		step := d.entry.Step.Label()
		d.title = "Failed at " + strings.ToLower(step[:1]) + step[1:] + ": " + d.entry.Heading()
		switch {
		case f.reply != nil && f.reply.Command != "":
			d.summary = fmt.Sprintf("The server refused %s with %s %s", f.reply.Command, endSentence(quote(f.reply.Code.String()+" "+firstLine(f.reply.Text))), knowledge.FirstSentence(d.entry.Meaning))
		case f.reply != nil:
			d.summary = fmt.Sprintf("The server answered %s %s", endSentence(quote(f.reply.Code.String()+" "+firstLine(f.reply.Text))), knowledge.FirstSentence(d.entry.Meaning))
		}
		if s := summaryFor(f, d.entry.Code); s != nil {
			d.evidence = append(d.evidence, s)
			if f.reply != nil && f.reply.Command != "" && s.Command != "" {
				d.summary = fmt.Sprintf("The server refused %s with %s, so the client's %s failed. %s", f.reply.Command, quote(f.reply.Code.String()+" "+firstLine(f.reply.Text)), s.Command, knowledge.FirstSentence(d.entry.Meaning))
			}
		}
		if f.exc != nil {
			if call := userCall(t); call != nil && !CarriesCredential(call.Raw) {
				d.evidence = append(d.evidence, call)
			}
			if f.exc != f.reply {
				d.evidence = append(d.evidence, f.exc)
			}
		}
		return d
	}
	if d.topic != nil {
		return d
	}
	if f.reply != nil && e.hasClass(f.reply.Code) {
		d.class = true
		return d
	}
	return d // no failure in the log
}

// frameRE is a traceback frame's location line; libraryRE one inside Python's own library.
var (
	frameRE   = regexp.MustCompile(`^File "([^"]+)", line \d+, in `)
	libraryRE = regexp.MustCompile(`[/\\]lib[/\\]python[\d.]*[/\\]|[/\\]site-packages[/\\]|[/\\]dist-packages[/\\]`)
)

// userCall returns the source line of the last traceback frame in the user's own code (not in
// Python's library): the call that failed, "ftp.login(user, pw)", or nil.
func userCall(t *transcript.Transcript) *transcript.Entry {
	frames := t.Tagged(transcript.TagFrame)
	var call *transcript.Entry
	for i, fr := range frames {
		m := frameRE.FindStringSubmatch(fr.Text)
		if m == nil || libraryRE.MatchString(m[1]) || i+1 == len(frames) || frameRE.MatchString(frames[i+1].Text) {
			continue
		}
		call = frames[i+1]
	}
	return call
}

// summaryFor returns the client's summary line that reports code (lftp's "ls: Login failed: 530 …").
func summaryFor(f logFailure, code knowledge.Code) *transcript.Entry {
	for _, s := range f.summ {
		if strings.Contains(s.Text, code.String()) {
			return s
		}
	}
	return nil
}

// failureLines are the lines that show the failure itself: the failing reply, else the client's error.
func failureLines(f logFailure) []*transcript.Entry {
	if f.reply != nil && !f.benign {
		return []*transcript.Entry{f.reply}
	}
	if f.hint != nil {
		return []*transcript.Entry{f.hint}
	}
	return nil
}

func quote(s string) string { return "“" + strings.TrimSpace(s) + "”" }

// endSentence ends a sentence that closes with a quotation: with a full stop unless the quoted
// words already end in one.
func endSentence(quoted string) string {
	inner := strings.TrimSuffix(quoted, "”")
	if strings.HasSuffix(inner, ".") || strings.HasSuffix(inner, "!") || strings.HasSuffix(inner, "?") {
		return quoted
	}
	return quoted + "."
}

// buildLogReply is step 4: the diagnosis leads the title, summary and Matches; the timeline and
// the code's or topic's explanation follow.
func (e *Engine) buildLogReply(t *transcript.Transcript, f logFailure, d diagnosis) Reply {
	var r Reply
	context := joinText(t)
	switch {
	case d.topic != nil:
		r = e.topicReply(d.topic)
		if d.entry != nil {
			code := e.codeReply(d.entry, nil, context)
			r.Fields = code.Fields
			r.Matches = append(r.Matches, code.Matches...)
			r.Sections = append(r.Sections, Section{Heading: "What " + d.entry.Code.String() + " means", Body: d.entry.Meaning})
			r.Sections = append(r.Sections, Section{Heading: "How to fix " + d.entry.Code.String(), Items: d.entry.Fixes, Ordered: true})
		}
	case d.entry != nil:
		var ev *evidence
		if f.reply != nil {
			ev = replyEvidence(*f.reply)
		}
		r = e.codeReply(d.entry, ev, context)
	case d.class:
		cl := f.reply.Code.Class()
		r, _ = e.classReply(cl)
		d.title = fmt.Sprintf("Failed with %s, a code outside the standards (%s)", f.reply.Code, cl)
		d.summary = "The server answered " + strings.TrimSpace(f.reply.Code.String()+" "+firstLine(f.reply.Text)) + ". No FTP standard defines that code, so its wording and its class are the clues: " + r.Summary
	default:
		r = Reply{Title: NoFailureTitle, Severity: SeveritySuccess,
			Summary: "Every reply in it is a success or a refusal the client recovered from. If the transfer still failed, paste the part of the log after the last line here, or a client log with more detail (see “logs”)."}
		if last := lastOf(t.Responses()); last != nil {
			if en, ok := e.KB.Lookup(last.Code); ok {
				r.Matches = []knowledge.Match{{ID: en.Code.String(), Kind: knowledge.KindCode, Title: en.Title}}
			}
		}
	}
	r.Kind = KindLog
	if d.entry != nil {
		r.Severity = SeverityOf(d.entry.Code)
	}
	if d.title != "" {
		r.Title = d.title
	}
	if d.summary != "" {
		r.Summary = d.summary
	}
	if f.ce != nil {
		r.Sections = append([]Section{e.logClientSection(t, *f.ce)}, r.Sections...)
	}
	r.Sections = append([]Section{timeline(t, d)}, r.Sections...)
	r.Evidence = evidenceLines(d.evidence, d.pick)
	e.addLogMatches(&r, t, f, d)
	return r
}

// formatClients names the client whose log each client format is.
var formatClients = map[string]string{
	"filezilla": "filezilla", "winscp": "winscp", "curl": "curl", "lftp": "lftp", "wget": "wget",
	"ftplib": "python ftplib", "cyberduck": "cyberduck",
}

// logClientSection is the client message's section, naming the client only when the log is that
// client's: a curl log whose error reads like FileZilla's is still curl's.
func (e *Engine) logClientSection(t *transcript.Transcript, ce knowledge.ClientError) Section {
	client, known := formatClients[t.Format]
	if !known {
		return e.clientSectionFor(ce, rawText(t))
	}
	s := clientSection(ce)
	if !strings.Contains(strings.ToLower(ce.Client), client) {
		s.Heading = "Your client says"
	}
	return s
}

// evidenceLines are the decisive lines as the user pasted them, each once, at most MaxEvidence.
func evidenceLines(es []*transcript.Entry, pick func(string) bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, en := range es {
		if en == nil {
			continue
		}
		line := en.Raw
		if pick != nil {
			line = en.RawLine(pick)
		}
		if line == "" || seen[line] {
			continue
		}
		if CarriesCredential(line) {
			continue // left out, not masked: evidence is verbatim
		}
		seen[line] = true
		out = append(out, line)
		if len(out) == MaxEvidence {
			break
		}
	}
	return out
}

// addLogMatches fills Matches after the diagnosis: the other failing codes in the log in order,
// then the topics behind the explained code.
func (e *Engine) addLogMatches(r *Reply, t *transcript.Transcript, f logFailure, d diagnosis) {
	seen := map[string]bool{}
	for _, m := range r.Matches {
		seen[m.ID] = true
	}
	add := func(m knowledge.Match) {
		if !seen[m.ID] {
			seen[m.ID] = true
			r.Matches = append(r.Matches, m)
		}
	}
	if d.follow != nil {
		add(knowledge.Match{ID: d.follow.Slug, Kind: knowledge.KindTopic, Title: d.follow.Title})
	}
	if d.topic != nil && d.entry == nil && f.reply != nil && !f.benign {
		if en, ok := e.KB.Lookup(f.reply.Code); ok {
			add(knowledge.Match{ID: en.Code.String(), Kind: knowledge.KindCode, Title: en.Title})
		}
	}
	for i := range t.Entries {
		rep := &t.Entries[i]
		if rep.Dir != transcript.Response || rep.Code/100 < 4 || (t.Probe(rep) && rep != f.reply) {
			continue // a probe's refusal the session went on after is not a code to read about
		}
		if en, ok := e.KB.Lookup(rep.Code); ok {
			add(knowledge.Match{ID: en.Code.String(), Kind: knowledge.KindCode, Title: en.Title})
		}
	}
	if d.entry == nil {
		return
	}
	// The failing line's own words pick the topics first ("Illegal PORT command" is active mode's
	// trouble, not a syntax error's); the topics that list the code fill in.
	var candidates []knowledge.Match
	if line := failingLine(f); line != "" && f.data == nil {
		for _, m := range e.closeMatches(line, 6) {
			if m.Kind == knowledge.KindTopic {
				candidates = append(candidates, m)
			}
		}
	}
	for _, tp := range e.topicsFor(d.entry.Code, maxLogTopics) {
		candidates = append(candidates, knowledge.Match{ID: tp.Slug, Kind: knowledge.KindTopic, Title: tp.Title})
	}
	added := 0
	for _, m := range r.Matches {
		if m.Kind == knowledge.KindTopic {
			added++
		}
	}
	for _, m := range candidates {
		if added < maxLogTopics && !seen[m.ID] {
			add(knowledge.Match{ID: m.ID, Kind: m.Kind, Title: m.Title})
			added++
		}
	}
	// An IIS log's decisive detail is its win32 status: the topic that reads it comes next.
	if t.Format == "iis" {
		if tp, ok := e.KB.Topic(iisTopic); ok && !seen[tp.Slug] {
			add(knowledge.Match{ID: tp.Slug, Kind: knowledge.KindTopic, Title: tp.Title})
			r.Related = append(r.Related, Ref{ID: tp.Slug, Kind: knowledge.KindTopic, Label: tp.Title})
		}
	}
}

// iisTopic explains IIS FTP logs' status columns.
const iisTopic = "iis-win32-status"

// isConnectFailure reports whether a client error is a TCP connection failing: timed out,
// refused, reset or unreachable.
func isConnectFailure(c knowledge.ClientError) bool {
	switch c.Code {
	case 10060, 10061, 10054, 10065, 425:
		return true
	}
	id := strings.ToLower(c.ID)
	return strings.Contains(id, "timeout") || strings.Contains(id, "timed-out") || strings.Contains(id, "refused") || strings.Contains(id, "reset")
}

func lastOf(es []transcript.Entry) *transcript.Entry {
	if len(es) == 0 {
		return nil
	}
	return &es[len(es)-1]
}

func joinText(t *transcript.Transcript) string {
	var b strings.Builder
	for _, en := range t.Entries {
		b.WriteString(en.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// rawText is the log's lines as pasted.
func rawText(t *transcript.Transcript) string {
	var b strings.Builder
	for _, en := range t.Entries {
		b.WriteString(en.Raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// maxTimeline is how many events of a log the timeline shows: the failure and what led to it.
const maxTimeline = 14

// timeline renders the log's commands and replies as preformatted lines, ending just after the
// failure (or at the end), with "→" marking the decisive lines.
func timeline(t *transcript.Transcript, d diagnosis) Section {
	end := len(t.Entries)
	last := -1 // the last decisive line: the timeline stops two events after it
	if f := t.Failure(); f != nil {
		last = t.Index(f)
	} else if h := t.ClientError(); h != nil {
		last = t.Index(h)
	}
	for _, en := range d.evidence {
		last = max(last, t.Index(en))
	}
	if last >= 0 {
		end = min(len(t.Entries), last+3)
	}
	var lines []string
	for i := 0; i < end; i++ {
		en := t.Entries[i]
		var s string
		switch {
		case en.Dir == transcript.Response:
			txt := en.Text
			if j := strings.IndexByte(txt, '\n'); j >= 0 {
				txt = txt[:j] + " …"
			}
			s = "< " + en.Code.String() + " " + txt
		case en.Dir == transcript.Command:
			s = "> " + en.Text
		case en.Dir == transcript.Error:
			s = "! " + en.Text
		case en.Tag == transcript.TagBanner || isEvidence(d, i, t):
			s = "* " + en.Text
		default:
			continue
		}
		if isEvidence(d, i, t) || (len(d.evidence) == 0 && i == last) {
			s = "→ " + s
		} else {
			s = "  " + s
		}
		lines = append(lines, truncate(s, 160))
	}
	if len(lines) > maxTimeline {
		lines = append([]string{fmt.Sprintf("  … %d earlier lines", len(lines)-maxTimeline)}, lines[len(lines)-maxTimeline:]...)
	}
	body := strings.Join(lines, "\n")
	if t.Truncated {
		body += "\n  (log cut: its first and last lines were read, the middle skipped)"
	}
	return Section{Heading: "Timeline", Body: body, Pre: true}
}

// isEvidence reports whether entry i of t is one of the diagnosis's decisive lines.
func isEvidence(d diagnosis, i int, t *transcript.Transcript) bool {
	for _, en := range d.evidence {
		if en == &t.Entries[i] {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// maxLogTopics is how many topics follow a log's explained code in Matches.
const maxLogTopics = 2

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// failingLine is the text that explains a log's failure: the failed reply with its code, else the
// client's error line, else "".
func failingLine(f logFailure) string {
	if f.reply != nil {
		return f.reply.Code.String() + " " + firstLine(f.reply.Text)
	}
	if f.hint != nil {
		return f.hint.Text
	}
	return ""
}

// hasClass reports whether code belongs to a class the knowledge base explains.
func (e *Engine) hasClass(code knowledge.Code) bool {
	_, ok := e.KB.Class(code.Class())
	return ok
}

// topicsFor returns up to n topics that list code among their related codes, the ones that list
// it earliest (as most central to them) first.
func (e *Engine) topicsFor(code knowledge.Code, n int) []*knowledge.Topic {
	type ranked struct {
		t   *knowledge.Topic
		pos int
	}
	var rs []ranked
	for _, t := range e.KB.Topics() {
		// The IIS log topic reads IIS's columns; IIS logs add it themselves.
		if i := slices.Index(t.Related, code); i >= 0 && t.Slug != iisTopic {
			rs = append(rs, ranked{t, i})
		}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int { return a.pos - b.pos })
	out := make([]*knowledge.Topic, 0, n)
	for _, r := range rs[:min(n, len(rs))] {
		out = append(out, r.t)
	}
	return out
}
