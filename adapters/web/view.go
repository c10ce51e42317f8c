package web

import (
	"html"
	"html/template"
	"regexp"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// The view models below are what the templates see: plain strings (escaped by html/template)
// and template.HTML made only by inline and paras, which escape everything first.

// replyView is a bot.Reply ready for the "reply" template.
type replyView struct {
	Kind          string
	ID            string
	Title         string
	Summary       template.HTML
	Severity      string
	SeverityLabel string
	Fields        []bot.Field
	Sections      []sectionView
	Related       []linkView
	Links         []linkView
	Footer        string
	Ephemeral     bool
	Guide         string // the "Full guide" link, if any
}

type sectionView struct {
	Heading string
	Paras   []template.HTML
	Pre     string
	Items   []template.HTML
	Ordered bool
	Team    bool
}

type linkView struct {
	Label string
	URL   string
	Kind  string
}

// severityOf is the CSS class and the words for a severity, so the colour is never the only cue.
func severityOf(s bot.Severity) (class, label string) {
	if l := s.Label(); l != "" {
		return string(s), l
	}
	return string(bot.SeverityInfo), bot.SeverityInfo.Label()
}

// viewReply turns a reply into its view. Related answers link to their reference pages;
// reference paths in links are made absolute on base when it is set; links with any scheme but
// http(s) are dropped.
func viewReply(r bot.Reply, base string) replyView {
	v := replyView{Kind: string(r.Kind), ID: r.ID, Title: r.Title, Summary: inline(r.Summary), Fields: r.Fields,
		Footer: r.Footer, Ephemeral: r.Visibility != bot.InChannel}
	v.Severity, v.SeverityLabel = severityOf(r.Severity)
	for _, s := range r.Sections {
		v.Sections = append(v.Sections, viewSection(s.Heading, s.Body, s.Items, s.Ordered, s.Pre, s.Team))
	}
	for _, ref := range r.Related {
		v.Related = append(v.Related, linkView{Label: ref.Label, URL: joinURL(base, bot.GuidePath(ref.Kind, ref.ID)), Kind: ref.Kind})
	}
	for _, l := range r.Links {
		if u, ok := safeLink(base, l.URL); ok {
			v.Links = append(v.Links, linkView{Label: l.Label, URL: u})
			if l.Label == bot.LinkGuide && v.Guide == "" {
				v.Guide = u
			}
		}
	}
	return v
}

func viewSection(heading, body string, items []string, ordered, pre, team bool) sectionView {
	s := sectionView{Heading: heading, Ordered: ordered, Team: team}
	if pre {
		s.Pre = body
	} else {
		s.Paras = paras(body)
	}
	for _, it := range items {
		s.Items = append(s.Items, inline(it))
	}
	return s
}

// safeLink accepts reference paths and http(s) URLs.
func safeLink(base, u string) (string, bool) {
	switch {
	case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"):
		return joinURL(base, u), true
	case strings.HasPrefix(u, "https://"), strings.HasPrefix(u, "http://"):
		return u, true
	}
	return "", false
}

var codeSpanRE = regexp.MustCompile("`([^`\n]+)`")

// inline escapes plain text for HTML and shows `backticked` words as code, the one convention
// the bot's texts use. The pattern runs on escaped text, which holds no markup to confuse it.
func inline(s string) template.HTML {
	e := html.EscapeString(s)
	return template.HTML(codeSpanRE.ReplaceAllString(e, "<code>$1</code>"))
}

// paras splits text into paragraphs at line breaks.
func paras(s string) []template.HTML {
	var out []template.HTML
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, inline(l))
		}
	}
	return out
}

// codeItem is a code in a list: the index, a class page, search results.
type codeItem struct {
	Code    string
	Title   string
	URL     string
	Summary string
}

func (h *Handler) codeItem(c knowledge.Code) codeItem {
	e, _ := h.o.KB.Lookup(c)
	return codeItem{Code: c.String(), Title: e.Title, URL: h.link(bot.GuidePath(knowledge.KindCode, c.String())), Summary: knowledge.FirstSentence(e.Meaning)}
}

// codeView is everything the knowledge has for one code.
type codeView struct {
	Code, Title, Heading    string
	Severity, SeverityLabel string
	Standard                bool
	Source                  string
	Meaning                 []template.HTML
	Class                   *knowledge.Class
	ClassURL                string
	Step                    string
	Commands                []string
	Causes, Fixes           []template.HTML
	Servers                 []serverNoteView
	Clients                 []clientView
	Team                    []teamView
	Related                 []codeItem
	Prev, Next              *codeItem
	AskURL                  string
}

type serverNoteView struct {
	Name    string
	Example string
	Note    template.HTML
}

type clientView struct {
	Client   string
	Messages []string
	Meaning  template.HTML
	Fixes    []template.HTML
	Link     *linkView // the other answer a message points at, if not this page
}

type teamView struct {
	Text   []template.HTML
	Author string
}

func teamViews(notes []knowledge.TeamNote) []teamView {
	var out []teamView
	for _, n := range notes {
		out = append(out, teamView{Text: paras(n.Text), Author: n.Author})
	}
	return out
}

func inlines(ss []string) []template.HTML {
	out := make([]template.HTML, len(ss))
	for i, s := range ss {
		out[i] = inline(s)
	}
	return out
}

