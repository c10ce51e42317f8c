package knowledge

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/russian"
	"github.com/kljensen/snowball/spanish"
)

// People describe one failure in many words: "corrupted", "corruption" and "broken" files; a
// listing that "times out", "hangs" or is "stuck"; "Zeitüberschreitung", "超时". The knowledge
// base says each thing once. The search therefore compares words by their English stem (so word
// forms meet) and adds, for the words and phrases in data/words.toml, the words the base uses
// for the same thing (so synonyms and other languages' key terms meet). Nothing is translated:
// the table lists the terms people in international teams actually type.

// Synonym is one entry of data/words.toml: what people say, and the knowledge base's words for it.
type Synonym struct {
	Means string   `toml:"means"` // the base's words: "timeout"
	Say   []string `toml:"say"`   // "timed out", "zeitüberschreitung*", "超时"; a trailing * matches any ending
}

// synonyms is data/words.toml ready for matching.
type synonyms struct {
	phrases map[string][]synPhrase // first stem of a phrase → the phrases that start with it
	prefix  []synPrefix            // one-word keys with a trailing "*"
	cjk     []synCJK               // keys in scripts written without spaces: matched inside words
}

type synPhrase struct {
	words []string // stems
	means []string // stems
}

type synPrefix struct {
	prefix string
	means  []string
}

type synCJK struct {
	text  string
	means []string
}

func loadSynonyms(fsys fs.FS) ([]Synonym, error) {
	var f struct {
		Word []Synonym `toml:"word"`
	}
	if _, err := fs.Stat(fsys, "data/words.toml"); err != nil {
		return nil, nil // a base without the table (another data directory) still searches
	}
	if err := decodeFile(fsys, "data/words.toml", &f); err != nil {
		return nil, err
	}
	for i, s := range f.Word {
		if strings.TrimSpace(s.Means) == "" || len(s.Say) == 0 {
			return nil, fmt.Errorf("words.toml: entry %d needs both means and say", i+1)
		}
	}
	return f.Word, nil
}

func compileSynonyms(list []Synonym) synonyms {
	s := synonyms{phrases: map[string][]synPhrase{}}
	for _, syn := range list {
		means := stems(syn.Means)
		for _, say := range syn.Say {
			say = strings.ToLower(strings.TrimSpace(say))
			switch {
			case hasCJK(say):
				s.cjk = append(s.cjk, synCJK{text: say, means: means})
			case strings.HasSuffix(say, "*") && !strings.Contains(say, " "):
				s.prefix = append(s.prefix, synPrefix{prefix: strings.TrimSuffix(say, "*"), means: means})
			default:
				ws := stems(say)
				if len(ws) > 0 {
					s.phrases[ws[0]] = append(s.phrases[ws[0]], synPhrase{words: ws, means: means})
				}
			}
		}
	}
	return s
}

// stems returns the stems of s's words.
func stems(s string) []string {
	ts := tokens(s)
	for i, t := range ts {
		ts[i] = stem(t)
	}
	return ts
}

// stem folds an English word to its stem ("corrupted", "corruption" → "corrupt"; "times",
// "timed" → "time"). Numbers, short words and words in other scripts stay as they are: the
// stemmer knows only English, and a wrong fold of a German or Russian word would merge it with
// an unrelated one.
func stem(t string) string {
	if len(t) <= 3 {
		return t
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c < 'a' || c > 'z' {
			return t
		}
	}
	if s, ok := stemCache.Load(t); ok {
		return s.(string)
	}
	s := english.Stem(t, false)
	if stemCacheSize.Add(1) <= maxStemCache {
		stemCache.Store(t, s)
	}
	return s
}

// stemCache remembers the stems of words already seen: questions repeat the same few hundred
// words, and stemming is most of what a search costs. It stops growing at maxStemCache words, so
// a flood of random words cannot grow it without bound.
var (
	stemCache     sync.Map
	stemCacheSize atomic.Int64
)

const maxStemCache = 50000

// hasCJK reports whether s holds Chinese, Japanese or Korean characters, which are written
// without spaces between words.
func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

