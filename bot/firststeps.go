package bot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ftpbot/ftpbot/bot/transcript"
	"github.com/ftpbot/ftpbot/knowledge"
)

// MaxFirstSteps is the most steps a card offers under "What to do first".
const MaxFirstSteps = 3

// stepFacts is what the input says about a failure, for choosing the first steps: who answered
// (the server software), who reported it (the client), which command failed and with what words.
type stepFacts struct {
	candidates  []string          // the steps to choose from, in the knowledge's own order
	server      *knowledge.Server // the server software the input names, if any
	servers     []knowledge.Server
	client      string // the client whose message the input holds ("FileZilla"), if any
	command     string // the failing command, upper case ("STOR"), if known
	said        string // the server's own words after the code, if any
	passive     bool   // the diagnosis is the passive address a server advertises (PASV behind NAT)
	evidence    bool   // the input held evidence (a reply line, a client message, a log)
	usedPassive bool   // the log shows a passive reply (227, 229): the client is in passive mode
	// specific is how many of the first candidates are the steps of the exact message the input
	// quoted (a client's or server's message the knowledge lists): the most specific evidence.
	specific int
}

// firstSteps chooses the steps a card leads with, from the reply and the text it answered.
func (e *Engine) firstSteps(r Reply, text string, t *transcript.Transcript) []string {
	f := stepFacts{servers: e.KB.Servers(), evidence: len(r.Evidence) > 0}
	switch r.Kind {
	case KindCode, KindLog, KindClass, KindTopic:
	default:
		return nil // usage, no-match, suggestions, errors: nothing to do but ask again
	}
	if r.Severity == SeveritySuccess {
		return nil
	}
	if s, ok := e.KB.RecogniseServer(text); ok {
		f.server = &s
	}
	if fail := t.Failure(); fail != nil {
		f.command = strings.ToUpper(fail.Command)
		f.said = firstLine(fail.Text)
		f.evidence = true
	} else if len(t.Entries) == 1 && t.Entries[0].Dir == transcript.Reply {
		f.command = strings.ToUpper(t.Entries[0].Command)
		f.said = firstLine(t.Entries[0].Text)
	}
	for i := range t.Entries {
		if en := &t.Entries[i]; en.Dir == transcript.Reply && (en.Code == 227 || en.Code == 229) {
			f.usedPassive = true
			break
		}
	}
	// "Passive mode always times out": the asker says the client is in passive mode already.
	if lt := strings.ToLower(text); strings.Contains(lt, "passive") && troubleRE.MatchString(lt) {
		f.usedPassive = true
	}
	// The client's message: the log's own client error line, or the one line pasted. (A whole
	// log is not searched again: the transcript found its client error already.)
	var ce *knowledge.ClientError
	probe := ""
	if h := t.ClientError(); h != nil {
		probe = h.Text
	} else if !strings.Contains(strings.TrimSpace(text), "\n") {
		probe = text
	}
	if probe != "" {
		if c, ok := e.clientError(probe); ok {
			ce = &c
			f.client = c.Client
			f.evidence = true
		}
	}

	switch {
	case r.Kind == KindClass:
		if cl, ok := e.KB.Class(r.ID); ok && cl.Retry != "" {
			return []string{cl.Retry}
		}
		return nil
	case r.Kind == KindTopic || (r.Kind == KindLog && !isCodeID(r.ID)):
		tp, ok := e.KB.Topic(r.ID)
		if !ok {
			return nil
		}
		f.passive = tp.Slug == passiveTopic
		if ce != nil && ce.Topic == tp.Slug {
			f.candidates = append(f.candidates, ce.Fixes...)
			f.specific = len(ce.Fixes)
		}
		// The topic's numbered steps to try, else its section about fixing ("Fix it on the
		// server"), else another section of things to do ("What to use instead").
		best, bestRank := -1, 0
		for i, s := range tp.Sections {
			rank := 0
			switch h := strings.ToLower(s.Heading); {
			case len(s.Items) == 0 || !actionHeadingRE(h):
			case s.Ordered:
				rank = 3
			case strings.Contains(h, "fix"):
				rank = 2
			default:
				rank = 1
			}
			if rank > bestRank {
				best, bestRank = i, rank
			}
		}
		if best >= 0 {
			f.candidates = append(f.candidates, tp.Sections[best].Items...)
		}
	default:
		n, err := strconv.Atoi(r.ID)
		if err != nil {
			return nil
		}
		entry, ok := e.KB.Lookup(knowledge.Code(n))
		if !ok {
			return nil
		}
		if f.command == "" && f.server != nil && f.said != "" {
			// The server's own note for the code often names the command that gets this
			// wording ("'Failed to open file.' (RETR of a missing file)").
			if note, ok := entry.ExampleFor(f.server.ID); ok {
				f.command = commandNear(note.Note, f.said, entry.Commands)
			}
		}
		// A client message with no server reply behind it speaks for the client: its own steps
		// come first. With a reply line in the input, the server's words decide.
		if ce != nil && t.Failure() == nil {
			f.candidates = append(f.candidates, ce.Fixes...)
			f.specific = len(ce.Fixes)
			f.passive = ce.Topic == passiveTopic && ce.AboutSuccess()
		}
		// A data connection that failed after a 227 naming a private address is the passive
		// address problem, whatever the client called it.
		if entry.Step == knowledge.StepData || entry.Step == knowledge.StepTransfer {
			f.passive = f.passive || privatePASV(t)
		}
		f.candidates = append(f.candidates, entry.Fixes...)
	}
	return chooseSteps(f)
}

