package console

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/golden"
)

func TestRenderGolden(t *testing.T) {
	for _, c := range bottest.Replies(t) {
		for _, color := range []bool{false, true} {
			name := c.Name
			if color {
				name += ".color"
			}
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, c.Reply, Options{Color: color, BaseURL: "http://127.0.0.1:8080"}); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", "golden", name+".txt"), buf.Bytes())
				var card bytes.Buffer
				if err := RenderCard(&card, c.Reply, Options{Color: color, BaseURL: "http://127.0.0.1:8080"}, "type more"); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", "golden", name+".card.txt"), card.Bytes())
				if !color && strings.Contains(buf.String(), "\x1b[") {
					t.Error("escape codes without colour")
				}
			})
		}
	}
}

func TestWrapWidth(t *testing.T) {
	r := bot.Reply{Title: "T", Summary: strings.Repeat("word ", 100), Sections: []bot.Section{{Heading: "H", Items: []string{strings.Repeat("item ", 60)}, Ordered: true}}}
	var buf bytes.Buffer
	Render(&buf, r, Options{Width: 60})
	for _, line := range strings.Split(buf.String(), "\n") {
		if utf8.RuneCountInString(line) > 60 {
			t.Errorf("line over 60 columns: %q", line)
		}
	}
}

func TestPrompt(t *testing.T) {
	e := bottest.Engine(t)
	in := strings.NewReader("more\n530\n\npaste\n220 hi\nUSER a\n331 pw\nPASS b\n530 Login incorrect.\n\nmore\nquit\n550\n")
	var out bytes.Buffer
	var asked []string
	answer := func(ctx context.Context, q string) bot.Reply {
		asked = append(asked, q)
		return e.Handle(ctx, bot.Request{Text: q})
	}
	if err := Prompt(context.Background(), in, &out, answer, Options{}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// Each answer's first screen is its card; "more" shows the whole of the last one.
	if strings.Count(got, "530 Not logged in") < 3 || strings.Count(got, "What to do first") < 2 || !strings.Contains(got, "Timeline") {
		t.Errorf("prompt output lacks the two cards and the More view of the second:\n%s", got)
	}
	if !strings.Contains(got, "Ask something first") {
		t.Error("more before any question does not say what it does")
	}
	if i, j := strings.Index(got, "What to do first"), strings.Index(got, "Likely causes"); j >= 0 && j < i {
		t.Error("the first screen shows the causes, which belong to more")
	}
	// "530", the pasted log, then quit: the "550" after it must never be asked.
	if len(asked) != 2 || asked[0] != "530" || !strings.Contains(asked[1], "USER a") {
		t.Errorf("questions asked = %q, want 530 and the pasted log only", asked)
	}
}

func BenchmarkLookupAndRender(b *testing.B) {
	e := bottest.Engine(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		Render(&buf, e.Ask("530"), Options{})
	}
}