// analyze turns text into the terms the index compares: the stems of its words, then, after an
// empty separator so no phrase runs across, the base's words for every synonym the text holds and
// every CJK term of the base found inside a run of CJK text. base is the number of terms that
// came from the text itself.
func (ix *index) analyze(s string) (terms []string, base int) {
	raw := tokens(s)
	if hasMojibake(s) {
		// "Ã¤nderungen.txt", "è¿ä¸ª": UTF-8 read as Latin-1 is what people call mojibake, and
		// words.toml says what that means.
		raw = append(raw, "mojibake")
	}
	terms = make([]string, len(raw), len(raw)+8)
	for i, t := range raw {
		terms[i] = stem(t)
	}
	base = len(terms)
	added := map[string]bool{}
	add := func(means []string) {
		key := strings.Join(means, " ")
		if added[key] || len(means) == 1 && slices.Contains(terms[:base], means[0]) {
			return // "timeout" itself needs no second "timeout", nor "timed out" two
		}
		added[key] = true
		terms = append(terms, "")
		terms = append(terms, means...)
	}
	for i := 0; i < base; i++ {
		for _, p := range ix.syn.phrases[terms[i]] {
			if i+len(p.words) <= base && equalRun(terms[i:i+len(p.words)], p.words) {
				add(p.means)
			}
		}
		t := raw[i]
		for _, p := range ix.syn.prefix {
			if strings.HasPrefix(t, p.prefix) {
				add(p.means)
			}
		}
	}
	// Chinese and Japanese have no spaces, and Korean attaches particles to words: their terms
	// are found anywhere in the text, even across the spaces Korean does have ("연결이 거부").
	if hasCJK(s) {
		lower := strings.ToLower(s)
		for _, c := range ix.syn.cjk {
			if strings.Contains(lower, c.text) {
				add(c.means)
			}
		}
		for _, c := range ix.cjkVocab {
			if !slices.Contains(terms[:base], c) && strings.Contains(lower, c) {
				add([]string{c})
			}
		}
	}
	return terms, base
}

func equalRun(a, b []string) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hasMojibake reports whether s holds UTF-8 text decoded as Latin-1 or Windows-1252: a letter
// that starts a two- or three-byte UTF-8 sequence (Â … ï) followed by a character that is a
// continuation byte read as Latin-1 (U+0080 … U+00BF) or as Windows-1252 (€ ‚ „ … ‘ ’ “ ” – — ™ and
// the rest). Real words in Latin scripts almost never have that pair; garbled file names always do.
func hasMojibake(s string) bool {
	prevLead := false
	for _, r := range s {
		if prevLead && (r >= 0x80 && r <= 0xBF || strings.ContainsRune(cp1252High, r)) {
			return true
		}
		prevLead = r >= 0xC2 && r <= 0xEF
	}
	return false
}

// cp1252High are the characters Windows-1252 puts where Latin-1 has control codes 0x80 … 0x9F.
const cp1252High = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"

// isStop reports whether a question's word carries no meaning for the search: an English stop
// word, or one of the function words of the other languages people ask in ("nach", "einigen",
// "para", "que", "которые"). Without them a short question in German or Spanish would count its
// articles and prepositions as words the base does not know, and lose for them.
func isStop(t string) bool {
	return stopwords[t] || otherStopwords[t] || spanish.IsStopWord(t) || french.IsStopWord(t) || russian.IsStopWord(t)
}

// otherStopwords are German, Italian and Portuguese function words (Snowball has no list for
// them in the stemmer package this project uses). Words that are also FTP words ("bin") are left
// out.
var otherStopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`der die das den dem des ein eine einen einem einer eines und oder aber
		ist sind war waren wird werden wurde hat haben hatte ich du er sie es wir ihr mich mir dich dir uns
		euch sich mein meine meinen dein kein keine keinen nicht auch noch nur schon sehr nach bei mit von
		vom zu zum zur auf aus für über unter vor hinter durch gegen ohne um an am im in ins als wie wenn
		dass daß ob weil da dann doch so immer wieder einigen einige einiger alle jetzt hier dort wo was
		wer warum wieso kann können konnte muss müssen soll sollte möchte ab bis seit
		il lo la gli le un uno una di del dello della dei degli delle da dal dalla in nel nella con su sul
		sulla per tra fra e ed o ma se che chi cui non più anche come dove quando perché sono sei è siamo
		ho hai ha abbiamo hanno mi ti ci vi si mio mia questo questa quello quella
		o os as um uma uns umas de do da dos das em no na nos nas por pelo pela com para e ou mas se que
		não nao mais também como onde quando porque eu tu ele ela nós vós eles elas meu minha esse essa
		este esta isso isto é são foi estou está estão tenho tem`) {
		otherStopwords[w] = true
	}
}