func (h *Handler) viewCode(e *knowledge.Entry) codeView {
	kb := h.o.KB
	v := codeView{Code: e.Code.String(), Title: e.Title, Heading: e.Heading(), Standard: e.Standard, Source: e.Source,
		Meaning: paras(e.Meaning), Step: e.Step.Label(), Commands: e.Commands, Causes: inlines(e.Causes), Fixes: inlines(e.Fixes),
		Team: teamViews(e.Team), AskURL: h.link("/play?q=" + e.Code.String())}
	v.Severity, v.SeverityLabel = severityOf(bot.SeverityOf(e.Code))
	if cl, ok := kb.Class(e.Code.Class()); ok {
		v.Class = cl
		v.ClassURL = h.link(bot.GuidePath(knowledge.KindClass, cl.ID))
	}
	for _, s := range e.Servers {
		name := s.Server
		if sv, ok := kb.Server(s.Server); ok {
			name = sv.Name
		}
		v.Servers = append(v.Servers, serverNoteView{Name: name, Example: s.Example, Note: inline(s.Note)})
	}
	for _, c := range kb.ClientErrors() {
		if c.Code == e.Code {
			cv := clientView{Client: c.Client, Messages: c.Match, Meaning: inline(c.Meaning), Fixes: inlines(c.Fixes)}
			v.Clients = append(v.Clients, cv)
		}
	}
	for _, r := range e.Related {
		if _, ok := kb.Lookup(r); ok {
			v.Related = append(v.Related, h.codeItem(r))
		}
	}
	codes := kb.Codes()
	for i, c := range codes {
		if c != e.Code {
			continue
		}
		if i > 0 {
			p := h.codeItem(codes[i-1])
			v.Prev = &p
		}
		if i+1 < len(codes) {
			n := h.codeItem(codes[i+1])
			v.Next = &n
		}
	}
	return v
}

// classView is a reply class with its codes.
type classView struct {
	ID, Title, Heading      string
	URL                     string
	Meaning                 []template.HTML
	Retry                   []template.HTML
	Source                  string
	Severity, SeverityLabel string
	Codes                   []codeItem
}

func (h *Handler) viewClass(cl *knowledge.Class) classView {
	v := classView{ID: cl.ID, Title: cl.Title, Heading: cl.Heading(), URL: h.link(bot.GuidePath(knowledge.KindClass, cl.ID)),
		Meaning: paras(cl.Meaning), Retry: paras(cl.Retry), Source: cl.Source}
	v.Severity, v.SeverityLabel = severityOf(bot.ClassSeverity(cl.ID))
	for _, c := range cl.Codes {
		v.Codes = append(v.Codes, h.codeItem(c))
	}
	return v
}

// topicView is a topic page.
type topicView struct {
	Slug, Title   string
	Summary       template.HTML
	Sections      []sectionView
	Team          []teamView
	Related       []codeItem
	RelatedTopics []topicItem
	Clients       []clientView
	AskURL        string
}

type topicItem struct {
	Title, URL, Summary string
}

func (h *Handler) topicItem(t *knowledge.Topic) topicItem {
	return topicItem{Title: t.Title, URL: h.link(bot.GuidePath(knowledge.KindTopic, t.Slug)), Summary: t.Summary}
}

func (h *Handler) viewTopic(t *knowledge.Topic) topicView {
	kb := h.o.KB
	v := topicView{Slug: t.Slug, Title: t.Title, Summary: inline(t.Summary), Team: teamViews(t.Team),
		AskURL: h.link("/play?q=" + queryEscape(topicQuery(t)))}
	for _, s := range t.Sections {
		v.Sections = append(v.Sections, viewSection(s.Heading, s.Body, s.Items, s.Ordered, false, false))
	}
	for _, c := range t.Related {
		if _, ok := kb.Lookup(c); ok {
			v.Related = append(v.Related, h.codeItem(c))
		}
	}
	for _, slug := range t.RelatedTopics {
		if rt, ok := kb.Topic(slug); ok {
			v.RelatedTopics = append(v.RelatedTopics, h.topicItem(rt))
		}
	}
	for _, c := range kb.ClientErrors() {
		if c.Topic != t.Slug {
			continue
		}
		cv := clientView{Client: c.Client, Messages: c.Match, Meaning: inline(c.Meaning), Fixes: inlines(c.Fixes)}
		if c.Code != 0 {
			if e, ok := kb.Lookup(c.Code); ok {
				cv.Link = &linkView{Label: e.Heading(), URL: h.link(bot.GuidePath(knowledge.KindCode, c.Code.String()))}
			}
		}
		v.Clients = append(v.Clients, cv)
	}
	return v
}

// indexView is the home page: every class with its codes, every topic, the servers.
type indexView struct {
	Classes  []classView
	Topics   []topicItem
	Servers  []knowledge.Server
	Examples []linkView
	Codes    int
}

func (h *Handler) viewIndex() indexView {
	kb := h.o.KB
	v := indexView{Servers: kb.Servers(), Codes: len(kb.Codes()), Examples: h.examples()}
	for _, cl := range kb.Classes() {
		cv := h.viewClass(cl)
		cv.Meaning = paras(knowledge.FirstSentence(cl.Meaning))
		v.Classes = append(v.Classes, cv)
	}
	for _, t := range kb.Topics() {
		v.Topics = append(v.Topics, h.topicItem(t))
	}
	return v
}

// examples are questions to try in the playground, from the command registry.
func (h *Handler) examples() []linkView {
	var out []linkView
	for _, c := range bot.Commands() {
		if c.Name == "ask" {
			for _, ex := range c.Examples {
				out = append(out, linkView{Label: ex, URL: h.link("/play?q=" + queryEscape(ex))})
			}
		}
	}
	return append(out, linkView{Label: "help", URL: h.link("/play?q=help")})
}

// topicQuery is what to ask the bot for a topic: its first alias, which answers with exactly it.
func topicQuery(t *knowledge.Topic) string {
	if len(t.Aliases) > 0 {
		return t.Aliases[0]
	}
	return t.Title
}
