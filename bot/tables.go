package bot

import (
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// tables are what the engine looks up on every question, worked out once from its knowledge on
// first use rather than again for each question: topic aliases folded the way questions are, and
// client messages in lower case.
type tables struct {
	aliases map[string]aliasEntry // folded alias, or slug → its topic
	clients []clientMessage       // every client message, in the knowledge's order
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
		t := &tables{aliases: map[string]aliasEntry{}}
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
		e.tbl = t
	})
	return e.tbl
}
