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

// TestRenderGolden pins the Block Kit JSON of the canonical replies, as recorded by the bot
// package (bot/testdata/replies): each one's card and its More view, plus the Home tab. Refresh
// with go test ./adapters/slack -update.
func TestRenderGolden(t *testing.T) {
	cases := bottest.Replies(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			o := RenderOptions{BaseURL: base, Ephemeral: true, ShareKey: "k1", MoreToken: "q1:" + c.Reply.ID}
			checkGolden(t, c.Name, Render(c.Reply, o))
			checkGolden(t, c.Name+".more", RenderMore(c.Reply, o))
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

// TestRenderWithinLimits checks every rendered card and More view against every Slack limit,
// in every rendering variant, and every card against the card's budget.
func TestRenderWithinLimits(t *testing.T) {
	variants := []RenderOptions{
		{BaseURL: base, Ephemeral: true, ShareKey: "k1", MoreToken: "q1:530"},
		{BaseURL: base, MoreToken: "q1:530"},
		{BaseURL: base, SharedBy: "U2SHARER"},
		{Ephemeral: true},
	}
	for _, c := range allReplies(t) {
		for _, o := range variants {
			m := Render(c.Reply, o)
			for _, p := range limitProblems(m.Text, m.Blocks, maxBlocks) {
				t.Errorf("%s card %+v: %s", c.Name, o, p)
			}
			for _, p := range CardProblems(m) {
				t.Errorf("%s card %+v: %s", c.Name, o, p)
			}
			more := RenderMore(c.Reply, o)
			for _, p := range limitProblems(more.Text, more.Blocks, maxBlocks) {
				t.Errorf("%s more %+v: %s", c.Name, o, p)
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
	return problems(Message{Text: text, Blocks: blocks}, maxBlocks)
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
		Footer: hostile, Query: hostile, Evidence: []string{hostile}, FirstSteps: []string{hostile},
		EvidenceSource: &bot.Link{Label: hostile, URL: "https://evil.example/a|<!channel>"}}
	replies = append(replies, bottest.Case{Name: "all fields hostile", Reply: r})
	for _, c := range replies {
		for _, o := range []RenderOptions{{BaseURL: base, Ephemeral: true, ShareKey: "k"}, {BaseURL: base, SharedBy: "U2SHARER"}, {AskedBy: "<!channel>"}} {
			m := Render(c.Reply, o)
			for _, s := range append(strings.Split(allText(m.Blocks), "\n"), m.Text) {
				for _, mk := range markupRE2.FindAllString(s, -1) {
					// The attribution, the guide, and the link to the message that held the evidence
					// (a permalink from Slack's own API) are ftpbot's own markup.
					ownSource := strings.HasPrefix(mk, "<https://example.slack.com/archives/") && strings.HasSuffix(mk, "|this message>")
					if mk != "<@U2SHARER>" && !strings.HasPrefix(mk, "<"+base+"/") && !ownSource {
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

// TestRenderLayout checks what a card is made of.
func TestRenderLayout(t *testing.T) {
	r := testEngine(t).Handle(context.Background(), bot.Request{Text: "530 Login incorrect.", Platform: "test"})
	m := Render(r, RenderOptions{BaseURL: base + "/", Ephemeral: true, ShareKey: "k1", MoreToken: "q1:530"})
	if got := headerOf(m.Blocks); got != "530 Not logged in" {
		t.Errorf("header = %q", got)
	}
	text := allText(m.Blocks)
	for _, want := range []string{
		"*Your server said:* `530 Login incorrect.`", // the evidence, whose words
		"The server refused the login.",              // what it means
		"*What to do first*\n1. ",                    // the first steps
		":red_circle: 5xx · Login · RFC 959",         // the context line
	} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"*Likely causes*", "*How to fix it*"} {
		if strings.Contains(text, not) {
			t.Errorf("card carries %q, which belongs to More", not)
		}
	}
	btn := buttons(m.Blocks)
	if b := btn[actionMore]; b == nil || b.Value != "q1:530" {
		t.Errorf("More button = %+v", b)
	}
	if b := btn["ftp_link_1"]; b == nil || b.URL != base+"/codes/530" || b.Text.Text != bot.LinkGuide {
		t.Errorf("guide button = %+v", b)
	}
	if b := btn[actionShare]; b == nil || b.Value != "k1\n530 Login incorrect." || b.Style != slack.StylePrimary {
		t.Errorf("share button = %+v", b)
	}
	if sel := menu(m.Blocks); sel == nil || sel.Type != slack.OptTypeStatic {
		t.Errorf("related menu = %+v, want a static_select", sel)
	} else {
		var values []string
		for _, o := range sel.Options {
			values = append(values, o.Value)
		}
		if v := strings.Join(values, " "); !strings.Contains(v, "550") || strings.Contains(v, "331") {
			t.Errorf("related menu offers %s, want 550 and not 331 (no failure)", v)
		}
	}
	if !strings.Contains(m.Text, "530 Not logged in") {
		t.Errorf("fallback text = %q", m.Text)
	}

	public := Render(r, RenderOptions{})
	if b := buttons(public.Blocks); b[actionShare] != nil || b["ftp_link_0"] != nil || b[actionMore] != nil {
		t.Errorf("a public answer without a base URL or More token has share, link or More buttons: %v", b)
	}
	shared := Render(r, RenderOptions{SharedBy: "U2SHARER"})
	if !strings.Contains(allText(shared.Blocks), "Shared by <@U2SHARER>") {
		t.Error("a shared answer does not say who shared it")
	}
	if strings.Contains(allText(Render(r, RenderOptions{SharedBy: "not-an-id>"}).Blocks), "Shared by") {
		t.Error("an attribution that is not a user id was rendered")
	}
	src := r
	src.EvidenceSource = &bot.Link{Label: "message", URL: "https://example.slack.com/archives/C1/p1700000000000100"}
	if !strings.Contains(allText(Render(src, RenderOptions{}).Blocks), "from <https://example.slack.com/archives/C1/p1700000000000100|this message>") {
		t.Error("the card does not link the message that held the evidence")
	}
}

// TestRenderMore checks the More view: fixes before causes before background, and no More
// button of its own.
func TestRenderMore(t *testing.T) {
	r := testEngine(t).Handle(context.Background(), bot.Request{Text: "530 Login incorrect.", Platform: "test"})
	m := RenderMore(r, RenderOptions{BaseURL: base, Ephemeral: true, MoreToken: "q1:530"})
	text := allText(m.Blocks)
	fix, causes := strings.Index(text, "*How to fix it*\n1. Type the"), strings.Index(text, "*Likely causes*\n• Wrong user")
	if fix < 0 || causes < 0 || fix > causes {
		t.Errorf("More view: fixes at %d, causes at %d; want both, fixes first:\n%s", fix, causes, text)
	}
	if !strings.Contains(text, "vsftpd says this") {
		t.Error("More view lacks the server's note")
	}
	if buttons(m.Blocks)[actionMore] != nil {
		t.Error("the More view has a More button")
	}
}

// TestRenderCutsToLimits: the maximal reply's More view is cut to the limits and says where the
// rest is; a complete answer never says it was cut, however many related items it has (it once
// did whenever related buttons were dropped).
func TestRenderCutsToLimits(t *testing.T) {
	for _, o := range []RenderOptions{{BaseURL: base, Ephemeral: true}, {}} {
		m := RenderMore(bottest.Maximal(), o)
		text := allText(m.Blocks)
		if !strings.Contains(text, "This answer was cut to fit in Slack") {
			t.Errorf("a cut answer does not say so")
		}
		if o.BaseURL != "" && !strings.Contains(text, "<"+base+"/codes/530|Read the full guide>") {
			t.Errorf("a cut answer does not link the full guide")
		}
		if n := blocksText(m.Blocks); n > maxMessageText {
			t.Errorf("maximal More view has %d characters of block text, want at most %d", n, maxMessageText)
		}
	}
	r := testEngine(t).Handle(context.Background(), bot.Request{Text: "530"})
	for i := 0; i < 40; i++ {
		r.Related = append(r.Related, bot.Ref{ID: fmt.Sprintf("5%02d", i), Kind: "code", Label: "related"})
	}
	for name, m := range map[string]Message{"card": Render(r, RenderOptions{}), "more": RenderMore(r, RenderOptions{})} {
		if strings.Contains(allText(m.Blocks), "was cut") {
			t.Errorf("a complete %s with 40 related items says it was cut", name)
		}
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

// TestReadmeCard keeps the card shown in README.md the renderer's real output for the recorded
// "line" reply (550 Failed to open file. from vsftpd), drawn as text: rerun with -update.
func TestReadmeCard(t *testing.T) {
	var r bot.Reply
	for _, c := range bottest.Replies(t) {
		if c.Name == "line" {
			r = c.Reply
		}
	}
	m := Render(r, RenderOptions{BaseURL: base, Ephemeral: true, ShareKey: "k", MoreToken: "q:550"})
	var b strings.Builder
	b.WriteString("<!-- card:begin (go test ./adapters/slack -run ReadmeCard -update) -->\n```text\n")
	for _, bl := range m.Blocks {
		switch x := bl.(type) {
		case *slack.HeaderBlock:
			b.WriteString("┃ " + x.Text.Text + "\n")
		case *slack.SectionBlock:
			for _, l := range strings.Split(slackUnescape.Replace(x.Text.Text), "\n") {
				b.WriteString("┃ " + l + "\n")
			}
		case *slack.ContextBlock:
			for _, el := range x.ContextElements.Elements {
				if o, ok := el.(*slack.TextBlockObject); ok {
					b.WriteString("┃ " + strings.Replace(o.Text, ":red_circle:", "🔴", 1) + "\n")
				}
			}
		case *slack.ActionBlock:
			var els []string
			for _, el := range x.Elements.ElementSet {
				switch e := el.(type) {
				case *slack.ButtonBlockElement:
					els = append(els, "["+e.Text.Text+"]")
				case *slack.SelectBlockElement:
					els = append(els, "["+e.Placeholder.Text+" ▾]")
				}
			}
			b.WriteString("┃ " + strings.Join(els, "  ") + "\n")
		}
	}
	b.WriteString("```\n<!-- card:end -->")
	golden.CheckBlock(t, "README.md", "<!-- card:begin", "<!-- card:end -->", b.String())
}
