package bot

import "github.com/ftpbot/ftpbot/knowledge"

// AskJSON is the JSON shape of an answer: the stable contract of `ftpbot ask --json` and the web's
// /api/ask, which print the same object. Scripts read it, so its fields keep their names.
type AskJSON struct {
	Query   string            `json:"query"`
	Matches []knowledge.Match `json:"matches"` // best first; [] (never null) when nothing matched
	// Evidence is the decisive line or lines of the input, verbatim (at most MaxEvidence).
	Evidence []string `json:"evidence,omitempty"`
}

// NewAskJSON is the JSON of r, the answer to query.
func NewAskJSON(query string, r Reply) AskJSON {
	out := AskJSON{Query: query, Matches: r.Matches, Evidence: r.Evidence}
	if out.Matches == nil {
		out.Matches = []knowledge.Match{}
	}
	return out
}
