package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/golden"
	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

const base = "https://ftpbot.example.com"

// TestRenderGolden pins the Block Kit JSON of the canonical replies (from the real knowledge
// base): a code, a class, a topic, a log, a no-match, a hostile one and a maximal one cut to the
// limits, plus the Home tab. Refresh with go test ./adapters/slack -update.
func TestRenderGolden(t *testing.T) {
	cases := bottest.Replies(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			checkGolden(t, c.Name, Render(c.Reply, RenderOptions{BaseURL: base, Ephemeral: true, ShareKey: "k1"}))
		})
	}
	t.Run("home", func(t *testing.T) {
		help := bottest.Engine(t).Handle(context.Background(), bot.Request{Text: "help", Platform: "test"})
		checkGolden(t, "home", Home(help, "/ftp", base))
	})
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", "golden", name+".json"), got)
}

// allReplies is every reply the limit and escaping tests look at: the canonical ones from the
// real base and every kind the test base gives.
func allReplies(t *testing.T) []bottest.Case {
	cases := bottest.Replies(t)
	e := testEngine(t)
	emoji := strings.Repeat("😀 ", 2500) // each counts twice against Slack's limits
	cases = append(cases, bottest.Case{Name: "emoji", Reply: bot.Reply{Kind: bot.KindLog, Title: emoji, Summary: emoji,
		Fields: []bot.Field{{Label: "Class", Value: emoji}}, Sections: []bot.Section{{Heading: emoji, Body: emoji}, {Heading: "pre", Body: emoji, Pre: true}},
		Related: []bot.Ref{{ID: emoji, Label: emoji}}, Footer: emoji, Query: emoji}})
	for _, q := range []string{"530", "5xx", "53", "passive", "Status: Failed to retrieve directory listing", bottest.Log, "help", "", "zzzz qqqq", "999", "check ftp.example.com"} {
		cases = append(cases, bottest.Case{Name: "test kb: " + q, Reply: e.Handle(context.Background(), bot.Request{Text: q, Platform: "test"})})
	}
	return cases
}

// TestRenderWithinLimits checks every rendered message against every Slack limit, in every
// rendering variant.
func TestRenderWithinLimits(t *testing.T) {
	variants := []RenderOptions{
		{BaseURL: base, Ephemeral: true, ShareKey: "k1"},
		{BaseURL: base},
		{BaseURL: base, SharedBy: "U2SHARER"},
		{Ephemeral: true},
	}
	for _, c := range allReplies(t) {
		for _, o := range variants {
			m := Render(c.Reply, o)
			for _, p := range limitProblems(m.Text, m.Blocks, maxBlocks) {
				t.Errorf("%s %+v: %s", c.Name, o, p)
			}
		}
	}
	help := testEngine(t).Handle(context.Background(), bot.Request{Text: "help"})
	h := Home(help, "/ftp", base)
	for _, p := range limitProblems("home", h.Blocks.BlockSet, maxHomeBlocks) {
		t.Errorf("home: %s", p)
	}
	if max := Home(bottest.Maximal(), "/ftp", base); len(max.Blocks.BlockSet) > maxHomeBlocks {
		t.Errorf("home of a maximal reply has %d blocks", len(max.Blocks.BlockSet))
	}
}

