package knowledge

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// Kinds of match. They are part of the JSON contract of `ftpbot ask --json`.
const (
	KindCode  = "code"
	KindClass = "class"
	KindTopic = "topic"
)

// Match is one ranked answer to a query.
type Match struct {
	ID    string  `json:"id"`   // "530", "5xx", "active-vs-passive"
	Kind  string  `json:"kind"` // code, class or topic
	Title string  `json:"title"`
	Score float64 `json:"-"`
}

// doc is one searchable thing: a code or a topic, with its text folded for matching.
type doc struct {
	match   Match
	phrases []phrase           // titles, aliases, keywords, messages: matched as whole phrases
	weights map[string]float64 // token → field weight (the best field it appears in)
	name    string             // what fuzzy matching and suggestions show: "530 Not logged in"
	prior   float64            // 1, or less for answers few people meet (see nonStandardPrior)
}

type phrase struct {
	words  []string
	weight float64
}

// index is the free-text search index, built once at load.
// posting is one document's weight for a word.
type posting struct {
	doc    int
	weight float64
}

// phraseRef names one phrase of one document.
type phraseRef struct{ doc, phrase int }

type index struct {
	postings map[string][]posting   // word → the documents that hold it, with their weights
	byFirst  map[string][]phraseRef // first word of a phrase → the phrases that start with it
	syn      synonyms
	cjkVocab []string // the base's terms in CJK scripts, matched inside runs of CJK text
	docs     []doc
	df       map[string]int // token → number of docs containing it
	vocab    []string       // every token, for spelling correction
	names    []string       // doc names, for fuzzy matching (same order as docs)
}

// Field weights: what a word is worth depending on where it appears. Titles and aliases are what
// people say; keywords were written to be matched; meanings add recall with less precision.
const (
	wTitle   = 3.0
	wAlias   = 3.0
	wKeyword = 2.0
	wExample = 1.5
	wBody    = 0.5
)

func buildIndex(b *Base) *index {
	ix := &index{df: map[string]int{}, syn: compileSynonyms(b.synonyms)}
	add := func(d doc) {
		for tok := range d.weights {
			ix.df[tok]++
		}
		ix.docs = append(ix.docs, d)
		ix.names = append(ix.names, d.name)
	}
	// client messages point at their code or topic: fold them into that doc's phrases.
	clientPhrases := map[string][]string{}
	for _, c := range b.clients {
		key := c.Topic
		if c.Code != 0 {
			key = c.Code.String()
		}
		clientPhrases[key] = append(clientPhrases[key], c.Match...)
	}
	for _, code := range b.order {
		e := b.codes[code]
		d := newDoc(Match{ID: code.String(), Kind: KindCode, Title: e.Title}, e.Heading())
		if !e.Standard {
			d.prior = nonStandardPrior
		}
		d.addPhrase(e.Title, wTitle)
		for _, k := range e.Keywords {
			d.addPhrase(k, wKeyword)
		}
		for _, s := range e.Servers {
			if _, text, ok := ParseReplyLine(s.Example); ok {
				d.addPhrase(text, wExample)
			}
		}
		for _, m := range clientPhrases[code.String()] {
			d.addPhrase(m, wExample)
		}
		d.addWords(e.Meaning, wBody)
		add(d)
	}
	// Classes are found by their name ("winsock", "Windows socket error"), not by their long
	// meanings, which repeat what their codes say.
	for _, id := range sortedKeys(b.classes) {
		cl := b.classes[id]
		d := newDoc(Match{ID: cl.ID, Kind: KindClass, Title: cl.Title}, cl.ID+" "+cl.Title)
		d.addPhrase(cl.ID, wTitle)
		d.addPhrase(cl.Title, wTitle)
		add(d)
	}
	for _, t := range b.tlist {
		d := newDoc(Match{ID: t.Slug, Kind: KindTopic, Title: t.Title}, t.Title)
		d.addPhrase(t.Title, wTitle)
		for _, a := range t.Aliases {
			d.addPhrase(a, wAlias)
		}
		for _, k := range t.Keywords {
			d.addPhrase(k, wKeyword)
		}
		for _, m := range clientPhrases[t.Slug] {
			d.addPhrase(m, wExample)
		}
		d.addWords(t.Summary, wBody)
		add(d)
	}
	ix.postings = map[string][]posting{}
	ix.byFirst = map[string][]phraseRef{}
	for i, d := range ix.docs {
		for _, tok := range sortedKeys(d.weights) {
			ix.postings[tok] = append(ix.postings[tok], posting{i, d.weights[tok]})
		}
		for j, p := range d.phrases {
			if len(p.words) > 0 {
				ix.byFirst[p.words[0]] = append(ix.byFirst[p.words[0]], phraseRef{i, j})
			}
		}
	}
	for tok := range ix.df {
		ix.vocab = append(ix.vocab, tok)
		if hasCJK(tok) {
			ix.cjkVocab = append(ix.cjkVocab, tok)
		}
	}
	sort.Strings(ix.cjkVocab)
	sort.Strings(ix.vocab)
	return ix
}

