// Package transcript reads pasted FTP session logs — FileZilla's message log, curl -v, lftp -d,
// WinSCP session logs, Python ftplib debug output, raw control-channel transcripts and vsftpd or
// ProFTPD server logs — into a timeline of commands and replies, and finds the reply that explains
// the failure.
//
//	t := transcript.Parse(logText)
//	if f := t.Failure(); f != nil {
//		fmt.Println("failed at", f.Code, f.Text)
//	}
//
// It never fails: lines it cannot place are kept as notes, and input past MaxBytes or MaxLines is
// cut (Truncated says so), so a huge paste costs bounded time and memory.
package transcript

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// Limits on what one Parse reads. A whole day's server log pasted by mistake is cut here.
const (
	MaxBytes = 512 << 10
	MaxLines = 20000
)

// Dir says which way a line went, or what else it is.
type Dir int

// Kinds of entry.
const (
	Reply   Dir = iota // the server's reply (the last line of a multi-line reply carries the code)
	Command            // the client's command
	Status             // client or server status text
	Error              // a client-side error message
)

// Entry is one event of the session.
type Entry struct {
	Line    int            // 1-based line number in the input (first line, for multi-line replies)
	Dir     Dir            //
	Code    knowledge.Code // for replies
	Text    string         // the reply text (all lines of a multi-line reply, joined by "\n"), the command, or the message
	Command string         // for replies: the command this reply answers ("" for the greeting or unknown)
}

// Transcript is a parsed log.
type Transcript struct {
	Entries   []Entry
	Format    string // what the log looked like: "filezilla", "curl", "lftp", "winscp", "ftplib", "vsftpd", "proftpd", "raw"
	Truncated bool   // input was longer than MaxBytes or MaxLines
	Lines     int    // lines read
	failure   int    // index into Entries of the explaining failure, or -1
	benign    bool   // the failure is only a refusal the session went on after (EPSV, AUTH, FEAT)
	hint      int    // index of a client error entry that explains it when no reply does, or -1
}

// Replies returns only the reply entries.
func (t *Transcript) Replies() []Entry {
	var out []Entry
	for _, e := range t.Entries {
		if e.Dir == Reply {
			out = append(out, e)
		}
	}
	return out
}

// Failure returns the reply that explains why the session failed, or nil when every reply was a
// success or an expected refusal the client recovered from.
func (t *Transcript) Failure() *Entry {
	if t.failure < 0 {
		return nil
	}
	return &t.Entries[t.failure]
}

// ClientError returns the client-side error line that explains the failure when no reply does
// (a time-out, a refused connection), or nil.
func (t *Transcript) ClientError() *Entry {
	if t.hint < 0 {
		return nil
	}
	return &t.Entries[t.hint]
}

// Stalled returns the log's last reply when the session stops right where a data connection
// should open: after 227, 228 or 229 (passive) or a 200 to PORT or EPRT (active), with nothing
// after it but the listing or transfer command and status notes. That is how a listing that
// hangs looks: the firewall or NAT swallowed the data connection and the client is still
// waiting. It returns nil when the log holds a real failure or a client error (they explain it
// better; a refused EPSV or AUTH the session went on after does not count) or ends anywhere else.
func (t *Transcript) Stalled() *Entry {
	if (t.failure >= 0 && !t.benign) || t.hint >= 0 {
		return nil
	}
	for i := len(t.Entries) - 1; i >= 0; i-- {
		e := &t.Entries[i]
		switch e.Dir {
		case Status:
			continue // "Status: Retrieving directory listing..." is a note, not the session moving on
		case Command:
			if dataCommands[strings.ToUpper(firstWord(e.Text))] {
				continue // the listing or transfer that is waiting for the data connection
			}
		case Reply:
			if e.OpensData() {
				return e
			}
		}
		return nil
	}
	return nil
}

// dataCommands are the commands that use the data connection.
var dataCommands = map[string]bool{"LIST": true, "NLST": true, "MLSD": true, "RETR": true, "STOR": true, "APPE": true, "STOU": true}

// OpensData reports whether e is the reply after which a data connection opens: 227, 228 or 229
// (passive: the client connects) or a 200 to PORT or EPRT (active: the server connects back).
func (e *Entry) OpensData() bool {
	return e.Dir == Reply && (e.Code == 227 || e.Code == 228 || e.Code == 229) || e.ActiveOK()
}

// ActiveOK reports whether e is a 200 accepting an active-mode PORT or EPRT: after it the
// server connects back to the client.
func (e *Entry) ActiveOK() bool {
	return e.Dir == Reply && e.Code == 200 && (isActive(e.Command) || isActive(firstWord(e.Text)))
}

