package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIRunReportsFailedTests runs .ci/run with stand-ins for go, gofmt, git and install-deps on
// PATH, the test step failing or not: the script must still print how long it took and exit with the
// tests' status (under `set -e -o pipefail` a failing `go test | tee` used to end it at once).
func TestCIRunReportsFailedTests(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	script, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	for path, text := range map[string]string{
		".ci/run":          string(script),
		".ci/install-deps": "#!/bin/sh\nexit 0\n",
		"bin/go":           "", // written per case below
		"bin/gofmt":        "#!/bin/sh\nexit 0\n",
		"bin/git":          "#!/bin/sh\nexit 0\n",
	} {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, status := range []int{3, 0} {
		os.WriteFile(filepath.Join(bin, "go"), []byte(fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = test ]; then echo 'go test output'; exit %d; fi\nexit 0\n", status)), 0o755)
		cmd := exec.Command("bash", filepath.Join(root, ".ci/run"))
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "FTPBOT_TEST_LOG="+filepath.Join(root, "test.log"))
		out, err := cmd.CombinedOutput()
		got := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if got != status {
			t.Errorf(".ci/run with go test exiting %d: exit status %d\n%s", status, got, out)
		}
		if !strings.Contains(string(out), "ci: finished in") {
			t.Errorf(".ci/run with go test exiting %d did not print how long it took:\n%s", status, out)
		}
	}
}
