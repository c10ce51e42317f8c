package main

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/ftpbot/ftpbot/adapters/web"
	"github.com/ftpbot/ftpbot/bot"
)

// buildAdapters creates the enabled chat adapters and records why the others are off.
func (s *server) buildAdapters() error {
	for _, p := range platforms {
		if on, _ := p.state(s.cfg); !on {
			s.off[p.name] = offReason(s.cfg.isSet(p.name+".enabled"), p.name, p.noSecrets)
			continue
		}
		a, err := p.start(s)
		if err != nil {
			return err
		}
		s.adapters[p.name] = a
	}
	for name, why := range s.off {
		s.health.Set(name, bot.StateOff, why)
	}
	return nil
}

// offReason says why an adapter is off: the config switched it off, or its secrets are missing.
func offReason(switchedOff bool, name, noSecrets string) string {
	if switchedOff {
		return name + ".enabled = false in the config"
	}
	return noSecrets
}

// routes is the HTTP server's handler: the web reference, playground, API, health and metrics,
// with each enabled adapter's endpoints mounted on the same mux.
func (s *server) routes() http.Handler {
	var previews []web.Preview
	for _, p := range platforms {
		previews = append(previews, p.preview(s.baseURL()))
	}
	var metricsHandler http.Handler
	if s.cfg.Server.MetricsListen == "" {
		metricsHandler = s.metrics.Handler() // else served on its own address (see run)
	}
	h := web.New(web.Options{
		Engine: s.engine, Health: s.health, Metrics: metricsHandler, BaseURL: s.baseURL(),
		AllowCheck: s.cfg.Probe.Web, Log: s.log.With("adapter", "web"), Previews: previews,
		Build: build(), TrustedProxies: s.cfg.Server.trustedProxies(),
	})
	for name, a := range s.adapters {
		for pattern, rh := range a.Routes() {
			s.log.Debug("route", "adapter", name, "pattern", pattern)
			h.Handle(pattern, rh)
		}
	}
	return recoverPanics(h, s.log, s.health)
}

// recoverPanics keeps a panic in any HTTP handler from costing more than its own request: it is
// logged and counted (ftpbot_panics_total), and the client gets a 500 with a polite message
// instead of a dropped connection.
func recoverPanics(next http.Handler, log *slog.Logger, h *bot.Health) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer bot.Recover(log, h, "http "+r.Method+" "+r.URL.Path, func() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]string{"error": bot.PoliteError})
		})
		next.ServeHTTP(w, r)
	})
}
