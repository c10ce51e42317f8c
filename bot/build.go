package bot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpbot/ftpbot/bot/transcript"
	"github.com/ftpbot/ftpbot/knowledge"
)

// codeReply explains one code. ev, when not nil, is the exact reply line the user pasted; context
// is the whole text it came from (for recognising the server software).
func (e *Engine) codeReply(entry *knowledge.Entry, ev *evidence, context string) Reply {
	code := entry.Code
	r := Reply{
		Kind:     KindCode,
		ID:       code.String(),
		Title:    entry.Heading(),
		Summary:  knowledge.FirstSentence(entry.Meaning),
		Severity: SeverityOf(code),
		Footer:   entry.Source,
		Matches:  []knowledge.Match{{ID: code.String(), Kind: knowledge.KindCode, Title: entry.Title}},
		Links:    []Link{{Label: LinkGuide, URL: GuidePath(knowledge.KindCode, code.String())}},
	}
	if cl, ok := e.KB.Class(code.Class()); ok {
		r.Fields = append(r.Fields, Field{Label: "Class", Value: cl.Heading()})
	}
	r.Fields = append(r.Fields, Field{Label: "Session step", Value: entry.Step.Label()})
	var server *knowledge.Server
	if context != "" {
		if s, ok := e.KB.RecogniseServer(context); ok {
			server = &s
		}
	}
	if ev != nil && server == nil {
		if s, ok := e.KB.RecogniseServer(ev.line); ok {
			server = &s
		}
	}
	if server != nil {
		r.Fields = append(r.Fields, Field{Label: "Server", Value: server.Name})
	}
	if len(entry.Commands) > 0 {
		r.Fields = append(r.Fields, Field{Label: "Returned by", Value: strings.Join(entry.Commands, ", ")})
	}
	if ev != nil {
		body := "The server answered: " + ev.line
		switch {
		case strings.Contains(ev.line, "(IIS FTP log"):
			// Our own rendering of an IIS log line: the numbers are the evidence, not wording.
			body = "IIS logged: " + ev.line + ". The win32 status is the Windows error behind the reply and the substatus is IIS's own detail; the IIS log topic (in Related) says what the common values mean."
		case server != nil:
			body += "\nThat wording is " + server.Name + "'s."
		}
		r.Sections = append(r.Sections, Section{Heading: "What your server said", Body: body})
	}
	r.Sections = append(r.Sections,
		Section{Heading: "What it means", Body: entry.Meaning},
		Section{Heading: "Likely causes", Items: entry.Causes},
		Section{Heading: "How to fix it", Items: entry.Fixes, Ordered: true},
	)
	if server != nil {
		if note, ok := entry.ExampleFor(server.ID); ok && note.Note != "" {
			r.Sections = append(r.Sections, Section{Heading: "On " + server.Name, Body: note.Note})
		}
	} else if len(entry.Servers) > 0 {
		var items []string
		for _, s := range entry.Servers {
			name := s.Server
			if sv, ok := e.KB.Server(s.Server); ok {
				name = sv.Name
			}
			item := name + ": "
			if s.Example != "" {
				item += "“" + s.Example + "”"
				if s.Note != "" {
					item += " — "
				}
			}
			items = append(items, item+s.Note)
		}
		r.Sections = append(r.Sections, Section{Heading: "Server by server", Items: items})
	}
	r.Sections = append(r.Sections, teamSections(entry.Team)...)
	for _, rel := range entry.Related {
		if re, ok := e.KB.Lookup(rel); ok {
			r.Related = append(r.Related, Ref{ID: rel.String(), Kind: knowledge.KindCode, Label: re.Heading()})
		}
	}
	return r
}

func teamSections(notes []knowledge.TeamNote) []Section {
	if len(notes) == 0 {
		return nil
	}
	s := Section{Heading: "From your team", Team: true}
	for _, n := range notes {
		item := n.Text
		if n.Author != "" {
			item += " (" + n.Author + ")"
		}
		s.Items = append(s.Items, item)
	}
	return []Section{s}
}