func newDoc(m Match, name string) doc {
	return doc{match: m, weights: map[string]float64{}, name: name, prior: 1}
}

// nonStandardPrior scales the score of codes no RFC defines (430, IIS's Windows socket errors).
// Their keywords overlap the standard codes' ("too many users" is both 421 and 10068), and a person
// typing words is far more likely to be looking at a standard reply, so on a near tie the standard
// code comes first; a clear winner still wins.
const nonStandardPrior = 0.7

func (d *doc) addPhrase(s string, w float64) {
	words := stems(s)
	if len(words) == 0 {
		return
	}
	// Word forms fold together ("timed out", "times out" and "time-out" are all "time out"):
	// a phrase counts once, at its best weight.
	for i, p := range d.phrases {
		if slices.Equal(p.words, words) {
			d.phrases[i].weight = max(p.weight, w)
			d.addWords(s, w)
			return
		}
	}
	d.phrases = append(d.phrases, phrase{words: words, weight: w})
	d.addWords(s, w)
}

func (d *doc) addWords(s string, w float64) {
	for _, tok := range tokens(s) {
		if stopwords[tok] {
			continue
		}
		tok = stem(tok)
		if w > d.weights[tok] {
			d.weights[tok] = w
		}
	}
}

// tokens splits text into lower-case words of letters and digits.
func tokens(s string) []string {
	// "can't" and "cant" are the same word to someone typing fast: apostrophes go before the
	// split, so neither a phrase nor a question breaks it into "can" and "t".
	s = apostrophes.Replace(strings.ToLower(s))
	ts := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	// "isn't implemented" is "not implemented": a negation keeps only its "not", so the phrase in
	// a code's title matches. ("can't" stays "cant": the data's phrases say "can't open".)
	for i, t := range ts {
		if negations[t] {
			ts[i] = "not"
		}
	}
	return ts
}

var negations = map[string]bool{"isnt": true, "arent": true, "wasnt": true, "werent": true,
	"doesnt": true, "dont": true, "didnt": true, "wont": true, "hasnt": true, "havent": true}

var apostrophes = strings.NewReplacer("'", "", "’", "")

