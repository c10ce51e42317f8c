package transcript

import (
	"regexp"
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// Format is one kind of log: a name and a whole-document parser. Parse reads every line of a
// document (already cut by Lines) and reports how many lines it recognised by the format's own
// shapes; lines it cannot place the format may still read as a raw transcript would (a bare reply
// pasted into a FileZilla log), but those do not count. Parse picks the format with the highest
// count, so no format needs to know about another, and their order matters only on a tie.
type Format struct {
	Name  string
	Parse func(lines []string) (t *Transcript, recognised int)
	// Score, when set, counts the lines Parse would recognise without building the transcript, so
	// that only the winning format builds one. It must agree with Parse's count.
	Score func(lines []string) int
	// Server marks a server's log: the addresses in it are the clients', not the server's.
	Server bool
}

// Formats is every format Parse tries. Specific formats come before the raw one, which wins only
// when nothing else recognised more lines.
var Formats = []Format{
	{"iis", parseIIS, nil, true},
	{"ftplib", parseFtplib, scoreFtplib, false},
	lineFormat("filezilla", filezillaLine, false),
	serverFormat(lineFormat("filezilla-server", filezillaServerLine, false)),
	lineFormat("winscp", winscpLine, false),
	lineFormat("curl", curlLine, false),
	lineFormat("cyberduck", cyberduckLine, false),
	lineFormat("lftp", lftpLine, false),
	lineFormat("wget", wgetLine, true),
	lineFormat("windows-ftp", windowsFtpLine, true),
	serverFormat(lineFormat("vsftpd", vsftpdLine, false)),
	serverFormat(lineFormat("proftpd", proftpdLine, false)),
	serverFormat(lineFormat("pure-ftpd", pureFtpdLine, false)),
	{"raw", parseRaw, scoreRaw, false},
}

// serverFormat marks f as a server's log.
func serverFormat(f Format) Format {
	f.Server = true
	return f
}

// line is what a format makes of one input line.
type line struct {
	dir     Dir
	payload string
	tag     Tag
	command string // for summaries: the client command named
}

// lineFunc classifies one line (timestamps already removed); ok is false for a line that is not
// in the format's shapes.
type lineFunc func(s string) (l line, ok bool)

// lineFormat makes a whole-document format from a line classifier: every line goes through fn,
// and lines fn does not know are read as shared shapes (tracebacks, banners, summaries) or as a
// raw transcript's. bare says the client prints the server's replies undecorated (wget, the ftp
// command-line clients): then, once one line of the format's own shape is seen, bare replies
// and commands count as the format's too.
func lineFormat(name string, fn lineFunc, bare bool) Format {
	score := func(lines []string) int {
		n := 0
		for _, raw := range lines {
			s := strings.TrimRight(raw, " \t\r")
			if strings.TrimSpace(s) == "" {
				continue
			}
			if _, ok := classifyLine(fn, s); ok {
				n++
			}
		}
		if n == 0 || !bare {
			return n
		}
		// only a log that has the format's own lines counts its bare replies as the format's
		for _, raw := range lines {
			s := strings.TrimRight(raw, " \t\r")
			if _, ok := classifyLine(fn, s); !ok && strings.TrimSpace(s) != "" {
				if _, ok := rawLine(strings.TrimSpace(stripTimestamp(s))); ok {
					n++
				}
			}
		}
		return n
	}
	return Format{Name: name, Score: score, Parse: func(lines []string) (*Transcript, int) {
		b := newBuilder()
		n, rawN := 0, 0
		for i, raw := range lines {
			s := strings.TrimRight(raw, " \t\r")
			if strings.TrimSpace(s) == "" {
				continue
			}
			if l, ok := classifyLine(fn, s); ok {
				n++
				b.add(i+1, s, l, false)
				continue
			}
			if b.fallback(i+1, s) {
				rawN++
			}
		}
		if bare && n > 0 {
			n += rawN
		}
		return b.t, n
	}}
}

// scoreRaw counts the bare replies and commands.
func scoreRaw(lines []string) int {
	n := 0
	for _, raw := range lines {
		if _, ok := rawLine(strings.TrimSpace(stripTimestamp(strings.TrimRight(raw, " \t\r")))); ok {
			n++
		}
	}
	return n
}

// classifyLine gives fn the line without its timestamp, then as pasted: a server log's own
// fields ("[pid 1201]") can look like the tag some clients put after the time.
func classifyLine(fn lineFunc, s string) (line, bool) {
	t := stripTimestamp(s)
	if l, ok := fn(t); ok || t == s {
		return l, ok
	}
	return fn(s)
}

// parseRaw reads a raw control-channel transcript: bare reply lines and commands.
func parseRaw(lines []string) (*Transcript, int) {
	b := newBuilder()
	n := 0
	for i, raw := range lines {
		s := strings.TrimRight(raw, " \t\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		if b.fallback(i+1, s) {
			n++
		}
	}
	return b.t, n
}

// builder assembles entries: multi-line replies, the command each reply answers, tracebacks.
type builder struct {
	t           *Transcript
	open        int // index of a multi-line reply still open (its first line seen, not its last), or -1
	lastCommand string
	traceback   bool // inside a Python traceback: indented lines are frames
}

func newBuilder() *builder {
	return &builder{t: &Transcript{failure: -1, hint: -1}, open: -1}
}

// fallback reads a line no format claimed: the shapes every log shares, then a raw transcript's
// reply or command. It reports whether the line was a raw reply or command.
func (b *builder) fallback(n int, s string) bool {
	trimmed := strings.TrimSpace(stripTimestamp(s))
	if l, ok := b.shared(s, trimmed); ok {
		b.add(n, s, l, false)
		return false
	}
	if l, ok := rawLine(trimmed); ok {
		b.add(n, s, l, true)
		return true
	}
	if b.open >= 0 {
		b.add(n, s, line{dir: -1, payload: trimmed}, true)
		return false
	}
	b.add(n, s, line{dir: Status, payload: trimmed}, true)
	return false
}

// add appends one classified line. fromRaw says the line had no format decoration, so inside a
// multi-line reply it belongs to that reply whatever it looks like (" EPRT" in a FEAT list).
func (b *builder) add(n int, raw string, l line, fromRaw bool) {
	payload := l.payload
	if b.open >= 0 && (l.dir == Response || l.dir == -1 || fromRaw) && l.tag == TagNone {
		open := &b.t.Entries[b.open]
		code, _, isCode := knowledge.ParseReplyLine(payload)
		if isCode && code == open.Code && len(payload) >= 4 && (payload[3] == ' ' || payload[3] == '-') {
			// the last line ("230 OK"), or a middle line that repeats the code ("230- 12 Kbytes used")
			open.Text += "\n" + strings.TrimSpace(payload[4:])
			open.RawLines = append(open.RawLines, raw)
			if payload[3] == ' ' {
				b.open = -1
			}
			return
		}
		if l.dir != Response || !isCode {
			open.Text += "\n" + strings.TrimSpace(payload)
			open.RawLines = append(open.RawLines, raw)
			return
		}
		b.open = -1
	}
	if l.dir == -1 {
		l.dir = Status
	}
	e := Entry{Line: n, Dir: l.dir, Text: payload, Raw: raw, Tag: l.tag, Command: l.command}
	switch l.dir {
	case Response:
		code, rest, ok := knowledge.ParseReplyLine(payload)
		if !ok {
			e.Dir = Status
			if looksForeign(payload) {
				e.Tag = TagBanner
			}
			break
		}
		e.Code, e.Text, e.Command = code, rest, b.lastCommand
		if len(payload) > 3 && payload[3] == '-' {
			b.open = len(b.t.Entries)
			e.RawLines = []string{raw}
		}
		// an intermediate 1xx keeps the command open for its final reply; 331, 332 and 350 ask
		// for the next command, which the following reply answers
		if code/100 != 1 {
			b.lastCommand = ""
		}
	case Command:
		if f := strings.Fields(payload); len(f) > 0 {
			b.lastCommand = strings.ToUpper(f[0])
		}
		e.Text = maskSecret(payload)
		e.Raw = maskSecretIn(raw, payload)
	case Status:
		if e.Tag == TagNone && looksForeign(payload) {
			e.Tag = TagBanner
		}
		if e.Tag == TagNone && looksConnected(payload) {
			e.Tag = TagConnected
		}
	}
	b.t.Entries = append(b.t.Entries, e)
}

// shared reads the shapes any log may hold, whatever client wrote it: a Python traceback and the
// exception ending it, a program's exception line, lftp's summary lines, a server banner that is
// not FTP.
func (b *builder) shared(s, trimmed string) (line, bool) {
	if strings.HasPrefix(trimmed, "Traceback (most recent call last)") {
		b.traceback = true
		return line{dir: Status, payload: trimmed, tag: TagFrame}, true
	}
	if b.traceback && (strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\t") || strings.HasPrefix(trimmed, "During handling") || strings.HasPrefix(trimmed, "The above exception") || strings.HasPrefix(trimmed, "^")) {
		return line{dir: Status, payload: trimmed, tag: TagFrame}, true
	}
	if m := matchException(s, b.traceback); m != nil {
		b.traceback = false
		return b.exception(trimmed, m[1], m[2]), true
	}
	b.traceback = false
	if m := looksSummary(trimmed); m != nil {
		return line{dir: Error, payload: trimmed, tag: TagSummary, command: m[1]}, true
	}
	if looksNetError(trimmed) {
		return line{dir: Error, payload: trimmed}, true
	}
	if looksForeign(trimmed) {
		return line{dir: Status, payload: trimmed, tag: TagBanner}, true
	}
	return line{}, false
}

// exception reads a traceback's last line. One that quotes a server reply (ftplib's
// "error_perm: 530 Login incorrect.") is that reply when the log did not show it already: a
// script run without debug output has nothing else.
func (b *builder) exception(trimmed, name, msg string) line {
	if code, _, ok := knowledge.ParseReplyLine(strings.TrimSpace(msg)); ok && knowledge.Code(code).Class() != "" {
		seen := false
		for i := len(b.t.Entries) - 1; i >= 0; i-- {
			if e := b.t.Entries[i]; e.Dir == Response {
				seen = e.Code == code
				break
			}
		}
		if !seen {
			return line{dir: Response, payload: strings.TrimSpace(msg), tag: TagException}
		}
	}
	return line{dir: Error, payload: trimmed, tag: TagException}
}

var (
	// 2026-11-24 10:00:00, 10:00:00, [10:00:00], Mon Nov 24 10:00:00 2026, 2026-11-24T10:00:00.123Z,
	// FileZilla 3's "2026-11-24 10:00:00 1234 1 " (pid and session number), "17:04:05.123456 " (curl
	// --trace-time), "22/04/2023 15:12:44 [host - 0] " (ForkLift and other clients that tag the
	// session after the time).
	timestampRE = regexp.MustCompile(`^\s*(?:(?:\[?\d{4}[-/.]\d{2}[-/.]\d{2}[ T]\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?Z?\]?|\[?\d{1,2}[-/.]\d{1,2}[-/.]\d{4},? \d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?|\[?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})\s+(?:\d+\s+\d+\s+)?(?:\[[^\]]{1,80}\]\s+)?)`)
	// a program's exception line: "ssl.SSLCertVerificationError: [SSL: …]", "EOFError",
	// "org.apache.commons.net.ftp.FTPConnectionClosedException: Connection closed without indication."
	exceptionRE = regexp.MustCompile(`^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?::\s?(.*))?$`)
	// lftp's summary of a failed command: "ls: Login failed: 530 Login incorrect.",
	// "cd: Access failed: 550 Failed to change directory. (/x)", "mirror: Fatal error: max-retries exceeded",
	// "Fatal error: Certificate verification: Not trusted".
	summaryRE = regexp.MustCompile(`^(?:([a-z][\w-]*): )?(?:Login failed|Access failed|Fatal error|Delete operation failed|Not connected|ERROR)\b:?.*$`)
	// a greeting that is not FTP: an SSH server's banner, an HTTP server's reply
	foreignRE = regexp.MustCompile(`(?:^|\s|'|")(SSH-[12]\.\d+-\S*|HTTP/1\.[01] \d{3}\b.*|<!DOCTYPE html|<html)|(\\x1[56]\\x03\\x0[0-4])`)
)

// looksForeign reports whether s is a greeting from a server that does not speak FTP.
func looksForeign(s string) bool {
	// the cheap test first: this runs on every line of every format
	if !strings.Contains(s, "SSH-") && !strings.Contains(s, "HTTP/1.") && !strings.Contains(s, "<html") && !strings.Contains(s, "<!DOCTYPE") && !strings.Contains(s, `\x1`) {
		return false
	}
	return foreignRE.MatchString(s)
}

// netErrorRE: the socket and TLS errors programs print as they get them (Go's net and crypto/tls,
// libc's strerror): "dial tcp 203.0.113.7:21: connect: connection refused", "read tcp
// 10.0.0.2:5123->203.0.113.7:21: i/o timeout", "tls: failed to verify certificate: x509: …".
var netErrorRE = regexp.MustCompile(`(?i)\b(?:dial|read|write) (?:tcp|udp)[46]? \S+|: i/o timeout\b|\btls: [a-z]|\bx509: [a-z]|connection reset by peer|connection refused|broken pipe|no route to host|network is unreachable`)

// looksNetError reports whether s is a program's socket or TLS error.
func looksNetError(s string) bool {
	if !strings.Contains(s, " tcp") && !strings.Contains(s, "timeout") && !strings.Contains(s, "tls:") && !strings.Contains(s, "x509:") &&
		!strings.Contains(s, "onnection") && !strings.Contains(s, "pipe") && !strings.Contains(s, "unreachable") && !strings.Contains(s, "route") {
		return false
	}
	return netErrorRE.MatchString(s)
}

// looksConnected reports whether a status line says the TCP connection opened.
func looksConnected(s string) bool {
	if !strings.Contains(s, "onnect") && !strings.Contains(s, "ONNECT") {
		return false
	}
	l := strings.ToLower(strings.TrimSpace(s))
	return strings.Contains(l, "connected to ") || strings.Contains(l, "connection established") ||
		strings.HasSuffix(l, "... connected.") || strings.HasSuffix(l, "...connected.") || l == "connected" ||
		strings.HasPrefix(l, "connected,") || (strings.HasPrefix(l, "connection to ") && strings.Contains(l, " succeeded"))
}

// looksSummary reports whether s is a client's summary of a failed command.
func looksSummary(s string) []string {
	if !strings.Contains(s, "failed") && !strings.Contains(s, "Fatal") && !strings.Contains(s, "ERROR") && !strings.Contains(s, "Not connected") {
		return nil
	}
	return summaryRE.FindStringSubmatch(s)
}

// Foreign returns what answered instead of an FTP server when e is a banner: "SSH", "HTTP",
// "TLS" (a TLS record's first bytes, as a client prints them escaped: \x15\x03\x01), or "".
func Foreign(s string) string {
	m := foreignRE.FindStringSubmatch(s)
	switch {
	case m == nil:
		return ""
	case m[2] != "":
		return "TLS"
	case strings.HasPrefix(m[1], "SSH-"):
		return "SSH"
	default:
		return "HTTP"
	}
}

// matchException matches a program's exception line; outside a traceback only names that look
// like exceptions count.
func matchException(s string, inTraceback bool) []string {
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z' || s[0] == '_') {
		return nil
	}
	if !inTraceback && !strings.Contains(s, "rror") && !strings.Contains(s, "xception") && !strings.Contains(s, "imeout") && !strings.Contains(s, "timeout") {
		return nil
	}
	m := exceptionRE.FindStringSubmatch(s)
	if m == nil || !(inTraceback || exceptionName(m[1])) {
		return nil
	}
	return m
}

