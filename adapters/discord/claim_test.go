package discord

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
)

// TestGatewayClaim: two adapters (two replicas on the same gateway shard) sharing one Dedup
// answer an interaction once; without a shared one, each answers.
func TestGatewayClaim(t *testing.T) {
	var i discordgo.Interaction
	if err := json.Unmarshal([]byte(`{"type":2,"id":"I7","application_id":"111","token":"tok","user":{"id":"U1","username":"ada"},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`), &i); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dedup   func() bot.Dedup // per replica
		answers int
	}{
		{"shared", func() func() bot.Dedup {
			d := bot.NewSeen(time.Minute, 100, nil)
			return func() bot.Dedup { return d }
		}(), 1},
		{"each its own", func() bot.Dedup { return bot.NewSeen(time.Minute, 100, nil) }, 2},
		{"none", func() bot.Dedup { return nil }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			for range 2 {
				a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "111", Engine: bottest.Engine(t), Health: &bot.Health{}, Transport: rec, Gateway: tt.dedup()})
				if err != nil {
					t.Fatal(err)
				}
				a.gatewayInteraction(&i)
				a.workers.Wait()
				a.busyWorkers.Wait()
			}
			if n := len(rec.Calls()); n != tt.answers {
				t.Errorf("%d responses to one interaction seen by two replicas, want %d", n, tt.answers)
			}
		})
	}
}
