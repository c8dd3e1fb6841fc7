package traffic

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the per-version Prometheus figures.
type metrics struct {
	calls         *prometheus.CounterVec
	errors        *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	shares        *prometheus.GaugeVec
	autoRollbacks prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edge_fn_requests_total", Help: "Function calls, by version and trigger (viewer-request: the gate; origin-request: the master rewrite).",
		}, []string{"version", "trigger"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edge_fn_errors_total", Help: "Function calls that failed (trap, deadline, bad answer; for origin-request also a master the rewrite refused as invalid), by version and trigger.",
		}, []string{"version", "trigger"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "edge_fn_duration_seconds", Help: "Function time, by version and trigger.",
			Buckets: prometheus.ExponentialBuckets(5e-6, 2, 16),
		}, []string{"version", "trigger"}),
		shares: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "edge_fn_traffic_share", Help: "Share of playback sessions routed to each loaded version (0-1).",
		}, []string{"version"}),
		autoRollbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edge_fn_auto_rollbacks_total", Help: "Canaries the edge rolled back by itself.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.errors, m.duration, m.shares, m.autoRollbacks)
	}
	return m
}

// share records t's split.
func (m *metrics) share(t *table) {
	m.shares.Reset()
	if t == nil {
		return
	}
	for _, e := range t.loaded {
		v := 0.0
		switch e {
		case t.active:
			v = 1 - float64(t.canaryBP)/10000
			if t.canary == nil {
				v = 1
			}
		case t.canary:
			v = float64(t.canaryBP) / 10000
		}
		m.shares.WithLabelValues(e.label).Set(v)
	}
}
