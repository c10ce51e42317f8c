package transcript

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ftpbot/ftpbot/internal/golden"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/knowledge"
)

func TestParseFormats(t *testing.T) {
	tests := []struct {
		name     string
		log      string
		format   string
		failure  knowledge.Code // 0: none
		command  string         // the command the failure answers
		replies  int
		clientEr string // substring of the client error hint, when no failure
	}{
		{
			name: "filezilla",
			log: `Status:	Connecting to 198.51.100.7:21...
Status:	Connection established, waiting for welcome message...
Response:	220 (vsFTPd 3.0.3)
Command:	AUTH TLS
Response:	530 Please login with USER and PASS.
Command:	USER bob
Response:	331 Please specify the password.
Command:	PASS ********
Response:	530 Login incorrect.
Error:	Critical error: Could not connect to server`,
			format: "filezilla", failure: 530, command: "PASS", replies: 4,
		},
		{
			name: "filezilla with timestamps, data channel time-out",
			log: `2026-11-24 10:00:00 1234 1 Status: Connecting to 198.51.100.7:21...
2026-11-24 10:00:00 1234 1 Response: 220 ProFTPD Server (Debian) [::ffff:198.51.100.7]
2026-11-24 10:00:01 1234 1 Command: USER bob
2026-11-24 10:00:01 1234 1 Response: 331 Password required for bob
2026-11-24 10:00:01 1234 1 Command: PASS ********
2026-11-24 10:00:01 1234 1 Response: 230 User bob logged in
2026-11-24 10:00:01 1234 1 Command: PASV
2026-11-24 10:00:01 1234 1 Response: 227 Entering Passive Mode (10,0,0,5,195,80).
2026-11-24 10:00:01 1234 1 Command: MLSD
2026-11-24 10:00:21 1234 1 Error: Connection timed out after 20 seconds of inactivity
2026-11-24 10:00:21 1234 1 Error: Failed to retrieve directory listing`,
			format: "filezilla", replies: 4, clientEr: "Connection timed out",
		},
		{
			name: "curl -v",
			log: `*   Trying 198.51.100.7:21...
* Connected to ftp.example.com (198.51.100.7) port 21
< 220 Welcome
> USER bob
< 331 Please specify the password.
> PASS hunter2
< 530 Login incorrect.
* Closing connection
curl: (67) Access denied: 530`,
			format: "curl", failure: 530, command: "PASS", replies: 3,
		},
		{
			name: "lftp -d",
			log: `---- Connecting to ftp.example.com (198.51.100.7) port 21
<--- 220 ProFTPD Server ready.
---> USER bob
<--- 331 Password required for bob
---> PASS XXXX
<--- 230 User bob logged in
---> PASV
<--- 227 Entering Passive Mode (198,51,100,7,195,80).
---> STOR report.pdf
<--- 553 report.pdf: Permission denied`,
			format: "lftp", failure: 553, command: "STOR", replies: 5,
		},
		{
			name: "winscp",
			log: `. 2026-11-24 10:00:00.123 Connecting to ftp.example.com ...
< 2026-11-24 10:00:00.200 220 Microsoft FTP Service
> 2026-11-24 10:00:00.210 USER bob
< 2026-11-24 10:00:00.300 331 Password required
> 2026-11-24 10:00:00.310 PASS ********
< 2026-11-24 10:00:00.400 534 Policy requires SSL.
* 2026-11-24 10:00:00.410 (ESshFatal) Connection failed.`,
			format: "winscp", failure: 534, command: "PASS", replies: 3,
		},
		{
			name: "raw transcript with a multi-line FEAT and a recovered EPSV",
			log: `220 (vsFTPd 3.0.3)
USER anonymous
331 Please specify the password.
PASS x
230 Login successful.
FEAT
211-Features:
 EPRT
 EPSV
 MDTM
211 End
EPSV
500 Unknown command.
PASV
227 Entering Passive Mode (127,0,0,1,200,10).
RETR missing.txt
550 Failed to open file.`,
			format: "raw", failure: 550, command: "RETR", replies: 7,
		},
		{
			name: "vsftpd server log",
			log: `Mon Nov 24 10:00:00 2026 [pid 1201] CONNECT: Client "::ffff:198.51.100.7"
Mon Nov 24 10:00:00 2026 [pid 1201] FTP response: Client "::ffff:198.51.100.7", "220 (vsFTPd 3.0.3)"
Mon Nov 24 10:00:01 2026 [pid 1201] FTP command: Client "::ffff:198.51.100.7", "USER bob"
Mon Nov 24 10:00:01 2026 [pid 1201] [bob] FTP response: Client "::ffff:198.51.100.7", "331 Please specify the password."
Mon Nov 24 10:00:01 2026 [pid 1201] [bob] FTP command: Client "::ffff:198.51.100.7", "PASS <password>"
Mon Nov 24 10:00:03 2026 [pid 1200] [bob] FAIL LOGIN: Client "::ffff:198.51.100.7"
Mon Nov 24 10:00:04 2026 [pid 1201] [bob] FTP response: Client "::ffff:198.51.100.7", "530 Login incorrect."`,
			format: "vsftpd", failure: 530, command: "PASS", replies: 3,
		},
		{
			name: "ftplib debug",
			log: `*get* '220 ProFTPD Server ready.\n'
*resp* '220 ProFTPD Server ready.'
*cmd* 'USER bob'
*resp* '331 Password required for bob'
*cmd* 'PASS ********'
*resp* '530 Login incorrect.'`,
			format: "ftplib", failure: 530, command: "PASS", replies: 3, // *get* and *resp* are one reply
		},
		{
			name:    "all good",
			log:     "220 ready\nUSER a\n331 pw\nPASS b\n230 ok\nQUIT\n221 bye",
			format:  "raw",
			replies: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Parse(tt.log)
			if tr.Format != tt.format {
				t.Errorf("Format = %q, want %q", tr.Format, tt.format)
			}
			if got := len(tr.Responses()); got != tt.replies {
				t.Errorf("%d replies, want %d: %+v", got, tt.replies, tr.Responses())
			}
			f := tr.Failure()
			switch {
			case tt.failure == 0 && f != nil:
				t.Errorf("Failure() = %+v, want none", f)
			case tt.failure != 0 && (f == nil || f.Code != tt.failure || f.Command != tt.command):
				t.Errorf("Failure() = %+v, want %d to %s", f, tt.failure, tt.command)
			}
			if tt.clientEr != "" {
				if h := tr.ClientError(); h == nil || !strings.Contains(h.Text, tt.clientEr) {
					t.Errorf("ClientError() = %+v, want %q", h, tt.clientEr)
				}
			}
			for _, e := range tr.Entries {
				if e.Dir == Command && strings.Contains(e.Text, "hunter2") {
					t.Errorf("a password was kept: %q", e.Text)
				}
			}
		})
	}
}

