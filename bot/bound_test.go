package bot_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// worstInputs are the shapes of a maximal question (bot.MaxQueryBytes) that cost the most.
func worstInputs() map[string]string {
	n := bot.MaxQueryBytes
	fill := func(unit string) string { return strings.Repeat(unit, n/len(unit)+1)[:n] }
	r := rand.New(rand.NewPCG(1, 2))
	var words strings.Builder
	for words.Len() < n {
		fmt.Fprintf(&words, "%x ", r.Uint32())
	}
	var lines strings.Builder
	for lines.Len() < n {
		fmt.Fprintf(&lines, "Response: %d %x failed\n", 400+r.IntN(200), r.Uint32())
	}
	var long strings.Builder
	for long.Len() < n {
		long.WriteString(fill("passive mode data ")[:MaxLine-1] + "\n")
	}
	var longLog strings.Builder
	for longLog.Len() < n {
		longLog.WriteString("Response: 550 " + fill("denied ")[:MaxLine-20] + "\n")
	}
	return map[string]string{
		"lines just under the bound": long.String()[:n],
		"log of long lines":          longLog.String()[:n],
		"log with one huge line":     ("Command:\tUSER bob\nResponse:\t530 " + fill("Login incorrect. "))[:n],
		"one line of words":          fill("permission denied passive mode data connection "),
		"one line of hex words":      words.String()[:n],
		"one line of codes":          fill("530 550 425 "),
		"one word":                   fill("a"),
		"a code then one word":       "530 " + fill("a")[4:],
		"client error then text":     "curl: (67) Access denied: 530 " + fill("login incorrect ")[30:],
		"short lines":                fill("x\n"),
		"log of replies":             lines.String()[:n],
		"escaped html":               fill("&lt;&gt;&amp; "),
		"urls":                       fill("ftp://user@host.example.com:21/path "),
	}
}

// MaxLine is the engine's bound on one line (bot's maxLineBytes).
const MaxLine = 8 << 10

func BenchmarkAskWorst(b *testing.B) {
	e := uncached(b)
	for name, in := range worstInputs() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.Ask(in)
			}
		})
	}
}

// TestWorkIsBounded: whatever the shape of a maximal question, answering it allocates a bounded
// amount — a few times MaxLineBytes per step, not the input's size per step (a 512 KB line made
// the search allocate 50–130 MB and cost 0.6–3 s of CPU). Memory is the deterministic stand-in
// for the work; BenchmarkAskWorst measures the time.
func TestWorkIsBounded(t *testing.T) {
	kb, err := knowledge.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e := &bot.Engine{KB: kb} // no answer cache: every question from scratch
	const limit = 48 << 20
	for name, in := range worstInputs() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r := e.Ask(in)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > limit && !raceEnabled {
			t.Errorf("%s: answering allocated %d MB, want at most %d MB", name, got>>20, limit>>20)
		}
		if r.Kind == "" {
			t.Errorf("%s: no answer", name)
		}
	}
	// The bound keeps what comes first: a long line that starts with a reply is answered by it.
	if r := e.Ask("530 Login incorrect. " + strings.Repeat("padding ", bot.MaxQueryBytes/8)); r.Kind != bot.KindCode || r.Matches[0].ID != "530" {
		t.Errorf("a long line starting with 530: kind %s, matches %v", r.Kind, r.Matches)
	}
}
