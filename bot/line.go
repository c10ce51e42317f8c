package bot

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// lead lets the failure a pasted line names lead its code's answer. r answers line by its code;
// when the line also carries a stronger signal of a specific failure (a TLS error quoted with
// 425, vsftpd's "500 OOPS: … chroot()", a 227 reply naming a private address; see
// knowledge.LeadTopic), the answer becomes that failure's topic, headed by the server's words,
// and the code follows it in Matches. Either way the line is the answer's evidence. text is the
// whole input, for quoting the evidence verbatim.
func (e *Engine) lead(r Reply, line string, code knowledge.Code, text string) Reply {
	r.Evidence = evidenceFor(text, line)
	lm, ok := e.KB.LeadTopic(line, code)
	if !ok {
		// "229 Entering Extended Passive Mode (|||21005|) then i/o timeout": a reply that opened
		// the data connection (1xx, 227-229) quoted with a failure is what the client saw last
		// before the data connection failed; that failure's topic leads.
		t, ok := e.dataFailureTopic(r, line, code)
		if !ok {
			return r
		}
		lm = knowledge.LeadMatch{Topic: t}
	}
	t := lm.Topic
	tr := e.topicReply(t)
	tr.Summary = leadSummary(code, lm, line)
	quoted := "“" + strings.TrimSpace(firstOf(r.Evidence, line)) + "”\n"
	if CarriesCredential(quoted) {
		quoted = "" // the line carries a password: it is not quoted
	}
	said := Section{Heading: "What your server said", Body: quoted + "Its words name the failure; the code " + code.String() + " only says how the server classed the refusal (see the code's own answer in Related)."}
	if lm.Signal == "" && !lm.Address.IsValid() {
		said.Body = quoted + "The server's " + code.String() + " reply itself is fine: it is what came before the data connection failed, which the topic explains."
	}
	var client []Section
	for _, s := range r.Sections {
		if strings.HasPrefix(s.Heading, "Your client") {
			client = append(client, s)
		}
	}
	tr.Sections = append(append([]Section{said}, client...), tr.Sections...)
	// The topic leads; the code and the other candidates follow.
	seen := map[string]bool{t.Slug: true}
	for _, m := range r.Matches {
		if !seen[m.ID] {
			seen[m.ID] = true
			tr.Matches = append(tr.Matches, m)
		}
	}
	if en, ok := e.KB.Lookup(code); ok {
		tr.Related = append([]Ref{{ID: code.String(), Kind: knowledge.KindCode, Label: en.Heading()}}, tr.Related...)
	}
	tr.Evidence = r.Evidence
	return tr
}

// leadSummary is the first line of an answer led by a specific failure: what the line says,
// then the topic's own summary (which carries the fix).
func leadSummary(code knowledge.Code, lm knowledge.LeadMatch, line string) string {
	if lm.Signal == "" && !lm.Address.IsValid() {
		return "The data connection failed after the server's " + code.String() + " reply: " + lm.Topic.Title + ". " + lm.Topic.Summary
	}
	// Quote the signal as the line wrote it ("500 OOPS", not the table's "500 oops").
	sig := lm.Signal
	if i := strings.Index(strings.ToLower(line), sig); i >= 0 && len(strings.ToLower(line)) == len(line) {
		sig = line[i : i+len(sig)]
	}
	what := "“" + sig + "”"
	if lm.Address.IsValid() {
		what = "the " + code.String() + " reply names " + lm.Address.String() + ", an address nobody outside that network can reach"
	}
	t := lm.Topic
	return "Your line names the failure, " + what + ": " + t.Title + ". " + t.Summary
}

func firstOf(ss []string, def string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return def
}

// evidenceFor returns the lines of text that hold line's decisive part, verbatim: line itself
// when the text is that one line, else the input lines it was joined from that share its start.
// At most MaxEvidence lines.
func evidenceFor(text, line string) []string {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); t != "" && strings.Contains(line, t) && !CarriesCredential(t) {
			out = append(out, t)
			if len(out) == MaxEvidence {
				break
			}
		}
	}
	if len(out) == 0 && !CarriesCredential(line) {
		return []string{truncate(line, 300)}
	}
	return out
}

// namesClient reports whether text is the client's own: it names the client, or the message it
// matched is long enough to be that client's wording rather than an operating system's.
func namesClient(c knowledge.ClientError, text string) bool {
	lower := strings.ToLower(text)
	name := strings.ToLower(c.Client)
	if strings.Contains(lower, name) {
		return true
	}
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '/' }) {
		if len(w) >= 4 && strings.Contains(lower, w) {
			return true
		}
	}
	for _, m := range c.Match {
		if len(m) >= distinctiveMessage && strings.Contains(lower, strings.ToLower(m)) {
			return true
		}
	}
	return false
}

// distinctiveMessage is the length from which a client message is that client's own wording:
// "Connection timed out" and "ECONNREFUSED" are every program's, "Failed to retrieve directory
// listing" is FileZilla's.
const distinctiveMessage = 24

