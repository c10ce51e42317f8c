// Package transcript reads pasted FTP session logs — FileZilla's message log, curl -v, lftp -d,
// wget -d, WinSCP session logs, Python ftplib debug output and tracebacks, Windows ftp -d, raw
// control-channel transcripts, vsftpd, ProFTPD and IIS server logs — into a timeline of commands
// and replies, and finds the reply that explains the failure.
//
//	t := transcript.Parse(logText)
//	if f := t.Failure(); f != nil {
//		fmt.Println("failed at", f.Code, f.Text)
//	}
//
// Each log format is a whole-document parser in the Formats table; Parse runs them all and keeps
// the one that recognised the most lines (see Format). It never fails: lines a format cannot place
// are kept as notes, and input past MaxBytes or MaxLines is cut (Truncated says so), so a huge
// paste costs bounded time and memory.
package transcript

import (
	"strings"

	"github.com/ftpbot/ftpbot/knowledge"
)

// Limits on what one Parse reads. A whole day's server log pasted by mistake is cut here, before
// any format reads it: 5000 lines keep the worst case near 50 ms (a 200-line log takes well under
// 2 ms; see BenchmarkAskLog200 in bot), and no client's session log of one failure is longer.
const (
	MaxBytes = 512 << 10
	MaxLines = 5000
)

// Dir says which way a line went, or what else it is.
type Dir int

// Kinds of entry.
const (
	Response Dir = iota // the server's response, a reply line (the last line of a multi-line reply carries the code)
	Command             // the client's command
	Status              // client or server status text
	Error               // a client-side error message
)

// Tag marks an entry that is evidence of a particular kind, beyond its direction.
type Tag int

// Tags.
const (
	TagNone      Tag = iota
	TagConnected     // the client says the TCP connection opened ("Connected to", "connected.")
	TagBanner        // the server greeted with something that is not FTP: an SSH banner, HTTP, TLS bytes
	TagException     // the last line of a traceback or a program's error: the exception and its message
	TagFrame         // a traceback frame ("File ..., line 212, in getresp") or its source line
	TagSummary       // a client's one-line summary naming the failed command (lftp's "ls: Login failed: …")
	TagPrompt        // what the user typed at an ftp> prompt ("ftp> literal pasv")
)

// Entry is one event of the session.
type Entry struct {
	Line    int            // 1-based line number in the input (first line, for multi-line replies)
	Dir     Dir            //
	Code    knowledge.Code // for replies
	Text    string         // the reply text (all lines of a multi-line reply, joined by "\n"), the command, or the message
	Command string         // for replies: the command this reply answers ("" for the greeting or unknown); for summaries: the client command named
	Raw     string         // the input line, verbatim but for trailing space (the first line of a multi-line reply), with a password masked
	// RawLines are all the input lines of a multi-line reply, in order (nil for other entries).
	RawLines []string
	Tag      Tag
}

// Transcript is a parsed log.
type Transcript struct {
	Entries []Entry
	// Format is the name of the Format that read the log: "filezilla", "curl", "lftp", "wget",
	// "winscp", "ftplib", "windows-ftp", "vsftpd", "proftpd", "iis", "raw".
	Format    string
	Truncated bool // input was longer than MaxBytes or MaxLines
	Lines     int  // lines read
	// Recognised is how many lines the format placed by its own shapes (not by the raw fallback).
	Recognised int
	// ControlAddr is the server address the control connection went to, when the log says it
	// ("Connecting to 198.51.100.7:21", "Connected to host (198.51.100.7) port 21"), else "".
	ControlAddr string
	failure     int  // index into Entries of the explaining failure, or -1
	benign      bool // the failure is only a refusal the session went on after (EPSV, AUTH, FEAT)
	hint        int  // index of a client error entry that explains it when no reply does, or -1
}

// Parse reads a pasted log with every format in Formats and keeps the reading that recognised the
// most lines; on a tie the format listed first (specific formats come before the raw one). It does
// not fail: it keeps what it can place.
func Parse(text string) *Transcript {
	lines, truncated := Lines(text)
	var best *Transcript
	bestN := 0
	var bestF *Format
	for i := range Formats {
		f := &Formats[i]
		var n int
		var t *Transcript
		if f.Score != nil {
			n = f.Score(lines)
		} else {
			t, n = f.Parse(lines)
		}
		if n > bestN {
			best, bestN, bestF = t, n, f
		}
	}
	if bestF != nil && best == nil {
		best, _ = bestF.Parse(lines)
	}
	if best != nil {
		best.Format, best.Recognised = bestF.Name, bestN
	}
	if best == nil {
		best, _ = parseRaw(lines)
		best.Format = "raw"
	}
	best.Truncated = truncated
	best.Lines = len(lines)
	best.finish(bestF != nil && bestF.Server)
	return best
}

