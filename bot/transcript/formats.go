package transcript

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// ---- FileZilla (client message log, any language it ships in) ----

// filezillaDir maps the words FileZilla puts before each line, in the languages it ships in
// ("Response:\t530 Login incorrect.", "Commande :\tPASV", "Befehl:\tUSER bob"), to their kind.
var filezillaDir = map[string]Dir{
	"response": Response, "réponse": Response, "antwort": Response, "respuesta": Response, "resposta": Response, "risposta": Response, "ответ": Response, "响应": Response, "応答": Response,
	"command": Command, "commande": Command, "befehl": Command, "comando": Command, "команда": Command, "命令": Command, "コマンド": Command,
	"error": Error, "erreur": Error, "fehler": Error, "errore": Error, "erro": Error, "ошибка": Error, "错误": Error, "エラー": Error,
	"status": Status, "statut": Status, "estado": Status, "stato": Status, "статус": Status, "状态": Status, "状態": Status,
	"trace": Status, "listing": Status,
}

func filezillaLine(s string) (line, bool) {
	t := strings.TrimSpace(s)
	word, rest, ok := strings.Cut(t, ":")
	if !ok || len(word) > 24 {
		return line{}, false
	}
	dir, ok := filezillaDir[strings.ToLower(strings.TrimSpace(word))]
	if !ok || strings.TrimSpace(word) != strings.TrimRight(word, " \t") || strings.ContainsAny(strings.TrimSpace(word), " \t") {
		return line{}, false
	}
	payload := strings.TrimSpace(rest)
	if dir == Error && (strings.HasPrefix(payload, "Could not retrieve directory listing") || strings.HasPrefix(payload, "Failed to retrieve directory listing") || strings.HasPrefix(payload, "Critical error")) {
		// FileZilla's closing words say that it gave up, not why: the line before explains it
		return line{dir: Status, payload: payload}, true
	}
	return line{dir: dir, payload: payload}, true
}

// ---- FileZilla Server's logs (1.x file and GUI logs, 0.9 legacy log) ----

var (
	// 1.x log file: "2024-03-09T16:36:15.643Z << [FTP Session 3 192.168.0.18] 331 Please, specify the password."
	fzsFileRE = regexp.MustCompile(`^(<<|>>|!!|==|D[IDE]|\S{1,3})\s+\[FTP Session \d+[^\]]*\]\s?(.*)$`)
	// 1.x GUI log: "<12/3/2025 11:23:10 AM> FTP Session 87 11.222.33.44 myUser [Response] 230 Login successful."
	fzsGUIRE = regexp.MustCompile(`^(?:<[^>]*>\s*)?FTP Session \d+ \S+(?: \S+)? \[(Command|Response|Status|Error)\] (.*)$`)
	// 0.9: "(000012)24.11.2026 10:00:01 - bob (198.51.100.7)> 530 Login or password incorrect!"
	fzsLegacyRE = regexp.MustCompile(`^\(\d+\)\s*\S+ \S+(?: [AP]M)? - .*?\([^)]*\)> (.*)$`)
)

func filezillaServerLine(s string) (line, bool) {
	if !strings.Contains(s, "FTP Session") && !strings.Contains(s, ")> ") {
		return line{}, false
	}
	t := strings.TrimSpace(s)
	if m := fzsFileRE.FindStringSubmatch(t); m != nil {
		switch m[1] {
		case "<<":
			return line{dir: Response, payload: m[2]}, true
		case ">>":
			return line{dir: Command, payload: m[2]}, true
		case "!!":
			return line{dir: Error, payload: m[2]}, true
		}
		return line{dir: Status, payload: m[2]}, true
	}
	if m := fzsGUIRE.FindStringSubmatch(t); m != nil {
		switch m[1] {
		case "Response":
			return line{dir: Response, payload: m[2]}, true
		case "Command":
			return line{dir: Command, payload: m[2]}, true
		case "Error":
			return line{dir: Error, payload: m[2]}, true
		}
		return line{dir: Status, payload: m[2]}, true
	}
	if m := fzsLegacyRE.FindStringSubmatch(t); m != nil {
		if l, ok := rawLine(strings.TrimSpace(m[1])); ok {
			return l, true
		}
		return line{dir: Status, payload: m[1]}, true
	}
	return line{}, false
}

