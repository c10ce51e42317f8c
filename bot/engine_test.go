package bot_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

func TestHandleShapes(t *testing.T) {
	e := engine(t)
	tests := []struct {
		name     string
		text     string
		kind     bot.Kind
		first    string // Matches[0].ID, "" for none
		severity bot.Severity
		inBody   string // text that must appear somewhere in the reply
	}{
		{"bare code", "530", bot.KindCode, "530", bot.SeverityError, "Not logged in"},
		{"code with words", "what does error 425 mean?", bot.KindCode, "425", bot.SeverityWarning, ""},
		{"class", "5xx", bot.KindClass, "5xx", bot.SeverityError, "530"},
		{"class digit", "2", bot.KindClass, "2xx", bot.SeveritySuccess, ""},
		{"prefix", "53", bot.KindSuggest, "530", bot.SeverityInfo, "532"},
		{"reply line", "550 Failed to open file.", bot.KindCode, "550", bot.SeverityError, "vsftpd"},
		{"unknown code", "559", bot.KindNoMatch, "", bot.SeverityInfo, "No reply code 559. Closest: 55"},
		{"help", "help", bot.KindHelp, "", bot.SeverityInfo, "check"},
		{"empty", "   ", bot.KindHelp, "", bot.SeverityInfo, ""},
		{"topic", "passive", bot.KindTopic, "active-vs-passive", bot.SeverityInfo, ""},
		{"nonsense", "qwzx pltk", bot.KindNoMatch, "", bot.SeverityInfo, ""},
		{"check without probe", "check ftp.example.com", bot.KindError, "", bot.SeverityWarning, "turned off"},
		{"check without host", "check", bot.KindError, "", bot.SeverityWarning, "which server"},
		{"log that stalls after PASV", "Command:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tMLSD\n", bot.KindLog, "pasv-epsv-nat", bot.SeverityWarning, "127.0.0.1 port 50000"},
		{"negated words", "the old server says the command isn't implemented", bot.KindCode, "502", bot.SeverityError, ""},
		{"the number beats a phrase another code lists", "IIS returns 550 The process cannot access the file because it is being used by another process", bot.KindCode, "550", bot.SeverityError, ""},
		{"a client message about a 227 that worked", "Status: Server sent passive reply with unroutable address. Using server address instead.", bot.KindTopic, "pasv-epsv-nat", bot.SeverityInfo, "FileZilla"},
		{"a pasted SMTP bounce is not FTP", "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown", bot.KindNoMatch, "", bot.SeverityInfo, ""},
		{"an active-mode time-out in a log is the data connection", "Command:\tPORT 127,0,0,1,4,1\nResponse:\t200 PORT command successful\nCommand:\tLIST\nError:\tConnection timed out after 20 seconds of inactivity\n", bot.KindLog, "active-vs-passive", bot.SeverityWarning, ""},
		{"a log's message about a 227 that worked", "Command:\tPASV\nResponse:\t227 Entering Passive Mode (10,0,0,5,195,80).\nStatus:\tServer sent passive reply with unroutable address. Using server address instead.\nError:\tServer sent passive reply with unroutable address. Passive mode failed.\n", bot.KindLog, "pasv-epsv-nat", bot.SeverityInfo, "FileZilla"},
		{"a log failing with a code no standard defines", "Command:\tSTOR a.txt\nResponse:\t599 weird\nError:\tConnection timed out\n", bot.KindLog, "5xx", bot.SeverityError, "599 weird"},
		{"a mail bounce is not FTP", "my email bounced with 550 5.1.1 User unknown from the recipient's mail server", bot.KindNoMatch, "", bot.SeverityInfo, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Handle(context.Background(), bot.Request{Text: tt.text, User: "U1", Platform: "test"})
			if r.Kind != tt.kind {
				t.Errorf("Kind = %s, want %s (title %q)", r.Kind, tt.kind, r.Title)
			}
			first := ""
			if len(r.Matches) > 0 {
				first = r.Matches[0].ID
			}
			if tt.kind != bot.KindNoMatch && first != tt.first {
				t.Errorf("Matches[0] = %q, want %q", first, tt.first)
			}
			if r.Severity != tt.severity {
				t.Errorf("Severity = %s, want %s", r.Severity, tt.severity)
			}
			if tt.inBody != "" && !strings.Contains(flatten(r), tt.inBody) {
				t.Errorf("reply does not mention %q:\n%s", tt.inBody, flatten(r))
			}
			if r.Visibility != bot.Ephemeral {
				t.Errorf("Visibility = %s, want ephemeral by default", r.Visibility)
			}
			if r.Query != tt.text {
				t.Errorf("Query = %q, want %q", r.Query, tt.text)
			}
		})
	}
}

