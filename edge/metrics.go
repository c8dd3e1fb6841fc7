package edge

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/wasm/gate"
)

// metrics are the edge's Prometheus figures, in one registry per Server
// (so several edges in one process, as tests run them, do not collide).
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	verdicts    *prometheus.CounterVec
	originBytes prometheus.Counter
	allowed     prometheus.Counter // verdicts{allow}, looked up once

	byStatus sync.Map // status code → prometheus.Counter: lock-free reads on the hot path
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edge_requests_total", Help: "Requests answered, by status code.",
		}, []string{"code"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edge_gate_verdicts_total", Help: "Gate verdicts: allow, deny (by reason) or error.",
		}, []string{"verdict", "reason"}),
		originBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edge_origin_bytes_total", Help: "Body bytes fetched from the origin for the cache.",
		}),
	}
	m.allowed = m.verdicts.WithLabelValues("allow", "")
	stat := func(name, help string, f func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	cmcdResult := func(result string, n *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "edge_cmcd_requests_total", Help: "Media requests by their CMCD: valid (parsed and logged), invalid (ignored) or absent.",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(n.Load()) })
	}
	m.registry.MustRegister(
		m.requests, m.verdicts, m.originBytes,
		stat("edge_cache_hits_total", "Cache lookups answered fresh from the cache.", func() uint64 { return s.cache.Stats().Hits }),
		stat("edge_cache_misses_total", "Cache lookups that went to the origin.", func() uint64 { return s.cache.Stats().Misses }),
		stat("edge_cache_stale_total", "Expired objects served while the origin failed.", func() uint64 { return s.cache.Stats().Stale }),
		stat("edge_origin_fetches_total", "Origin fetches made for the cache (coalesced misses count once).", func() uint64 { return s.cache.Stats().Fetches }),
		cmcdResult("valid", &s.cmcd.valid), cmcdResult("invalid", &s.cmcd.invalid), cmcdResult("absent", &s.cmcd.absent),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// instrument counts every answer by status.
func (s *Server) instrument(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		h(ctx)
		s.metrics.status(ctx.Response.StatusCode()).Inc()
	}
}

func (m *metrics) status(code int) prometheus.Counter {
	if c, ok := m.byStatus.Load(code); ok {
		return c.(prometheus.Counter)
	}
	c, _ := m.byStatus.LoadOrStore(code, m.requests.WithLabelValues(strconv.Itoa(code)))
	return c.(prometheus.Counter)
}

func (m *metrics) verdict(r gate.Result, err error) {
	switch {
	case err != nil:
		m.verdicts.WithLabelValues("error", "").Inc()
	case r.Status == gate.Allow:
		m.allowed.Inc()
	default:
		m.verdicts.WithLabelValues("deny", r.Reason).Inc()
	}
}

// MetricsHandler serves the edge's figures in Prometheus text format.
// It belongs on the admin listener, not the public port.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}
