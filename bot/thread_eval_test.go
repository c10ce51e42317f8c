package bot_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
)

func firstID(r bot.Reply) string {
	if len(r.Matches) == 0 {
		return "nothing"
	}
	return r.Matches[0].ID
}

// inWords reports whether a question holds no evidence of its own: no reply code and nothing the
// bot reads as evidence (a quoted reply, a client's error). Questions that quote an error are
// pastes too, and two pastes in one thread are another test (the stronger, then the later, wins).
func inWords(q string) bool {
	return !codeRE.MatchString(q) && len(evalEngine.Diagnose(bot.Thread{Messages: []bot.Message{{ID: "1", Text: q}}}).Evidence) == 0
}

// codeRE finds a reply code in a question.
var codeRE = regexp.MustCompile(`\b[1-6]\d\d\b`)

// evalEngine is the engine inWords asks.
var evalEngine *bot.Engine

// TestThreadEvaluation builds troubleshooting threads from a real-questions set and measures
// whether the whole-thread answer is right first. Each client or server paste (the evidence) is
// put in a thread twice, each time followed by a bare "any idea?": after a real question in
// words about the same problem (labels shared), and before a real question in words about
// another problem (questions that quote a reply or an error are pastes, and left out). Reading
// the rest of a thread must never cost a right answer: every paste answered right on its own
// must be answered right in both threads.
//
// It reads the development set (-real.file).
func TestThreadEvaluation(t *testing.T) {
	rows := readRealRows(t, *realFile)
	e := bottest.Engine(t)
	evalEngine = e
	var questions, evidence []realRow
	for _, r := range rows {
		switch r.kind {
		case "nl":
			questions = append(questions, r)
		case "client", "server":
			evidence = append(evidence, r)
		}
	}
	thread := func(first, second string) bot.Thread {
		return bot.Thread{Messages: []bot.Message{{ID: "1", Text: first}, {ID: "2", Text: second}, {ID: "3", Text: "any idea?"}}}
	}
	var alone, related, unrelated, lost int
	for i, ev := range evidence {
		ok := realOK(ev, e.Ask(ev.query).Matches, 1)
		same, other := ev, ev // no question found: an empty message
		same.query, other.query = "", ""
		for j := range questions {
			q := questions[(i+j)%len(questions)]
			if !inWords(q.query) {
				continue
			}
			shares := slices.ContainsFunc(q.labels, func(w string) bool { return slices.Contains(ev.labels, w) })
			if shares && same.query == "" {
				same = q
			}
			if !shares && other.query == "" {
				other = q
			}
		}
		rRel := e.Diagnose(thread(same.query, ev.query))
		rUnrel := e.Diagnose(thread(ev.query, other.query))
		for _, c := range []struct {
			r     bot.Reply
			count *int
			how   string
		}{{rRel, &related, "after the related question " + short(same.query)}, {rUnrel, &unrelated, "before the unrelated question " + short(other.query)}} {
			right := realOK(ev, c.r.Matches, 1)
			if right {
				*c.count++
			}
			if ok && !right {
				lost++
				t.Errorf("%s, %q was answered %s; on its own it is answered right", c.how, short(ev.query), firstID(c.r))
			}
		}
		if ok {
			alone++
		}
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(len(evidence), 1)) }
	t.Logf("%d pastes: right first on their own %d (%.0f%%); in a thread after a related question %d (%.0f%%); before an unrelated one %d (%.0f%%); lost %d",
		len(evidence), alone, pct(alone), related, pct(related), unrelated, pct(unrelated), lost)
}
