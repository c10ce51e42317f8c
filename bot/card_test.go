package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/knowledge"
)

// TestFirstSteps checks that the first step follows the evidence: the server software, the
// failing command, the server's wording, the client.
func TestFirstSteps(t *testing.T) {
	e := engine(t)
	tests := []struct {
		name      string
		text      string
		first     string   // the first step contains this
		notAmong  []string // no step contains these
		wantSteps bool     // false: the card has no steps at all
	}{
		{"bare code: the knowledge's own order", "530", "Retype the user name and password", nil, true},
		{"vsftpd login refused: vsftpd's settings first", bottest.Log, "vsftpd: set local_enable=YES", []string{"ProFTPD: for accounts", "Pure-FTPd: after pure-pw"}, true},
		{"wording of one failure: its own step", "500 OOPS: vsftpd: refusing to run with writable root inside chroot()", "jail root", []string{"If AUTH TLS got the 500"}, true},
		{"a download refused on vsftpd: no upload setting", "550 Failed to open file.", "", []string{"For an upload refused on vsftpd", "For ProFTPD", "For Pure-FTPd"}, true},
		{"upload refused on vsftpd: the vsftpd setting", "Command: STOR a.txt\nResponse: 550 Permission denied.\nResponse: 220 (vsFTPd 3.0.3)", "vsftpd: set write_enable=YES", nil, true},
		{"encryption wording only when said", "530 Login incorrect.", "Retype the user name and password", []string{"If the server wants encryption"}, true},
		{"encryption wording said: the message's own step", "530 Non-anonymous sessions must use encryption.", "explicit FTP over TLS", []string{"userlist_enable"}, true},
		{"encryption wording in a log: no step about another failure", "< 220 (vsFTPd 3.0.3)\n> USER bob\n< 530 Non-anonymous sessions must use encryption.\ncurl: (67) Access denied: 530",
			"encryption", []string{"userlist_enable", "RequireValidShell", "connection-limit"}, true},
		{"a server message inside a log: its own fixes first", "< 220 (vsFTPd 3.0.3)\n> USER bob\n< 331 Please specify the password.\n> PASS x\n< 500 OOPS: vsftpd: refusing to run with writable root inside chroot()\ncurl: (67) Access denied: 500",
			"chmod a-w", nil, true},
		{"vsftpd's RETR wording: the path before any write step", "550 Failed to open file.", "Check the path", nil, true},
		{"a topic's background section gives no step", "pasv epsv nat", "", []string{"Not every client uses it", "Some old firewalls and NAT helpers", "Behind a load balancer"}, true},
		{"a topic's explanation is not its fix list", "permissions chroot", "", []string{"A server switch: writing is turned off", "Space: a full disk"}, true},
		{"PASV address on vsftpd: pasv_address", bottest.NATLog, "pasv_address", []string{"MasqueradeAddress and PassivePorts in proftpd.conf"}, true},
		{"PASV address, server unknown: every server's setting", "Status: Server sent passive reply with unroutable address. Using server address instead.", "advertises its public address", nil, true},
		{"a topic with steps", "ascii vs binary", "binary", nil, true},
		{"a success has nothing to do", "226 Transfer complete.", "", nil, false},
		{"no match", "qwzx pltk", "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Handle(context.Background(), bot.Request{Text: tc.text})
			steps := r.FirstSteps
			if !tc.wantSteps {
				if len(steps) != 0 {
					t.Fatalf("FirstSteps = %q, want none", steps)
				}
				return
			}
			if len(steps) == 0 || len(steps) > bot.MaxFirstSteps {
				t.Fatalf("FirstSteps = %q, want 1 to %d", steps, bot.MaxFirstSteps)
			}
			if !strings.Contains(steps[0], tc.first) {
				t.Errorf("first step = %q, want it to contain %q", steps[0], tc.first)
			}
			for _, s := range steps {
				for _, bad := range tc.notAmong {
					if strings.Contains(s, bad) {
						t.Errorf("step %q is for other evidence (%q)", s, bad)
					}
				}
			}
		})
	}
}