// exceptionName reports whether a name looks like an exception or error class, so that a line
// outside a traceback ("ftplib.error_perm: 530", "FTPConnectionClosedException: …") is one.
func exceptionName(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	return strings.HasSuffix(last, "Error") || strings.HasSuffix(last, "Exception") || strings.HasPrefix(last, "error_") ||
		(strings.Contains(name, ".") && (last == "timeout" || last == "error" || strings.HasSuffix(last, "Timeout")))
}

func stripTimestamp(s string) string {
	t := strings.TrimLeft(s, " \t")
	// every timestamp shape starts with a digit, a bracket or a weekday ("Mon Nov 24 …")
	if t == "" || !(t[0] >= '0' && t[0] <= '9' || t[0] == '[' || len(t) > 4 && t[3] == ' ' && t[0] >= 'A' && t[0] <= 'Z') {
		return s
	}
	if loc := timestampRE.FindStringIndex(s); loc != nil {
		return s[loc[1]:]
	}
	return s
}

// rawLine reads a bare reply line or command.
func rawLine(s string) (line, bool) {
	if isReplyStart(s) {
		return line{dir: Response, payload: s}, true
	}
	if commandRE.MatchString(s) && knownVerbs[strings.ToUpper(strings.Fields(s)[0])] {
		return line{dir: Command, payload: s}, true
	}
	return line{}, false
}

