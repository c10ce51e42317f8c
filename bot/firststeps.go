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
	binary      bool   // the log shows TYPE I: the client transfers in binary mode
	// specific is how many of the first candidates are the steps of the exact message the input
	// quoted (a client's or server's message the knowledge lists): the most specific evidence.
	specific int
	// causes says the candidates are a code's fixes, one for each of its many causes (a topic's
	// fix list is about one concern): once the evidence names the cause, the others are left out.
	causes bool
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
		if f.command == "" || f.command == "PRET" {
			f.command = commandBefore(t, t.Index(fail))
		}
	} else if len(t.Entries) == 1 && t.Entries[0].Dir == transcript.Response {
		f.command = strings.ToUpper(t.Entries[0].Command)
		f.said = firstLine(t.Entries[0].Text)
	}
	for i := range t.Entries {
		en := &t.Entries[i]
		if en.Dir == transcript.Response && (en.Code == 227 || en.Code == 229) {
			f.usedPassive = true
		}
		if en.Dir == transcript.Command && strings.EqualFold(strings.Join(strings.Fields(en.Text), " "), "TYPE I") {
			f.binary = true
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
	// The server's message: the failing reply's own words, when the knowledge lists them (vsftpd's
	// "500 OOPS: … writable root inside chroot()", "530 Non-anonymous sessions must use
	// encryption."). They name the failure more exactly than the client's line after them, in a
	// log as in a pasted line.
	var sm *knowledge.ClientError
	if fail := t.Failure(); fail != nil {
		if c, ok := e.clientError(fail.Code.String() + " " + firstLine(fail.Text)); ok && e.serverMessage(c) {
			sm = &c
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
		lowerText := strings.ToLower(text)
		if sm != nil && ce != nil && sm.ID == ce.ID {
			ce = nil // one pasted line: the server's message and the client's are the same entry
		}
		for _, m := range []*knowledge.ClientError{sm, ce} {
			if m != nil && m.Topic == tp.Slug {
				f.candidates = append(f.candidates, m.Fixes...)
				f.specific = len(f.candidates)
			}
		}
		// The topic's numbered steps to try, else its section about fixing ("Fix it on the
		// server"), else another section of things to do ("What to use instead").
		best, bestRank := -1, 0
		for i, s := range tp.Sections {
			rank := 0
			switch h := strings.ToLower(s.Heading); {
			case len(s.Items) == 0 || !actionHeading(h) || !subjectIn(h, lowerText):
			case s.Ordered:
				rank = 3
			case fixWordRE.MatchString(h):
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
		// The server's own words, when the knowledge lists them, name the cause of the code: their
		// steps come first. A client message with no server reply behind it speaks for the
		// client: its own steps come first. With a reply line in the input, the server's words decide.
		switch {
		case sm != nil && (sm.Code == 0 || sm.Code == entry.Code):
			f.candidates = append(f.candidates, sm.Fixes...)
			f.specific = len(sm.Fixes)
		case ce != nil && t.Failure() == nil:
			f.candidates = append(f.candidates, ce.Fixes...)
			f.specific = len(ce.Fixes)
			f.passive = ce.Topic == passiveTopic && ce.AboutSuccess()
		}
		f.causes = true
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

// commandBefore returns the command that the reply at entry i answers: the last command line
// before it. "PRET RETR file" announces a transfer, so its kind of work is RETR's. "" when the
// log shows none.
func commandBefore(t *transcript.Transcript, i int) string {
	for j := i - 1; j >= 0; j-- {
		en := t.Entries[j]
		w := strings.Fields(strings.ToUpper(en.Text))
		switch {
		case len(w) >= 2 && w[0] == "PRET": // a log format may not know PRET as a command
			return w[1]
		case en.Dir == transcript.Response:
			return "" // another reply between them: the command is not in the log
		case en.Dir != transcript.Command:
			continue
		case len(w) >= 1 && len(w[0]) <= 4:
			return w[0]
		}
		return ""
	}
	return ""
}

// serverMessage reports whether a message the knowledge lists is a server's own words (vsftpd's
// OOPS lines, a server's TLS-required refusal) rather than a client's.
func (e *Engine) serverMessage(c knowledge.ClientError) bool {
	if c.Client == "FTP server" {
		return true
	}
	for _, s := range e.KB.Servers() {
		if c.Client == s.Name || c.Client == s.ID {
			return true
		}
	}
	return false
}

// actionHeading reports whether a topic's section is something to do ("Fix it, in order", "How
// to fix it", "Login works, listing fails: what to try, in order", "Set the passive range on the
// server") rather than background ("What the server checks before it writes", "What EPSV fixes,
// and what it does not", "Which check failed"). It reads whole words: an action heading opens
// with a verb that says what to do, or asks "what to …" / "how to …"; a heading that opens with
// what, why, which, when, where or how is an explanation.
func actionHeading(h string) bool {
	h = strings.ToLower(h)
	if strings.Contains(h, "what to ") || strings.Contains(h, "how to ") || strings.HasSuffix(h, " settings") {
		return true
	}
	// "Slow transfers: find where the time goes": the part after a colon can be the action.
	parts := []string{h}
	if _, after, ok := strings.Cut(h, ": "); ok {
		parts = append(parts, after)
	}
	for _, p := range parts {
		words := strings.FieldsFunc(p, func(r rune) bool { return !(r >= 'a' && r <= 'z') })
		if len(words) > 0 && actionVerbs[words[0]] {
			return true
		}
	}
	return false
}

// subjectIn reports whether the input is about a section's subject, when its heading names one
// before a colon ("Certificates: what clients say and how to fix it"): the steps for certificate
// errors are no first step for a log that shows none. A heading without a subject fits any input.
func subjectIn(h, lowerText string) bool {
	subject, _, ok := strings.Cut(h, ": ")
	if !ok || actionHeading(subject) || len(strings.Fields(subject)) > 2 {
		return true // "Fixing the server: …" names an action; "Login works, listing fails: …" a situation
	}
	words := significantWords(subject)
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if strings.Contains(lowerText, w) {
			return true
		}
	}
	return false
}

// actionVerbs open a heading that says what to do.
var actionVerbs = map[string]bool{"fix": true, "fixes": true, "fixing": true, "try": true, "check": true, "test": true,
	"set": true, "trust": true, "find": true, "choose": true, "use": true, "make": true, "open": true, "turn": true,
	"enable": true, "switch": true, "allow": true, "give": true, "read": true, "choosing": true}

// fixWordRE finds "fix" as a word of a heading ("Fix it, in order", "Fixes on the server side").
var fixWordRE = regexp.MustCompile(`\bfix(es|ing)?\b`)

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
//   - a step about the failing command's kind of work (upload, download, login) goes up; a
//     step only for another kind of work ("For an upload…" after a failed RETR) is left out,
//     and one mainly about the opposite kind ("must be able to write" after a failed RETR)
//     never leads;
//   - a step that shares the server's own words ("Permission denied") goes up;
//   - a step for the client that reported it goes up, and the steps of the exact message the
//     input quoted (knowledge lists clients' and servers' messages, the failing reply's words
//     in a log as in a pasted line) go up most;
//   - once the evidence names the cause of a code, steps for the code's other causes go;
//   - a condition the log contradicts ("in ASCII mode" after TYPE I) leaves its step out;
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
		about bool // the step is about the failure the evidence names
		named bool // ... and the evidence names it: the message's own steps, a quoted condition
	}
	fam := familyOf(f.command)
	saidWords := significantWords(f.said)
	serverNames := lowerNames(f.servers)
	var ranked []scored
	for i, c := range f.candidates {
		lc := lower(c)
		s := 0
		named := i < f.specific
		about := named
		names := mentionedServers(lc, serverNames)
		if len(names) > 0 {
			switch {
			case f.server == nil && len(names) == 1:
				s -= 2 // one server's setting, and the server is not known: general steps first
			case f.server == nil:
				// A step that names several servers' settings is general.
			case slices.Contains(names, f.server.ID) && (len(names) == 1 || startsWithServer(lc, *f.server)):
				s += 4
			case slices.Contains(names, f.server.ID) && i >= f.specific:
				// One of several servers' settings. (Among the exact message's own steps, the
				// knowledge's order for them decides.)
				s++
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
			about, named = true, true
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
			// A step about writing that adds "for downloads, …" at its end is still about writing.
			lead := leadingFamily(lc)
			switch {
			case other:
				continue
			case mine && (lead == fam || !opposite(lead, fam)):
				s += 3
			case mine:
				s -= 2 // mainly about the other kind of work, with a word for this one: after the steps that fit
			case opposite(lead, fam) || otherWork(lc, fam):
				// About another kind of work ("must be able to write" after a failed RETR): after
				// every step that fits, whatever else speaks for it (its server's name).
				s -= 20
			}
		}
		if i < f.specific {
			s += 8 // the exact message's own steps outrank a step that only names the server
		}
		// "If SIZE or MDTM fails … in ASCII mode, switch to binary" when the log shows TYPE I.
		if cond && f.binary && strings.Contains(conditionHead(lc), "ascii mode") {
			continue
		}
		shared := 0
		for _, w := range saidWords {
			if strings.Contains(lc, w) {
				shared++
			}
		}
		if shared >= 2 {
			s += 2 // the step echoes the server's wording, not just one common word of it
			about = true
		}
		if f.client != "" && strings.Contains(lc, strings.ToLower(f.client)) {
			s += 2
		}
		if f.evidence && diagnostic(lc) {
			s -= 3
		}
		if len(out) > 0 && (len(names) > 1 && strings.Contains(lc, "passive") || len(names) == 1 && startsWithServer(lc, *f.server)) {
			continue // every server's passive settings, or the recognised server's again: its passive setting is already first
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
		// "Only for real server-to-server transfers: …" is for a narrower case than the steps
		// around it: it does not lead.
		if strings.HasPrefix(lc, "only for ") || strings.HasPrefix(lc, "only if ") {
			s -= 2
		}
		ranked = append(ranked, scored{c, s, i, about, named})
	}
	// A code's fixes cover its many causes. When the evidence names the cause (the server's
	// words are a message the knowledge lists, or a step's condition quotes them), a step about
	// another cause ("check userlist_enable" after "530 Non-anonymous sessions must use
	// encryption.") would send the reader the wrong way: only the steps about this one stay.
	if f.causes && slices.ContainsFunc(ranked, func(r scored) bool { return r.named }) {
		ranked = slices.DeleteFunc(ranked, func(r scored) bool { return !r.about })
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

// otherWork reports whether a step is about the opposite kind of work to family fam's: changing
// files (upload, delete, create, rename) when reading failed (download, listing, changing
// directory), or downloading when a change failed. It reads the words anywhere in the step.
func otherWork(lc string, fam int) bool {
	for j, cf := range commandFamilies {
		if !opposite(j, fam) {
			continue
		}
		for _, w := range cf.words {
			if strings.Contains(lc, w) {
				return true
			}
		}
	}
	return false
}

// leadingFamily is the family whose words come first in a step: what it is mainly about. -1
// when it names no kind of work.
func leadingFamily(lc string) int {
	at, fam := -1, -1
	for j, cf := range commandFamilies {
		for _, w := range cf.words {
			if k := strings.Index(lc, w); k >= 0 && (at < 0 || k < at) {
				at, fam = k, j
			}
		}
	}
	return fam
}

// opposite reports whether two command families are opposite kinds of work on files: one
// changes them (STOR, DELE, MKD, RNFR), the other reads them (RETR, LIST, CWD). A listing step
// ("list the directory to see the names") fits a failed CWD; an upload step does not fit a
// failed RETR.
func opposite(a, b int) bool {
	if a < 0 || b < 0 {
		return false
	}
	kind := func(i int) int {
		switch commandFamilies[i].commands[0] {
		case "STOR", "DELE", "MKD", "RNFR":
			return 1
		case "RETR":
			return 2
		case "LIST", "CWD":
			return 3
		}
		return 0
	}
	ka, kb := kind(a), kind(b)
	return ka != 0 && kb != 0 && (ka == 1) != (kb == 1)
}

// conditionHead is a conditional step's condition: its words up to the first comma or colon.
func conditionHead(lc string) string {
	if i := strings.IndexAny(lc, ",:"); i >= 0 {
		return lc[:i]
	}
	return lc
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
		if _, ok := e.clientError(lines[0]); ok && len(lines[0]) <= maxEvidenceLine && !CarriesCredential(lines[0]) {
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
	if prev := t.LastResponseBefore(i); prev != nil && prev.Line > 0 && prev.Line < at.Line {
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
			// A line with a password is left out rather than masked: evidence is quoted verbatim,
			// and a pasted raw log must not echo a password into a chat.
			if l := strings.TrimRight(lines[n-1], " \t\r"); strings.TrimSpace(l) != "" && len(l) <= maxEvidenceLine && !CarriesCredential(l) {
				out = append(out, l)
			}
		}
	}
	return out
}

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
		if r.Dir != transcript.Response || r.Code != 227 {
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
