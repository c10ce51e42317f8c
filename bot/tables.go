package bot

import (
	"slices"
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// tables are what the engine looks up on every question, worked out once from its knowledge on
// first use rather than again for each question: topic aliases folded the way questions are, and
// client messages in lower case.
type tables struct {
	aliases map[string]aliasEntry // folded alias, or slug → its topic
	clients []clientMessage       // every client message, in the knowledge's order
	// byLength indexes clients longest message first (ties in the knowledge's order), so the
	// first message a text holds is the longest, and messages longer than the text are skipped
	// without a look; numbered indexes the tools' error numbers ("curl: (28)").
	byLength, numbered []int
	// codePhrases maps a code's title and its servers' wording, folded, to the code: a question
	// that is exactly one of them ("login incorrect", vsftpd's 530) names that reply, even when a
	// topic lists it too.
	codePhrases map[string]knowledge.Code
}

type aliasEntry struct {
	topic *knowledge.Topic
	order int // the topic's place in the knowledge: on a tie the earlier topic wins
}

type clientMessage struct {
	ce     knowledge.ClientError
	lower  string
	number bool // a tool's error number, "curl: (28)" (see isErrorNumber)
}

func (e *Engine) tables() *tables {
	e.tablesOnce.Do(func() {
		t := &tables{aliases: map[string]aliasEntry{}, codePhrases: map[string]knowledge.Code{}}
		for _, c := range e.KB.Codes() {
			en, _ := e.KB.Lookup(c)
			phrases := []string{en.Title}
			for _, sv := range en.Servers {
				if _, text, ok := knowledge.ParseReplyLine(sv.Example); ok {
					phrases = append(phrases, text)
				}
			}
			for _, p := range phrases {
				if k := foldWords(p); k != "" {
					// The standard reply is the one a person most likely saw (430 and 530 both
					// say "login incorrect").
					prev, taken := t.codePhrases[k]
					if !taken || !e.isStandard(prev) && en.Standard {
						t.codePhrases[k] = c
					}
				}
			}
		}
		for i, tp := range e.KB.Topics() {
			keys := []string{tp.Slug}
			for _, a := range tp.Aliases {
				keys = append(keys, foldWords(a))
			}
			for _, k := range keys {
				if _, taken := t.aliases[k]; !taken {
					t.aliases[k] = aliasEntry{tp, i}
				}
			}
		}
		for _, ce := range e.KB.ClientErrors() {
			for _, m := range ce.Match {
				lm := strings.ToLower(m)
				t.clients = append(t.clients, clientMessage{ce: ce, lower: lm, number: isErrorNumber(lm)})
			}
		}
		for k, m := range t.clients {
			t.byLength = append(t.byLength, k)
			if m.number {
				t.numbered = append(t.numbered, k)
			}
		}
		slices.SortStableFunc(t.byLength, func(a, b int) int { return len(t.clients[b].lower) - len(t.clients[a].lower) })
		e.tbl = t
	})
	return e.tbl
}

func (e *Engine) isStandard(c knowledge.Code) bool {
	en, ok := e.KB.Lookup(c)
	return ok && en.Standard
}