// flatten joins every text of a reply, for "mentions" checks.
func flatten(r bot.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Summary + "\n")
	for _, f := range r.Fields {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	for _, s := range r.Sections {
		b.WriteString(s.Heading + "\n" + s.Body + "\n" + strings.Join(s.Items, "\n") + "\n")
	}
	for _, rel := range r.Related {
		b.WriteString(rel.Label + "\n")
	}
	return b.String()
}

func TestPublicSuffix(t *testing.T) {
	e := engine(t)
	r := e.Handle(context.Background(), bot.Request{Text: "530 public"})
	if r.Visibility != bot.InChannel || r.ID != "530" {
		t.Errorf("530 public = %s %s, want 530 in channel", r.ID, r.Visibility)
	}
	if text, pub := bot.SplitVisibility("public"); text != "public" || pub {
		t.Errorf("SplitVisibility(public) = %q, %v; a lone word is a question", text, pub)
	}
}

func TestServerRecognisedFromReplyLine(t *testing.T) {
	e := engine(t)
	r := e.Handle(context.Background(), bot.Request{Text: "Response: 530 Login authentication failed"})
	if r.ID != "530" {
		t.Fatalf("ID = %s", r.ID)
	}
	var server string
	for _, f := range r.Fields {
		if f.Label == "Server" {
			server = f.Value
		}
	}
	if server != "Pure-FTPd" {
		t.Errorf("Server field = %q, want Pure-FTPd (its wording)", server)
	}
}

func TestLogAnswerMasksPasswords(t *testing.T) {
	e := engine(t)
	r := e.Handle(context.Background(), bot.Request{Text: "220 hi\nUSER bob\n331 pw\nPASS hunter2\n530 Login incorrect."})
	if r.Kind != bot.KindLog || r.Matches[0].ID != "530" {
		t.Fatalf("got %s %v", r.Kind, r.Matches)
	}
	if strings.Contains(flatten(r), "hunter2") {
		t.Error("the answer repeats the password from the log")
	}
}

func TestRateLimit(t *testing.T) {
	e := engine(t)
	now := time.Unix(1_700_000_000, 0)
	l := bot.NewRateLimiter(3)
	l.Now = func() time.Time { return now }
	e.Limiter = l
	ask := func(user string) bot.Kind {
		return e.Handle(context.Background(), bot.Request{Text: "530", User: user, Platform: "test"}).Kind
	}
	for i := 0; i < 3; i++ {
		if k := ask("alice"); k != bot.KindCode {
			t.Fatalf("question %d = %s, want an answer", i+1, k)
		}
	}
	if k := ask("alice"); k != bot.KindSlowDown {
		t.Errorf("4th question in a minute = %s, want slowdown", k)
	}
	if k := ask("bob"); k != bot.KindCode {
		t.Errorf("another user = %s, want an answer", k)
	}
	now = now.Add(61 * time.Second)
	if k := ask("alice"); k != bot.KindCode {
		t.Errorf("after a minute = %s, want an answer", k)
	}
}

