package bot_test

import (
	"encoding/json"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
	"github.com/google/go-cmp/cmp"
)

// TestAskJSON pins the contract of `ftpbot ask --json` and /api/ask: the field names, matches as
// [] rather than null, evidence left out when there is none.
func TestAskJSON(t *testing.T) {
	tests := []struct {
		name  string
		query string
		reply bot.Reply
		want  string
	}{
		{"matches and evidence", "530 Login incorrect.",
			bot.Reply{Matches: []knowledge.Match{{ID: "530", Kind: "code", Title: "Not logged in", Score: 9}}, Evidence: []string{"530 Login incorrect."}},
			`{"query":"530 Login incorrect.","matches":[{"id":"530","kind":"code","title":"Not logged in"}],"evidence":["530 Login incorrect."]}`},
		{"nothing matched", "hello", bot.Reply{}, `{"query":"hello","matches":[]}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(bot.NewAskJSON(tt.query, tt.reply))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(b)); diff != "" {
			t.Errorf("%s: NewAskJSON as JSON (-want +got):\n%s", tt.name, diff)
		}
	}
}
