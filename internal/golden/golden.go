// Package golden compares test output with a committed file, and rewrites the file instead when
// the test binary runs with -update:
//
//	golden.Check(t, filepath.Join("testdata", "golden", name+".json"), got)
//
// It owns the -update flag, so every package that imports it shares one flag and one message.
package golden

import (
	"flag"
	"os"
	"path/filepath"
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