// a raw command line: an upper-case verb of 3 or 4 letters, alone or with arguments.
var commandRE = regexp.MustCompile(`^(?:[A-Z]{3,4}|[a-z]{3,4})(?:\s.*)?$`)

// isReplyStart reports whether s begins a new reply (a code then space or hyphen).
func isReplyStart(s string) bool {
	_, _, ok := knowledge.ParseReplyLine(s)
	return ok
}

// maskSecret hides the argument of PASS (and ACCT) so a pasted log never echoes a password.
func maskSecret(cmd string) string {
	f := strings.Fields(cmd)
	if len(f) > 1 {
		switch strings.ToUpper(f[0]) {
		case "PASS", "ACCT":
			return f[0] + " ****"
		}
	}
	return cmd
}

// maskSecretIn masks the password of command cmd where it stands in the raw line.
func maskSecretIn(raw, cmd string) string {
	masked := maskSecret(cmd)
	if masked == cmd {
		return raw
	}
	if i := strings.Index(raw, cmd); i >= 0 {
		return raw[:i] + masked + raw[i+len(cmd):]
	}
	return masked
}

var knownVerbs = map[string]bool{}

func init() {
	for _, v := range strings.Fields(`USER PASS ACCT CWD CDUP SMNT QUIT REIN PORT PASV TYPE STRU MODE RETR STOR STOU
		APPE ALLO REST RNFR RNTO ABOR DELE RMD MKD PWD LIST NLST SITE SYST STAT HELP NOOP FEAT OPTS AUTH ADAT
		PBSZ PROT CCC MIC CONF ENC EPRT EPSV LPRT LPSV LANG MDTM SIZE MLST MLSD HOST CLNT XCWD XPWD XMKD XRMD`) {
		knownVerbs[v] = true
	}
}