// conceptFirst reorders a search's matches for a question in words, where the concept behind a
// symptom is a better first answer than a code guessed from the words:
//   - a failure the question names by a lead signal ("TLS", "chroot()") puts its topic first
//     when the search found it (see knowledge.LeadTopic);
//   - a success or preliminary reply quoted with a failure ("I get a 229 error for passive mode",
//     "150 and then it hangs") is only what the client printed last before the real failure: the
//     topic that explains that failure goes first, the code second.
func (e *Engine) conceptFirst(line string, ms []knowledge.Match) []knowledge.Match {
	ms = e.otherClientWorks(line, ms)
	if len(ms) < 2 {
		return ms
	}
	toFront := func(i int) []knowledge.Match {
		out := append([]knowledge.Match{ms[i]}, ms[:i]...)
		return append(out, ms[i+1:]...)
	}
	if afterLogin(line) && e.aboutConnecting(ms[0]) {
		// "I can log in, but the listing is refused": the control connection works, so what
		// fails is the data connection, whatever words the client used for it.
		for i, m := range ms {
			if dataConnectionTopics[m.ID] {
				return toFront(i)
			}
		}
	}
	if ms[0].Kind == knowledge.KindTopic {
		// A question that names SFTP is about choosing a protocol: "SFTP or FTP with SSL?" is
		// not a TLS failure.
		if lm, ok := e.KB.LeadTopic(line, 0); ok && !sftpRE.MatchString(line) {
			for i, m := range ms[:min(len(ms), 5)] {
				if m.ID == lm.Topic.Slug {
					return toFront(i)
				}
			}
		}
		return ms
	}
	if ms[0].Kind != knowledge.KindCode {
		return ms
	}
	var code int
	fmt.Sscan(ms[0].ID, &code)
	entry, _ := e.KB.Lookup(knowledge.Code(code))
	if entry != nil && entry.Code < 300 && failureWords.MatchString(line) {
		for i, m := range ms {
			if m.Kind == knowledge.KindTopic {
				return toFront(i)
			}
		}
	}
	// "EPSV returns 550", "550 Permission denied. Passive mode refused": a sentence that names the
	// data connection's mode or the firewall and a code of another step is about the mode; the
	// code is how the server happened to refuse it.
	if entry != nil && entry.Step != "data" && entry.Code < 1000 && modeWords.MatchString(line) {
		for i, m := range ms[:min(len(ms), 5)] {
			if dataConnectionTopics[m.ID] || strings.HasPrefix(m.ID, "ipv6-") {
				return toFront(i)
			}
		}
	}
	return ms
}

// modeWords name the data connection's mode, its commands, or what stands in its way.
var modeWords = regexp.MustCompile(`(?i)\b(passive|pasv|epsv|eprt|active mode|port command|firewall|nat|natted|router|port range|passive ports)\b`)

// failureWords are how people say something went wrong.
var failureWords = regexp.MustCompile(`(?i)\b(error|errors|fail|fails|failed|failing|failure|problem|issue|time[sd]? ?out|timeout|hangs?|hanging|stuck|freezes|refused|cannot|can't|cant|doesn't|does not|not work|won't|broken|wrong|corrupt|corrupted)\b|卡住|卡死|失败|错误|超时|拒绝|没有反应|止まる|固まる|失敗|エラー|タイムアウト|できない`)

var sftpRE = regexp.MustCompile(`(?i)\bsftp\b`)

// notFTP answers text about another protocol: no match, and one line saying what it looks like.
func (e *Engine) notFTP(q string, p knowledge.Protocol) Reply {
	return Reply{
		Kind:     KindNoMatch,
		Title:    "Not FTP",
		Severity: SeverityInfo,
		Summary:  "This looks like " + p.Name + ", not FTP.",
		Sections: []Section{
			{Heading: "What it looks like", Body: p.Note},
			{Heading: "You can ask", Items: helpExamples[:6]},
		},
	}
}

// clientSectionFor explains a client's message in a pasted line. It names the client only when
// the text is that client's: the client is named in it, or the message matched is one only that
// client prints (see namesClient); "Connection timed out" is every client's.
func (e *Engine) clientSectionFor(c knowledge.ClientError, text string) Section {
	heading := "Your client says"
	if namesClient(c, text) {
		heading = "Your client (" + c.Client + ") says"
	}
	return Section{Heading: heading, Body: c.Meaning, Items: c.Fixes, Ordered: true}
}

// dataConnectionTopics explain a data connection that fails while the control connection works.
var dataConnectionTopics = map[string]bool{"active-vs-passive": true, "pasv-epsv-nat": true, "firewall-ports": true}