// ---- WinSCP (session log) ----

// winscpRE: "< 2026-11-24 10:00:00.123 530 Login incorrect."
var winscpRE = regexp.MustCompile(`^([<>.!*])\s\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\s(.*)$`)

func winscpLine(s string) (line, bool) {
	m := winscpRE.FindStringSubmatch(s)
	if m == nil {
		// the timestamp was taken for a log's; WinSCP's own shape is checked on the line as pasted
		return line{}, false
	}
	switch m[1] {
	case "<":
		return line{dir: Response, payload: m[2]}, true
	case ">":
		return line{dir: Command, payload: m[2]}, true
	case "*", "!":
		return line{dir: Error, payload: m[2]}, true
	}
	return line{dir: Status, payload: m[2]}, true
}

// ---- curl -v (and clients that print the same arrows, such as Cyberduck's transcript) ----

func curlLine(s string) (line, bool) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "< "), t == "<":
		return line{dir: Response, payload: strings.TrimSpace(t[1:])}, true
	case strings.HasPrefix(t, "> "):
		return line{dir: Command, payload: strings.TrimSpace(t[2:])}, true
	case strings.HasPrefix(t, "* "), t == "*":
		return line{dir: Status, payload: strings.TrimSpace(t[1:])}, true
	case strings.HasPrefix(t, "curl: "):
		return line{dir: Error, payload: strings.TrimSpace(t[6:])}, true
	case strings.HasPrefix(t, "{ [") || strings.HasPrefix(t, "} ["):
		return line{dir: Status, payload: t}, true // curl's note of TLS bytes
	}
	return line{}, false
}

// ---- Cyberduck's debug log (and Mountain Duck's): the transcript loggers ----

// "2024-10-29 18:20:05,998 [transfer-1] INFO  ch.cyberduck.transcript.request - STOR /a.pdf"
var cyberduckRE = regexp.MustCompile(`ch\.cyberduck\.transcript\.(request|response) - (.*)$`)

func cyberduckLine(s string) (line, bool) {
	if !strings.Contains(s, "ch.cyberduck.") {
		return line{}, false
	}
	if m := cyberduckRE.FindStringSubmatch(s); m != nil {
		if m[1] == "request" {
			return line{dir: Command, payload: strings.TrimSpace(m[2])}, true
		}
		return line{dir: Response, payload: strings.TrimSpace(m[2])}, true
	}
	// the rest of Cyberduck's debug log; its errors name an exception
	if i := strings.Index(s, " - "); i >= 0 && (strings.Contains(" "+s[:i]+" ", " ERROR ") || strings.Contains(" "+s[:i]+" ", " WARN ")) {
		return line{dir: Error, payload: strings.TrimSpace(s[i+3:])}, true
	}
	return line{dir: Status, payload: s}, true
}

// ---- lftp -d ----

func lftpLine(s string) (line, bool) {
	t := strings.TrimSpace(s)
	for _, p := range []struct {
		prefix string
		dir    Dir
	}{{"<--- ", Response}, {"---> ", Command}, {"**** ", Error}, {"---- ", Status}} {
		if rest, ok := strings.CutPrefix(t, p.prefix); ok {
			return line{dir: p.dir, payload: strings.TrimSpace(rest)}, true
		}
	}
	if t == "<---" || t == "---->" {
		return line{dir: Status, payload: t}, true
	}
	if m := looksSummary(t); m != nil {
		return line{dir: Error, payload: t, tag: TagSummary, command: m[1]}, true
	}
	return line{}, false
}

// ---- wget -d ----

