package bot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ftpbot/ftpbot/knowledge"
)

// Card is the short form of a Reply that chat shows first: readable in ten seconds, with the rest
// one press away (More). Every renderer builds its card from this one, so the platforms differ
// only in how it looks, and every card fits CardBudget characters before markup.
type Card struct {
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	// EvidenceLabel says whose words the evidence is: "Your server (vsftpd) said", "Your
	// client said", "From your log".
	EvidenceLabel  string   `json:"evidence_label,omitempty"`
	Evidence       []string `json:"evidence,omitempty"` // verbatim lines, each bounded
	EvidenceSource *Link    `json:"evidence_source,omitempty"`
	// Notice is Reply.Notice, shortened: one line before everything else, never given up to fit.
	Notice     string   `json:"notice,omitempty"`
	Meaning    string   `json:"meaning"`               // one sentence: what it means here
	FirstSteps []string `json:"first_steps,omitempty"` // "What to do first"
	// ListHeading and List are the head of an answer that is a list rather than a diagnosis:
	// the steps of a live check, the codes of a prefix, the things one can ask.
	ListHeading string   `json:"list_heading,omitempty"`
	List        []string `json:"list,omitempty"`
	// TeamNote is the first of the team's own notes on the answer, shortened: what a team wrote
	// down for its own setup outranks what ftpbot knows in general.
	TeamNote string `json:"team_note,omitempty"`
	// Context is the one-line frame: class · session step · server · RFC.
	Context []string `json:"context,omitempty"`
	// Related are the related failures and concepts for the one menu: no success codes on a
	// failure, no duplicates, not the answer itself.
	Related []Ref  `json:"related,omitempty"`
	Guide   string `json:"guide,omitempty"` // the web reference path, "" when there is none
	// More says the reply has more than the card shows (causes, all fixes, server notes).
	More bool `json:"more"`
}

// Card budgets, in characters before markup: the whole card stays under CardBudget so that each
// platform's rendering, with its headings and escapes, stays within its 1,200.
const (
	CardBudget      = 1000
	maxCardTitle    = 120
	maxCardEvidence = 160 // one evidence line on the card
	maxCardMeaning  = 260
	maxCardStep     = 240
	maxCardSteps    = 520 // all steps together
	maxCardContext  = 160
	maxCardTeamNote = 200
	maxCardNotice   = 200
	maxCardList     = 8
	maxCardListItem = 120
	maxCardListText = 480
	// MaxRelated is the most related items a card offers: Discord's select menu holds 25.
	MaxRelated = 25
)

// Card returns the reply's card, within CardBudget.
func (r Reply) Card() Card { return r.CardWithin(CardBudget) }

// CardWithin returns the reply's card within budget characters before markup: a renderer whose
// markup or escapes take more room than usual asks for a smaller one.
func (r Reply) CardWithin(budget int) Card {
	c := Card{
		Title:          Shorten(strings.TrimSpace(r.Title), maxCardTitle),
		Severity:       r.Severity,
		EvidenceSource: r.EvidenceSource,
		Notice:         Shorten(strings.TrimSpace(r.Notice), maxCardNotice),
		Guide:          r.Guide(),
	}
	if c.Title == "" {
		c.Title = "ftpbot"
	}
	for _, l := range r.Evidence {
		if len(c.Evidence) == 3 {
			break
		}
		if l = strings.TrimRight(l, " \t\r"); strings.TrimSpace(l) != "" {
			c.Evidence = append(c.Evidence, Shorten(l, maxCardEvidence))
		}
	}
	if len(c.Evidence) > 0 {
		c.EvidenceLabel = r.evidenceLabel()
	}
	c.Meaning = r.meaning()
	for _, sec := range r.Sections {
		if sec.Team && len(sec.Items) > 0 {
			c.TeamNote = Shorten(sec.Items[0], maxCardTeamNote)
			break
		}
	}
	size := utf8.RuneCountInString(c.TeamNote)
	for _, s := range r.FirstSteps {
		s = Shorten(s, maxCardStep)
		if len(c.FirstSteps) == MaxFirstSteps || (len(c.FirstSteps) > 0 && size+utf8.RuneCountInString(s) > maxCardSteps) {
			break
		}
		size += utf8.RuneCountInString(s)
		c.FirstSteps = append(c.FirstSteps, s)
	}
	if r.Kind != KindCode && r.Kind != KindLog && r.Kind != KindTopic && r.Kind != KindClass {
		c.listHead(r)
	}
	c.Context = r.context()
	c.fit(budget)
	c.Related = r.related()
	c.More = len(r.Sections) > 0 && !c.showsAll(r)
	return c
}

