package slack

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
)

// TestSharedState: two adapters (two replicas) given one store of events and shares: a retry that
// reaches the other replica is not answered again, and a live check's Share pressed on the other
// replica posts the check the asker saw. With stores of their own the retry is answered twice and
// the Share finds nothing (a check is not run again).
func TestSharedState(t *testing.T) {
	tests := []struct {
		name   string
		store  bool // the replicas share one store
		posts  int  // chat.postMessage calls for one event and its retry
		shared bool // the Share on the other replica posts the check
	}{
		{"one shared store", true, 1, true},
		{"a store each", false, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			events, shares := bot.Dedup(bot.NewSeen(EventTTL, 100, nil)), bot.Shares(bot.NewShareCache(ShareTTL, 100, nil))
			replica := func() *httpAdapter {
				o := Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()}
				if tt.store {
					o.Events, o.Shares = events, shares
				}
				o.Engine = testEngine(t)
				o.Engine.Check = func(_ context.Context, _ bot.Request, target string) (bot.Reply, error) {
					return bot.Reply{Kind: bot.KindCode, ID: "530", Title: "Check of " + target, Summary: "Login failed: 530.", Severity: bot.SeverityError}, nil
				}
				return newHTTPAdapter(t, o)
			}
			a, b := replica(), replica()

			ev := mentionEvent("EvS1", "<@UBOTFTP> 530", "", "1700000000.000100")
			post(t, a.srv, "/slack/events", "application/json", ev, a.now)
			api.next(t, "chat.postMessage")
			post(t, b.srv, "/slack/events", "application/json", ev, b.now, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout")
			time.Sleep(300 * time.Millisecond)
			if n := api.count("chat.postMessage"); n != tt.posts {
				t.Errorf("an event and its retry on the other replica posted %d answers, want %d", n, tt.posts)
			}

			hk := newHook(t)
			post(t, a.srv, "/slack/commands", "application/x-www-form-urlencoded", commandForm("check ftp.example.com", hk.URL()), a.now)
			var share *slack.ButtonBlockElement
			for share == nil {
				share = buttons(blocksOf(t, hk.next(t)))[actionShare] // progress first, then the report
			}
			resp := post(t, b.srv, "/slack/interactivity", "application/x-www-form-urlencoded",
				interactionForm(blockActions(actionShare, share.Value, hk.URL(), true)), b.now)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("Share on the other replica: status %d", resp.StatusCode)
			}
			got := hk.next(t)
			if posted := got["response_type"] == "in_channel" && headerOf(blocksOf(t, got)) == "Check of ftp.example.com"; posted != tt.shared {
				t.Errorf("Share of a check on the other replica posted %v; want the check posted: %v", got, tt.shared)
			}
		})
	}
}