// TestCard checks the card's parts: the evidence label, the meaning, the context, and the
// related menu (failures and concepts only, no duplicates, not the answer itself).
func TestCard(t *testing.T) {
	e := engine(t)
	tests := []struct {
		name, text, title, label string
		context                  []string
	}{
		{"code", "530", "530 Not logged in", "", []string{"5xx", "Login", "RFC 959 §4.2.2"}},
		{"server line", "550 Failed to open file.", "550 Requested action not taken: file unavailable (not found, no access)", "Your server (vsftpd) said", []string{"5xx", "Files and directories", "vsftpd", "RFC 959 §4.2.2"}},
		{"log", bottest.Log, "Failed at login: 530 Not logged in", "From your log", []string{"5xx", "Login", "vsftpd", "RFC 959 §4.2.2"}},
		{"clean log", "Response: 220 ready\nCommand: USER a\nResponse: 331 pw\nCommand: PASS x\nResponse: 230 ok", bot.NoFailureTitle, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Handle(context.Background(), bot.Request{Text: tc.text})
			c := r.Card()
			if c.Title != tc.title {
				t.Errorf("Title = %q, want %q", c.Title, tc.title)
			}
			if c.EvidenceLabel != tc.label {
				t.Errorf("EvidenceLabel = %q, want %q", c.EvidenceLabel, tc.label)
			}
			if strings.Join(c.Context, " · ") != strings.Join(tc.context, " · ") {
				t.Errorf("Context = %q, want %q", c.Context, tc.context)
			}
			if c.Meaning == "" || strings.Count(c.Meaning, ". ") > 1 {
				t.Errorf("Meaning = %q, want one sentence (two when the first only names the refusal)", c.Meaning)
			}
		})
	}
}

// TestCardRelated checks the related menu on every failure the knowledge base explains.
func TestCardRelated(t *testing.T) {
	e := engine(t)
	for _, code := range e.KB.Codes() {
		r := e.Handle(context.Background(), bot.Request{Text: code.String()})
		c := r.Card()
		seen := map[string]bool{}
		for _, ref := range c.Related {
			if seen[ref.ID] || ref.ID == r.ID {
				t.Errorf("%s: related %q twice or itself", code, ref.ID)
			}
			seen[ref.ID] = true
			if r.Severity == bot.SeverityError || r.Severity == bot.SeverityWarning {
				if ref.Kind == knowledge.KindCode && ref.ID < "400" && len(ref.ID) == 3 {
					t.Errorf("%s: success code %s offered as related to a failure", code, ref.ID)
				}
			}
		}
		if len(c.Related) > bot.MaxRelated {
			t.Errorf("%s: %d related", code, len(c.Related))
		}
	}
	// A live check can name one code twice: the menu still has it once.
	r := bot.Reply{Kind: bot.KindProbe, Severity: bot.SeverityError, Related: []bot.Ref{{ID: "502", Kind: "code", Label: "502"}, {ID: "502", Kind: "code", Label: "502"}}}
	if got := r.Card().Related; len(got) != 1 {
		t.Errorf("Related of a reply naming 502 twice = %v, want one", got)
	}
}