// limitProblems lists every Slack limit a message breaks.
func limitProblems(text string, blocks []slack.Block, maxBlocks int) []string {
	var p []string
	n := textLen
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if text == "" || n(text) > maxFallbackText {
		bad("fallback text has %d characters", n(text))
	}
	if len(blocks) == 0 || len(blocks) > maxBlocks {
		bad("%d blocks (limit %d)", len(blocks), maxBlocks)
	}
	actionIDs := map[string]bool{}
	blockIDs := map[string]bool{}
	textObj := func(where string, o *slack.TextBlockObject, limit int, wantType string) {
		if o == nil {
			bad("%s: no text", where)
			return
		}
		if wantType != "" && o.Type != wantType {
			bad("%s: text type %q, want %q", where, o.Type, wantType)
		}
		if o.Text == "" || n(o.Text) > limit {
			bad("%s: text of %d characters (limit %d)", where, n(o.Text), limit)
		}
	}
	for i, b := range blocks {
		where := fmt.Sprintf("block %d (%s)", i, b.BlockType())
		id := ""
		switch x := b.(type) {
		case *slack.HeaderBlock:
			textObj(where, x.Text, maxHeaderText, slack.PlainTextType)
			id = x.BlockID
		case *slack.SectionBlock:
			if x.Text == nil && len(x.Fields) == 0 {
				bad("%s: neither text nor fields", where)
			}
			if x.Text != nil {
				textObj(where, x.Text, maxSectionText, "")
			}
			if len(x.Fields) > maxFields {
				bad("%s: %d fields", where, len(x.Fields))
			}
			for _, f := range x.Fields {
				textObj(where+" field", f, maxFieldText, "")
			}
			id = x.BlockID
		case *slack.ContextBlock:
			els := x.ContextElements.Elements
			if len(els) == 0 || len(els) > maxContextElems {
				bad("%s: %d elements", where, len(els))
			}
			for _, el := range els {
				if o, ok := el.(*slack.TextBlockObject); ok {
					textObj(where, o, maxContextText, "")
				}
			}
			id = x.BlockID
		case *slack.ActionBlock:
			if x.Elements == nil || len(x.Elements.ElementSet) == 0 || len(x.Elements.ElementSet) > maxActionElems {
				bad("%s: bad element count", where)
				continue
			}
			for _, el := range x.Elements.ElementSet {
				btn, ok := el.(*slack.ButtonBlockElement)
				if !ok {
					bad("%s: element %T", where, el)
					continue
				}
				textObj(where+" button", btn.Text, maxButtonText, slack.PlainTextType)
				if btn.ActionID == "" || len(btn.ActionID) > maxActionID || actionIDs[btn.ActionID] {
					bad("%s: action_id %q empty, too long or used twice", where, btn.ActionID)
				}
				actionIDs[btn.ActionID] = true
				if n(btn.Value) > maxButtonValue {
					bad("%s: value of %d characters", where, n(btn.Value))
				}
				if btn.URL != "" && (len(btn.URL) > maxURL || !linkable(btn.URL)) {
					bad("%s: url %q", where, btn.URL)
				}
			}
			id = x.BlockID
		case *slack.DividerBlock:
		default:
			bad("%s: unexpected block %T", where, b)
		}
		if id != "" {
			if len(id) > 255 || blockIDs[id] {
				bad("%s: block_id %q too long or used twice", where, id)
			}
			blockIDs[id] = true
		}
	}
	return p
}

var markupRE2 = regexp.MustCompile(`<[^>]*>`)

// TestRenderNeverEmitsMarkupFromText renders the hostile reply (mentions, broadcasts, links and
// HTML in user text) and checks that the only Slack markup in the output is the attribution and
// ftpbot's own guide link.
func TestRenderNeverEmitsMarkupFromText(t *testing.T) {
	hostile := "<!channel> <!here> <!everyone> @channel @here @everyone <@U123> <#C1|general> <http://evil.example|click> & *bold*"
	replies := allReplies(t)
	r := bot.Reply{Kind: bot.KindCode, ID: "550", Title: hostile, Summary: hostile, Severity: bot.SeverityError,
		Fields:   []bot.Field{{Label: hostile, Value: hostile}},
		Sections: []bot.Section{{Heading: hostile, Body: hostile, Items: []string{hostile}}, {Heading: "pre", Body: hostile + "\n```\n" + hostile, Pre: true}},
		Related:  []bot.Ref{{ID: "550", Label: hostile}}, Links: []bot.Link{{Label: hostile, URL: "/codes/550"}},
		Footer: hostile, Query: hostile}
	replies = append(replies, bottest.Case{Name: "all fields hostile", Reply: r})
	for _, c := range replies {
		for _, o := range []RenderOptions{{BaseURL: base, Ephemeral: true, ShareKey: "k"}, {BaseURL: base, SharedBy: "U2SHARER"}, {AskedBy: "<!channel>"}} {
			m := Render(c.Reply, o)
			for _, s := range append(strings.Split(allText(m.Blocks), "\n"), m.Text) {
				for _, mk := range markupRE2.FindAllString(s, -1) {
					if mk != "<@U2SHARER>" && !strings.HasPrefix(mk, "<"+base+"/") {
						t.Errorf("%s: output carries markup %q in %q", c.Name, mk, s)
					}
				}
				if l := strings.ToLower(s); strings.Contains(l, "@channel") || strings.Contains(l, "@here") || strings.Contains(l, "@everyone") {
					t.Errorf("%s: output carries a broadcast word: %q", c.Name, s)
				}
			}
		}
	}
}