// passiveTopic explains the passive address a server behind NAT must advertise.
const passiveTopic = "pasv-epsv-nat"

func isCodeID(id string) bool { _, err := strconv.Atoi(id); return err == nil }

// actionHeadingRE reports whether a topic's numbered section is something to do ("How to fix
// it", "what to try, in order") rather than a walk through a working session.
func actionHeadingRE(h string) bool {
	h = strings.ToLower(h)
	for _, w := range []string{"fix", "try", "find out", "test", "choose", "what to do", "check", "instead"} {
		if strings.Contains(h, w) {
			return true
		}
	}
	return false
}

// commandNear returns the FTP command named right after said in note, if it is one of commands:
// server notes say which command gets which wording.
func commandNear(note, said string, commands []string) string {
	// The server's words are the reply's first sentence; what follows may be the asker's own.
	key := strings.ToLower(strings.TrimRight(knowledge.FirstSentence(said), "."))
	if len(key) < 6 {
		return ""
	}
	i := strings.Index(strings.ToLower(note), key)
	if i < 0 {
		return ""
	}
	after := note[i+len(key):]
	after = after[:min(len(after), 60)]
	for _, w := range strings.FieldsFunc(after, func(r rune) bool { return !(r >= 'A' && r <= 'Z') }) {
		if slices.Contains(commands, w) {
			return w
		}
	}
	return ""
}

// commandFamilies are the words a step uses for what a command does: a step about uploads does
// not help a failed download.
var commandFamilies = []struct {
	commands []string
	words    []string
}{
	{[]string{"STOR", "APPE", "STOU"}, []string{"upload", "write", "writ", "stor"}},
	{[]string{"DELE", "RMD"}, []string{"delete", "remove", "rmd", "dele "}},
	{[]string{"MKD"}, []string{"create folder", "create director", "mkd", "creat"}},
	{[]string{"RNFR", "RNTO"}, []string{"renam", "rnfr", "rnto"}},
	{[]string{"RETR", "SIZE", "MDTM"}, []string{"download", "retr", "readable"}},
	{[]string{"LIST", "NLST", "MLSD", "MLST"}, []string{"listing", "list ", "mlsd", "directory listing"}},
	{[]string{"CWD", "CDUP"}, []string{"cwd", "change director", "change into"}},
	{[]string{"USER", "PASS", "ACCT"}, []string{"password", "user name", "username", "login", "log in"}},
	{[]string{"AUTH", "PBSZ", "PROT", "CCC"}, []string{"tls", "ssl", "certificate", "ftps"}},
	{[]string{"PASV", "EPSV", "PORT", "EPRT"}, []string{"passive", "active", "port range", "pasv", "firewall"}},
}

// familyOf returns the index of the command's family, or -1.
func familyOf(cmd string) int {
	for i, f := range commandFamilies {
		if slices.Contains(f.commands, cmd) {
			return i
		}
	}
	return -1
}