// Lines cuts text to MaxBytes and MaxLines and splits it into lines without their line ends. A
// log longer than MaxLines keeps its first headLines lines (where the client says whom it
// connected to) and its last lines (where the failure is); the middle is dropped. It is the
// first step of Parse, exported for format parsers' tests.
func Lines(text string) (lines []string, truncated bool) {
	if len(text) > MaxBytes {
		text = text[:MaxBytes]
		truncated = true
	}
	lines = strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) > MaxLines {
		kept := make([]string, 0, MaxLines)
		kept = append(kept, lines[:headLines]...)
		lines = append(kept, lines[len(lines)-(MaxLines-headLines):]...)
		truncated = true
	}
	return lines, truncated
}

// headLines is how many first lines a cut log keeps.
const headLines = 100

// finish finds the control address and the failure once the format is chosen.
func (t *Transcript) finish(serverLog bool) {
	t.failure, t.hint = -1, -1
	for _, e := range t.Entries {
		if serverLog {
			break // a server's log names its clients' addresses, not its own
		}
		if e.Dir == Response || e.Dir == Command {
			break
		}
		if a := addrIn(e.Text); a != "" {
			t.ControlAddr = a
		}
	}
	t.findFailure()
}

// Responses returns only the server's response entries (reply lines, in RFC 959's words).
func (t *Transcript) Responses() []Entry {
	var out []Entry
	for _, e := range t.Entries {
		if e.Dir == Response {
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

// Benign reports whether Failure is only a refusal the session went on after.
func (t *Transcript) Benign() bool { return t.benign }

// ClientError returns the client-side error line that explains the failure when no reply does
// (a time-out, a refused connection), or nil.
func (t *Transcript) ClientError() *Entry {
	if t.hint < 0 {
		return nil
	}
	return &t.Entries[t.hint]
}

// RawLine returns the input line of e that matches, for a multi-line reply the first of its lines
// for which match is true, else e.Raw.
func (e *Entry) RawLine(match func(string) bool) string {
	for _, l := range e.RawLines {
		if match(l) {
			return l
		}
	}
	return e.Raw
}

// Tagged returns the entries with tag, in order.
func (t *Transcript) Tagged(tag Tag) []*Entry {
	var out []*Entry
	for i := range t.Entries {
		if t.Entries[i].Tag == tag {
			out = append(out, &t.Entries[i])
		}
	}
	return out
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
		case Response:
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
	return e.Dir == Response && (e.Code == 227 || e.Code == 228 || e.Code == 229) || e.ActiveOK()
}

// ActiveOK reports whether e is a 200 accepting an active-mode PORT or EPRT: after it the
// server connects back to the client.
func (e *Entry) ActiveOK() bool {
	return e.Dir == Response && e.Code == 200 && (isActive(e.Command) || isActive(firstWord(e.Text)))
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

// LastResponseBefore returns the last reply before entry i, or nil.
func (t *Transcript) LastResponseBefore(i int) *Entry {
	for j := i - 1; j >= 0; j-- {
		if t.Entries[j].Dir == Response {
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

// benign lists commands whose refusal a client expects and recovers from: feature probes,
// fallbacks (EPSV → PASV, MLSD → LIST, AUTH → plain login) and existence checks before upload.
var benign = map[string]bool{
	"FEAT": true, "OPTS": true, "CLNT": true, "SITE": true, "HELP": true, "SYST": true, "EPSV": true,
	"EPRT": true, "MLSD": true, "MLST": true, "SIZE": true, "MDTM": true, "AUTH": true, "HOST": true,
	"LANG": true, "STAT": true, "MFMT": true, "MODE": true, "CWD": true, "MKD": true, "PBSZ": true,
	"PROT": true,
}

// findFailure picks the reply that explains the failure: the first 4xx/5xx reply the client did
// not recover from. A refusal of a probing command (FEAT, EPSV, AUTH…) counts only when nothing
// after it succeeded; otherwise the first refusal of any command wins. With no failing reply, a
// client error line (a time-out, a refused connection, an exception) is the hint.
func (t *Transcript) findFailure() {
	firstBenign := -1
	for i, e := range t.Entries {
		if e.Dir != Response || e.Code/100 < 4 || e.Code/100 > 5 {
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

// Probe reports whether e is the refusal of a probe the session went on after (an AUTH TLS
// lftp sends on its own, an OPTS UTF8, an EPSV the client replaced with PASV): expected, not a
// failure.
func (t *Transcript) Probe(e *Entry) bool {
	i := t.Index(e)
	return i >= 0 && e.Dir == Response && e.Code >= 400 && benign[e.Command] && t.recovered(i)
}

// recovered reports whether the session went on after entry i: a later positive reply (2xx or
// 3xx) other than QUIT's 221, or a later reply to another command (the client carried on; if
// that failed too, that is the failure to explain).
func (t *Transcript) recovered(i int) bool {
	for _, e := range t.Entries[i+1:] {
		if e.Dir != Response {
			continue
		}
		if e.Code < 400 && e.Code != 221 {
			return true
		}
		if e.Command != "" && e.Command != t.Entries[i].Command && e.Command != "QUIT" {
			return true
		}
	}
	return false
}