// aboutConnecting reports whether m explains a connection that fails to open: the topic on
// refused, timed-out and reset connections, or a code of the connect step.
func (e *Engine) aboutConnecting(m knowledge.Match) bool {
	if m.Kind == knowledge.KindTopic {
		return m.ID == "connection-failures"
	}
	var code int
	fmt.Sscan(m.ID, &code)
	en, ok := e.KB.Lookup(knowledge.Code(code))
	return ok && en.Step == "connect"
}

// afterLogin reports whether a question says the login worked and a listing or transfer then
// failed: "I can connect and login, but cannot transfer any data", "logs in fine but ls hangs".
func afterLogin(line string) bool {
	return mentionsAny(line, loginNames) && loginWorked.MatchString(line) && dataWork.MatchString(line)
}

// Cheap tests before the regular expressions that need them: most questions name no client and
// no login, and the expressions cost more than the search itself.
var (
	otherClientNames = []string{"filezilla", "winscp", "cyberduck", "commander", "client", "command"}
	loginNames       = []string{"log", "sign in", "230"}
)

// mentionsAny reports whether text holds any of words, ignoring case.
func mentionsAny(text string, words []string) bool {
	lower := strings.ToLower(text)
	for _, w := range words {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

var (
	loginWorked = regexp.MustCompile(`(?i)\b(can|could|am able to|was able to)( \w+)? (log ?in|login|sign in|connect and log ?in)\b|\blog(s|ged)? ?in (fine|ok|okay|successfully|works)|\blogin (works|is ok|is fine|succeeds|successful)|\b230 login successful`)
	dataWork    = regexp.MustCompile(`(?i)\b(list|listing|ls|dir|mlsd|nlst|transfer|transfers|upload|uploads|download|downloads|data)\b`)
)

// otherClientWorks adds the active/passive topic among the first answers when the question says
// another client works against the same server ("but I can download it with FileZilla"): the
// server and the account are then fine, and what differs between clients is first of all the
// data connection's mode (FileZilla and WinSCP default to passive, many libraries and
// command-line clients to active), then TLS and encodings, which the other answers cover.
func (e *Engine) otherClientWorks(line string, ms []knowledge.Match) []knowledge.Match {
	if len(ms) == 0 || !mentionsAny(line, otherClientNames) || !otherClientRE.MatchString(line) {
		return ms
	}
	const slug = "active-vs-passive"
	for _, m := range ms[:min(3, len(ms))] {
		if m.ID == slug {
			return ms
		}
	}
	t, ok := e.KB.Topic(slug)
	if !ok {
		return ms
	}
	out := []knowledge.Match{ms[0], {ID: t.Slug, Kind: knowledge.KindTopic, Title: t.Title}}
	for _, m := range ms[1:] {
		if m.ID != slug {
			out = append(out, m)
		}
	}
	return out
}

// otherClientRE matches "…but it works with FileZilla", "I can download it by FileZilla client",
// "works fine in WinSCP", "other FTP clients work".
var otherClientRE = regexp.MustCompile(`(?i)\b(but|while|whereas|though|however)\b[^.?!]{0,60}\b(works?|working|worked|can|could|fine|ok|succeeds?|no problem)\b[^.?!]{0,40}\b(filezilla|winscp|cyberduck|total commander|other (ftp )?clients?|another (ftp )?client|command[- ]line ftp)\b|\b(filezilla|winscp|cyberduck|other (ftp )?clients?|another (ftp )?client)\b[^.?!]{0,40}\b(works?|worked|working|has no problem|is fine|connects fine)\b`)

// dataFailureTopic returns the data connection's topic for a line that quotes a reply opening the
// data connection (1xx, or 227, 228, 229) together with a failure: the passive-address topic for
// the passive replies, else the best-ranked of the data topics among r's candidates.
func (e *Engine) dataFailureTopic(r Reply, line string, code knowledge.Code) (*knowledge.Topic, bool) {
	if !(code/100 == 1 || code >= 227 && code <= 229) || !failureWords.MatchString(line) {
		return nil, false
	}
	// The passive replies' own topic (PASV, EPSV and the address they name) comes first for them.
	if code >= 227 && code <= 229 {
		if t, ok := e.KB.Topic("pasv-epsv-nat"); ok {
			return t, true
		}
	}
	for _, m := range r.Matches {
		if dataConnectionTopics[m.ID] || strings.HasPrefix(m.ID, "ipv6-") {
			return e.KB.Topic(m.ID)
		}
	}
	return nil, false
}

// ftpClientMessage reports whether text holds a message only an FTP client or an FTP-using tool
// prints (WordPress's "Unable to locate WordPress content directory"): such a text is about FTP
// whatever else it names. Short, generic messages ("Connection refused") do not count.
func (e *Engine) ftpClientMessage(text string) bool {
	lower := strings.ToLower(knowledge.Bounded(text, knowledge.MaxSearchBytes))
	for _, m := range e.tables().clients {
		if !m.number && len(m.lower) >= distinctiveMessage && strings.Contains(lower, m.lower) {
			return true
		}
	}
	return false
}