// fit keeps the card within budget, giving way in this order: the list's last items, the
// last first steps (one stays), the evidence's first lines (the failing line stays), the team's
// note, then the meaning is shortened.
func (c *Card) fit(budget int) {
	for c.Size() > budget {
		switch {
		case len(c.List) > 1:
			c.List = c.List[:len(c.List)-1]
		case len(c.FirstSteps) > 1:
			c.FirstSteps = c.FirstSteps[:len(c.FirstSteps)-1]
		case len(c.Evidence) > 1:
			c.Evidence = c.Evidence[1:]
		case c.TeamNote != "":
			c.TeamNote = ""
		case utf8.RuneCountInString(c.Meaning) > 80:
			c.Meaning = Shorten(c.Meaning, utf8.RuneCountInString(c.Meaning)/2)
		default:
			return // a title, one line and one step: within any platform's card
		}
	}
}

// showsAll reports whether the card already holds every section of r: a list answer whose one
// list is on the card whole.
func (c *Card) showsAll(r Reply) bool {
	if c.List == nil || len(r.Sections) != 1 {
		return false
	}
	s := r.Sections[0]
	return s.Body == "" && len(s.Items) == len(c.List)
}

// listHead puts the head of a list answer on the card: its first list, and, for a live check,
// the fixes it names as the first steps.
func (c *Card) listHead(r Reply) {
	size := 0
	for i, sec := range r.Sections {
		if len(sec.Items) == 0 {
			continue
		}
		if c.List == nil {
			c.ListHeading = Shorten(sec.Heading, 80)
			for _, it := range sec.Items {
				it = Shorten(it, maxCardListItem)
				if len(c.List) == maxCardList || size+utf8.RuneCountInString(it) > maxCardListText {
					break
				}
				size += utf8.RuneCountInString(it)
				c.List = append(c.List, it)
			}
			continue
		}
		if r.Kind == KindProbe && len(c.FirstSteps) == 0 && i > 0 {
			for _, it := range sec.Items[:min(len(sec.Items), 2)] {
				c.FirstSteps = append(c.FirstSteps, Shorten(it, maxCardStep))
			}
		}
	}
}

// evidenceLabel names whose words the evidence is.
func (r Reply) evidenceLabel() string {
	server := r.field("Server")
	switch {
	case len(r.Evidence) > 1 || r.Kind == KindLog:
		return "From your log"
	case !replyLineRE.MatchString(r.Evidence[0]):
		return "You pasted"
	case server != "":
		return "Your server (" + server + ") said"
	}
	return "Your server said"
}

// replyLineRE is a server's reply in a line, maybe after a client's label ("Response: 530 …",
// "< 550 …").
var replyLineRE = regexp.MustCompile(`^(?:[^0-9]{0,20}[\s:<>])?[1-6]\d\d(?:[ -]|$)`)

// field returns the value of the field with the label, or "".
func (r Reply) field(label string) string {
	for _, f := range r.Fields {
		if strings.EqualFold(f.Label, label) {
			return f.Value
		}
	}
	return ""
}

// meaning is the card's one sentence: the summary's first sentence, or its first two when the
// first only names what failed ("The server refused STOR with 550.").
func (r Reply) meaning() string {
	s := strings.TrimSpace(r.Summary)
	if r.Kind == KindNoMatch || r.Kind == KindSuggest || r.Kind == KindError || r.Kind == KindSlowDown {
		return Shorten(s, maxCardMeaning) // short already, and its suggestions are the point
	}
	first := knowledge.FirstSentence(s)
	if strings.HasPrefix(first, "The server refused ") && len(first) < 60 && len(s) > len(first) {
		first = first + " " + knowledge.FirstSentence(strings.TrimSpace(s[len(first):]))
	}
	return Shorten(first, maxCardMeaning)
}

