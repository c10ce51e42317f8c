package knowledge

import "strings"

// CodeMention is a number in text that stands as a reply code.
type CodeMention struct {
	Code Code
	// Strong says the number stands where only a code stands: at the start of a line, after
	// "error", "code", "reply" or "response", or in a client's message shape ("(Response: 521",
	// "[code=425", "(530)", "Access denied: 530"). A bare number in a sentence ("is 226 good?") is
	// weak: it names a code only when nothing says more.
	Strong bool
	Offset int // byte offset of the number in the text
}

// CodesIn returns the numbers in text that stand as reply codes (three digits, 100 to 699) or
// Windows socket errors (five digits from 10000), in order, each once. A number is not a code
// when it is part of something else: an IP address or a PASV tuple (84.16.79.226,
// 192,168,1,10), a port (host:2121, "port 990"), a version (2.0.226), a traceback's or a log's
// line number ("line 212"), a quantity ("500 MB", "200 files"), a percentage, a path or a word
// ("x509", "/tmp/550").
func CodesIn(text string) []CodeMention {
	var out []CodeMention
	seen := map[Code]bool{}
	for i := 0; i < len(text); {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if m, ok := codeAt(text, i, j); ok && !seen[m.Code] {
			seen[m.Code] = true
			out = append(out, m)
		}
		i = j
	}
	return out
}

// codeAt judges the digits text[i:j].
func codeAt(text string, i, j int) (CodeMention, bool) {
	n := 0
	for _, c := range []byte(text[i:j]) {
		n = n*10 + int(c-'0')
	}
	switch {
	case j-i == 3 && n >= 100 && n < 700, j-i == 5 && n >= 10000 && n < 12000:
	default:
		return CodeMention{}, false
	}
	before, after := byte(' '), byte(' ')
	if i > 0 {
		before = text[i-1]
	}
	if j < len(text) {
		after = text[j]
	}
	// Glued to a word, a path or an identifier: x509, v226, /550/, 530_backup.
	if isWordChar(before) || isWordChar(after) || before == '/' || after == '/' || before == '\\' {
		return CodeMention{}, false
	}
	// Part of a dotted, colon or comma sequence of numbers: an address, a PASV tuple, a version,
	// a time, a port after a host ("84.16.79.226:21", "(192,168,1,10,4,1)", "10:21:33").
	if (before == '.' || before == ',' || before == ':') && i >= 2 && isDigit(text[i-2]) {
		return CodeMention{}, false
	}
	if (after == '.' || after == ',' || after == ':') && j+1 < len(text) && isDigit(text[j+1]) {
		return CodeMention{}, false
	}
	// A port after a host name ("example.com:990") or a percentage.
	if before == ':' && i >= 2 && isWordChar(text[i-2]) || after == '%' {
		return CodeMention{}, false
	}
	prev, next := wordBefore(text, i), wordAfter(text, j)
	if notCodeBefore[prev] || units[next] {
		return CodeMention{}, false
	}
	m := CodeMention{Code: Code(n), Offset: i}
	lineStart := strings.LastIndexByte(text[:i], '\n') + 1
	lead := strings.TrimSpace(text[lineStart:i])
	switch {
	case lead == "" || strings.Trim(lead, "<>-*#|[]: \t") == "":
		// "530 Login incorrect", "< 530", "---> 550", "* 421"
		m.Strong = true
	case codeWords[prev]:
		m.Strong = true
	case before == '(' || before == '[' || before == '=' || before == '"' || before == '\'':
		// "(530) Not logged in", "[421]", "code=425", "'550 …'"
		m.Strong = true
	case before == ' ' && i >= 2 && text[i-2] == ':':
		// "Access denied: 530", "error_perm: 550 …", "Response:<tab>227"
		m.Strong = true
	case before == '\t':
		m.Strong = true
	}
	return m, true
}

// codeWords are the words after which a number is a reply code.
var codeWords = map[string]bool{"error": true, "errors": true, "code": true, "codes": true, "reply": true,
	"replies": true, "response": true, "responses": true, "status": true, "replied": true, "answered": true,
	"returned": true, "returns": true, "return": true, "returning": true, "got": true, "get": true, "getting": true,
	"receive": true, "received": true, "says": true, "said": true, "with": true, "fehler": true, "erreur": true,
	"errore": true, "erro": true, "ошибка": true, "respuesta": true, "réponse": true, "antwort": true}

// notCodeBefore are the words after which a number is something else: a line number, a port, a
// version, a process id, an issue number.
var notCodeBefore = map[string]bool{"line": true, "lines": true, "port": true, "ports": true, "version": true,
	"ver": true, "v": true, "pid": true, "build": true, "issue": true, "page": true, "row": true, "column": true,
	"col": true, "errno": true, "offset": true, "id": true, "uid": true, "gid": true, "chmod": true, "umask": true,
	"timeout": true, "size": true, "length": true, "python": true,
	"php": true, "java": true, "node": true, "zeile": true, "línea": true, "ligne": true, "riga": true, "linha": true}

var units = map[string]bool{"b": true, "kb": true, "mb": true, "gb": true, "tb": true, "kib": true, "mib": true,
	"gib": true, "bytes": true, "byte": true, "files": true, "users": true, "connections": true, "ms": true,
	"seconds": true, "second": true, "sec": true, "secs": true, "s": true, "minutes": true, "mins": true,
	"min": true, "hours": true, "times": true, "mbps": true, "kbps": true, "days": true, "px": true, "dpi": true,
	"kbit": true, "mbit": true, "items": true, "lines": true, "rows": true, "records": true, "entries": true}

// wordBefore returns the lower-case word ending just before offset i (skipping spaces and "#",
// ":", "="), or "".
func wordBefore(text string, i int) string {
	k := i
	for k > 0 && strings.IndexByte(" \t#:=", text[k-1]) >= 0 {
		k--
	}
	e := k
	for k > 0 && (isWordChar(text[k-1]) || text[k-1] >= 0x80) {
		k--
	}
	return strings.ToLower(text[k:e])
}

// wordAfter returns the lower-case word starting just after offset j (skipping spaces), or "".
func wordAfter(text string, j int) string {
	k := j
	for k < len(text) && text[k] == ' ' {
		k++
	}
	e := k
	for e < len(text) && isWordChar(text[e]) {
		e++
	}
	return strings.ToLower(text[k:e])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordChar(c byte) bool {
	return c == '_' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