func TestMultiLineReplyIsOneEntry(t *testing.T) {
	tr := Parse("211-Features:\n EPRT\n MLST type*;size*;\n UTF8\n211 End")
	reps := tr.Responses()
	if len(reps) != 1 || reps[0].Code != 211 || !strings.Contains(reps[0].Text, "UTF8") || !strings.HasSuffix(reps[0].Text, "End") {
		t.Fatalf("Responses() = %+v, want one 211 holding every line", reps)
	}
}

func TestParseBoundsHugeInput(t *testing.T) {
	line := "Response:\t150 Opening BINARY mode data connection.\n"
	tr := Parse(strings.Repeat(line, MaxLines+500))
	if !tr.Truncated || tr.Lines > MaxLines {
		t.Errorf("Truncated = %v, Lines = %d; want a cut at %d lines", tr.Truncated, tr.Lines, MaxLines)
	}
	tr = Parse(strings.Repeat("x", MaxBytes+10))
	if !tr.Truncated {
		t.Error("a paste over MaxBytes was not cut")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"530 Login incorrect.",
		"211-Features:\n EPRT\n211 End",
		"Response:\t227 Entering Passive Mode (10,0,0,5,195,80)",
		"< 2026-11-24 10:00:00.200 220 Microsoft FTP Service",
		`[pid 1] FTP response: Client "x", "530 x"`,
		"*resp* '530 x'",
		"\x00\xff\xfe",
		"--> USER bob\n\n530 Login incorrect.\n",
		"<--- 230-User bob\n<--- 230- 12 Kbytes used (1%) - authorized: 10 Kb\n<--- 230 OK\nls: Login failed: 530 x",
		"Traceback (most recent call last):\n  File \"x.py\", line 212, in getresp\nftplib.error_perm: 530 Login incorrect.",
		"* Connected to h (198.51.100.7) port 22\n< SSH-2.0-OpenSSH_9.2p1\ncurl: (8) Weird server reply",
		"2024-03-09T16:36:15.643Z << [FTP Session 3 192.168.0.18] 220-FileZilla Server 1.8.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr := Parse(s)
		if f := tr.Failure(); f != nil && (f.Code < 400 || f.Code >= 600) {
			t.Errorf("failure %d is not a 4xx or 5xx", f.Code)
		}
		for _, e := range tr.Entries {
			if e.Dir == Response && knowledge.Code(e.Code).Class() == "" {
				t.Errorf("reply with code %d", e.Code)
			}
		}
	})
}

