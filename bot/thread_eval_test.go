package bot_test

import (
	"bufio"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
)

var threadEval = flag.String("thread.eval", "", "a real-questions TSV (query, expected, source, kind) to build threads from; empty skips TestThreadEvaluation")

// realRow is one row of a real-questions set.
type realRow struct {
	query string
	want  []string // labels as the set writes them: "530", "topic:passive", "none"
	kind  string   // nl | client | server | offtopic
}

func readRealRows(t *testing.T, path string) []realRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []realRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	unescape := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			continue
		}
		rows = append(rows, realRow{query: unescape.Replace(f[0]), want: strings.Split(f[1], "|"), kind: f[3]})
	}
	return rows
}

// rightFirst reports whether a reply's first match is one of the labels, as the set's scorer
// reads them.
func rightFirst(r bot.Reply, want []string) bool {
	first := ""
	if len(r.Matches) > 0 {
		first = r.Matches[0].ID
	}
	slugs := map[string][]string{
		"passive": {"active-vs-passive"}, "nat": {"pasv-epsv-nat"}, "firewall": {"firewall-ports"},
		"tls": {"explicit-implicit-ftps", "tls-session-reuse", "tls-*"}, "sftp": {"ftp-ftps-sftp"},
		"ascii": {"ascii-vs-binary"}, "epsv": {"pasv-epsv-nat", "ipv6-*"}, "perm": {"permissions-chroot"},
		"login": {"login-failures"}, "timeout": {"timeouts-keepalive"}, "encoding": {"filename-encoding"},
	}
	for _, w := range want {
		concept, isTopic := strings.CutPrefix(w, "topic:")
		switch {
		case w == "none" || concept == "notftp":
			if first == "" {
				return true
			}
		case !isTopic:
			if first == w {
				return true
			}
		default:
			for _, s := range slugs[concept] {
				if first == s || strings.HasSuffix(s, "*") && strings.HasPrefix(first, strings.TrimSuffix(s, "*")) {
					return true
				}
			}
		}
	}
	return false
}

func firstID(r bot.Reply) string {
	if len(r.Matches) == 0 {
		return "nothing"
	}
	return r.Matches[0].ID
}

// codeRE finds a reply code in a question: such a "question" is evidence itself.
var codeRE = regexp.MustCompile(`\b[1-6]\d\d\b`)

// TestThreadEvaluation builds troubleshooting threads from a real-questions set and measures
// whether the whole-thread answer is right first. Each client or server paste (the evidence) is
// put in a thread twice, each time followed by a bare "any idea?": after a real question in
// words about the same problem (labels shared), and before a real question in words about
// another problem (one that quotes no reply code, which would be evidence of its own). Reading
// the rest of a thread must never cost a right answer: every paste answered right on its own
// must be answered right in both threads.
//
//	go test ./bot -run TestThreadEvaluation -thread.eval=/path/to/real-questions-dev.tsv -v
func TestThreadEvaluation(t *testing.T) {
	if *threadEval == "" {
		t.Skip("no -thread.eval set")
	}
	rows := readRealRows(t, *threadEval)
	e := bottest.Engine(t)
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
		ok := rightFirst(e.Ask(ev.query), ev.want)
		same, other := ev, ev // no question found: the paste twice
		same.query, other.query = "", ""
		for j := range questions {
			q := questions[(i+j)%len(questions)]
			shares := slices.ContainsFunc(q.want, func(w string) bool { return slices.Contains(ev.want, w) })
			if shares && same.query == "" {
				same = q
			}
			if !shares && other.query == "" && !codeRE.MatchString(q.query) {
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
			right := rightFirst(c.r, ev.want)
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