// TestMoreOrder checks that the More view puts what to do before the background.
func TestMoreOrder(t *testing.T) {
	r := bot.Reply{Sections: []bot.Section{
		{Heading: "Timeline", Pre: true, Body: "x"},
		{Heading: "What it means", Body: "x"},
		{Heading: "Likely causes", Items: []string{"x"}},
		{Heading: "How to fix it", Items: []string{"x"}, Ordered: true},
		{Heading: "On vsftpd", Body: "x"},
	}}
	var got []string
	for _, s := range r.More() {
		got = append(got, s.Heading)
	}
	want := "How to fix it, On vsftpd, Likely causes, What it means, Timeline"
	if strings.Join(got, ", ") != want {
		t.Errorf("More() = %s, want %s", strings.Join(got, ", "), want)
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"One sentence here. Two sentences here and more words.", 30, "One sentence here."},
		{"words words words words", 12, "words words…"},
	}
	for _, tc := range tests {
		if got := bot.Shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestCardLists: an answer that is a list shows its head on the card; a live check's fixes are
// its first steps; a card that shows everything has no More.
func TestCardLists(t *testing.T) {
	c := bottest.Probe().Card()
	if c.ListHeading != "Steps" || len(c.List) != 3 || len(c.FirstSteps) != 1 || !strings.HasPrefix(c.FirstSteps[0], "Use LIST") || !c.More {
		t.Errorf("probe card = %+v, want its steps, its fix first, and More", c)
	}
	nm := engine(t).Handle(context.Background(), bot.Request{Text: "qwzx pltk"}).Card()
	if len(nm.List) == 0 || nm.More || !strings.Contains(nm.Meaning, "Try a reply code") {
		t.Errorf("no-match card = %+v, want what to ask, the whole summary, and no More", nm)
	}
	code := engine(t).Handle(context.Background(), bot.Request{Text: "530"}).Card()
	if len(code.List) != 0 || !code.More {
		t.Errorf("code card = %+v, want no list and More", code)
	}
}

// TestFirstStepsCommandKinds: a step for another kind of command is not a first step.
func TestFirstStepsCommandKinds(t *testing.T) {
	e := engine(t)
	r := e.Handle(context.Background(), bot.Request{Text: "> CWD FOLDA\n< 550 Access is denied.\n* Server denied you to change to the given directory"})
	if len(r.FirstSteps) == 0 {
		t.Fatal("no first steps")
	}
	for _, s := range r.FirstSteps {
		if strings.HasPrefix(s, "To remove a directory") || strings.Contains(s, "For an upload") {
			t.Errorf("a CWD refused got the step %q", s)
		}
	}
}

func TestEvidenceLabel(t *testing.T) {
	tests := []struct {
		kind     bot.Kind
		server   string
		evidence []string
		want     string
	}{
		{bot.KindCode, "vsftpd", []string{"550 Failed to open file."}, "Your server (vsftpd) said"},
		{bot.KindCode, "", []string{"Response:\t530 Login incorrect."}, "Your server said"},
		{bot.KindCode, "", []string{"curl: (67) Access denied: 530"}, "You pasted"},
		{bot.KindLog, "", []string{"Response:\t530 Login incorrect."}, "From your log"},
		{bot.KindCode, "", []string{"a", "b"}, "From your log"},
	}
	for _, tc := range tests {
		r := bot.Reply{Kind: tc.kind, Evidence: tc.evidence}
		if tc.server != "" {
			r.Fields = []bot.Field{{Label: "Server", Value: tc.server}}
		}
		if got := r.Card().EvidenceLabel; got != tc.want {
			t.Errorf("label of %q (%s) = %q, want %q", tc.evidence, tc.kind, got, tc.want)
		}
	}
}

// TestCardBudget: however long the parts, the card stays within CardBudget.
func TestCardBudget(t *testing.T) {
	long := strings.Repeat("word ", 400)
	r := bot.Reply{Kind: bot.KindProbe, Title: long, Summary: long, Evidence: []string{long, long, long}, FirstSteps: []string{long, long, long},
		Sections: []bot.Section{{Heading: "Steps", Items: []string{long, long, long, long, long, long, long, long, long}}, {Heading: "From your team", Team: true, Items: []string{long}}},
		Fields:   []bot.Field{{Label: "Class", Value: long}, {Label: "Server", Value: long}}, Footer: long}
	if c := r.Card(); c.Size() > bot.CardBudget || len(c.FirstSteps) == 0 || len(c.Evidence) == 0 {
		t.Errorf("card of %d characters (budget %d), %d steps, %d evidence lines", c.Size(), bot.CardBudget, len(c.FirstSteps), len(c.Evidence))
	}
}

// TestFirstStepsPassiveAlready: a client already in passive mode (a 227 in the log, or the asker
// says so) is not told to switch to passive first.
func TestFirstStepsPassiveAlready(t *testing.T) {
	e := engine(t)
	for _, q := range []string{"FTP passive mode always times out", "Response:\t227 Entering Passive Mode (68,169,171,223,117,57)\nCommand:\tMLSD\nError:\tConnection timed out after 20 seconds of inactivity"} {
		r := e.Handle(context.Background(), bot.Request{Text: q})
		if len(r.FirstSteps) == 0 {
			t.Errorf("%q: no first steps", q)
			continue
		}
		if l := strings.ToLower(r.FirstSteps[0]); strings.Contains(l, "passive") && (strings.HasPrefix(l, "make sure") || strings.HasPrefix(l, "toggle") || strings.HasPrefix(l, "try passive")) {
			t.Errorf("%q: first step %q switches to passive mode", q, r.FirstSteps[0])
		}
	}
	if r := e.Handle(context.Background(), bot.Request{Text: "passive vs active"}); len(r.FirstSteps) == 0 || !strings.Contains(r.FirstSteps[0], "passive") {
		t.Errorf("a question about the modes lost its first step: %q", r.FirstSteps)
	}
}
