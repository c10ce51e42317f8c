package bot_test

import (
	"bufio"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

var realFile = flag.String("real.file", "testdata/real-questions-dev.tsv", "the set of real questions to score (same format as shared/eval/real-questions-dev.tsv)")

// conceptSlugs is the concept → topic contract of real-questions-dev.tsv's header, as score.py
// applies it: a slug ending in "*" stands for every slug with that prefix.
var conceptSlugs = map[string][]string{
	"passive": {"active-vs-passive"}, "nat": {"pasv-epsv-nat"}, "firewall": {"firewall-ports"},
	"tls": {"explicit-implicit-ftps", "tls-session-reuse", "tls-*"}, "sftp": {"ftp-ftps-sftp"},
	"ascii": {"ascii-vs-binary"}, "epsv": {"pasv-epsv-nat", "ipv6-*"}, "perm": {"permissions-chroot"},
	"login": {"login-failures"}, "timeout": {"timeouts-keepalive"}, "encoding": {"filename-encoding"},
}

// realRow is one row of a real-questions file.
type realRow struct {
	query, source, kind string
	labels              []string
}

func readRealRows(t *testing.T, path string) []realRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t")
	var rows []realRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("%s:%d: %d columns, want 4 (query, expected, source, kind)", path, n, len(cols))
		}
		rows = append(rows, realRow{query: unescape.Replace(cols[0]), labels: strings.Split(cols[1], "|"), source: cols[2], kind: cols[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// realHit reports whether match m satisfies label as score.py judges it: a code label names the
// code, a topic:<concept> label one of the concept's slugs.
func realHit(label string, m knowledge.Match) bool {
	if isDigitsOnly(label) {
		return m.Kind == knowledge.KindCode && m.ID == label
	}
	concept, ok := strings.CutPrefix(label, "topic:")
	if !ok || m.Kind != knowledge.KindTopic {
		return false
	}
	for _, s := range conceptSlugs[concept] {
		if m.ID == s || (strings.HasSuffix(s, "*") && strings.HasPrefix(m.ID, strings.TrimSuffix(s, "*"))) {
			return true
		}
	}
	return false
}

func isDigitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// realOK reports whether the first k matches answer the row: a row whose labels include none is
// answered by no match at all, any other by a label among the first k matches.
func realOK(r realRow, ms []knowledge.Match, k int) bool {
	for _, l := range r.labels {
		if l == "none" && len(ms) == 0 {
			return true
		}
	}
	for _, m := range ms[:min(k, len(ms))] {
		for _, l := range r.labels {
			if realHit(l, m) {
				return true
			}
		}
	}
	return false
}

// TestRealQuestions scores the bot on questions real people wrote in public threads (the
// development set from shared/eval, with the answer each thread settled on), the way score.py
// scores the binary: at least 85% must get the right answer first and 95% within the top 3, and
// every row that is not about FTP must get no match at all. Each miss is reported.
func TestRealQuestions(t *testing.T) {
	scoreReal(t, *realFile, 0.85, 0.95)
}

// TestHeldOutRealQuestions scores the held-out set (testdata/real-questions-heldout.tsv): real
// phrasings collected for issue 12 and never tuned on row by row. Its floors are lower than the
// development set's: it measures how well the rules generalise, and fails only on a clear
// regression.
func TestHeldOutRealQuestions(t *testing.T) {
	scoreReal(t, "testdata/real-questions-heldout.tsv", 0.75, 0.85)
}

func scoreReal(t *testing.T, path string, minFirst, minTop3 float64) {
	t.Helper()
	rows := readRealRows(t, path)
	e := engine(t)
	first, top3 := 0, 0
	for _, r := range rows {
		reply := e.Handle(context.Background(), bot.Request{Text: r.query, Platform: "test"})
		ms := reply.Matches
		ok1, ok3 := realOK(r, ms, 1), realOK(r, ms, 3)
		if ok1 {
			first++
		}
		if ok3 {
			top3++
		}
		onlyNone := len(r.labels) > 0
		for _, l := range r.labels {
			onlyNone = onlyNone && (l == "none" || l == "topic:notftp")
		}
		ids := make([]string, 0, 3)
		for _, m := range ms[:min(3, len(ms))] {
			ids = append(ids, m.ID)
		}
		switch {
		case onlyNone && len(ms) > 0:
			t.Errorf("not FTP, want no match: %q got %v (%s)", short(r.query), ids, r.source)
		case !ok1:
			t.Logf("miss (%s): %q want %s got %v (%s)", r.kind, short(r.query), strings.Join(r.labels, "|"), ids, r.source)
		}
	}
	n := len(rows)
	t.Logf("%s: %d rows, first %d (%.0f%%), top 3 %d (%.0f%%)", path, n, first, 100*float64(first)/float64(n), top3, 100*float64(top3)/float64(n))
	if float64(first) < minFirst*float64(n) {
		t.Errorf("first place %d/%d (%.1f%%), want at least %.0f%%", first, n, 100*float64(first)/float64(n), 100*minFirst)
	}
	if float64(top3) < minTop3*float64(n) {
		t.Errorf("top 3 %d/%d (%.1f%%), want at least %.0f%%", top3, n, 100*float64(top3)/float64(n), 100*minTop3)
	}
}