// TestRenderLayout checks what a code answer is made of.
func TestRenderLayout(t *testing.T) {
	r := testEngine(t).Handle(context.Background(), bot.Request{Text: "530 Login incorrect.", Platform: "test"})
	m := Render(r, RenderOptions{BaseURL: base + "/", Ephemeral: true, ShareKey: "k1"})
	if got := headerOf(m.Blocks); got != "530 Not logged in" {
		t.Errorf("header = %q", got)
	}
	text := allText(m.Blocks)
	for _, want := range []string{
		":red_circle: 5xx",               // the class with its severity
		"*Session step*\nLogin",          // the failed step
		"*Likely causes*\n• Wrong user",  // causes
		"*How to fix it*\n1. Type the",   // numbered fixes
		"2. Ask the administrator",       //
		"vsftpd says this",               // the server's own note
		"RFC 959",                        // the source
		"The server refused the login. ", // meaning
	} {
		if !strings.Contains(text, want) {
			t.Errorf("answer lacks %q:\n%s", want, text)
		}
	}
	btn := buttons(m.Blocks)
	if b := btn["ftp_rel_0"]; b == nil || b.Value != "331" {
		t.Errorf("first related button = %+v, want value 331", b)
	}
	if b := btn["ftp_link_0"]; b == nil || b.URL != base+"/codes/530" || b.Text.Text != bot.LinkGuide {
		t.Errorf("guide button = %+v", b)
	}
	if b := btn[actionShare]; b == nil || b.Value != "k1\n530 Login incorrect." || b.Style != slack.StylePrimary {
		t.Errorf("share button = %+v", b)
	}
	if !strings.Contains(m.Text, "530 Not logged in") {
		t.Errorf("fallback text = %q", m.Text)
	}

	public := Render(r, RenderOptions{})
	if b := buttons(public.Blocks); b[actionShare] != nil || b["ftp_link_0"] != nil {
		t.Errorf("a public answer without a base URL has share or link buttons: %v", b)
	}
	shared := Render(r, RenderOptions{SharedBy: "U2SHARER"})
	if !strings.Contains(allText(shared.Blocks), "Shared by <@U2SHARER>") {
		t.Error("a shared answer does not say who shared it")
	}
	if strings.Contains(allText(Render(r, RenderOptions{SharedBy: "not-an-id>"}).Blocks), "Shared by") {
		t.Error("an attribution that is not a user id was rendered")
	}
}

// TestRenderCutsToLimits: the maximal reply fills 50 blocks and says where the rest is.
func TestRenderCutsToLimits(t *testing.T) {
	for _, o := range []RenderOptions{{BaseURL: base, Ephemeral: true}, {}} {
		m := Render(bottest.Maximal(), o)
		if len(m.Blocks) != maxBlocks {
			t.Errorf("maximal answer has %d blocks, want exactly %d", len(m.Blocks), maxBlocks)
		}
		text := allText(m.Blocks)
		if !strings.Contains(text, "This answer was cut to fit in Slack") {
			t.Errorf("a cut answer does not say so")
		}
		if o.BaseURL != "" && !strings.Contains(text, "<"+base+"/codes/530|Read the full guide>") {
			t.Errorf("a cut answer does not link the full guide")
		}
		if got := len(buttons(m.Blocks)); o.BaseURL != "" && got != maxRelatedButtons+2 {
			t.Errorf("maximal answer has %d buttons, want %d related + guide + share", got, maxRelatedButtons)
		}
	}
	// A short answer is not marked as cut.
	r := testEngine(t).Handle(context.Background(), bot.Request{Text: "530"})
	if strings.Contains(allText(Render(r, RenderOptions{}).Blocks), "was cut") {
		t.Error("a short answer says it was cut")
	}
}