func TestPanicsBecomePoliteErrors(t *testing.T) {
	e := engine(t)
	var mu sync.Mutex
	var outcomes []bot.Outcome
	e.Observe = func(o bot.Outcome) { mu.Lock(); outcomes = append(outcomes, o); mu.Unlock() }
	e.Check = func(context.Context, bot.Request, string) (bot.Reply, error) { panic("boom") }
	r := e.Handle(context.Background(), bot.Request{Text: "check ftp.example.com"})
	if r.Kind != bot.KindError || strings.Contains(flatten(r), "boom") {
		t.Errorf("reply = %s %q, want a polite error without internals", r.Kind, flatten(r))
	}
	if len(outcomes) != 1 || !outcomes[0].Panicked || outcomes[0].Result != "error" {
		t.Errorf("outcomes = %+v, want one panicked error", outcomes)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct{ in, cmd, args string }{
		{"check ftp.example.com", "check", "ftp.example.com"},
		{"CHECK host:21", "check", "host:21"},
		{"help", "help", ""},
		{"help 530", "ask", "help 530"},
		{"530", "ask", "530"},
		{"checking my upload", "ask", "checking my upload"},
	}
	for _, tt := range tests {
		c, args := bot.ParseCommand(tt.in)
		if c.Name != tt.cmd || args != tt.args {
			t.Errorf("ParseCommand(%q) = %s, %q; want %s, %q", tt.in, c.Name, args, tt.cmd, tt.args)
		}
	}
}

func FuzzAsk(f *testing.F) {
	for _, s := range []string{"530", "5xx", "53", "passive", "curl: (67) Access denied: 530",
		"220 hi\nUSER a\n331 x\nPASS y\n530 no", "check a", "\x00<!channel>", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	e := engine(f)
	f.Fuzz(func(t *testing.T, s string) {
		r := e.Handle(context.Background(), bot.Request{Text: s})
		if r.Title == "" {
			t.Errorf("reply without a title for %q", s)
		}
		if r.Kind == bot.KindCode && len(r.Matches) == 0 {
			t.Errorf("code reply without matches for %q", s)
		}
	})
}

// The Ask benchmarks measure answering from scratch (an engine without the answer cache), the
// work behind every new question; BenchmarkAskCached is a repeated one.
func uncached(b *testing.B) *bot.Engine {
	b.Helper()
	kb, err := knowledge.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	return &bot.Engine{KB: kb}
}

func BenchmarkAskCode(b *testing.B) {
	e := uncached(b)
	b.ReportAllocs()
	for b.Loop() {
		e.Ask("530")
	}
}

func BenchmarkAskFreeText(b *testing.B) {
	e := uncached(b)
	b.ReportAllocs()
	for b.Loop() {
		e.Ask("permission denied when uploading a file")
	}
}

func BenchmarkAskCached(b *testing.B) {
	e := engine(b)
	b.ReportAllocs()
	for b.Loop() {
		e.Ask("permission denied when uploading a file")
	}
}

func BenchmarkAskLog200(b *testing.B) {
	e := uncached(b)
	var sb strings.Builder
	sb.WriteString("Response:\t220 (vsFTPd 3.0.3)\nCommand:\tUSER bob\nResponse:\t331 Please specify the password.\nCommand:\tPASS ****\nResponse:\t230 Login successful.\n")
	for i := 0; i < 39; i++ {
		sb.WriteString("Command:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tRETR f.bin\nResponse:\t150 Opening BINARY mode data connection for f.bin (1 bytes).\nResponse:\t226 Transfer complete.\n")
	}
	sb.WriteString("Command:\tSTOR x\nResponse:\t553 Could not create file.\n")
	log := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		if r := e.Ask(log); r.Matches[0].ID != "553" {
			b.Fatalf("got %v", r.Matches)
		}
	}
}

// TestRecover: a recovered panic is counted and answered politely; net/http's deliberate abort
// is passed on.
func TestRecover(t *testing.T) {
	var counted []string
	h := &bot.Health{OnPanic: func(where string) { counted = append(counted, where) }}
	polite := false
	func() {
		defer bot.Recover(nil, h, "test", func() { polite = true })
		panic("boom")
	}()
	if !polite || len(counted) != 1 || counted[0] != "test" {
		t.Errorf("after a panic: polite=%v counted=%v", polite, counted)
	}
	func() {
		defer bot.Recover(nil, h, "quiet", func() { t.Error("polite called without a panic") })
	}()
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler passed on", p)
		}
	}()
	func() {
		defer bot.Recover(nil, h, "abort", nil)
		panic(http.ErrAbortHandler)
	}()
}

