// Package metrics exports ftpbot's Prometheus metrics: questions by adapter, kind and outcome,
// answer latency, adapter connection state and reconnects, rate-limited requests, recovered
// panics and whether the shared state is degraded.
//
//	m := metrics.New()
//	engine.Observe = m.Observe
//	m.Watch(health)
//	mux.Handle("GET /metrics", m.Handler())
package metrics

import (
	"net/http"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors on their own registry (not the global one, so tests can make
// several).
type Metrics struct {
	Registry    *prometheus.Registry
	questions   *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	state       *prometheus.GaugeVec
	reconnects  *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	Panics      prometheus.Counter
	Delivery    *prometheus.CounterVec
}

// adapterStates are the values of ftpbot_adapter_state's "state" label; one is 1, the rest 0.
var adapterStates = []string{bot.StateOff, bot.StateConnecting, bot.StateConnected, bot.StateListening, bot.StateDisconnected}

// New registers every collector on a new registry, with the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ftpbot_questions_total", Help: "Questions answered, by adapter, kind of answer and outcome (answered, no_match, error, rate_limited).",
		}, []string{"adapter", "kind", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ftpbot_answer_seconds", Help: "Time to produce an answer, by adapter.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .05, .25, 1, 5, 20},
		}, []string{"adapter"}),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ftpbot_adapter_state", Help: "1 for each adapter's current connection state.",
		}, []string{"adapter", "state"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ftpbot_adapter_reconnects_total", Help: "Reconnects of an adapter's connection (Socket Mode, gateway).",
		}, []string{"adapter"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ftpbot_rate_limited_total", Help: "Questions refused by the per-user rate limit, by adapter.",
		}, []string{"adapter"}),
		Panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ftpbot_panics_total", Help: "Panics recovered in handlers.",
		}),
		Delivery: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ftpbot_delivery_failures_total", Help: "Replies that could not be delivered to a platform after retries, by adapter and reason.",
		}, []string{"adapter", "reason"}),
	}
	m.Registry.MustRegister(m.questions, m.latency, m.state, m.reconnects, m.rateLimited, m.Panics, m.Delivery,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe records one answered question; it is the engine's Observe hook.
func (m *Metrics) Observe(o bot.Outcome) {
	m.questions.WithLabelValues(o.Platform, string(o.Kind), o.Result).Inc()
	m.latency.WithLabelValues(o.Platform).Observe(o.Latency.Seconds())
	if o.Result == "rate_limited" {
		m.rateLimited.WithLabelValues(o.Platform).Inc()
	}
	if o.Panicked {
		m.Panics.Inc()
	}
}

// Watch makes the state and reconnect metrics follow h. Call it before the adapters start.
func (m *Metrics) Watch(h *bot.Health) {
	h.OnChange = func(adapter, state string) {
		for _, s := range adapterStates {
			v := 0.0
			if s == state {
				v = 1
			}
			m.state.WithLabelValues(adapter, s).Set(v)
		}
	}
	h.OnReconnect = func(adapter string) { m.reconnects.WithLabelValues(adapter).Inc() }
	h.OnPanic = func(string) { m.Panics.Inc() }
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ftpbot_state_degraded",
		Help: "1 while the shared state (Redis) is unreachable and limits and de-duplication fall back to this replica's memory.",
	}, func() float64 {
		if h.Store().State == bot.StoreDegraded {
			return 1
		}
		return 0
	}))
}

// SetBuildInfo exports ftpbot_build_info, always 1, with the build's identity as labels: the
// usual Prometheus way to show which version each replica runs (join on it, or count by it
// during a rollout). Call it once.
func (m *Metrics) SetBuildInfo(version, revision, goVersion string) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "ftpbot_build_info",
		Help:        "The running build: version, VCS revision and Go version as labels; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": goVersion},
	})
	g.Set(1)
	m.Registry.MustRegister(g)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
