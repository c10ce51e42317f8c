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
	in := strings.NewReader("530\n\npaste\n220 hi\nUSER a\n331 pw\nPASS b\n530 Login incorrect.\n\nquit\n550\n")
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
	if strings.Count(got, "530 Not logged in") < 2 || !strings.Contains(got, "Timeline") {
		t.Errorf("prompt output lacks the two answers:\n%s", got)
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
