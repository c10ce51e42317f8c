package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing; Fatal stops the helper by
// panicking, which run recovers.
type recorder struct {
	testing.TB
	failed []string
}

type fatal struct{}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return "TestExample" }
func (r *recorder) Errorf(format string, a ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatal(a ...any)                 { r.failed = append(r.failed, fmt.Sprint(a...)); panic(fatal{}) }
func (r *recorder) Fatalf(format string, a ...any) { r.Errorf(format, a...); panic(fatal{}) }
func (r *recorder) run(f func(testing.TB)) (failed []string) {
	defer func() {
		if p := recover(); p != nil && p != (fatal{}) {
			panic(p)
		}
		failed = r.failed
	}()
	f(r)
	return r.failed
}

func TestCheckBlock(t *testing.T) {
	const file = "# Title\n<!-- out:begin -->\nold\n<!-- out:end -->\ntail <!-- out:end -->\n"
	tests := []struct {
		name, block string
		update      bool
		fails       bool
		want        string // the file afterwards
	}{
		{"same", "<!-- out:begin -->\nold\n<!-- out:end -->", false, false, file},
		{"differs", "<!-- out:begin -->\nnew\n<!-- out:end -->", false, true, file},
		{"differs, -update", "<!-- out:begin -->\nnew\n<!-- out:end -->", true, false,
			"# Title\n<!-- out:begin -->\nnew\n<!-- out:end -->\ntail <!-- out:end -->\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "README.md")
			if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			*update = tt.update
			defer func() { *update = false }()
			r := &recorder{TB: t}
			failed := r.run(func(tb testing.TB) { CheckBlock(tb, path, "<!-- out:begin", "<!-- out:end -->", tt.block) })
			if got := len(failed) > 0; got != tt.fails {
				t.Errorf("CheckBlock failed = %v (%q), want %v", got, failed, tt.fails)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.want {
				t.Errorf("the file is now %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("no markers", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "README.md")
		os.WriteFile(path, []byte("# Title\n"), 0o644)
		r := &recorder{TB: t}
		if failed := r.run(func(tb testing.TB) { CheckBlock(tb, path, "<!-- out:begin", "<!-- out:end -->", "x") }); len(failed) == 0 {
			t.Error("CheckBlock passed a file without the markers")
		}
	})
}
