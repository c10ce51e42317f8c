package web

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/google/go-cmp/cmp"
)

func TestSlackMrkdwn(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"*Heading*\nbody", "<strong>Heading</strong><br>body"},
		{"_italic_ and ~gone~", "<em>italic</em> and <del>gone</del>"},
		{"a*b*c stays", "a*b*c stays"},
		{"snake_case_name", "snake_case_name"},
		{"`code *not bold*`", "<code>code *not bold*</code>"},
		{"```\n< 220 ready\n> USER bob\n```", "<pre>&lt; 220 ready\n&gt; USER bob</pre>"},
		{"&lt;script&gt; &amp; co", "&lt;script&gt; &amp; co"},
		{"&amp;lt; is text", "&amp;lt; is text"},
		{"<https://ftp.example.com/codes/530|Read the full guide>", `<a href="https://ftp.example.com/codes/530" rel="nofollow noopener">Read the full guide</a>`},
		{"<https://x.example/?a=1&amp;b=2>", `<a href="https://x.example/?a=1&amp;b=2" rel="nofollow noopener">https://x.example/?a=1&amp;b=2</a>`},
		{"<javascript:alert(1)|click>", "&lt;javascript:alert(1)|click&gt;"},
		{"<!channel> <@U123>", "@channel @mention"},
		{":red_circle: *530*", "🔴 <strong>530</strong>"},
		{":unknown_emoji:", ":unknown_emoji:"},
		{"• one\n1. two", "• one<br>1. two"},
		{"unclosed ``` fence", "unclosed ``` fence"},
		{`"quotes' & <`, "&#34;quotes&#39; &amp; &lt;"},
	}
	for _, c := range cases {
		if got := string(slackMrkdwn(c.in)); got != c.want {
			t.Errorf("slackMrkdwn(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestDiscordMarkdown(t *testing.T) {
	cases := []struct{ in, want string }{
		{"**Heading**\nbody", "<strong>Heading</strong><br>body"},
		{"*it* _it_ __under__ ~~gone~~", "<em>it</em> <em>it</em> <u>under</u> <del>gone</del>"},
		{`\*not italic\* \_x\_`, "*not italic* _x_"},
		{`a \\ backslash`, `a \ backslash`},
		{"`code **x**`", "<code>code **x**</code>"},
		{"```\n< 530 Login incorrect.\n```", "<pre>&lt; 530 Login incorrect.</pre>"},
		{"[Read the full guide](https://ftp.example.com/codes/530)", `<a href="https://ftp.example.com/codes/530" rel="nofollow noopener">Read the full guide</a>`},
		{`[x]\(https://evil.example)`, "[x](https://evil.example)"},
		{"[x](javascript:alert(1))", "[x](javascript:alert(1))"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"**bold with *italic* inside**", "<strong>bold with <em>italic</em> inside</strong>"},
		{":red_circle:", ":red_circle:"},
	}
	for _, c := range cases {
		if got := string(discordMarkdown(c.in)); got != c.want {
			t.Errorf("discordMarkdown(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// allowedMarkup is every tag the converters may write; hrefs must be http(s) and quoted.
var (
	tagRE  = regexp.MustCompile(`<[^>]*>`)
	okTags = regexp.MustCompile(`^(<(/?(strong|em|del|u|code|pre))>|<br>|</a>|<a href="https?://[^"<>]*" rel="nofollow noopener">)$`)
)

func checkMarkup(t *testing.T, in, out string) {
	t.Helper()
	for _, tag := range tagRE.FindAllString(out, -1) {
		if !okTags.MatchString(tag) {
			t.Fatalf("input %q produced the tag %q in %q", in, tag, out)
		}
	}
	if strings.Count(out, "<") != len(tagRE.FindAllString(out, -1)) {
		t.Fatalf("input %q left a bare < in %q", in, out)
	}
}

// FuzzConverters feeds arbitrary text to both converters: whatever a payload holds, the output
// carries only the converters' own tags.
func FuzzConverters(f *testing.F) {
	for _, s := range []string{"*a* _b_ ~c~ `d` ```e```", "<https://x.example|y> <@U1> <!here>", "[a](https://b.example) **c** __d__ \\*e\\*",
		"<a href=\"javascript:x\">", "&lt;&gt;&amp;&quot;", "\ue000\\*", "*<https://x.example|y>*", "```\n<script>\n```"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMarkup(t, s, string(slackMrkdwn(s)))
		checkMarkup(t, s, string(discordMarkdown(s)))
	})
}

func TestCardOf(t *testing.T) {
	r := bot.Reply{Kind: bot.KindCode, Title: "530 Not logged in", Summary: "The server refused the login.", Severity: bot.SeverityError,
		Fields:   []bot.Field{{Label: "Class", Value: "5xx"}},
		Sections: []bot.Section{{Heading: "How to fix it", Items: []string{"Type it again."}, Ordered: true}, {Heading: "Timeline", Body: "> USER bob\n< 530 Login incorrect.", Pre: true}},
		Related:  []bot.Ref{{ID: "331", Kind: "code", Label: "331 User name okay"}},
		Links:    []bot.Link{{Label: bot.LinkGuide, URL: "/codes/530"}}, Footer: "RFC 959"}
	raw := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	s, d := cardOf(raw(fakeSlack(r)))
	if s == nil || d != nil {
		t.Fatalf("a Slack payload: slack %v discord %v", s, d)
	}
	var types []string
	for _, b := range s.Blocks {
		types = append(types, b.Type)
	}
	if diff := cmp.Diff([]string{"header", "section", "section", "section", "actions", "divider", "context"}, types); diff != "" {
		t.Errorf("Slack block types (-want +got):\n%s", diff)
	}
	if got := string(s.Blocks[3].Text); !strings.Contains(got, "<pre>&gt; USER bob\n&lt; 530 Login incorrect.</pre>") {
		t.Errorf("Slack pre section: %q", got)
	}
	var labels []string
	for _, b := range s.Blocks[4].Buttons {
		labels = append(labels, b.Label+" "+b.URL)
	}
	if diff := cmp.Diff([]string{"331 User name okay ", "Full guide https://ftpbot.example.com/codes/530", "Share in channel "}, labels); diff != "" {
		t.Errorf("Slack buttons (-want +got):\n%s", diff)
	}

	s, d = cardOf(raw(fakeDiscord(r)))
	if s != nil || d == nil || len(d.Embeds) != 1 {
		t.Fatalf("a Discord payload: slack %v discord %v", s, d)
	}
	e := d.Embeds[0]
	if e.Title != "530 Not logged in" || e.URL != "https://ftpbot.example.com/codes/530" || e.Footer != "Defined in RFC 959" || len(e.Fields) != 1 {
		t.Errorf("Discord embed: %+v", e)
	}
	if !strings.Contains(string(e.Description), "<strong>How to fix it</strong><br>1. Type it again.") {
		t.Errorf("Discord description: %q", e.Description)
	}
	if len(d.Rows) != 2 || d.Rows[1][0].URL == "" || !d.Rows[1][1].Primary {
		t.Errorf("Discord rows: %+v", d.Rows)
	}

	// A whole interaction response wraps the message in data.
	if _, d := cardOf(raw(map[string]any{"type": 4, "data": fakeDiscord(r)})); d == nil {
		t.Error("an interaction response was not recognised")
	}
	if s, d := cardOf(raw(map[string]any{"hello": "world"})); s != nil || d != nil {
		t.Error("an unknown shape got a card")
	}
	if s, d := cardOf([]byte(`"just a string"`)); s != nil || d != nil {
		t.Error("a string got a card")
	}
}