// chooseSteps ranks the candidate steps by how well they fit the evidence and keeps the best
// (at most MaxFirstSteps), in ranked order. The knowledge lists steps in the order to try them
// when nothing more is known, so that order breaks ties. The rules, each one a thing a person
// reading the log would see:
//   - a passive address problem on a recognised server: that server's passive address setting;
//   - a step for the recognised server comes first; steps for other servers are left out;
//   - a step about the failing command's kind of work (upload, download, login) goes up, and a
//     step about another kind of work ("For an upload…" after a failed RETR) is left out;
//   - a step that shares the server's own words ("Permission denied") goes up;
//   - a step for the client that reported it goes up, and the steps of the exact message the
//     input quoted (knowledge lists clients' and servers' messages) go up most;
//   - with evidence in hand, "turn on the log" and "read the text after the code" go down.
func chooseSteps(f stepFacts) []string {
	var out []string
	if f.passive && f.server != nil && f.server.Passive != "" {
		out = append(out, f.server.Passive)
	}
	type scored struct {
		text  string
		score int
		pos   int
	}
	fam := familyOf(f.command)
	saidWords := significantWords(f.said)
	serverNames := lowerNames(f.servers)
	var ranked []scored
	for i, c := range f.candidates {
		lc := lower(c)
		s := 0
		names := mentionedServers(lc, serverNames)
		if len(names) > 0 {
			switch {
			case f.server == nil && len(names) == 1:
				s -= 2 // one server's setting, and the server is not known: general steps first
			case f.server == nil:
				// A step that names several servers' settings is general.
			case slices.Contains(names, f.server.ID) && (len(names) == 1 || startsWithServer(lc, *f.server)):
				s += 4
			case slices.Contains(names, f.server.ID):
				s++ // one of several servers' settings
			default:
				continue // another server's setting
			}
		}
		// A step for particular wordings ("If the server wants encryption ("must use
		// encryption", …)") fits when the server said one of them, and not otherwise.
		cond := strings.HasPrefix(lc, "if ") || strings.HasPrefix(lc, "for ")
		if conds := quotedCondition(c, cond); len(conds) > 0 && f.said != "" {
			if !anyWording(conds, f.said) {
				continue
			}
			s += 5
		}
		if !cond {
		} else if cmd := conditionCommand(c); cmd != "" && familyOf(cmd) >= 0 && cmd != f.command {
			continue // "If AUTH TLS got the 500, …" when AUTH was not what failed
		}
		if fam >= 0 {
			mine, other := false, false
			for j, cf := range commandFamilies {
				for _, w := range cf.words {
					if strings.Contains(lc, w) {
						if j == fam {
							mine = true
						} else if conditional(lc, w) {
							other = true
						}
					}
				}
			}
			if strings.Contains(c, f.command) {
				mine = true
			}
			switch {
			case mine:
				s += 3
			case other:
				continue
			}
		}
		if i < f.specific {
			s += 5
		}
		shared := 0
		for _, w := range saidWords {
			if strings.Contains(lc, w) {
				shared++
			}
		}
		if shared >= 2 {
			s += 2 // the step echoes the server's wording, not just one common word of it
		}
		if f.client != "" && strings.Contains(lc, strings.ToLower(f.client)) {
			s += 2
		}
		if f.evidence && diagnostic(lc) {
			s -= 3
		}
		if len(out) > 0 && len(names) > 1 && strings.Contains(lc, "passive") {
			continue // every server's passive settings: the recognised server's is already first
		}
		if f.usedPassive && switchToPassiveRE.MatchString(c) {
			continue // the log shows the client in passive mode already
		}
		// "Or, …" is the alternative to the step before it: never ahead of it, and not without it.
		if strings.HasPrefix(lc, "or ") || strings.HasPrefix(lc, "or,") {
			if len(ranked) == 0 || ranked[len(ranked)-1].pos != i-1 {
				continue
			}
			s = min(s, ranked[len(ranked)-1].score)
		}
		ranked = append(ranked, scored{c, s, i})
	}
	slices.SortStableFunc(ranked, func(a, b scored) int { return b.score - a.score })
	for _, r := range ranked {
		if len(out) == MaxFirstSteps {
			break
		}
		if !slices.Contains(out, r.text) {
			out = append(out, r.text)
		}
	}
	return out
}

