package tomlcheck

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// secretKeyRE matches the names of keys whose values are secrets: tokens, signing secrets,
// passwords (and their env names, which do no harm to hide), and URLs, which may carry a user
// and password (state.redis_url = redis://user:password@host).
var secretKeyRE = regexp.MustCompile(`(?i)token|secret|password|url`)

var (
	tableRE = regexp.MustCompile(`^\s*\[+\s*([^\]]+?)\s*\]+`)
	keyRE   = regexp.MustCompile(`^\s*([A-Za-z0-9_.\-"']+)\s*=`)
	// quotedRE is what BurntSushi/toml quotes from the file in its messages: "found "Hunter"
	// instead", "got 'H' instead", "invalid escape in string '\q'".
	quotedRE = regexp.MustCompile(`"[^"]*"|'[^']*'`)
)

// SyntaxProblem describes the error Decode returned for a document that is not TOML at all, as a
// sentence that never quotes a secret. The parser's message quotes the text it found, which may
// be the start of a token or a password typed without quotes: on a line that names a secret key
// (a token, secret, password or URL), the sentence says which key and how to write it; on a line
// with no key of its own (inside a multi-line string) the quoted parts are dropped.
func SyntaxProblem(data string, err error) string {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return "the file is not valid TOML: " + quotedRE.ReplaceAllString(err.Error(), "…")
	}
	return parseErrorText(data, pe)
}

func parseErrorText(data string, pe toml.ParseError) string {
	lines := strings.Split(data, "\n")
	n := pe.Position.Line
	if n < 1 || n > len(lines) {
		return fmt.Sprintf("the file is not valid TOML: %s", quotedRE.ReplaceAllString(pe.Message, "…"))
	}
	line := lines[n-1]
	m := keyRE.FindStringSubmatch(line)
	switch {
	case m != nil && secretKeyRE.MatchString(m[1]):
		key := strings.Trim(m[1], `"'`)
		if table := tableAt(lines, n); table != "" {
			key = table + "." + key
		}
		return fmt.Sprintf("the file is not valid TOML at line %d: the value of %s is not a valid string (it is not shown: it may be a secret). Write it in quotes, like %s = \"…\".", n, key, m[1])
	case m == nil || secretKeyRE.MatchString(line):
		return fmt.Sprintf("the file is not valid TOML at line %d: %s (the text found is not shown: it may be part of a secret).", n, quotedRE.ReplaceAllString(pe.Message, "…"))
	}
	return fmt.Sprintf("the file is not valid TOML at line %d: %s", n, pe.Message)
}

// tableAt is the [table] in force at line n (1-based).
func tableAt(lines []string, n int) string {
	for i := n - 2; i >= 0; i-- {
		if m := tableRE.FindStringSubmatch(lines[i]); m != nil {
			return m[1]
		}
	}
	return ""
}