var (
	wgetConnectRE = regexp.MustCompile(`^Connecting to .*\.\.\. ?(connected\.|failed: .*)$`)
	wgetURLRE     = regexp.MustCompile(`^--\S.*--\s+(ftp|ftps|http|https)://`)
)

func wgetLine(s string) (line, bool) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "--> "):
		return line{dir: Command, payload: strings.TrimSpace(t[4:])}, true
	case strings.HasPrefix(t, "<== "):
		return line{dir: Response, payload: strings.TrimSpace(t[4:])}, true
	case strings.HasPrefix(t, "--") && strings.Contains(t, "://") && wgetURLRE.MatchString(t):
		return line{dir: Status, payload: t}, true
	}
	if strings.HasPrefix(t, "Connecting to ") {
		if m := wgetConnectRE.FindStringSubmatch(t); m != nil {
			if strings.HasPrefix(m[1], "failed") {
				return line{dir: Error, payload: t}, true
			}
			return line{dir: Status, payload: t, tag: TagConnected}, true
		}
	}
	switch {
	case strings.HasPrefix(t, "failed: "):
		// "Connecting to host:21... failed: Connection refused." split by wget's own debug lines
		return line{dir: Error, payload: t}, true
	case strings.HasPrefix(t, "Error in server response"), strings.HasPrefix(t, "Giving up"), strings.HasPrefix(t, "No such file"),
		strings.HasPrefix(t, "No such directory"), strings.HasPrefix(t, "Login incorrect"), strings.HasPrefix(t, "Server error"),
		strings.HasPrefix(t, "Write failed"), strings.HasPrefix(t, "Read error"), strings.HasPrefix(t, "Cannot initiate PASV"),
		strings.HasPrefix(t, "Data transfer aborted"):
		// wget's own verdicts after the exchange
		return line{dir: Error, payload: t}, true
	}
	if strings.HasPrefix(t, "Logging in as ") {
		// "Logging in as alice ... Login incorrect." — wget's verdict after the dots
		if _, verdict, ok := strings.Cut(t, " ... "); ok && verdict != "" && !strings.HasPrefix(verdict, "Logged in") {
			if !isReplyStart(verdict) {
				return line{dir: Error, payload: t}, true
			}
		}
		return line{dir: Status, payload: t}, true
	}
	if strings.HasPrefix(t, "==> ") {
		// wget without -d: "==> CWD (1) /pub ... No such directory '/pub'."
		cmd, verdict, _ := strings.Cut(t[4:], " ... ")
		if verdict != "" && verdict != "done." && !strings.HasPrefix(verdict, "done.") {
			return line{dir: Error, payload: strings.TrimSpace(cmd) + ": " + verdict}, true
		}
		return line{dir: Status, payload: t}, true
	}
	return line{}, false
}

// ---- Windows ftp -d (and the BSD/inetutils ftp prompt) ----

func windowsFtpLine(s string) (line, bool) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "ftp> ") || t == "ftp>":
		return line{dir: Status, payload: strings.TrimSpace(strings.TrimPrefix(t, "ftp>")), tag: TagPrompt}, true
	case strings.HasPrefix(t, "---> "):
		return line{dir: Command, payload: strings.TrimSpace(t[5:])}, true
	case strings.HasPrefix(t, "ftp: "):
		return line{dir: Error, payload: t}, true
	case strings.HasPrefix(t, "Connected to "):
		return line{dir: Status, payload: t, tag: TagConnected}, true
	case strings.HasPrefix(t, "local: ") && strings.Contains(t, " remote: "):
		return line{dir: Status, payload: t}, true
	}
	return line{}, false
}

// ---- vsftpd log (log_ftp_protocol=YES and xferlog_std_format=NO) ----

// `[pid 123] [bob] FTP response: Client "::ffff:1.2.3.4", "530 Login incorrect."`
var vsftpdRE = regexp.MustCompile(`\[pid \d+\](?: \[[^\]]*\])? (FTP response|FTP command|FAIL LOGIN|OK LOGIN|FAIL UPLOAD|FAIL DOWNLOAD|OK UPLOAD|OK DOWNLOAD|CONNECT|FAIL MKDIR|FAIL DELETE|FAIL RENAME|OK MKDIR|OK DELETE|OK RENAME)(?:: Client "[^"]*"(?:, "(.*)")?)?`)

