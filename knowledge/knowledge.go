package knowledge

import (
	"fmt"
	"strconv"
	"strings"
)

// Code is an FTP reply code (or a Windows socket error number seen where one is expected).
// It is an int, printed with at least three digits, the way net/textproto.Error keeps its code.
type Code int

// String prints the code as servers send it: 530, 110, 10054.
func (c Code) String() string { return fmt.Sprintf("%03d", int(c)) }

// Class returns the class id the code belongs to: "1xx" … "6xx", or "winsock" for the
// Windows socket error numbers (10000 and up) that FTP clients on Windows report.
func (c Code) Class() string {
	switch {
	case c >= 10000:
		return "winsock"
	case c >= 100 && c < 700:
		return strconv.Itoa(int(c)/100) + "xx"
	}
	return ""
}

// Step is the stage of an FTP session a reply belongs to: where things broke.
type Step string

// The steps of a session in the order a client walks them.
const (
	StepConnect  Step = "connect"  // TCP connect and the greeting
	StepTLS      Step = "tls"      // AUTH TLS, PBSZ, PROT, the handshake
	StepLogin    Step = "login"    // USER, PASS, ACCT
	StepSession  Step = "session"  // FEAT, SYST, TYPE, OPTS, SITE, HELP, NOOP: talking about the session
	StepData     Step = "data"     // PASV, EPSV, PORT, EPRT and opening the data connection
	StepTransfer Step = "transfer" // RETR, STOR, LIST, MLSD moving bytes
	StepFiles    Step = "files"    // CWD, MKD, DELE, RNFR/RNTO, SIZE: the file system
	StepClose    Step = "close"    // QUIT, the server closing the session
)

// Steps lists every step in session order.
var Steps = []Step{StepConnect, StepTLS, StepLogin, StepSession, StepData, StepTransfer, StepFiles, StepClose}

var stepLabels = map[Step]string{
	StepConnect:  "Connecting",
	StepTLS:      "TLS (FTPS)",
	StepLogin:    "Login",
	StepSession:  "Session set-up",
	StepData:     "Data channel",
	StepTransfer: "Transfer",
	StepFiles:    "Files and directories",
	StepClose:    "Closing",
}

// Label is the step's name for people.
func (s Step) Label() string {
	if l, ok := stepLabels[s]; ok {
		return l
	}
	return string(s)
}

// Valid reports whether s is one of Steps.
func (s Step) Valid() bool { _, ok := stepLabels[s]; return ok }

// Entry is everything the bot knows about one reply code.
type Entry struct {
	Code     Code         `toml:"code"`
	Title    string       `toml:"title"`
	Standard bool         `toml:"standard"` // defined by an RFC; false for de-facto and Windows codes
	Source   string       `toml:"source"`   // where it is defined: "RFC 959 §4.2.2", or who uses it
	Step     Step         `toml:"step"`
	Meaning  string       `toml:"meaning"`
	Commands []string     `toml:"commands"`
	Causes   []string     `toml:"causes"`
	Fixes    []string     `toml:"fixes"` // ordered: try the first first
	Related  []Code       `toml:"related"`
	Keywords []string     `toml:"keywords"` // phrases people type or servers print for it
	Servers  []ServerNote `toml:"server"`

	// Team holds notes added from the configured team directory, shown under the built-in answer.
	Team []TeamNote `toml:"-"`
}

// ServerNote is what one server software says and does differently for a code.
type ServerNote struct {
	Server  string `toml:"server"`  // a Server id: vsftpd, proftpd, pure-ftpd, filezilla-server, iis
	Example string `toml:"example"` // a reply line as that server sends it
	Note    string `toml:"note"`    // what is particular to that server: its setting, its log
}

// Class is a reply class: the first digit, and what it means for the client.
type Class struct {
	ID      string `toml:"id"` // "1xx" … "6xx", "winsock"
	Title   string `toml:"title"`
	Meaning string `toml:"meaning"`
	Retry   string `toml:"retry"` // what a client (or a person) should do about retrying
	Source  string `toml:"source"`
	// Codes is filled in at load time: every code of the class, in order.
	Codes []Code `toml:"-"`
}

// Topic is an explanation of a mode, a concept or a catalogue of client errors.
type Topic struct {
	Slug          string    `toml:"slug"`
	Title         string    `toml:"title"`
	Summary       string    `toml:"summary"`
	Aliases       []string  `toml:"aliases"`  // whole queries that mean this topic: "passive", "pasv"
	Keywords      []string  `toml:"keywords"` // words and phrases that point here in free text
	Sections      []Section `toml:"section"`
	Related       []Code    `toml:"related"`
	RelatedTopics []string  `toml:"related_topics"`

	Team []TeamNote `toml:"-"`
}

// Section is one headed part of a topic. Items, when present, are shown as a list after Body.
type Section struct {
	Heading string   `toml:"heading"`
	Body    string   `toml:"body"`
	Items   []string `toml:"items"`
	Ordered bool     `toml:"ordered"`
}

// ClientError is a message an FTP client prints, and the failure behind it.
type ClientError struct {
	ID      string   `toml:"id"`
	Client  string   `toml:"client"`  // FileZilla, WinSCP, curl, lftp, Python ftplib, Go jlaffaye/ftp, …
	Match   []string `toml:"match"`   // case-insensitive substrings; any one identifies the message
	Code    Code     `toml:"code"`    // the reply code or socket error behind it, if there is one
	Topic   string   `toml:"topic"`   // else (or also) the topic that explains it
	Meaning string   `toml:"meaning"` // what the message means in plain words
	Fixes   []string `toml:"fixes"`
}

// AboutSuccess reports whether the message is about a reply that worked, with a topic to explain
// it: FileZilla's "Server sent passive reply with unroutable address" is about a 227 whose address
// is wrong, and the PASV/NAT topic explains it better than 227 does.
func (c ClientError) AboutSuccess() bool { return c.Code != 0 && c.Code < 400 && c.Topic != "" }

// Server is an FTP server software ftpbot can recognise from what it sends.
type Server struct {
	ID    string   `toml:"id"`
	Name  string   `toml:"name"`
	Match []string `toml:"match"` // case-insensitive substrings of banners or replies only it sends
	// Passive is how to set the address the server advertises in its 227 reply, for NAT.
	Passive string `toml:"passive"`
	Notes   string `toml:"notes"`
}

// TeamNote is a note a team added for a code or topic.
type TeamNote struct {
	Text   string
	Author string // optional: who to ask
}

// Heading returns "530 Not logged in".
func (e *Entry) Heading() string { return e.Code.String() + " " + e.Title }

// Heading returns "5xx · Permanent negative completion reply": the one way a class is named
// with its title, in chat answers and on the web pages alike.
func (c *Class) Heading() string { return c.ID + " · " + c.Title }

// FirstSentence returns text up to its first full stop, for one-line summaries of a meaning.
func FirstSentence(text string) string {
	text = strings.TrimSpace(text)
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '.' && (text[i+1] == ' ' || text[i+1] == '\n') {
			return text[:i+1]
		}
	}
	return text
}

// ExampleFor returns the note for server id, if the entry has one.
func (e *Entry) ExampleFor(server string) (ServerNote, bool) {
	for _, s := range e.Servers {
		if strings.EqualFold(s.Server, server) {
			return s, true
		}
	}
	return ServerNote{}, false
}
