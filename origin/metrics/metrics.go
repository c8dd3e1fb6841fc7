// Package metrics holds the origin's Prometheus metrics: requests and
// latency by route pattern and status (never the raw path, so label
// cardinality stays bounded), rate-limit rejections, the MySQL and Redis
// connection pools, active stream leases and QoE reports. It serves them
// in the Prometheus text format on a listener of its own, never on the
// public API port (RATIONALE.md "Why is /metrics on its own listener?").
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
)

// Namespace prefixes every metric name.
const Namespace = "edgeflix_origin"

// Config says what the metrics observe.
type Config struct {
	// DB is the MySQL pool (sql.DBStats). Required.
	DB *sql.DB
	// Redis is the Redis client (pool stats). Required.
	Redis *redis.Client
	// ActiveLeases counts the live stream leases when scraped. If nil, the
	// gauge is not registered.
	ActiveLeases func(ctx context.Context) (int, error)
}

// Metrics is the origin's registry and its instruments.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	limited   *prometheus.CounterVec
	qoe       *prometheus.CounterVec
	leaseErrs prometheus.Counter
}

// New registers the instruments and collectors of cfg.
func New(cfg Config) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "status"})
	m.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rate_limited_total",
		Help: "Requests refused with 429 by a rate limit, by route pattern.",
	}, []string{"route"})
	m.qoe = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "qoe_reports_total",
		Help: "Player QoE reports, by outcome: ok (stored), invalid (refused), error (not stored, retry).",
	}, []string{"outcome"})
	m.leaseErrs = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Name: "active_leases_errors_total",
		Help: "Scrapes that could not count the active stream leases.",
	})
	for _, o := range []string{"ok", "invalid", "error"} {
		m.qoe.WithLabelValues(o)
	}
	m.reg.MustRegister(m.requests, m.latency, m.limited, m.qoe, m.leaseErrs,
		collectors.NewDBStatsCollector(cfg.DB, "edgeflix"),
		newRedisCollector(cfg.Redis),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if cfg.ActiveLeases != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "active_leases",
			Help: "Live concurrent-stream leases (playback sessions that heartbeat).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := cfg.ActiveLeases(ctx)
			if err != nil {
				m.leaseErrs.Inc()
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Registry returns the registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// QoEReport counts one QoE report by outcome ("ok", "invalid", "error").
func (m *Metrics) QoEReport(outcome string) { m.qoe.WithLabelValues(outcome).Inc() }

// Wrap returns next, counting and timing each request under the route
// label routeOf gives once next has served it (a route pattern, never the
// raw path, so the label set stays bounded).
func (m *Metrics) Wrap(next fasthttp.RequestHandler, routeOf func(ctx *fasthttp.RequestCtx) string) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		next(ctx)
		route := routeOf(ctx)
		status := ctx.Response.StatusCode()
		code := strconv.Itoa(status)
		method := methodLabel(ctx.Method())
		m.requests.WithLabelValues(route, method, code).Inc()
		m.latency.WithLabelValues(route, method, code).Observe(time.Since(start).Seconds())
		if status == fasthttp.StatusTooManyRequests {
			m.limited.WithLabelValues(route).Inc()
		}
	}
}

// methodLabel bounds the method label to the methods the API uses.
func methodLabel(m []byte) string {
	switch string(m) {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return string(m)
	}
	return "other"
}

// redisCollector reports go-redis pool statistics.
type redisCollector struct {
	rdb                            *redis.Client
	hits, misses, timeouts         *prometheus.Desc
	total, idle, stale, waitDurSec *prometheus.Desc
}

func newRedisCollector(rdb *redis.Client) *redisCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName("edgeflix", "redis_pool", name), help, nil, nil)
	}
	return &redisCollector{
		rdb:        rdb,
		hits:       d("hits_total", "Times a free connection was found in the pool."),
		misses:     d("misses_total", "Times no free connection was found in the pool."),
		timeouts:   d("timeouts_total", "Times a wait for a connection timed out."),
		total:      d("connections", "Connections in the pool."),
		idle:       d("idle_connections", "Idle connections in the pool."),
		stale:      d("stale_connections_total", "Stale connections removed from the pool."),
		waitDurSec: d("wait_duration_seconds_total", "Time spent waiting for a connection."),
	}
}

func (c *redisCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hits, c.misses, c.timeouts, c.total, c.idle, c.stale, c.waitDurSec} {
		ch <- d
	}
}

func (c *redisCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.rdb.PoolStats()
	ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(c.timeouts, prometheus.CounterValue, float64(s.Timeouts))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns))
	ch <- prometheus.MustNewConstMetric(c.stale, prometheus.CounterValue, float64(s.StaleConns))
	ch <- prometheus.MustNewConstMetric(c.waitDurSec, prometheus.CounterValue, float64(s.WaitDurationNs)/1e9)
}
