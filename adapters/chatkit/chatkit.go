// Package chatkit is what every chat adapter does the same way, whatever its platform: a bounded
// pool of workers for answers, a cache of rendered answers, the rule for which questions are
// answered late, who sees an answer, the card's More and menu tokens, fitting a long view at
// item boundaries, and JSON errors on the HTTP endpoints. It knows bot.Reply and nothing of any
// platform's SDK: each adapter keeps its own types and wire format, and a third platform reuses
// this kit.
//
//	w := chatkit.NewWorkers(chatkit.WorkerOptions{Max: 16, Name: "slack", Log: log})
//	w.Go(2*time.Minute, func(ctx context.Context) { answer(ctx) })
//	defer w.Shutdown(5 * time.Second)
package chatkit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ftpbot/ftpbot/bot"
)

// SlowTextBytes is the size of pasted text (a long log) that is answered late, through the
// platform's follow-up, rather than within its three-second acknowledgement.
const SlowTextBytes = 8 << 10

// Slow reports whether a question may take longer than a platform's acknowledgement allows: a
// command the registry marks slow (a live check) or a long paste.
func Slow(text string) bool {
	c, _ := bot.ParseCommand(strings.TrimSpace(text))
	return c.Slow || len(text) > SlowTextBytes
}

// Public reports whether an answer goes to the whole channel: when asked with "public", or by
// the configured default, but never for errors or rate limits, and usage only when asked.
func Public(r bot.Reply, def bot.Visibility) bool {
	switch r.Kind {
	case bot.KindError, bot.KindSlowDown:
		return false
	case bot.KindHelp:
		return r.Visibility == bot.InChannel
	}
	return r.Visibility == bot.InChannel || def == bot.InChannel
}

// Shareable reports whether a private answer is worth posting for everyone: not errors, rate
// limits, usage or "I don't know that one".
func Shareable(r bot.Reply) bool {
	switch r.Kind {
	case bot.KindError, bot.KindSlowDown, bot.KindHelp, bot.KindNoMatch:
		return false
	}
	return true
}

// RenderedAnswers bounds each adapter's cache of rendered answers: a few hundred distinct
// questions cover what a team asks again and again.
const RenderedAnswers = 128

// NewRendered returns a cache for rendered answers to stable replies (see bot.Reply.Stable),
// keyed by the question and the rendering's variant (see RenderKey).
func NewRendered[T any]() *bot.Cache[T] { return bot.NewCache[T](RenderedAnswers) }

// RenderKey is the cache key of one rendering of a question: the same question rendered for a
// private answer and for the channel are two entries.
func RenderKey(query, variant string) string { return variant + "\x00" + query }

// HTTPError writes an error as JSON, the one shape every chat endpoint answers problems with.
func HTTPError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// Questions remembers the questions behind the cards' More buttons, by a short key: a pasted log
// does not fit in a button's value (Discord's custom_id holds 100 characters), its hash does.
// A key this instance does not know (another instance, a restart) falls back to the answer's id,
// which gives the same answer without what was particular to the input.
type Questions struct{ c *bot.Cache[string] }

// NewQuestions returns a store of the last max questions.
func NewQuestions(max int) *Questions { return &Questions{c: bot.NewCache[string](max)} }

// Key returns the key of a question and remembers it.
func (q *Questions) Key(query string) string {
	sum := sha256.Sum256([]byte(query))
	k := hex.EncodeToString(sum[:6])
	q.c.Put(k, query)
	return k
}

// Question returns the question with key k, if it is remembered.
func (q *Questions) Question(k string) (string, bool) { return q.c.Get(k) }

// MoreToken is what a More button carries: the question's key and the answer's id, as
// "key:id". The id is the fallback when the key is forgotten.
func (q *Questions) MoreToken(r bot.Reply) string {
	return q.Key(r.Query) + ":" + r.ID
}

// MoreQuestion turns a More token back into the question to answer: the remembered question,
// else the answer's id.
func (q *Questions) MoreQuestion(token string) string {
	k, id, _ := strings.Cut(token, ":")
	if s, ok := q.Question(k); ok {
		return s
	}
	return id
}
