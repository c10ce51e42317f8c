package web

import (
	"net/http"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
)

// TestReadyzState: /readyz names the shared state's backend and health; a degraded store (Redis
// unreachable, each replica counting on its own) still answers, so the server stays ready.
func TestReadyzState(t *testing.T) {
	tests := []struct {
		name           string
		backend, state string // "" = never set: the memory default
		want           bot.StoreHealth
	}{
		{"memory by default", "", "", bot.StoreHealth{Backend: "memory", State: "ok"}},
		{"redis ok", "redis", bot.StoreOK, bot.StoreHealth{Backend: "redis", State: "ok"}},
		{"redis degraded", "redis", bot.StoreDegraded, bot.StoreHealth{Backend: "redis", State: "degraded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &bot.Health{}
			if tt.backend != "" {
				h.SetStore(tt.backend, tt.state)
			}
			o := testOptions(t)
			o.KB, o.Health = testKB(t), h
			_, srv := serve(t, o)
			r := get(t, srv, "/readyz")
			if r.status != http.StatusOK {
				t.Errorf("/readyz = %d, want 200", r.status)
			}
			var got readyJSON
			decodeJSON(t, r.body, &got)
			if got.State != tt.want {
				t.Errorf("/readyz state = %+v, want %+v", got.State, tt.want)
			}
		})
	}
}