func (e *Engine) classReply(id string) (Reply, bool) {
	cl, ok := e.KB.Class(id)
	if !ok {
		return Reply{}, false
	}
	r := Reply{
		Kind:     KindClass,
		ID:       cl.ID,
		Title:    cl.ID + " " + cl.Title,
		Summary:  cl.Meaning,
		Severity: ClassSeverity(cl.ID),
		Footer:   cl.Source,
		Matches:  []knowledge.Match{{ID: cl.ID, Kind: knowledge.KindClass, Title: cl.Title}},
		Links:    []Link{{Label: LinkGuide, URL: GuidePath(knowledge.KindClass, cl.ID)}},
		Sections: []Section{{Heading: "Should you retry?", Body: cl.Retry}},
	}
	var items []string
	for _, c := range cl.Codes {
		en, _ := e.KB.Lookup(c)
		items = append(items, en.Heading())
		r.Related = append(r.Related, Ref{ID: c.String(), Kind: knowledge.KindCode, Label: en.Heading()})
	}
	r.Sections = append(r.Sections, Section{Heading: "Codes in this class", Items: items})
	return r, true
}

// prefixReply lists the codes starting with a two-digit prefix, as suggestions.
func (e *Engine) prefixReply(p string) Reply {
	var matches []knowledge.Match
	var items []string
	for _, c := range e.KB.Codes() {
		if strings.HasPrefix(c.String(), p) && c < 1000 {
			en, _ := e.KB.Lookup(c)
			matches = append(matches, knowledge.Match{ID: c.String(), Kind: knowledge.KindCode, Title: en.Title})
			items = append(items, en.Heading())
		}
	}
	if len(matches) == 0 {
		return e.noMatch(p)
	}
	r := Reply{
		Kind:     KindSuggest,
		ID:       p,
		Title:    "Codes starting with " + p,
		Summary:  fmt.Sprintf("%d codes start with %s. Ask for one to see it in full.", len(matches), p),
		Severity: SeverityInfo,
		Matches:  matches,
		Sections: []Section{{Heading: "Codes", Items: items}},
	}
	for _, m := range matches {
		r.Related = append(r.Related, Ref{ID: m.ID, Kind: m.Kind, Label: m.ID + " " + m.Title})
	}
	return r
}

// unknownCode answers a number that looks like a code but is not one, with the nearest real codes.
func (e *Engine) unknownCode(n int) Reply {
	var near []knowledge.Match
	best := func(limit int) {
		type cand struct {
			c knowledge.Code
			d int
		}
		var cs []cand
		for _, c := range e.KB.Codes() {
			if (c >= 10000) != (n >= 10000) {
				continue
			}
			d := int(c) - n
			if d < 0 {
				d = -d
			}
			if n < 1000 && int(c)/100 != n/100 {
				d += 1000 // prefer codes of the same class
			}
			cs = append(cs, cand{c, d})
		}
		for i := 0; i < limit && len(cs) > 0; i++ {
			bi := 0
			for j := range cs {
				if cs[j].d < cs[bi].d || (cs[j].d == cs[bi].d && cs[j].c < cs[bi].c) {
					bi = j
				}
			}
			en, _ := e.KB.Lookup(cs[bi].c)
			near = append(near, knowledge.Match{ID: cs[bi].c.String(), Kind: knowledge.KindCode, Title: en.Title})
			cs = append(cs[:bi], cs[bi+1:]...)
		}
	}
	best(3)
	r := e.noMatchWith(fmt.Sprintf("%03d", n), near)
	r.Summary = fmt.Sprintf("No reply code %03d. %s", n, closest(near))
	return r
}

