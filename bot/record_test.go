package bot_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/internal/golden"
)

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
		golden.Check(t, filepath.Join(bottest.RepliesDir(), q.Name+".json"), append(got, '\n'))
	}
}
