package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestUsageNamesEveryFlag: each command's line in the usage text names every flag the command
// takes (as its -h lists them), and doc.go, the operator's manual, shows the same lines.
func TestUsageNamesEveryFlag(t *testing.T) {
	lines := map[string]string{} // command → its usage line
	for _, l := range strings.Split(usage, "\n")[1:] {
		f := strings.Fields(l)
		if len(f) >= 2 && !strings.HasPrefix(f[1], "[") {
			lines[f[1]] = l
		}
	}
	flagRE := regexp.MustCompile(`(?m)^  -(\S+)`)
	for _, cmd := range []string{"ask", "check", "serve", "healthcheck"} {
		var out, errOut strings.Builder
		run(t.Context(), []string{cmd, "-h"}, noEnv, strings.NewReader(""), &out, &errOut)
		flags := flagRE.FindAllStringSubmatch(errOut.String(), -1)
		if len(flags) == 0 {
			t.Errorf("ftpbot %s -h lists no flags:\n%s", cmd, errOut.String())
		}
		for _, m := range flags {
			if !strings.Contains(lines[cmd], "--"+m[1]) {
				t.Errorf("the usage line %q does not name ftpbot %s's flag --%s", lines[cmd], cmd, m[1])
			}
		}
	}

	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var docLines []string
	for _, l := range strings.Split(string(doc), "\n") {
		if after, ok := strings.CutPrefix(l, "//\tftpbot"); ok {
			docLines = append(docLines, "  ftpbot"+after)
		}
	}
	if want := strings.Split(usage, "\n")[1:]; strings.Join(docLines, "\n") != strings.Join(want, "\n") {
		t.Errorf("doc.go's command list differs from the usage text:\n%s\nwant\n%s", strings.Join(docLines, "\n"), strings.Join(want, "\n"))
	}
}
