package traffic

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the per-version Prometheus figures.
type metrics struct {
	requests      *prometheus.CounterVec
	errors        *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	shares        *prometheus.GaugeVec
	autoRollbacks prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edge_fn_requests_total", Help: "Viewer-request function calls, by function version.",
		}, []string{"version"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edge_fn_errors_total", Help: "Viewer-request function calls that failed (trap, deadline, bad answer), by version.",
		}, []string{"version"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "edge_fn_duration_seconds", Help: "Viewer-request function time, by version.",
			Buckets: prometheus.ExponentialBuckets(5e-6, 2, 16),
		}, []string{"version"}),
		shares: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "edge_fn_traffic_share", Help: "Share of playback sessions routed to each loaded version (0-1).",
		}, []string{"version"}),
		autoRollbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edge_fn_auto_rollbacks_total", Help: "Canaries the edge rolled back by itself.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.errors, m.duration, m.shares, m.autoRollbacks)
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