func closest(ms []knowledge.Match) string {
	if len(ms) == 0 {
		return "Try /ftp help for what you can ask."
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return "Closest: " + strings.Join(ids, ", ") + "."
}

func (e *Engine) noMatch(q string) Reply {
	return e.noMatchWith(q, e.KB.Suggest(q, 3))
}

func (e *Engine) noMatchWith(q string, near []knowledge.Match) Reply {
	r := Reply{
		Kind:     KindNoMatch,
		Title:    "No match",
		Severity: SeverityInfo,
		Summary:  "I don't know that one. " + didYouMean(near),
		Sections: []Section{{Heading: "You can ask", Items: helpExamples[:6]}},
	}
	for _, m := range near {
		r.Related = append(r.Related, Ref{ID: m.ID, Kind: m.Kind, Label: label(m)})
	}
	return r
}

func didYouMean(ms []knowledge.Match) string {
	if len(ms) == 0 {
		return "Try a reply code (530), a server line, a client error, or words like “passive mode”."
	}
	labels := make([]string, len(ms))
	for i, m := range ms {
		labels[i] = label(m)
	}
	return "Did you mean: " + strings.Join(labels, "; ") + "?"
}

func label(m knowledge.Match) string {
	if m.Kind == knowledge.KindTopic {
		return m.Title
	}
	return m.ID + " " + m.Title
}

func (e *Engine) topicReply(t *knowledge.Topic) Reply {
	r := Reply{
		Kind:     KindTopic,
		ID:       t.Slug,
		Title:    t.Title,
		Summary:  t.Summary,
		Severity: SeverityInfo,
		Matches:  []knowledge.Match{{ID: t.Slug, Kind: knowledge.KindTopic, Title: t.Title}},
		Links:    []Link{{Label: LinkGuide, URL: GuidePath(knowledge.KindTopic, t.Slug)}},
	}
	for _, s := range t.Sections {
		r.Sections = append(r.Sections, Section{Heading: s.Heading, Body: s.Body, Items: s.Items, Ordered: s.Ordered})
	}
	r.Sections = append(r.Sections, teamSections(t.Team)...)
	for _, c := range t.Related {
		if en, ok := e.KB.Lookup(c); ok {
			r.Related = append(r.Related, Ref{ID: c.String(), Kind: knowledge.KindCode, Label: en.Heading()})
		}
	}
	for _, slug := range t.RelatedTopics {
		if rt, ok := e.KB.Topic(slug); ok {
			r.Related = append(r.Related, Ref{ID: slug, Kind: knowledge.KindTopic, Label: rt.Title})
		}
	}
	return r
}

func clientSection(c knowledge.ClientError) Section {
	return Section{Heading: "Your client (" + c.Client + ") says", Body: c.Meaning, Items: c.Fixes, Ordered: true}
}

// logReply explains a pasted log: a timeline of replies, the step that failed first, and the fix.
// ok is false when the text holds no reply and no client error (it is then treated as prose).
func (e *Engine) logReply(t *transcript.Transcript) (Reply, bool) {
	replies := t.Replies()
	if len(replies) == 0 && t.ClientError() == nil {
		return Reply{}, false
	}
	var (
		entry     *knowledge.Entry
		ce        *knowledge.ClientError
		fail      = t.Failure()
		stall     = t.Stalled()
		rewritten bool              // the client's words were about the data connection's failure
		dataReply *transcript.Entry // then: the reply after which the data connection failed
	)
	if stall != nil {
		// A refused EPSV or AUTH the session went on after explains less than where it stopped.
		fail = nil
	}
	if fail != nil {
		entry, _ = e.KB.Lookup(fail.Code)
	}
	if entry == nil {
		if hint := t.ClientError(); hint != nil {
			if c, ok := e.clientError(hint.Text); ok {
				ce = &c
				code := c.Code
				// A connection that times out, is refused or is reset right after the server opened a
				// passive port, accepted an active one or started a transfer is the data connection
				// failing, whatever the client calls it.
				if last := t.LastReplyBefore(t.Index(hint)); last != nil && isConnectFailure(c) &&
					(last.OpensData() || last.Code == 150 || last.Code == 125) {
					code, rewritten, dataReply = 425, true, last
				}
				// A message about a reply that worked ("passive reply with unroutable address" after a
				// 227) is explained by its topic, below, as on its own.
				if !rewritten && c.AboutSuccess() {
					code = 0
				}
				if code != 0 {
					entry, _ = e.KB.Lookup(code)
				}
			} else if code, ok := e.embeddedCode(hint.Text); ok {
				entry, _ = e.KB.Lookup(code)
			}
		}
	}
	var r Reply
	switch {
	case entry != nil:
		var ev *evidence
		if fail != nil {
			ev = replyEvidence(*fail)
		}
		r = e.codeReply(entry, ev, joinText(t))
		r.Kind = KindLog
		if rewritten {
			r.Matches = append(r.Matches, e.dataTopics(dataReply)...)
		}
		step := entry.Step.Label()
		r.Title = "Failed at " + strings.ToLower(step[:1]) + step[1:] + ": " + entry.Heading()
		if fail != nil && fail.Command != "" {
			r.Summary = fmt.Sprintf("The server refused %s with %s. %s", fail.Command, entry.Code, knowledge.FirstSentence(entry.Meaning))
		}
	case stall != nil && e.hasCode(425):
		// No error, but the log stops where the data connection should open: a hang there is a
		// data connection that never arrived, which is what 425 explains.
		entry, _ = e.KB.Lookup(425)
		r = e.codeReply(entry, nil, joinText(t))
		r.Kind = KindLog
		r.Title = "Stalled at the data connection: " + entry.Heading()
		r.Summary = fmt.Sprintf("The log ends right after the server's %s reply, with no transfer and no error: the data connection never opened. %s", stall.Code, knowledge.FirstSentence(entry.Meaning))
		last := strings.TrimSpace(stall.Code.String() + " " + firstLine(stall.Text))
		where := "After the server's last reply (“" + last + "”) the client should open a second connection to the port the server named, for the listing or file; nothing came. If the client then hangs or times out, a firewall or NAT is dropping that connection, or the address in the reply is one the client cannot reach: see the NAT and firewall topics."
		if stall.Code == 200 {
			where = "After the server's last reply (“" + last + "”) the server should connect back to your machine for the listing or file (active mode); nothing came. Your own firewall or router almost always blocks that: switch the client to passive mode (Windows' built-in ftp.exe cannot; use another client)."
		}
		r.Sections = append([]Section{{Heading: "Where it stopped", Body: where}}, r.Sections...)
		r.Matches = append(r.Matches, e.dataTopics(stall)...)
	case ce != nil && ce.Topic != "":
		tp, _ := e.KB.Topic(ce.Topic)
		r = e.topicReply(tp)
		r.Kind = KindLog
	case fail != nil && e.hasClass(fail.Code):
		// A refusal with a code no standard defines ("599 weird"): its class still says whether
		// to retry, and the server's own text is the best clue.
		cl := fail.Code.Class()
		r, _ = e.classReply(cl)
		r.Kind = KindLog
		r.Title = fmt.Sprintf("Failed with %s, a code outside the standards (%s)", fail.Code, cl)
		r.Summary = "The server answered " + strings.TrimSpace(fail.Code.String()+" "+firstLine(fail.Text)) + ". No FTP standard defines that code, so its wording and its class are the clues: " + r.Summary
	default:
		r = Reply{Kind: KindLog, Title: "No failure in this log", Severity: SeveritySuccess,
			Summary: "Every reply in it is a success or a refusal the client recovered from. If the transfer still failed, paste the part of the log after the last line here, or a client log with more detail (see “logs”)."}
		if last := lastOf(replies); last != nil {
			if en, ok := e.KB.Lookup(last.Code); ok {
				r.Matches = []knowledge.Match{{ID: en.Code.String(), Kind: knowledge.KindCode, Title: en.Title}}
			}
		}
	}
	if ce != nil {
		r.Sections = append([]Section{clientSection(*ce)}, r.Sections...)
	}
	r.Sections = append([]Section{timeline(t)}, r.Sections...)
	// Other codes in the log follow the explained one in Matches, in order of appearance.
	seen := map[string]bool{}
	for _, m := range r.Matches {
		seen[m.ID] = true
	}
	for _, rep := range replies {
		id := rep.Code.String()
		if en, ok := e.KB.Lookup(rep.Code); ok && !seen[id] && rep.Code/100 >= 4 {
			seen[id] = true
			r.Matches = append(r.Matches, knowledge.Match{ID: id, Kind: knowledge.KindCode, Title: en.Title})
		}
	}
	// Then the topics that explain the failed code: a log's reader wants the concept behind the
	// failure (the firewall's passive ports for a 425) next. The failing line's own words pick
	// them first ("Illegal PORT command" is active mode's trouble, not a syntax error's), unless
	// they were the client's words for a data connection failure; the topics that list the code
	// fill in.
	if entry != nil {
		var candidates []knowledge.Match
		if line := failingLine(t); line != "" && !rewritten {
			for _, m := range e.closeMatches(line, 6) {
				if m.Kind == knowledge.KindTopic {
					candidates = append(candidates, m)
				}
			}
		}
		for _, tp := range e.topicsFor(entry.Code, maxLogTopics) {
			candidates = append(candidates, knowledge.Match{ID: tp.Slug, Kind: knowledge.KindTopic, Title: tp.Title})
		}
		added := 0
		for _, m := range r.Matches {
			if m.Kind == knowledge.KindTopic {
				added++ // a stall's own topics count
			}
		}
		for _, m := range candidates {
			if added < maxLogTopics && !seen[m.ID] {
				seen[m.ID] = true
				r.Matches = append(r.Matches, knowledge.Match{ID: m.ID, Kind: m.Kind, Title: m.Title})
				added++
			}
		}
	}
	// An IIS log's decisive detail is its win32 status: the topic that reads it comes next.
	if t.Format == "iis" {
		if tp, ok := e.KB.Topic(iisTopic); ok && !seen[tp.Slug] {
			r.Matches = append(r.Matches, knowledge.Match{ID: tp.Slug, Kind: knowledge.KindTopic, Title: tp.Title})
			r.Related = append(r.Related, Ref{ID: tp.Slug, Kind: knowledge.KindTopic, Label: tp.Title})
		}
	}
	return r, true
}

// iisTopic explains IIS FTP logs' status columns.
const iisTopic = "iis-win32-status"

// isConnectFailure reports whether a client error is a TCP connection failing: timed out,
// refused, reset or unreachable.
func isConnectFailure(c knowledge.ClientError) bool {
	switch c.Code {
	case 10060, 10061, 10054, 10065:
		return true
	}
	id := strings.ToLower(c.ID)
	return strings.Contains(id, "timeout") || strings.Contains(id, "timed-out")
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

// maxTimeline is how many events of a log the timeline shows: the failure and what led to it.
const maxTimeline = 14

// timeline renders the log's commands and replies as preformatted lines, ending at the failure
// (or the end), with "→" marking the failing line.
func timeline(t *transcript.Transcript) Section {
	end := len(t.Entries)
	mark := -1
	if f := t.Failure(); f != nil {
		mark = t.Index(f)
	} else if h := t.ClientError(); h != nil {
		mark = t.Index(h)
	}
	if mark >= 0 {
		end = min(len(t.Entries), mark+3)
	}
	var lines []string
	for i := 0; i < end; i++ {
		en := t.Entries[i]
		var s string
		switch en.Dir {
		case transcript.Reply:
			txt := en.Text
			if j := strings.IndexByte(txt, '\n'); j >= 0 {
				txt = txt[:j] + " …"
			}
			s = "< " + en.Code.String() + " " + txt
		case transcript.Command:
			s = "> " + en.Text
		case transcript.Error:
			s = "! " + en.Text
		default:
			continue
		}
		if i == mark {
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
		body += "\n  (log cut: only the first part was read)"
	}
	return Section{Heading: "Timeline", Body: body, Pre: true}
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// maxLogTopics is how many topics follow a log's explained code in Matches.
const maxLogTopics = 2

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

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// failingLine is the text that explains a log's failure: the failed reply with its code, else the
// client's error line, else "".
func failingLine(t *transcript.Transcript) string {
	if f := t.Failure(); f != nil {
		return f.Code.String() + " " + firstLine(f.Text)
	}
	if h := t.ClientError(); h != nil {
		return h.Text
	}
	return ""
}

// hasCode reports whether the knowledge base explains code (a base loaded from other data may not).
func (e *Engine) hasCode(code knowledge.Code) bool {
	_, ok := e.KB.Lookup(code)
	return ok
}

// dataTopics are the topics that cure a data connection that failed after reply: passive mode
// for an active one (the client's own firewall blocks the server's connection back), the NAT and
// port settings for a passive one.
func (e *Engine) dataTopics(reply *transcript.Entry) []knowledge.Match {
	slugs := []string{"pasv-epsv-nat", "firewall-ports"}
	if reply.ActiveOK() {
		slugs = []string{"active-vs-passive", "firewall-ports"}
	}
	var out []knowledge.Match
	for _, slug := range slugs {
		if tp, ok := e.KB.Topic(slug); ok {
			out = append(out, knowledge.Match{ID: tp.Slug, Kind: knowledge.KindTopic, Title: tp.Title})
		}
	}
	return out
}

// hasClass reports whether code belongs to a class the knowledge base explains.
func (e *Engine) hasClass(code knowledge.Code) bool {
	_, ok := e.KB.Class(code.Class())
	return ok
}