func vsftpdLine(s string) (line, bool) {
	if !strings.Contains(s, "[pid ") {
		return line{}, false
	}
	m := vsftpdRE.FindStringSubmatch(s)
	if m == nil {
		return line{}, false
	}
	payload := strings.TrimSpace(strings.ReplaceAll(m[2], `\r\n`, ""))
	switch m[1] {
	case "FTP response":
		return line{dir: Response, payload: payload}, true
	case "FTP command":
		return line{dir: Command, payload: payload}, true
	case "FAIL LOGIN", "FAIL UPLOAD", "FAIL DOWNLOAD", "FAIL MKDIR", "FAIL DELETE", "FAIL RENAME":
		return line{dir: Error, payload: "vsftpd: " + m[1]}, true
	}
	return line{dir: Status, payload: "vsftpd: " + m[1]}, true
}

// ---- ProFTPD system log ----

// "proftpd[123] host (client[1.2.3.4]): USER bob (Login failed): Incorrect password"
var (
	proftpdRE      = regexp.MustCompile(`(?i)proftpd\[\d+\]\s+\S+(?: \([^)]*\))?:\s+(.*)$`)
	proftpdErrorRE = regexp.MustCompile(`(?i)\(Login failed\)|Maximum login attempts|Refused PORT|no such user|SECURITY VIOLATION|Too many connections|denied|failed|error|unable`)
)

func proftpdLine(s string) (line, bool) {
	if !strings.Contains(s, "proftpd[") && !strings.Contains(s, "ProFTPD[") && !strings.Contains(s, "PROFTPD[") {
		return line{}, false
	}
	m := proftpdRE.FindStringSubmatch(s)
	if m == nil {
		return line{}, false
	}
	if proftpdErrorRE.MatchString(m[1]) {
		return line{dir: Error, payload: "proftpd: " + m[1]}, true
	}
	return line{dir: Status, payload: "proftpd: " + m[1]}, true
}

// ---- Pure-FTPd's syslog lines ----

var (
	// "pure-ftpd: (?@198.51.100.7) [WARNING] Authentication failed for user [bob]",
	// "pure-ftpd: (bob@198.51.100.7) [DEBUG] Command [pass] [<*>]", "… [DEBUG] 530 Login authentication failed"
	pureRE        = regexp.MustCompile(`pure-ftpd(?:\[\d+\])?: \([^)]*\) \[([A-Z]+)\] (.*)$`)
	pureCommandRE = regexp.MustCompile(`^Command \[([a-zA-Z]+)\] \[(.*)\]$`)
)

func pureFtpdLine(s string) (line, bool) {
	if !strings.Contains(s, "pure-ftpd") {
		return line{}, false
	}
	m := pureRE.FindStringSubmatch(s)
	if m == nil {
		return line{}, false
	}
	msg := strings.TrimSpace(m[2])
	switch m[1] {
	case "DEBUG":
		if c := pureCommandRE.FindStringSubmatch(msg); c != nil {
			cmd := strings.ToUpper(c[1])
			if c[2] != "" {
				cmd += " " + c[2]
			}
			return line{dir: Command, payload: cmd}, true
		}
		if isReplyStart(msg) {
			return line{dir: Response, payload: msg}, true
		}
	case "WARNING", "ERROR":
		return line{dir: Error, payload: "pure-ftpd: " + msg}, true
	}
	return line{dir: Status, payload: "pure-ftpd: " + msg}, true
}

// ---- Python ftplib (set_debuglevel 1 or 2), with the traceback that ends a failed script ----

// ftplib debug: *cmd* 'USER x', *resp* '530 Login incorrect.', *get* '211-Features:\n'
var ftplibRE = regexp.MustCompile(`^\*(cmd|resp|put|get|welcome)\*\s+['"](.*)['"]\s*$`)