// context is the class, session step, server and source: the frame of the answer in one line.
func (r Reply) context() []string {
	var out []string
	if v := r.field("Class"); v != "" {
		id, _, _ := strings.Cut(v, " · ")
		out = append(out, id)
	}
	for _, l := range []string{"Session step", "Server"} {
		if v := r.field(l); v != "" {
			out = append(out, v)
		}
	}
	if f := strings.TrimSpace(r.Footer); f != "" {
		// "RFC 959 §4.2.2 (also used for SIZE …)": the citation, not the aside.
		if i := strings.Index(f, " ("); i > 0 {
			f = f[:i]
		}
		out = append(out, f)
	}
	total := 0
	for i, v := range out {
		v = Shorten(v, 60)
		out[i] = v
		total += utf8.RuneCountInString(v) + 3
		if total > maxCardContext {
			return out[:i]
		}
	}
	return out
}

// related merges the reply's related items and its other matches into one list for a menu:
// failures and concepts only (a success code is no lead when something failed), each once,
// never the answer itself.
func (r Reply) related() []Ref {
	// Success and pending codes are the content of a class or a prefix, and fit an answer about
	// one; anywhere else they are no lead.
	failure := r.Kind != KindClass && r.Kind != KindSuggest && r.Severity != SeveritySuccess && r.Severity != SeverityPending
	seen := map[string]bool{r.ID: true, "": true}
	var out []Ref
	add := func(ref Ref) {
		if len(out) == MaxRelated || seen[ref.ID] {
			return
		}
		if failure && ref.Kind == knowledge.KindCode {
			if n, err := strconv.Atoi(ref.ID); err == nil && n < 400 {
				return
			}
		}
		seen[ref.ID] = true
		if strings.TrimSpace(ref.Label) == "" {
			ref.Label = ref.ID
		}
		out = append(out, ref)
	}
	for _, ref := range r.Related {
		add(ref)
	}
	for i, m := range r.Matches {
		if i == 0 {
			continue // what the reply explains
		}
		label := m.Title
		if m.Kind != knowledge.KindTopic {
			label = m.ID + " " + m.Title
		}
		add(Ref{ID: m.ID, Kind: m.Kind, Label: label})
	}
	return out
}

// Size is the card's text in characters before markup: what the CardBudget bounds.
func (c Card) Size() int {
	n := utf8.RuneCountInString(c.Title) + utf8.RuneCountInString(c.EvidenceLabel) + utf8.RuneCountInString(c.Meaning) + utf8.RuneCountInString(c.TeamNote) + utf8.RuneCountInString(c.Notice)
	for _, l := range c.Evidence {
		n += utf8.RuneCountInString(l)
	}
	for _, s := range c.FirstSteps {
		n += utf8.RuneCountInString(s)
	}
	for _, s := range c.List {
		n += utf8.RuneCountInString(s)
	}
	for _, s := range c.Context {
		n += utf8.RuneCountInString(s) + 3
	}
	return n
}

// Shorten cuts s to at most n characters: at the end of a sentence when one ends in the second
// half, else at a space, with an ellipsis.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	head := string(rs[:n-1])
	if i := strings.LastIndex(head+" ", ". "); i >= len(head)/2 {
		return head[:i+1]
	}
	if rs[n-1] != ' ' {
		if i := strings.LastIndexByte(head, ' '); i >= len(head)/2 {
			head = head[:i]
		}
	}
	return strings.TrimRight(head, " ,;:") + "…"
}

// More returns the reply's sections for the More view, in the order a person fixing the problem
// reads them: what to do (numbered steps, the client's own steps), then what is particular to
// the server and the team's notes, then the causes, then the background (meaning, concepts),
// and the timeline of a log last (the card shows its decisive lines). A note that the input was
// cut stays first. Renderers that must cut, cut from the end, so fixes outlast background.
func (r Reply) More() []Section {
	buckets := make([][]Section, 6)
	for _, s := range r.Sections {
		buckets[moreRank(s)] = append(buckets[moreRank(s)], s)
	}
	var out []Section
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}

func moreRank(s Section) int {
	h := s.Heading
	switch {
	case h == "Input cut":
		return 0
	case s.Ordered:
		return 1
	case s.Team || strings.HasPrefix(h, "On ") || h == "Server by server":
		return 2
	case h == "Likely causes":
		return 3
	case s.Pre || h == "What your server said":
		return 5
	}
	return 4
}