// isActive reports whether cmd is an active-mode data command (PORT or EPRT).
func isActive(cmd string) bool {
	cmd = strings.ToUpper(cmd)
	return cmd == "PORT" || cmd == "EPRT"
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// LastReply returns the last reply before entry i, or nil.
func (t *Transcript) LastReplyBefore(i int) *Entry {
	for j := i - 1; j >= 0; j-- {
		if t.Entries[j].Dir == Reply {
			return &t.Entries[j]
		}
	}
	return nil
}

// Index returns the position of e in Entries (e must come from this transcript), or -1.
func (t *Transcript) Index(e *Entry) int {
	for i := range t.Entries {
		if &t.Entries[i] == e {
			return i
		}
	}
	return -1
}

// Prefix patterns of the log formats. Each strips what precedes the payload; order matters.
var (
	// 2026-11-24 10:00:00, 10:00:00, [10:00:00], Mon Nov 24 10:00:00 2026, 2026-11-24T10:00:00.123Z, and
	// FileZilla 3's "2026-11-24 10:00:00 1234 1 " (pid and session number).
	timestampRE = regexp.MustCompile(`^\s*(\[?\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?Z?\]?\s+(?:\d+\s+\d+\s+)?|\[?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s+|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}\s+)`)
	// WinSCP: "< 2026-11-24 10:00:00.123 530 Login incorrect."
	winscpRE = regexp.MustCompile(`^([<>.!*])\s\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\s(.*)$`)
	// vsftpd with log_ftp_protocol: `[pid 123] [bob] FTP response: Client "::ffff:1.2.3.4", "530 Login incorrect."`
	vsftpdRE = regexp.MustCompile(`\[pid \d+\](?: \[[^\]]*\])? (FTP response|FTP command|FAIL LOGIN|OK LOGIN|FAIL UPLOAD|FAIL DOWNLOAD|OK UPLOAD|OK DOWNLOAD|CONNECT|FAIL MKDIR|FAIL DELETE|FAIL RENAME)(?:: Client "[^"]*"(?:, "(.*)")?)?`)
	// ProFTPD's system log: "proftpd[123] host (client[1.2.3.4]): USER bob (Login failed): Incorrect password"
	proftpdLoginRE = regexp.MustCompile(`(?i)proftpd\[\d+\].*?:\s+(USER \S+.*\(Login failed\).*|.*Maximum login attempts.*|.*Refused PORT.*|.*no such user.*|.*SECURITY VIOLATION.*|.*Too many connections.*)`)
	// ftplib debug: *cmd* 'USER x', *resp* '530 Login incorrect.', *get* '211-Features:\n'
	ftplibRE = regexp.MustCompile(`^\*(cmd|resp|put|get)\*\s+['"](.*)['"]\s*$`)
	// a raw command line: an upper-case verb of 3 or 4 letters, alone or with arguments.
	commandRE = regexp.MustCompile(`^(?:[A-Z]{3,4}|[a-z]{3,4})(?:\s.*)?$`)
)

// Parse reads a pasted log. It does not fail: it keeps what it can place.
func Parse(text string) *Transcript {
	t := &Transcript{failure: -1, hint: -1}
	if len(text) > MaxBytes {
		text = text[:MaxBytes]
		t.Truncated = true
	}
	var open *Entry // a multi-line reply still open (its first line seen, not its last)
	lastCommand := ""
	formats := map[string]int{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) > MaxLines {
		lines = lines[:MaxLines]
		t.Truncated = true
	}
	t.Lines = len(lines)
	if t.parseIIS(lines) {
		t.Format = "iis"
		t.findFailure()
		return t
	}
	for n, raw := range lines {
		line := strings.TrimRight(raw, " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		dir, payload, format := classify(line)
		if format != "" {
			formats[format]++
		}
		// Inside a multi-line reply, lines that are not its end belong to it, whatever they look like.
		// In a raw transcript nothing else is sent until the reply's last line, so even a line
		// that looks like a command (" EPRT" in a FEAT list) is part of it.
		if open != nil && (dir == Reply || dir == -1 || format == "") {
			if code, _, ok := knowledge.ParseReplyLine(payload); ok && code == open.Code && len(payload) >= 4 && payload[3] == ' ' {
				open.Text += "\n" + strings.TrimSpace(payload[3:])
				open = nil
				continue
			}
			if dir != Reply || !isReplyStart(payload) {
				open.Text += "\n" + strings.TrimSpace(payload)
				continue
			}
			open = nil
		}
		switch dir {
		case Reply:
			code, rest, ok := knowledge.ParseReplyLine(payload)
			if !ok {
				t.Entries = append(t.Entries, Entry{Line: n + 1, Dir: Status, Text: payload})
				continue
			}
			e := Entry{Line: n + 1, Dir: Reply, Code: code, Text: rest, Command: lastCommand}
			t.Entries = append(t.Entries, e)
			if len(payload) > 3 && payload[3] == '-' {
				open = &t.Entries[len(t.Entries)-1]
			}
			if code/100 != 1 && code != 331 && code != 350 {
				// an intermediate 1xx keeps the command open for its final reply
				lastCommand = ""
			}
			if code == 331 || code == 350 || code == 332 {
				lastCommand = ""
			}
		case Command:
			verb := strings.ToUpper(strings.Fields(payload)[0])
			lastCommand = verb
			t.Entries = append(t.Entries, Entry{Line: n + 1, Dir: Command, Text: maskSecret(payload)})
		case Error:
			t.Entries = append(t.Entries, Entry{Line: n + 1, Dir: Error, Text: payload})
		case Status:
			t.Entries = append(t.Entries, Entry{Line: n + 1, Dir: Status, Text: payload})
		}
	}
	best, bestN := "raw", 0
	for f, c := range formats {
		if c > bestN || (c == bestN && f < best) {
			best, bestN = f, c
		}
	}
	t.Format = best
	t.findFailure()
	return t
}

// parseIIS reads an IIS FTP log (W3C extended format): a "#Fields:" header names the columns,
// and each line below it is one command with the status IIS answered it with, plus the Windows
// error behind it (sc-win32-status) and IIS's own detail (sc-substatus). It reports false when
// the text has no such header.
func (t *Transcript) parseIIS(lines []string) bool {
	col := map[string]int{}
	for n, raw := range lines {
		line := strings.TrimSpace(raw)
		if rest, ok := strings.CutPrefix(line, "#Fields:"); ok {
			col = map[string]int{}
			for i, f := range strings.Fields(rest) {
				col[f] = i
			}
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		iMethod, okM := col["cs-method"]
		iStatus, okS := col["sc-status"]
		if !okM || !okS {
			continue
		}
		f := strings.Fields(line)
		if iMethod >= len(f) || iStatus >= len(f) {
			continue
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(f) && f[i] != "-" {
				return f[i]
			}
			return ""
		}
		code, err := strconv.Atoi(f[iStatus])
		if err != nil || knowledge.Code(code).Class() == "" {
			continue // ControlChannelOpened and the like carry "-"
		}
		cmd := f[iMethod]
		if arg := field("cs-uri-stem"); arg != "" {
			cmd += " " + arg
		}
		t.Entries = append(t.Entries, Entry{Line: n + 1, Dir: Command, Text: maskSecret(cmd)})
		text := "(IIS FTP log"
		if w := field("sc-win32-status"); w != "" {
			text += ": win32 status " + w
		}
		if sub := field("sc-substatus"); sub != "" {
			text += ", substatus " + sub
		}
		text += ")"
		t.Entries = append(t.Entries, Entry{Line: n + 1, Dir: Reply, Code: knowledge.Code(code), Text: text, Command: strings.ToUpper(f[iMethod])})
	}
	return len(col) > 0 && len(t.Entries) > 0
}

// isReplyStart reports whether s begins a new reply (a code then space or hyphen).
func isReplyStart(s string) bool {
	_, _, ok := knowledge.ParseReplyLine(s)
	return ok
}

// classify returns what a line is and its payload with the log format's decoration removed.
// dir is -1 for a line that is none of the known kinds (a continuation or noise).
func classify(line string) (dir Dir, payload string, format string) {
	if m := winscpRE.FindStringSubmatch(line); m != nil {
		switch m[1] {
		case "<":
			return Reply, m[2], "winscp"
		case ">":
			return Command, m[2], "winscp"
		case "*", "!":
			return Error, m[2], "winscp"
		}
		return Status, m[2], "winscp"
	}
	if m := vsftpdRE.FindStringSubmatch(line); m != nil {
		switch m[1] {
		case "FTP response":
			return Reply, unquoteVsftpd(m[2]), "vsftpd"
		case "FTP command":
			return Command, unquoteVsftpd(m[2]), "vsftpd"
		case "FAIL LOGIN", "FAIL UPLOAD", "FAIL DOWNLOAD", "FAIL MKDIR", "FAIL DELETE", "FAIL RENAME":
			return Error, "vsftpd: " + m[1], "vsftpd"
		}
		return Status, "vsftpd: " + m[1], "vsftpd"
	}
	if m := proftpdLoginRE.FindStringSubmatch(line); m != nil {
		return Error, "proftpd: " + m[1], "proftpd"
	}
	s := timestampRE.ReplaceAllString(line, "")
	if m := ftplibRE.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		payload := strings.TrimSuffix(strings.ReplaceAll(m[2], `\r\n`, ""), `\n`)
		switch m[1] {
		case "cmd", "put":
			return Command, payload, "ftplib"
		default:
			return Reply, payload, "ftplib"
		}
	}
	trimmed := strings.TrimSpace(s)
	for _, p := range prefixes {
		if rest, ok := cutPrefixFold(trimmed, p.prefix); ok {
			return p.dir, strings.TrimSpace(rest), p.format
		}
	}
	if isReplyStart(trimmed) {
		return Reply, trimmed, ""
	}
	if commandRE.MatchString(trimmed) && knownVerbs[strings.ToUpper(strings.Fields(trimmed)[0])] {
		return Command, trimmed, ""
	}
	return -1, s, ""
}

type prefix struct {
	prefix string
	dir    Dir
	format string
}

// prefixes of the client logs, longest first where one is the start of another.
var prefixes = []prefix{
	{"Response:", Reply, "filezilla"},
	{"Command:", Command, "filezilla"},
	{"Status:", Status, "filezilla"},
	{"Error:", Error, "filezilla"},
	{"Trace:", Status, "filezilla"},
	{"Listing:", Status, "filezilla"},
	{"<--- ", Reply, "lftp"},
	{"---> ", Command, "lftp"},
	{"**** ", Error, "lftp"},
	{"< ", Reply, "curl"},
	{"> ", Command, "curl"},
	{"* ", Status, "curl"},
	{"curl: ", Error, "curl"},
}

func cutPrefixFold(s, p string) (string, bool) {
	if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
		return s[len(p):], true
	}
	return "", false
}

func unquoteVsftpd(s string) string {
	s = strings.ReplaceAll(s, `\r\n`, "")
	return strings.TrimSpace(s)
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

var knownVerbs = map[string]bool{}

func init() {
	for _, v := range strings.Fields(`USER PASS ACCT CWD CDUP SMNT QUIT REIN PORT PASV TYPE STRU MODE RETR STOR STOU
		APPE ALLO REST RNFR RNTO ABOR DELE RMD MKD PWD LIST NLST SITE SYST STAT HELP NOOP FEAT OPTS AUTH ADAT
		PBSZ PROT CCC MIC CONF ENC EPRT EPSV LPRT LPSV LANG MDTM SIZE MLST MLSD HOST CLNT XCWD XPWD XMKD XRMD`) {
		knownVerbs[v] = true
	}
}

// benign lists commands whose refusal a client expects and recovers from: feature probes,
// fallbacks (EPSV → PASV, MLSD → LIST, AUTH → plain login) and existence checks before upload.
var benign = map[string]bool{
	"FEAT": true, "OPTS": true, "CLNT": true, "SITE": true, "HELP": true, "SYST": true, "EPSV": true,
	"EPRT": true, "MLSD": true, "MLST": true, "SIZE": true, "MDTM": true, "AUTH": true, "HOST": true,
	"LANG": true, "STAT": true, "MFMT": true, "MODE": true, "CWD": true, "MKD": true,
}

// findFailure picks the reply that explains the failure: the first 4xx/5xx reply the client did
// not recover from. A refusal of a probing command (FEAT, EPSV, AUTH…) counts only when nothing
// after it succeeded; otherwise the first refusal of any command wins. With no failing reply, a
// client error line (a time-out, a refused connection) is the hint.
func (t *Transcript) findFailure() {
	firstBenign := -1
	for i, e := range t.Entries {
		if e.Dir != Reply || e.Code/100 < 4 || e.Code/100 > 5 {
			continue
		}
		if benign[e.Command] && t.recovered(i) {
			if firstBenign < 0 {
				firstBenign = i
			}
			continue
		}
		t.failure = i
		break
	}
	for i, e := range t.Entries {
		if e.Dir == Error && (t.failure < 0 || i < t.failure) {
			t.hint = i
			break
		}
	}
	if t.failure < 0 && t.hint < 0 && firstBenign >= 0 {
		// the session went on after every refusal, but nothing else explains why it was pasted
		t.failure = firstBenign
		t.benign = true
	}
}

// recovered reports whether the session went on after entry i: a later positive reply (2xx or
// 3xx) other than QUIT's 221.
func (t *Transcript) recovered(i int) bool {
	for _, e := range t.Entries[i+1:] {
		if e.Dir == Reply && e.Code < 400 && e.Code != 221 {
			return true
		}
	}
	return false
}