func scoreFtplib(lines []string) int {
	n := 0
	for _, raw := range lines {
		if strings.Contains(raw, "*") && ftplibRE.MatchString(strings.TrimSpace(stripTimestamp(raw))) {
			n++
		}
	}
	return n
}

// parseFtplib reads ftplib's debug output. At level 2 every command and reply is printed twice
// (*put* and *get* as sent and received, *cmd* and *resp* as ftplib sees them): each is counted
// once, from *cmd* and *resp* when the log has them.
func parseFtplib(lines []string) (*Transcript, int) {
	hasCmd, hasResp := false, false
	for _, raw := range lines {
		if m := ftplibRE.FindStringSubmatch(strings.TrimSpace(stripTimestamp(raw))); m != nil {
			hasCmd = hasCmd || m[1] == "cmd"
			hasResp = hasResp || m[1] == "resp"
		}
	}
	b := newBuilder()
	n := 0
	for i, raw := range lines {
		s := strings.TrimRight(raw, " \t\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		m := ftplibRE.FindStringSubmatch(strings.TrimSpace(stripTimestamp(s)))
		if m == nil {
			b.fallback(i+1, s)
			continue
		}
		n++
		switch {
		case m[1] == "put" && hasCmd, m[1] == "get" && hasResp, m[1] == "welcome" && hasResp:
			continue // the same command or reply again
		}
		payload := strings.TrimSuffix(strings.ReplaceAll(m[2], `\r\n`, ""), `\n`)
		if m[1] == "cmd" || m[1] == "put" {
			b.add(i+1, s, line{dir: Command, payload: payload}, false)
			continue
		}
		// *resp* holds a whole multi-line reply, its lines joined by an escaped line break
		parts := strings.Split(payload, `\n`)
		for j, p := range parts {
			d := Response
			if j > 0 {
				d = -1
			}
			b.add(i+1, s, line{dir: d, payload: p}, j > 0)
		}
	}
	return b.t, n
}

// ---- IIS FTP log (W3C extended) ----

// parseIIS reads an IIS FTP log: a "#Fields:" header names the columns, and each line below it is
// one command with the status IIS answered it with, plus the Windows error behind it
// (sc-win32-status) and IIS's own detail (sc-substatus).
func parseIIS(lines []string) (*Transcript, int) {
	t := &Transcript{failure: -1, hint: -1}
	col := map[string]int{}
	n := 0
	for i, raw := range lines {
		s := strings.TrimSpace(raw)
		if rest, ok := strings.CutPrefix(s, "#Fields:"); ok {
			col = map[string]int{}
			for i, f := range strings.Fields(rest) {
				col[f] = i
			}
			n++
			continue
		}
		if strings.HasPrefix(s, "#") || s == "" {
			continue
		}
		iMethod, okM := col["cs-method"]
		iStatus, okS := col["sc-status"]
		if !okM || !okS {
			continue
		}
		f := strings.Fields(s)
		if iMethod >= len(f) || iStatus >= len(f) {
			continue
		}
		n++
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
		masked := maskSecret(cmd)
		rawLine := s
		if masked != cmd {
			rawLine = strings.Replace(s, f[iMethod]+" "+field("cs-uri-stem"), masked, 1)
		}
		t.Entries = append(t.Entries, Entry{Line: i + 1, Dir: Command, Text: masked, Raw: rawLine})
		text := "(IIS FTP log"
		if w := field("sc-win32-status"); w != "" {
			text += ": win32 status " + w
		}
		if sub := field("sc-substatus"); sub != "" {
			text += ", substatus " + sub
		}
		text += ")"
		t.Entries = append(t.Entries, Entry{Line: i + 1, Dir: Response, Code: knowledge.Code(code), Text: text, Command: strings.ToUpper(f[iMethod]), Raw: rawLine})
	}
	if len(col) == 0 || len(t.Entries) == 0 {
		return nil, 0
	}
	return t, n
}