// normalize folds a query or phrase for comparison: lower case, single spaces.
func normalize(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the is are was were be been am i im i'm my me we our you your it its
		this that these those of to in on at for from by with and or but not no do does did doing
		what whats how why when where which who can cant could should would will get getting got
		has have had having says said say mean means meaning error ftp help please hi hey there
		any some just so if then than also about into out up as all one keep keeps still
		tell tells telling told`) {
		stopwords[w] = true
		stopwords[stem(w)] = true // questions are compared by stems
	}
}

// Search ranks codes and topics for free text: phrases first, then weighted words (with spelling
// correction for words it does not know), then fuzzy name matching for what is left. It returns
// at most limit matches, best first. It reads at most MaxSearchBytes of the text.
func (b *Base) Search(query string, limit int) []Match {
	ix := b.index
	query = Bounded(query, MaxSearchBytes)
	if p, other := b.Elsewhere(query); other && p.Topic == "" {
		// Mail, the web, Windows shares, git over SSH and TFTP answer with numbers and words that
		// match FTP codes meaning something else: none of them is an FTP question.
		return nil
	}
	qt, nbase := ix.analyze(query)
	named := map[string]bool{}
	for _, m := range CodesIn(query) {
		named[m.Code.String()] = true
	}
	content := 0
	for _, t := range qt[:nbase] {
		if !isStop(t) && (!isNumber(t) || named[t]) {
			content++
		}
	}
	corrected := make([]string, 0, len(qt))
	for i, t := range qt {
		// Spelling correction is for short questions ("pasive mode", "login incorect"): in a
		// long sentence the other words carry the meaning, and correcting everyday words there
		// ("bread" → "read") turns questions about anything into FTP answers.
		if _, known := ix.df[t]; i < nbase && !known && !isStop(t) && content <= maxCorrectedWords {
			if c, ok := ix.correct(t); ok {
				t = c
			}
		}
		corrected = append(corrected, t)
	}
	// What every document is scored against, worked out once: the distinct words that count
	// (with their idf) and the lengths a phrase must have to be the whole question.
	type word struct {
		t   string
		idf float64 // times expandedShare for a word only a synonym added
	}
	n := float64(len(ix.docs))
	var words []word
	inQuery := map[string]bool{}
	known := 0 // the question's own words that the base knows: what a match must account for
	for i, t := range corrected {
		// A number counts as a word only where it stands as a code ("0%", "10 minutes" and the
		// octets of an address say nothing); phrases ("port 21") still match it.
		if t != "" && !isStop(t) && !inQuery[t] && (!isNumber(t) || named[t]) {
			inQuery[t] = true
			if df, ok := ix.df[t]; ok {
				idf := math.Log(1 + n/float64(df))
				if i >= nbase {
					idf *= expandedShare
				}
				words = append(words, word{t, idf})
				if i < nbase && !isNumber(t) {
					known++
				}
			}
		}
	}
	share := content
	if content > maxShareWords {
		share = max(known, maxShareWords)
	}
	whole1, whole2 := len(nonStop(corrected[:nbase])), nbase
	// Each document's evidence, gathered from the postings of the question's words and the
	// phrases that start with one of them, so a question costs what its words touch rather
	// than every phrase of every document.
	scores := make([]float64, len(ix.docs))
	hits := make([]int, len(ix.docs))
	phraseHit := make([]bool, len(ix.docs))
	for _, w := range words {
		for _, p := range ix.postings[w.t] {
			scores[p.doc] += p.weight * w.idf
			hits[p.doc]++
		}
	}
	tried := map[string]bool{}
	for _, t := range corrected {
		if t == "" || tried[t] {
			continue
		}
		tried[t] = true
		for _, ref := range ix.byFirst[t] {
			p := &ix.docs[ref.doc].phrases[ref.phrase]
			if !containsRun(corrected, p.words) {
				continue
			}
			// a whole phrase is strong evidence, more so the longer it is; an exact whole-query
			// match (an alias typed alone) is the strongest of all. A title or alias is what
			// people say, whole; a keyword of everyday words ("upload fails") says less than a
			// rare one (see specificity).
			size := float64(len(p.words))
			if p.weight < wAlias {
				size = ix.specificity(p.words)
			}
			bonus := p.weight * 2 * size
			if len(p.words) == whole1 || len(p.words) == whole2 {
				bonus *= 2
			}
			scores[ref.doc] += bonus
			phraseHit[ref.doc] = phraseHit[ref.doc] || len(p.words) > 1
		}
	}
	for i := range ix.docs {
		d := &ix.docs[i]
		// Without a whole phrase, a document must account for a fair share of the question's
		// words: one shared word in a long sentence about something else is not a match. In a
		// short question every word counts ("noise cancelling headphones" is what "passive vs
		// active" is about there); past maxShareWords, words the base does not know at all (names,
		// versions, the story around the problem) stop counting, so a long question does not lose
		// for having them.
		if !phraseHit[i] && share >= 4 && hits[i]*3 < share {
			scores[i] = 0
		}
		// A code's number where it stands as a code ("is 226 good or bad?", "error 530") names
		// it; a quantity ("a 500 MB file"), an address's octet or a port does not (see CodesIn).
		if d.match.Kind == KindCode && named[d.match.ID] {
			scores[i] += codeInText
		}
		scores[i] *= d.prior
	}
	// Fuzzy matching catches partial words ("passiv", "notlogged") that tokens miss. Like
	// spelling correction it is for short questions: in a sentence, the words decide.
	if q := strings.TrimSpace(query); len(q) >= 3 && len(q) <= 64 && content <= maxCorrectedWords {
		for _, fm := range fuzzy.Find(q, ix.names) {
			if fm.Score > 0 {
				scores[fm.Index] += math.Min(float64(fm.Score)/10, 3)
			}
		}
	}
	type ranked struct {
		i int
		s float64
	}
	var rs []ranked
	for i, s := range scores {
		if s >= minScore {
			rs = append(rs, ranked{i, s})
		}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].s > rs[b].s })
	if limit > 0 && len(rs) > limit {
		rs = rs[:limit]
	}
	out := make([]Match, len(rs))
	for k, r := range rs {
		out[k] = ix.docs[r.i].match
		out[k].Score = r.s
	}
	return out
}

// MaxSearchBytes bounds the text a search reads: the words that matter in a pasted line or a
// question come first, and a 512 KB line must not cost a search over all of it.
const MaxSearchBytes = 4 << 10

// Bounded returns at most max bytes of s, cut at a character boundary.
func Bounded(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// specificity is what a phrase's words are worth as evidence: one for each word, less for a word
// that many documents use ("upload fails" says less than "writable root"). Numbers and words
// rarer than commonWord count in full.
func (ix *index) specificity(words []string) float64 {
	n := float64(len(ix.docs))
	var s float64
	for _, w := range words {
		df, ok := ix.df[w]
		if !ok || isNumber(w) {
			s++
			continue
		}
		s += min(1, math.Log(1+n/float64(df))/commonIDF)
	}
	return s
}

// commonIDF is the inverse document frequency under which a word counts less than a whole word
// in a phrase: a word in more than about one document in twelve.
var commonIDF = math.Log(1 + 12.0)

// expandedShare is what a word that only a synonym added is worth, as a share of the same word
// typed: the synonym is a guess at the person's meaning ("timed out" may be a connection's or an
// idle session's), so it helps a document the question's own words also point at.
const expandedShare = 0.5

// maxShareWords is how many of a question's words a match must account for a third of, at
// least: the words the base knows, or all of them in a question this short.
const maxShareWords = 10

// maxCorrectedWords is the longest question (in words that are not stop words) whose unknown
// words are spelling-corrected.
const maxCorrectedWords = 3

// codeInText is what a code's number appearing in free text adds to that code's score: more than
// any few shared words, and with the code's other words about as much as a phrase another code
// lists, since the number is what the server actually sent ("IIS returns 550 ... being used by
// another process" is a 550, though 450 lists the phrase). Quantities ("500 MB") do not count.
const codeInText = 25.0

// minScore is the least a match must score to be shown: about one rare word in a keyword.
const minScore = 2.5

func nonStop(ts []string) []string {
	var out []string
	for _, t := range ts {
		if !isStop(t) {
			out = append(out, t)
		}
	}
	return out
}

func containsRun(hay, needle []string) bool {
	if len(needle) > len(hay) {
		return false
	}
outer:
	for i := 0; i+len(needle) <= len(hay); i++ {
		for j := range needle {
			if hay[i+j] != needle[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// correct returns the known word closest to t, if one is within a small edit distance.
func (ix *index) correct(t string) (string, bool) {
	if len(t) < 4 || isNumber(t) {
		return "", false
	}
	maxDist := 1
	if len(t) >= 7 {
		maxDist = 2
	}
	best, bestDist, bestDF := "", maxDist+1, 0
	for _, v := range ix.vocab {
		// A typo keeps the first letter ("pasive", "conect", "timout"); a word that differs
		// there is another word ("center" is not "enter").
		if abs(len(v)-len(t)) > maxDist || v[0] != t[0] {
			continue
		}
		d := editDistance(t, v, maxDist)
		if d > maxDist {
			continue
		}
		if d < bestDist || (d == bestDist && ix.df[v] > bestDF) {
			best, bestDist, bestDF = v, d, ix.df[v]
		}
	}
	return best, best != ""
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance, giving up early
// once it exceeds max: typos are swaps as often as slips.
func editDistance(a, b string, max int) int {
	if a == b {
		return 0
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Suggest returns names close to s for a "did you mean" line: fuzzy matches over code and topic
// names, then spelling-corrected words.
func (b *Base) Suggest(s string, limit int) []Match {
	var out []Match
	seen := map[string]bool{}
	for _, m := range b.Search(s, limit) {
		seen[m.ID] = true
		out = append(out, m)
	}
	if len(out) < limit {
		for _, fm := range fuzzy.Find(s, b.index.names) {
			m := b.index.docs[fm.Index].match
			if !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m)
			}
			if len(out) >= limit {
				break
			}
		}
	}
	return out
}

// Complete ranks codes and topics for a partial query as the user types it (autocomplete): code
// prefixes first ("53" → 530, 532 …), then the same ranking as Search, then fuzzy name matches.
func (b *Base) Complete(partial string, limit int) []Match {
	p := strings.TrimSpace(partial)
	var out []Match
	seen := map[string]bool{}
	push := func(m Match) {
		if !seen[m.ID] && len(out) < limit {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	if p == "" {
		for _, t := range b.tlist {
			push(Match{ID: t.Slug, Kind: KindTopic, Title: t.Title})
		}
		return out
	}
	if isNumber(p) {
		for _, c := range b.order {
			if strings.HasPrefix(c.String(), p) {
				push(Match{ID: c.String(), Kind: KindCode, Title: b.codes[c].Title})
			}
		}
		return out
	}
	for _, m := range b.Search(p, limit) {
		push(m)
	}
	for _, fm := range fuzzy.Find(p, b.index.names) {
		push(b.index.docs[fm.Index].match)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
