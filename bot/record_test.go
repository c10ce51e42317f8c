package bot_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the recorded replies under testdata/replies")

// TestRecordReplies checks that the recorded canonical replies, which every renderer's golden
// tests read, are what the bot answers today. Refresh with go test ./bot -run TestRecordReplies
// -update (then the renderers' goldens with their own -update).
func TestRecordReplies(t *testing.T) {
	e := engine(t)
	for _, q := range bottest.Questions {
		r := e.Handle(context.Background(), bot.Request{Text: q.Text, Platform: "test"})
		got, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(bottest.RepliesDir(), q.Name+".json")
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
			t.Fatalf("%v (run go test ./bot -run TestRecordReplies -update)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("the reply to %s differs from %s (-recorded +now); rerun with -update:\n%s", q.Name, path, diff)
		}
	}
}