// TestHugeInputSaysItWasCut: whatever the answer, an input over MaxQueryBytes says that only its
// beginning was read; short client messages do not match inside a blob of text.
func TestHugeInputSaysItWasCut(t *testing.T) {
	e := engine(t)
	tests := []struct{ name, text, wantKind string }{
		{"a code, then padding", "530 " + strings.Repeat("x", bot.MaxQueryBytes), string(bot.KindCode)},
		{"base64-like noise containing eof", strings.Repeat("Qm9eofZ3", bot.MaxQueryBytes/8+10), string(bot.KindNoMatch)},
		{"a long log", strings.Repeat("Response:\t230 Login successful.\n", bot.MaxQueryBytes/30) + "Response:\t550 Permission denied.\n", string(bot.KindLog)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Ask(tt.text)
			if string(r.Kind) != tt.wantKind {
				t.Errorf("kind = %s, want %s (matches %v)", r.Kind, tt.wantKind, r.Matches)
			}
			if len(r.Sections) == 0 || r.Sections[0].Heading != "Input cut" {
				t.Errorf("first section = %v, want the Input cut note", r.Sections)
			}
		})
	}
}

// TestMatchesFollowTheAnswer: after a pasted line's or a log's code, Matches carries what a reader
// wants next: the topic the line's wording names, or — when a log's data connection failed or
// stalled — the topic that cures it first and the code after it. A line whose words name a
// specific failure ("session reuse required") leads with it, its code next.
func TestMatchesFollowTheAnswer(t *testing.T) {
	e := engine(t)
	tests := []struct{ name, text, first, want string }{
		{"vsftpd's session-reuse line", "522 SSL connection failed; session reuse required: see require_ssl_reuse option in vsftpd.conf man page", "tls-session-reuse", "522"},
		{"active mode stalls", "ftp> dir\n200 PORT command successful. Consider using PASV.\n", "active-vs-passive", "425"},
		{"a log's failing line names its topic", "Command:\tPORT 10,0,0,5,195,80\nResponse:\t500 Illegal PORT command.\nError:\tFailed to retrieve directory listing\n", "active-vs-passive", "500"},
		{"a stall after a refused EPSV", "Command:\tEPSV\nResponse:\t500 EPSV not understood\nCommand:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tMLSD\n", "pasv-epsv-nat", "425"},
		{"a data time-out after PASV offers the NAT topics, not the control connection's", "Command:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tMLSD\nError:\tConnection timed out after 20 seconds of inactivity\n", "pasv-epsv-nat", "425"},
		{"passive mode stalls", "Response:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tLIST\n", "pasv-epsv-nat", "425"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Ask(tt.text)
			var ids []string
			for _, m := range r.Matches {
				ids = append(ids, m.ID)
			}
			if len(ids) < 2 || ids[0] != tt.first || !slices.Contains(ids[1:min(3, len(ids))], tt.want) {
				t.Errorf("matches = %v, want %s first and %s among the next two", ids, tt.first, tt.want)
			}
		})
	}
}

// TestAlternativesNeedMoreThanAWord: the candidates after a pasted line's code must score near it;
// one shared word ("connections", "incorrect") does not bring in a topic.
func TestAlternativesNeedMoreThanAWord(t *testing.T) {
	e := engine(t)
	tests := []struct{ text, unwanted string }{
		{"Response:\t421 Too many connections", "tls-session-reuse"},
		{"530 Login incorrect.", "pasv-epsv-nat"},
		{"Command:\tUSER bob\nResponse:\t530 Login incorrect.\n", "pasv-epsv-nat"},
		{"Command:\tRETR a.txt\nResponse:\t550 No such file or directory\n", "iis-win32-status"},
	}
	for _, tt := range tests {
		r := e.Ask(tt.text)
		for _, m := range r.Matches {
			if m.ID == tt.unwanted {
				t.Errorf("Ask(%q) matches %v, offering %s", tt.text, r.Matches, tt.unwanted)
			}
		}
	}
}
