package bot

import (
	"fmt"
	"regexp"
	"slices"
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
	if ce, found := e.clientError(line); found && serverSide(ce) {
		// A server message the knowledge base knows word for word ("500 OOPS: priv_sock_get_cmd",
		// "500 OOPS: could not bind listening IPv4 socket") names its failure more precisely than
		// the code, and than a lead's generic signal ("500 oops"): when it is filed under the code
		// itself, the code's answer opens with the message's explanation; when it has a topic of
		// its own, that topic leads.
		t, hasTopic := e.KB.Topic(ce.Topic)
		switch {
		case !hasTopic && ce.Code == code:
			r.Summary = "Your server's words name the failure: " + knowledge.FirstSentence(ce.Meaning) + " (The code " + code.String() + " is only how the server classed it.)"
			r.Sections = append([]Section{e.clientSectionFor(ce, line)}, r.Sections...)
			return r
		case hasTopic && ok && lm.Signal != "" && t != lm.Topic && moreSpecific(ce, lm.Signal, line):
			lm = knowledge.LeadMatch{Topic: t, Signal: strings.ToLower(matchedMessage(ce, line))}
		}
	}
	if !ok {
		// "229 Entering Extended Passive Mode (|||21005|) then i/o timeout": a reply that opened
		// the data connection (1xx, 227-229) quoted with a failure is what the client saw last
		// before the data connection failed; that failure's topic leads.
		t, ok := e.dataFailureTopic(r, line, code)
		if ok {
			lm = knowledge.LeadMatch{Topic: t}
		} else {
			// A symptom the line describes around its code ("550 Permission denied for the EPSV
			// command", "uploads fail above 100 MB with 550") names the failure (see symptomTopic).
			en, _ := e.KB.Lookup(code)
			slug, said, found := e.symptomTopic(line, knowledge.Match{ID: code.String(), Kind: knowledge.KindCode, Title: titleOf(en)})
			if t, ok = e.KB.Topic(slug); !found || !ok || said == "" {
				return r
			}
			lm = knowledge.LeadMatch{Topic: t, Signal: said}
		}
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
	if len(ms) == 0 {
		return ms
	}
	if slug, _, ok := e.symptomTopic(line, ms[0]); ok {
		return e.front(ms, slug)
	}
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
var otherClientRE = regexp.MustCompile(`(?i)\b(but|while|whereas|though|however)\b[^.?!]{0,60}\b(works?|working|worked|can|could|fine|ok|succeeds?|no problem)\b[^.?!]{0,40}\b(filezilla|winscp|cyberduck|total commander|other (ftp )?clients?|another (ftp )?client|command[- ]line ftp)\b|\b(filezilla|winscp|cyberduck|other (ftp )?clients?|another (ftp )?client)\b[^.?!]{0,40}\b(works?|worked|working|has no problem|is fine|connects fine)\b|\b(works?|worked|working|fine|ok)\b[^.?!]{0,25}\b(in|with|from|using|via|through|by)\s+(filezilla|winscp|cyberduck|total commander|other (ftp )?clients?|another (ftp )?client)\b`)

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

// serverSide reports whether a message entry is a server's own words (vsftpd's "FAIL LOGIN" and
// "OOPS: child died", Pure-FTPd's "Authentication failed for user", ProFTPD's "no such user
// found") rather than what a client prints: its client is an FTP server, or a server's log.
func serverSide(c knowledge.ClientError) bool {
	name := strings.ToLower(c.Client)
	for _, s := range []string{"vsftpd", "proftpd", "pure-ftpd", "filezilla server", "iis", "ftp server"} {
		if strings.HasPrefix(name, s) {
			return true
		}
	}
	return false
}

// mentionsCode reports whether text names code where a code stands (see knowledge.CodesIn).
func mentionsCode(text string, code knowledge.Code) bool {
	for _, m := range knowledge.CodesIn(text) {
		if m.Code == code {
			return true
		}
	}
	return false
}

// moreSpecific reports whether message entry c, found in line, names the failure more precisely
// than a lead's signal: its matched wording is longer and overlaps the signal in the line ("OOPS:
// child died" and "500 OOPS"), or is long enough to be one program's own words.
func moreSpecific(c knowledge.ClientError, signal, line string) bool {
	lower := strings.ToLower(line)
	m := strings.ToLower(matchedMessage(c, line))
	if m == "" || len(m) <= len(signal) {
		return false
	}
	if len(m) >= distinctiveMessage {
		return true
	}
	i, j := strings.Index(lower, m), strings.Index(lower, signal)
	return i >= 0 && j >= 0 && i < j+len(signal) && j < i+len(m)
}

// matchedMessage returns the longest of c's messages that line holds, as c lists it.
func matchedMessage(c knowledge.ClientError, line string) string {
	lower := strings.ToLower(line)
	best := ""
	for _, m := range c.Match {
		if len(m) > len(best) && strings.Contains(lower, strings.ToLower(m)) {
			best = m
		}
	}
	return best
}

// front returns ms with the topic slug first (added when the search did not rank it).
func (e *Engine) front(ms []knowledge.Match, slug string) []knowledge.Match {
	t, ok := e.KB.Topic(slug)
	if !ok {
		return ms
	}
	// It takes the best score: it is the answer now.
	lead := knowledge.Match{ID: t.Slug, Kind: knowledge.KindTopic, Title: t.Title}
	for _, m := range ms {
		lead.Score = max(lead.Score, m.Score)
	}
	out := []knowledge.Match{lead}
	for _, m := range ms {
		if m.ID != slug {
			out = append(out, m)
		}
	}
	return out
}

// symptomTopic returns the topic that explains a symptom a question describes in words, when the
// symptom says more than the words the search matched (first is the search's best match):
//   - transfers that fail past a size or a time ("large files fail", "fails above 100 MB",
//     "stops after 15 minutes") are time-outs of the idle control connection or the data
//     connection, not the code a server happened to send;
//   - EPSV or EPRT that fails, while the question says nothing of a login failing, is the extended
//     passive or IPv6 data connection ("EPSV returns 550", "PASV works but EPSV fails");
//   - passive mode that times out is the address and ports the server advertises, not the choice
//     of mode;
//   - a login, a listing or a new folder that works while uploads or downloads fail is the data
//     connection;
//   - "localhost" that fails where 127.0.0.1 works is IPv6's ::1;
//   - another client that works where the asker's program fails is first of all the data
//     connection's mode.
func (e *Engine) symptomTopic(line string, first knowledge.Match) (slug, said string, ok bool) {
	if e.keepsLead(first) {
		return "", "", false
	}
	lower := strings.ToLower(line)
	// Cheap tests first: the expressions below cost more than the search itself, and most
	// questions name none of these things.
	switch {
	case mentionsAny(lower, sizeWords) && bigTransferRE.MatchString(lower) && (failureWords.MatchString(lower) || cutShortRE.MatchString(lower)) && !corruptRE.MatchString(lower) && !e.transferCode(first):
		// (a file that arrives changed is the transfer type's doing, not a time-out's; a code
		// that says how the transfer was cut, 426 or 421, keeps its own answer)
		return "timeouts-keepalive", bigTransferRE.FindString(lower), true
	case (strings.Contains(lower, "epsv") || strings.Contains(lower, "eprt")) && extendedRE.MatchString(lower) && (failureWords.MatchString(lower) || extendedCodeRE.MatchString(lower)):
		return e.bestOf(line, "pasv-epsv-nat", "ipv6-epsv-eprt"), extendedRE.FindString(lower), true
	case first.ID == "active-vs-passive" && e.passiveTimesOut(lower, line):
		return e.bestOf(line, "pasv-epsv-nat", "firewall-ports"), "passive", true
	case mentionsAny(lower, loginNames) && loginWorked.MatchString(lower) && setupWorks.MatchString(lower) && transferFails.MatchString(lower):
		return "active-vs-passive", transferFails.FindString(lower), true
	case strings.Contains(lower, "localhost") && loopbackV4RE.MatchString(lower) && failureWords.MatchString(lower):
		// "localhost" fails where 127.0.0.1 works: the name resolves to ::1 first, where the
		// server does not listen
		return e.bestOf(line, "ipv6-epsv-eprt"), "localhost", true
	case mentionsAny(lower, otherClientNames) && otherClientRE.MatchString(line):
		return "active-vs-passive", otherClientRE.FindString(line), true
	}
	return "", "", false
}

// keepsLead reports whether a match names a failure no symptom in words overrides: a refused
// login, TLS, a full disk or quota.
func (e *Engine) keepsLead(m knowledge.Match) bool {
	if m.Kind == knowledge.KindTopic {
		return m.ID == "login-failures" || strings.HasPrefix(m.ID, "tls-") || m.ID == "explicit-implicit-ftps" || m.ID == "ftp-ftps-sftp"
	}
	var code int
	fmt.Sscan(m.ID, &code)
	en, ok := e.KB.Lookup(knowledge.Code(code))
	return ok && (en.Step == "login" || en.Step == "tls" || code == 452 || code == 552 || code == 532)
}

// passiveTimesOut reports whether a question says passive mode times out or hangs: in English,
// the two close together ("passive mode always times out"; in a long story the words may be about
// different things); in the other languages the words table knows, anywhere in the question
// ("Verzeichnisliste hängt im passiven Modus", "被动模式下目录列表超时").
func (e *Engine) passiveTimesOut(lower, line string) bool {
	if (strings.Contains(lower, "passive") || strings.Contains(lower, "pasv")) && passiveWordRE.MatchString(lower) {
		return passiveTimeoutRE.MatchString(lower)
	}
	return e.KB.Says(line, "passive") && e.KB.Says(line, "timeout", "hang")
}

// transferCode reports whether m is a code of the data connection, the transfer or the session's
// end: such a code already says how a long transfer failed.
func (e *Engine) transferCode(m knowledge.Match) bool {
	if m.Kind != knowledge.KindCode {
		return false
	}
	var code int
	fmt.Sscan(m.ID, &code)
	en, ok := e.KB.Lookup(knowledge.Code(code))
	return ok && (en.Step == knowledge.StepTransfer || en.Step == knowledge.StepData || en.Step == knowledge.StepClose)
}

// bestOf returns whichever of the topics the search ranks higher for line, else the first.
func (e *Engine) bestOf(line string, slugs ...string) string {
	for _, m := range e.KB.Search(line, 10) {
		if slices.Contains(slugs, m.ID) {
			return m.ID
		}
	}
	return slugs[0]
}

// sizeWords are in every question bigTransferRE matches.
var sizeWords = []string{"large", "big", "huge", "above", "over", "more than", "exceed", "beyond", "after", "too ", "大", "große", "grand", "gros"}

var (
	bigTransferRE    = regexp.MustCompile(`\b(large|big|huge|larger|bigger)\s+(files?|uploads?|downloads?|transfers?|isos?|archives?|backups?|videos?)\b|\b(above|over|larger than|bigger than|more than|exceeds?|exceeding|beyond)\s+(~|about\s+|around\s+)?\d+([.,]\d+)?\s*(k|m|g|t)i?b?\b|\bafter\s+(about\s+|around\s+|roughly\s+|exactly\s+)?(\d+|a few|several|some|a couple of)\s+(minutes?|mins?|hours?)\b|\b(over|above) a certain size\b|\bfile size (is )?too (big|large)\b|\bfiles? (is |are )?too (big|large)\b|大文件|大きなファイル|große dateien|archivos grandes|file grandi|gros fichiers|arquivos grandes`)
	cutShortRE       = regexp.MustCompile(`\b(stops?|stopped|partial|partially|incomplete|truncated|cut off|aborted|aborts|dies|died|drops?|dropped|disconnects?)\b`)
	corruptRE        = regexp.MustCompile(`\b(corrupt\w*|damaged|broken|different size|size mismatch)\b`)
	extendedRE       = regexp.MustCompile(`\b(epsv|eprt)\b`)
	extendedCodeRE   = regexp.MustCompile(`\b(epsv|eprt)\b[^.?!]{0,40}\b[45]\d\d\b`)
	loopbackV4RE     = regexp.MustCompile(`\b127\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	passiveWordRE    = regexp.MustCompile(`\b(passive|pasv)\b`)
	passiveTimeoutRE = regexp.MustCompile(`\b(passive|pasv)\b[^.?!]{0,40}\b(time[sd]?[ -]?out|timing out|timeouts?|hangs?|hanging|stuck)\b`)
	setupWorks       = regexp.MustCompile(`\b(list|listing|ls|dir|browse|see (the )?(files|folders)|create|make|mkdir|delete|rename)\b`)
	transferFails    = regexp.MustCompile(`\b(uploads?|uploading|downloads?|downloading|transfers?|put|get|stor|retr)\b[^.?!]{0,30}\b(fail|fails|failed|failing|don't work|doesn't work|do not work|does not work|not working|hang|hangs|time out|times out|timed out|error)\b|\b(can't|cannot|can not|unable to|not able to)\s+(upload|download|transfer|put|get)\b`)
)

func titleOf(en *knowledge.Entry) string {
	if en == nil {
		return ""
	}
	return en.Title
}

// refusedControlPort lets the firewall topic lead an answer about a refused connection to the
// control port ("connect ECONNREFUSED 203.0.113.7:21", "Failed to connect to host port 21:
// Verbindungsaufbau abgelehnt"): the client reached the machine and was turned away at port 21,
// which a firewall rule or a server that is not listening there does; the topic says which ports
// FTP needs and how to test them. A Windows socket number the text quotes (10061) keeps its own
// answer first.
func (e *Engine) refusedControlPort(r Reply, text string) Reply {
	if len(r.Matches) == 0 || r.Kind != KindCode && r.Kind != KindTopic {
		return r
	}
	if first := r.Matches[0].ID; first != "10061" && first != "connection-failures" {
		return r
	}
	lower := strings.ToLower(knowledge.Bounded(text, maxLineBytes))
	if strings.Contains(lower, "10061") || !controlPortRE.MatchString(lower) || !refusalRE.MatchString(lower) || loopbackRE.MatchString(lower) {
		// (a refusal from the machine itself is a server that is not running, not a firewall)
		return r
	}
	t, ok := e.KB.Topic("firewall-ports")
	if !ok {
		return r
	}
	tr := e.topicReply(t)
	tr.Summary = "The connection to port 21 was refused: " + t.Title + ". " + t.Summary
	for _, s := range r.Sections {
		if strings.HasPrefix(s.Heading, "Your client") {
			tr.Sections = append([]Section{s}, tr.Sections...)
		}
	}
	for _, m := range r.Matches {
		if m.ID != t.Slug {
			tr.Matches = append(tr.Matches, m)
		}
	}
	tr.Evidence = r.Evidence
	return tr
}

var (
	loopbackRE    = regexp.MustCompile(`\b(127\.\d+\.\d+\.\d+|localhost)\b|\[?::1\]?:21\b`)
	controlPortRE = regexp.MustCompile(`(?:[\w\].]:|\bport\s+)21\b`)
	refusalRE     = regexp.MustCompile(`econnrefused|connection refused|refused it|abgelehnt|verweigert|refusée|rechazada|rehusada|rifiutata|recusada|отказано|拒绝|拒否|거부`)
)
