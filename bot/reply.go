package bot

import (
	"github.com/ftpbot/ftpbot/knowledge"
)

// Kind says what a Reply answers. Renderers use it to choose layout; it is not shown to users.
// Its code, class and topic values are the kinds of knowledge.Match and of Ref.
type Kind string

// Reply kinds.
const (
	KindCode     Kind = knowledge.KindCode  // one reply code
	KindClass    Kind = knowledge.KindClass // a reply class (5xx)
	KindTopic    Kind = knowledge.KindTopic // a mode or concept
	KindLog      Kind = "log"               // a pasted log or several reply lines
	KindSuggest  Kind = "suggest"           // several candidates (a code prefix such as 53)
	KindHelp     Kind = "help"              // usage
	KindNoMatch  Kind = "nomatch"           // nothing matched; suggestions attached
	KindError    Kind = "error"             // something went wrong; says what to do next
	KindSlowDown Kind = "slowdown"          // rate limited
	KindProbe    Kind = "probe"             // a live server check report
)

// Severity grades a reply, from the reply class: renderers turn it into colour or emoji.
type Severity string

// Severities, in increasing order of trouble.
const (
	SeverityInfo    Severity = "info"    // topics, help, 1xx
	SeveritySuccess Severity = "success" // 2xx
	SeverityPending Severity = "pending" // 3xx: more is needed
	SeverityWarning Severity = "warning" // 4xx: transient
	SeverityError   Severity = "error"   // 5xx, socket errors: permanent
)

var severityLabels = map[Severity]string{
	SeverityInfo:    "Information",
	SeveritySuccess: "Success",
	SeverityPending: "More needed",
	SeverityWarning: "Temporary failure",
	SeverityError:   "Failure",
}

// Label says in words what a severity's colour says ("Temporary failure" for 4xx), for
// renderers that must not rely on colour alone; "" for an unknown severity.
func (s Severity) Label() string { return severityLabels[s] }

// Visibility says who sees an answer.
type Visibility string

// Visibilities.
const (
	Ephemeral Visibility = "ephemeral" // only the person who asked
	InChannel Visibility = "in_channel"
)

// Reply is a platform-neutral answer: a document that each adapter renders in its own way (Block
// Kit, an embed, ANSI text, HTML). It carries no markup: text fields are plain text, and renderers
// escape them for their platform.
type Reply struct {
	Kind     Kind      `json:"kind"`
	ID       string    `json:"id,omitempty"` // what was answered: "530", "5xx", "active-vs-passive"
	Title    string    `json:"title"`        // "530 Not logged in"
	Summary  string    `json:"summary"`      // one line: the answer in short
	Severity Severity  `json:"severity"`
	Fields   []Field   `json:"fields,omitempty"`   // short facts shown side by side: class, step, server
	Sections []Section `json:"sections,omitempty"` // the body, in order
	Related  []Ref     `json:"related,omitempty"`  // related codes and topics: one select menu where the platform has them
	Links    []Link    `json:"links,omitempty"`    // "Full guide" and the like
	Footer   string    `json:"footer,omitempty"`   // the defining RFC
	// Matches is the ranked list behind the answer, best first; Matches[0] is what the reply explains.
	Matches []knowledge.Match `json:"matches,omitempty"`
	// Evidence is what in the input decided the answer, verbatim: the failing reply line and the
	// one or two lines around it (at most MaxEvidence lines). Empty when the input had none (a bare
	// code, a question in words).
	Evidence []string `json:"evidence,omitempty"`
	// EvidenceSource is where the evidence was found when the answer read several messages (a chat
	// thread): a link to that message, so the card can say which message held it. Nil otherwise.
	EvidenceSource *Link `json:"evidence_source,omitempty"`
	// Notice is one line about the answer itself, shown before it: what could not be read and
	// what is needed to (a thread answered from one message for want of a Slack scope or a
	// Discord intent). Empty almost always.
	Notice string `json:"notice,omitempty"`
	// FirstSteps are the one to three things to try first, chosen from the evidence (the server
	// software, the client, the failing command, the reply's own words; see firstSteps). Empty
	// when the answer has nothing to do (a concept, a success, a no-match).
	FirstSteps []string `json:"first_steps,omitempty"`
	// Query is the text that was asked, as received.
	Query      string     `json:"query"`
	Visibility Visibility `json:"visibility"`
	// Stable says the reply is a pure function of Query: the same text always gets the same
	// answer (knowledge look-ups, searches, logs), unlike a live check or a rate-limit notice.
	// Adapters may cache what they render from a stable reply, keyed by Query (a Cache).
	Stable bool `json:"-"`
}

// MaxEvidence is the most lines Reply.Evidence holds.
const MaxEvidence = 5

// Field is a labelled short fact.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Section is a headed block of the body: a paragraph, a list, or preformatted lines.
type Section struct {
	Heading string   `json:"heading"`
	Body    string   `json:"body,omitempty"`
	Items   []string `json:"items,omitempty"`
	Ordered bool     `json:"ordered,omitempty"` // numbered steps (fixes)
	Pre     bool     `json:"pre,omitempty"`     // Body is preformatted (a timeline, server lines)
	Team    bool     `json:"team,omitempty"`    // a note from the team's own notes, not ftpbot's
}

// Ref points at another answer: a related code or topic.
type Ref struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`  // knowledge.KindCode, KindClass or KindTopic
	Label string `json:"label"` // "530 Not logged in"
}

// Link is a URL. Paths beginning with "/" are relative to the web reference's public URL; adapters
// turn them into absolute URLs (or drop them when no public URL is configured).
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// GuidePath returns the web reference path of a match: /codes/530, /topics/slug, /classes/5xx.
func GuidePath(kind, id string) string {
	switch kind {
	case knowledge.KindCode:
		return "/codes/" + id
	case knowledge.KindClass:
		return "/classes/" + id
	case knowledge.KindTopic:
		return "/topics/" + id
	}
	return "/"
}

// Guide returns the reply's "Full guide" link path, if it has one.
func (r *Reply) Guide() string {
	for _, l := range r.Links {
		if l.Label == LinkGuide {
			return l.URL
		}
	}
	return ""
}

// LinkGuide is the label of the link to the reply's page on the web reference.
const LinkGuide = "Full guide"

// SeverityOf maps a code to its severity: its class decides.
func SeverityOf(c knowledge.Code) Severity { return ClassSeverity(c.Class()) }

// ClassSeverity maps a class id ("5xx", "winsock") to its severity. It is the one place a class
// becomes a colour: chat cards, terminal output and the web pages all come through here.
func ClassSeverity(id string) Severity {
	switch id {
	case "2xx":
		return SeveritySuccess
	case "3xx":
		return SeverityPending
	case "4xx":
		return SeverityWarning
	case "5xx", "winsock":
		return SeverityError
	}
	return SeverityInfo
}
