package bot

import (
	"fmt"
	"strings"

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
	if ev != nil && CarriesCredential(ev.line) {
		ev = nil // the line is not quoted anywhere: it carries a password
	}
	if ev != nil {
		if len(r.Evidence) == 0 {
			r.Evidence = []string{ev.line}
		}
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

// NoFailureTitle is the title of the answer to a log in which nothing failed.
const NoFailureTitle = "No failure found"
