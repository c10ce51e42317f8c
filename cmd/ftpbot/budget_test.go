package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/adapters/discord"
	"github.com/ftpbot/ftpbot/adapters/slack"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
)

// TestChatBudgets renders every answer the knowledge base can give (every code, server line,
// class, prefix, topic, client message, the canonical logs, help, a no-match, a live-check report
// and a reply far over every limit) as a card and as a More view, on Slack and on Discord, and
// checks every platform limit (including unique action_ids and custom_ids), the card's budget
// (1,200 characters of visible text, 6 blocks / 1 embed, 2 rows of controls) and the block text
// chat.postMessage accepts. It reports the median and largest card and the largest More view.
func TestChatBudgets(t *testing.T) {
	e := bottest.Engine(t)
	cases := append(bottest.Everything(t, e), bottest.Case{Name: "probe", Reply: bottest.Probe()}, bottest.Case{Name: "maximal", Reply: bottest.Maximal()})
	// Every refusal the real servers sent in the captures, as a pasted server line.
	files, _ := filepath.Glob("../../knowledge/data/captured/*.txt")
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if line, ok := strings.CutPrefix(l, "< "); ok && (strings.HasPrefix(line, "4") || strings.HasPrefix(line, "5")) && !seen[line] {
				seen[line] = true
				cases = append(cases, bottest.Case{Name: line, Reply: e.Handle(context.Background(), bot.Request{Text: line, Platform: "test"})})
			}
		}
	}
	const base = "https://ftpbot.example.com"
	type size struct {
		n    int
		name string
	}
	var slackCards, discordCards []size
	var slackMore, discordMore size
	for _, c := range cases {
		token := "0123456789ab:" + c.Reply.ID
		for _, o := range []slack.RenderOptions{
			{BaseURL: base, Ephemeral: true, ShareKey: "0123456789abcdef", MoreToken: token},
			{BaseURL: base, SharedBy: "U2SHARER", MoreToken: token},
		} {
			card := slack.Render(c.Reply, o)
			for _, p := range append(slack.Problems(card), slack.CardProblems(card)...) {
				t.Errorf("slack card %q: %s", c.Name, p)
			}
			more := slack.RenderMore(c.Reply, o)
			for _, p := range slack.Problems(more) {
				t.Errorf("slack More %q: %s", c.Name, p)
			}
			if o.Ephemeral && !synthetic(c.Name) {
				slackCards = append(slackCards, size{slack.CardText(card), c.Name})
				if n := slack.CardText(more); n > slackMore.n {
					slackMore = size{n, c.Name}
				}
			}
		}
		for _, eph := range []bool{true, false} {
			o := discord.RenderOptions{BaseURL: base, Ephemeral: eph, MoreToken: token}
			card := discord.Render(c.Reply, o)
			for _, p := range append(discord.Problems(card), discord.CardProblems(card)...) {
				t.Errorf("discord card %q: %s", c.Name, p)
			}
			more := discord.RenderMore(c.Reply, o)
			for _, p := range discord.Problems(more) {
				t.Errorf("discord More %q: %s", c.Name, p)
			}
			if eph && !synthetic(c.Name) {
				discordCards = append(discordCards, size{discord.CardText(card), c.Name})
				if n := discord.CardText(more); n > discordMore.n {
					discordMore = size{n, c.Name}
				}
			}
		}
	}
	report := func(platform string, cards []size, more size) {
		slices.SortFunc(cards, func(a, b size) int { return a.n - b.n })
		median, largest := cards[len(cards)/2], cards[len(cards)-1]
		t.Logf("%s: %d answers; card median %d characters, largest %d (%q); largest More view %d (%q)",
			platform, len(cards), median.n, largest.n, short(largest.name), more.n, short(more.name))
	}
	report("slack", slackCards, slackMore)
	report("discord", discordCards, discordMore)
	if len(seen) < 100 || len(cases) < 400 {
		t.Errorf("only %d answers rendered; the knowledge base gives more", len(cases))
	}
}

// synthetic names the made-up replies (far over every limit, a live check): checked, but not in
// the sizes reported, which are those of real answers.
func synthetic(name string) bool { return name == "maximal" || name == "probe" }

func short(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return string(r)
}