func BenchmarkParse200Lines(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 40; i++ {
		sb.WriteString("Command:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tRETR file.bin\nResponse:\t150 Opening BINARY mode data connection.\nResponse:\t226 Transfer complete.\n")
	}
	log := sb.String() + "Command:\tSTOR x\nResponse:\t553 Could not create file.\n"
	b.ReportAllocs()
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if Parse(log).Failure() == nil {
			b.Fatal("no failure found")
		}
	}
}

// TestParseIISLog: an IIS FTP log (W3C fields) becomes commands and replies, with the Windows
// error and IIS's substatus kept in the reply text, and the failed PASS found.
func TestParseIISLog(t *testing.T) {
	log := `#Software: Microsoft Internet Information Services 10.0
#Fields: date time c-ip cs-username s-ip s-port cs-method cs-uri-stem sc-status sc-win32-status sc-substatus x-session x-fullpath
2026-11-20 09:14:02 203.0.113.9 - 198.51.100.4 21 ControlChannelOpened - - 0 0 7c1a - -
2026-11-20 09:14:02 203.0.113.9 - 198.51.100.4 21 USER deploy 331 0 0 7c1a - -
2026-11-20 09:14:03 203.0.113.9 deploy 198.51.100.4 21 PASS secret 530 1326 41 7c1a - -
2026-11-20 09:14:03 203.0.113.9 deploy 198.51.100.4 21 ControlChannelClosed - - 0 0 7c1a - -`
	tr := Parse(log)
	if tr.Format != "iis" {
		t.Errorf("format = %q, want iis", tr.Format)
	}
	f := tr.Failure()
	if f == nil || f.Code != 530 || f.Command != "PASS" || !strings.Contains(f.Text, "win32 status 1326, substatus 41") {
		t.Fatalf("failure = %+v, want 530 to PASS with the win32 status", f)
	}
	for _, e := range tr.Entries {
		if strings.Contains(e.Text, "secret") {
			t.Errorf("the password was kept: %q", e.Text)
		}
	}
	if got := len(tr.Responses()); got != 2 {
		t.Errorf("%d replies, want 2 (the channel open/close lines carry no status)", got)
	}
}