func TestSectionChunks(t *testing.T) {
	long := strings.Repeat("word & ", 1000) // 7000 runes, 13000 once escaped
	tests := []struct {
		name      string
		s         bot.Section
		chunks    int
		cut       bool
		firstHas  string
		everyWrap bool // every chunk is a code block of its own
	}{
		{"short body", bot.Section{Heading: "H", Body: "b"}, 1, false, "*H*\nb", false},
		{"heading only", bot.Section{Heading: "H"}, 1, false, "*H*", false},
		{"ordered", bot.Section{Heading: "Fix", Items: []string{"a", "b"}, Ordered: true}, 1, false, "*Fix*\n1. a\n2. b", false},
		{"team note", bot.Section{Heading: "Ours", Body: "x", Team: true}, 1, false, "*Ours* _(your team's note)_", false},
		{"long paragraph is split", bot.Section{Heading: "H", Body: long}, 5, false, "*H*\nword &amp; word", false},
		{"very long is cut", bot.Section{Heading: "H", Body: long + long}, maxSectionChunks, true, "*H*", false},
		{"pre keeps fences per chunk", bot.Section{Heading: "Log", Body: strings.Repeat("Response: 530 Login incorrect.\n", 500), Pre: true}, 4, true, "*Log*\n```\nResponse", true},
		{"pre cannot close its fence", bot.Section{Heading: "Log", Body: "a\n```\nb", Pre: true}, 1, false, "```\na\nʼʼʼ\nb\n```", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks, cut := sectionChunks(tt.s)
			if tt.name != "long paragraph is split" && len(chunks) != tt.chunks || cut != tt.cut {
				t.Errorf("%d chunks, cut %v; want %d, %v", len(chunks), cut, tt.chunks, tt.cut)
			}
			if len(chunks) == 0 || !strings.Contains(chunks[0], tt.firstHas) {
				t.Fatalf("first chunk lacks %q: %q", tt.firstHas, chunks)
			}
			for i, c := range chunks {
				if n := textLen(c); n > maxSectionText {
					t.Errorf("chunk %d has %d runes", i, n)
				}
				if partialEntity.MatchString(c) || strings.HasPrefix(strings.TrimPrefix(c, "```\n"), "amp;") {
					t.Errorf("chunk %d splits an entity: …%q", i, c[max(0, len(c)-10):])
				}
				if tt.everyWrap && (!strings.Contains(c, "```\n") || !strings.HasSuffix(c, "\n```")) {
					t.Errorf("chunk %d is not a closed code block: %q", i, c)
				}
			}
		})
	}
}

func TestSplitLine(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"aaaaaaaaaaaaaaaa", 10, []string{"aaaaaaaaaa", "aaaaaa"}},
		{"aaaaaaa&amp;bbbb", 10, []string{"aaaaaaa", "&amp;bbbb"}}, // never half an entity
		{"😀😀😀😀😀😀", 5, []string{"😀😀", "😀😀", "😀😀"}},                  // two units each
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, splitLine(tt.in, tt.limit)); diff != "" {
			t.Errorf("splitLine(%q, %d) (-want +got):\n%s", tt.in, tt.limit, diff)
		}
	}
}

func TestIncoming(t *testing.T) {
	tests := []struct{ in, self, want string }{
		{"530 Login incorrect.", "", "530 Login incorrect."},
		{"a &amp; b &lt;c&gt;", "", "a & b <c>"},
		{"&amp;lt;", "", "&lt;"}, // unescaped once only
		{"<@UBOT> what does this mean?", "UBOT", " what does this mean?"},
		{"<@UBOT> ask <@U1>", "UBOT", " ask @U1"},
		{"<@U1|ada> hi", "", "@ada hi"},
		{"check <ftp://ftp.example.com|ftp.example.com>", "", "check ftp.example.com"},
		{"see <https://example.com>", "", "see https://example.com"},
		{"<mailto:a@example.com|a@example.com>", "", "a@example.com"},
		{"<#C1|ops> <!here> <!subteam^S1|@oncall>", "", "#ops @here @oncall"},
		{"&lt;!channel&gt;", "", "<!channel>"}, // typed text stays text (and is escaped again on output)
	}
	for _, tt := range tests {
		if got := incoming(tt.in, tt.self); got != tt.want {
			t.Errorf("incoming(%q, %q) = %q, want %q", tt.in, tt.self, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a & b", "a &amp; b"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"ping @Channel now", "ping @\u2060Channel now"},
		{"mail bob@here.example", "mail bob@\u2060here.example"},
		{"<http://x|y>", "&lt;http://x|y&gt;"},
	}
	for _, tt := range tests {
		if got := esc(tt.in); got != tt.want {
			t.Errorf("esc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkRender measures rendering a typical code answer and the maximal one.
func BenchmarkRender(b *testing.B) {
	r := testEngine(b).Handle(context.Background(), bot.Request{Text: "530 Login incorrect."})
	for _, c := range []struct {
		name string
		r    bot.Reply
	}{{"code", r}, {"maximal", bottest.Maximal()}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Render(c.r, RenderOptions{BaseURL: base, Ephemeral: true, ShareKey: "k1"})
			}
		})
	}
}