// conditionCommand returns the FTP command a step's condition names in its first words ("If
// AUTH TLS got the 500", "For RETR: …"), or "".
func conditionCommand(step string) string {
	head := step[:min(len(step), 40)]
	if i := strings.IndexByte(head, ':'); i >= 0 {
		head = head[:i]
	}
	for _, w := range strings.Fields(head)[1:] {
		if len(w) >= 3 && len(w) <= 4 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			return w
		}
	}
	return ""
}

// lowered keeps the lower-case form of the knowledge's steps: they are few and fixed, and
// choosing steps compares every one of them on every question.
var lowered sync.Map

func lower(s string) string {
	if v, ok := lowered.Load(s); ok {
		return v.(string)
	}
	l := strings.ToLower(s)
	lowered.Store(s, l)
	return l
}

// startsWithServer reports whether a step is about the server: it opens with its name ("vsftpd:
// set …", "For ProFTPD: …", "On IIS: …").
func startsWithServer(lc string, sv knowledge.Server) bool {
	head := lc[:min(len(lc), 40)]
	for _, n := range []string{strings.ToLower(sv.Name), sv.ID} {
		if i := strings.Index(head, n); i >= 0 && i <= len("for an upload refused on ") {
			return true
		}
	}
	return false
}

// quotedCondition returns the wordings quoted in a step's condition: the quotes before the first
// colon of a step that opens with "If" or "For".
func quotedCondition(step string, conditional bool) []string {
	if !conditional {
		return nil
	}
	head := step
	if i := strings.Index(step, "):"); i > 0 {
		head = step[:i]
	} else if i := strings.Index(step, "\": "); i > 0 {
		head = step[:i+1]
	} else {
		return nil
	}
	var out []string
	for _, q := range []string{"\"", "“", "'"} {
		parts := strings.Split(head, q)
		for i := 1; i < len(parts); i += 2 {
			out = append(out, parts[i])
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// anyWording reports whether said carries one of the wordings: every significant word of it.
func anyWording(wordings []string, said string) bool {
	have := significantWords(said)
	for _, w := range wordings {
		need := significantWords(w)
		if len(need) == 0 {
			continue
		}
		all := true
		for _, n := range need {
			if !slices.Contains(have, n) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// conditional reports whether a step is only for one kind of work: it says so at its start
// ("For an upload refused on vsftpd: …", "If uploads fail …").
func conditional(lc, word string) bool {
	i := strings.Index(lc, word)
	if i < 0 || i >= 40 || strings.Contains(lc[:i], ":") {
		return false
	}
	return strings.HasPrefix(lc, "for ") || strings.HasPrefix(lc, "if ") || strings.HasPrefix(lc, "to ")
}

// diagnostic reports whether a step is about finding the evidence, which the card already shows.
func diagnostic(lc string) bool {
	return strings.HasPrefix(lc, "read the text") || strings.HasPrefix(lc, "read the reply") ||
		strings.HasPrefix(lc, "to see the failing command") || strings.HasPrefix(lc, "turn on") ||
		strings.HasPrefix(lc, "look at the lines")
}

// serverName is a server's id with its names in lower case, for matching steps.
type serverName struct {
	id    string
	names []string
}

func lowerNames(servers []knowledge.Server) []serverName {
	out := make([]serverName, len(servers))
	for i, s := range servers {
		out[i] = serverName{s.ID, []string{s.ID, strings.ToLower(s.Name)}}
	}
	return out
}

// mentionedServers returns the ids of the servers a step names ("FileZilla Server" names
// FileZilla Server, not the FileZilla client).
func mentionedServers(lc string, servers []serverName) []string {
	var ids []string
	for _, s := range servers {
		for _, n := range s.names {
			if n != "" && strings.Contains(lc, n) {
				ids = append(ids, s.id)
				break
			}
		}
	}
	return ids
}

// stopWords are words too common in FTP text to tie a step to a reply.
var stopWords = map[string]bool{"file": true, "files": true, "failed": true, "please": true, "with": true, "that": true,
	"this": true, "from": true, "have": true, "your": true, "server": true, "command": true, "the": true, "not": true,
	"operation": true, "data": true, "connection": true, "mode": true, "sorry": true, "cannot": true, "could": true}

// significantWords are the lower-case words of the server's text that could tie it to a step:
// four letters or more, not common FTP words, cut to a stem so that "denied" meets "deny".
func significantWords(said string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(said), func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		if len(w) < 4 || stopWords[w] {
			continue
		}
		if len(w) > 6 {
			w = w[:6]
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// inputEvidence is the decisive part of the input, verbatim, when the answer has none yet: the
// lines around a log's failure, or a single pasted line that is a client's message.
func (e *Engine) inputEvidence(text string, t *transcript.Transcript) []string {
	lines := nonEmptyLines(text)
	switch {
	case len(lines) > 1:
		return logEvidence(text, t)
	case len(lines) == 1:
		if _, ok := e.clientError(lines[0]); ok && len(lines[0]) <= maxEvidenceLine {
			return []string{strings.TrimSpace(lines[0])}
		}
	}
	return nil
}

// logEvidence is the input's own lines around a log's failure, verbatim: the failing line, the
// last reply before it (a 227 with the wrong address is the decisive line of a listing that then
// times out) and the command between them, at most three lines in the input's order. Nil when the
// log has no failure.
func logEvidence(text string, t *transcript.Transcript) []string {
	at := t.Failure()
	if at == nil {
		at = t.ClientError()
	}
	if at == nil || at.Line <= 0 {
		return nil
	}
	lines := strings.Split(text, "\n")
	if at.Line > len(lines) {
		return nil
	}
	want := []int{at.Line}
	i := t.Index(at)
	if prev := t.LastReplyBefore(i); prev != nil && prev.Line > 0 && prev.Line < at.Line {
		want = append(want, prev.Line)
		for j := i - 1; j >= 0 && t.Entries[j].Line > prev.Line; j-- {
			if t.Entries[j].Dir == transcript.Command {
				want = append(want, t.Entries[j].Line)
				break
			}
		}
	} else if at.Command != "" {
		for j := i - 1; j >= 0; j-- {
			if t.Entries[j].Dir == transcript.Command {
				want = append(want, t.Entries[j].Line)
				break
			}
		}
	}
	slices.Sort(want)
	var out []string
	for _, n := range slices.Compact(want) {
		if n >= 1 && n <= len(lines) {
			// A PASS or ACCT line is left out rather than masked: evidence is quoted verbatim, and
			// a pasted raw log must not echo a password into a chat.
			if l := strings.TrimRight(lines[n-1], " \t\r"); strings.TrimSpace(l) != "" && len(l) <= maxEvidenceLine && !passwordRE.MatchString(l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// passwordRE finds a log line that carries a password (the argument of PASS or ACCT).
var passwordRE = regexp.MustCompile(`(?i)\b(?:PASS|ACCT)\s+\S`)

// maxEvidenceLine bounds an evidence line. Evidence is quoted verbatim, so a longer line (a
// multi-line reply that a client printed as one) is left out rather than cut.
const maxEvidenceLine = 300

// switchToPassiveRE is a step that puts the client in passive mode.
var switchToPassiveRE = regexp.MustCompile(`^(?i:try|switch|use|set|make sure|toggle|turn on|enable)\b[^.:]{0,30}\bpassive`)

// troubleRE finds words that say something goes wrong.
var troubleRE = regexp.MustCompile(`\b(time[sd]? ?out|timing out|fail|hang|hangs|stuck|error|cannot|can't|not work|doesn't work|refused)`)

// pasvRE finds the address in a 227 reply: (h1,h2,h3,h4,p1,p2).
var pasvRE = regexp.MustCompile(`(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),\d{1,3},\d{1,3}`)

// privatePASV reports whether a log holds a 227 reply naming a private (RFC 1918) address: a
// server behind NAT that does not know its public address.
func privatePASV(t *transcript.Transcript) bool {
	for i := range t.Entries {
		r := &t.Entries[i]
		if r.Dir != transcript.Reply || r.Code != 227 {
			continue
		}
		m := pasvRE.FindStringSubmatch(r.Text)
		if m == nil {
			continue
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		if a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) {
			return true
		}
	}
	return false
}