// TestStalled: a log that stops where the data connection should open is a stall; one that goes
// on, or fails for a stated reason, is not.
func TestStalled(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want knowledge.Code // 0: not stalled
	}{
		{"passive, the listing command, then nothing", "Command:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tMLSD\n", 227},
		{"a refused EPSV the session went on after", "Command:\tEPSV\nResponse:\t500 EPSV not understood\nCommand:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tMLSD\n", 227},
		{"another command after 227", "Response:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tQUIT\n", 0},
		{"227 is the last line", "Command:\tPASV\nResponse:\t227 Entering Passive Mode (127,0,0,1,195,80).\n", 227},
		{"229 then a status note", "Command:\tEPSV\nResponse:\t229 Entering Extended Passive Mode (|||40000|)\nStatus:\tRetrieving directory listing...\n", 229},
		{"active: 200 to PORT", "ftp> dir\n200 PORT command successful. Consider using PASV.\n", 200},
		{"200 to TYPE is not a stall", "Command:\tTYPE I\nResponse:\t200 Type set to I\n", 0},
		{"the listing arrived", "Response:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tLIST\nResponse:\t150 Here comes the directory listing.\nResponse:\t226 Directory send OK.\n", 0},
		{"a failure explains it instead", "Response:\t227 Entering Passive Mode (127,0,0,1,195,80).\nCommand:\tLIST\nResponse:\t425 Failed to establish connection.\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got knowledge.Code
			if e := Parse(tt.log).Stalled(); e != nil {
				got = e.Code
			}
			if got != tt.want {
				t.Errorf("Stalled() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFormatsGolden reads every log in testdata/formats with Parse and compares what it made of
// it — the format chosen, each entry, the failure, the client error, the control address — with
// testdata/formats/<name>.golden (rewritten with -update). A file's name starts with the format
// that must win ("lftp-debug.log" is lftp's).
func TestFormatsGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "formats", "*.log"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/formats/*.log (%v)", err)
	}
	names := map[string]bool{}
	for _, f := range Formats {
		names[f.Name] = true
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tr := Parse(string(data))
			want := name
			for !names[want] && strings.Contains(want, "-") {
				want = want[:strings.LastIndexByte(want, '-')]
			}
			if tr.Format != want {
				t.Errorf("Format = %q, want %q (recognised %d of %d lines)", tr.Format, want, tr.Recognised, tr.Lines)
			}
			for _, e := range tr.Entries {
				if !strings.Contains(string(data), e.Raw) && !strings.Contains(e.Raw, "****") {
					t.Errorf("entry %d's Raw %q is not a line of the input", e.Line, e.Raw)
				}
			}
			golden.Check(t, strings.TrimSuffix(path, ".log")+".golden", []byte(describe(tr)))
		})
	}
}

// describe renders a transcript for the golden files, one entry a line.
func describe(tr *Transcript) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format %s, %d lines recognised, control %q\n", tr.Format, tr.Recognised, tr.ControlAddr)
	dirs := map[Dir]string{Response: "reply", Command: "command", Status: "status", Error: "error"}
	tags := map[Tag]string{TagConnected: " [connected]", TagBanner: " [banner]", TagException: " [exception]", TagFrame: " [frame]", TagSummary: " [summary]", TagPrompt: " [prompt]"}
	for _, e := range tr.Entries {
		fmt.Fprintf(&b, "%3d %-7s", e.Line, dirs[e.Dir])
		if e.Dir == Response {
			fmt.Fprintf(&b, " %s (to %q)", e.Code, e.Command)
		}
		if e.Dir == Error && e.Command != "" {
			fmt.Fprintf(&b, " (command %q)", e.Command)
		}
		fmt.Fprintf(&b, " %q%s\n", e.Text, tags[e.Tag])
	}
	if f := tr.Failure(); f != nil {
		fmt.Fprintf(&b, "failure: line %d, %s to %q (benign %v)\n", f.Line, f.Code, f.Command, tr.Benign())
	}
	if h := tr.ClientError(); h != nil {
		fmt.Fprintf(&b, "client error: line %d %q\n", h.Line, h.Text)
	}
	if s := tr.Stalled(); s != nil {
		fmt.Fprintf(&b, "stalled after: line %d %s\n", s.Line, s.Code)
	}
	return b.String()
}

// TestFormatTable: every format in the table parses its own kind of document on its own and
// claims more of it than any other format does.
func TestFormatTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Formats {
		if seen[f.Name] {
			t.Errorf("format %q is listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Parse == nil {
			t.Errorf("format %q has no parser", f.Name)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "formats", "*.log"))
	for _, f := range Formats {
		n := 0
		for _, path := range files {
			if strings.HasPrefix(filepath.Base(path), f.Name+"-") {
				n++
			}
		}
		if n == 0 {
			t.Errorf("format %q has no testdata/formats/%s-*.log", f.Name, f.Name)
		}
	}
	for _, path := range files {
		data, _ := os.ReadFile(path)
		lines, _ := Lines(string(data))
		counts := map[string]int{}
		for _, f := range Formats {
			_, n := f.Parse(lines)
			counts[f.Name] = n
			if f.Score != nil {
				if s := f.Score(lines); s != n {
					t.Errorf("%s: format %s scores %d lines but parses %d", path, f.Name, s, n)
				}
			}
		}
		tr := Parse(string(data))
		for name, n := range counts {
			if n > counts[tr.Format] {
				t.Errorf("%s: %s won with %d lines, but %s recognised %d", path, tr.Format, counts[tr.Format], name, n)
			}
		}
	}
}

// TestFtplibEchoesCountOnce: at debug level 2 ftplib prints every command and reply twice.
func TestFtplibEchoesCountOnce(t *testing.T) {
	level2 := "*get* '220 ready\\n'\n*resp* '220 ready'\n*cmd* 'USER bob'\n*put* 'USER bob\\r\\n'\n*get* '530 no\\n'\n*resp* '530 no'\n"
	level1 := "*resp* '220 ready'\n*cmd* 'USER bob'\n*resp* '530 no'\n"
	for _, log := range []string{level1, level2} {
		tr := Parse(log)
		var cmds, reps int
		for _, e := range tr.Entries {
			switch e.Dir {
			case Command:
				cmds++
			case Response:
				reps++
			}
		}
		if cmds != 1 || reps != 2 {
			t.Errorf("Parse(%q): %d commands and %d replies, want 1 and 2", log, cmds, reps)
		}
	}
}

// TestTracebackLineNumbersAreNotCodes: "line 212" in a frame is not a reply, and the exception
// that quotes a reply is that reply.
func TestTracebackLineNumbersAreNotCodes(t *testing.T) {
	tr := Parse("Traceback (most recent call last):\n  File \"x.py\", line 212, in getresp\n    raise error_perm(resp)\n  File \"y.py\", line 230\nssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)\n")
	if reps := tr.Responses(); len(reps) != 0 {
		t.Errorf("replies %v, want none", reps)
	}
	if h := tr.ClientError(); h == nil || h.Tag != TagException || !strings.HasPrefix(h.Text, "ssl.SSLCertVerificationError") {
		t.Errorf("ClientError() = %+v, want the exception", h)
	}
}

// BenchmarkParseMaxLines is the worst case Parse allows: MaxLines lines of a real client's log.
func BenchmarkParseMaxLines(b *testing.B) {
	block := "---> PASV\n<--- 227 Entering Passive Mode (198,51,100,7,195,80).\n---> RETR f.bin\n<--- 150 Opening BINARY mode data connection.\n<--- 226 Transfer complete.\n"
	log := strings.Repeat(block, MaxLines/5+100)
	b.ReportAllocs()
	for b.Loop() {
		if tr := Parse(log); !tr.Truncated {
			b.Fatal("not cut")
		}
	}
}
