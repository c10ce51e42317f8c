// Package golden compares test output with a committed file, and rewrites the file instead when
// the test binary runs with -update:
//
//	golden.Check(t, filepath.Join("testdata", "golden", name+".json"), got)
//
// CheckBlock does the same for the part of a file between two markers (README.md's examples).
//
// It owns the -update flag, so every package that imports it shares one flag and one message.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files (and README.md's examples) from the current output")

// Update reports whether the test binary runs with -update, for tests that keep generated output
// somewhere other than a whole file (README.md's example blocks).
func Update() bool { return *update }

// Check fails t unless the file at path holds exactly got; with -update it first writes got there.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (go test -update rewrites it) (-file +got):\n%s", path, diff)
	}
}

// CheckBlock fails t unless the text of the file at path from the marker begin through the marker
// end is exactly block (which starts with begin and ends with end); with -update it rewrites that
// part of the file. It keeps README examples (a rendered card, a command's output) true to the code.
func CheckBlock(t testing.TB, path, begin, end, block string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, begin)
	j := -1
	if i >= 0 {
		j = strings.Index(s[i:], end)
	}
	if i < 0 || j < 0 {
		t.Fatalf("%s has no %s … %s block", path, begin, end)
	}
	j += i + len(end)
	if s[i:j] == block {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(s[:i]+block+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's %s block is out of date (go test -run '%s' -update rewrites it) (-file +got):\n%s", path, begin, t.Name(), cmp.Diff(s[i:j], block))
}
