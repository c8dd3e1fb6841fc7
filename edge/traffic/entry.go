package traffic

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/edge/versions"
)

// entry is one loaded version: its pool, its request references and its
// figures.
type entry struct {
	meta  versions.Meta
	host  *fnhost.Host
	label string // the version number, for headers and metric labels

	refs    atomic.Int64
	retired atomic.Bool

	// win counts the current judgment window (since the last split).
	win   atomic.Pointer[window]
	since time.Time // when the entry became canary (zero otherwise)

	requests prometheus.Counter
	errors   prometheus.Counter
	duration prometheus.Observer
}

func newEntry(m versions.Meta, h *fnhost.Host, mx *metrics) *entry {
	e := &entry{meta: m, host: h, label: strconv.Itoa(m.Number)}
	e.win.Store(new(window))
	e.requests = mx.requests.WithLabelValues(e.label)
	e.errors = mx.errors.WithLabelValues(e.label)
	e.duration = mx.duration.WithLabelValues(e.label)
	return e
}

// acquire takes a reference unless e has left the routing table. With
// retire's store-then-load, either the request sees retired and backs
// off, or the drain sees its reference and waits.
func (e *entry) acquire() bool {
	e.refs.Add(1)
	if e.retired.Load() {
		e.refs.Add(-1)
		return false
	}
	return true
}

func (e *entry) release() { e.refs.Add(-1) }

func (e *entry) configure(ctx context.Context, doc []byte) error {
	d, err := docFor(doc, e.meta.Config)
	if err != nil {
		return err
	}
	return e.host.Configure(ctx, d)
}

func (e *entry) observe(d time.Duration, err error) {
	e.requests.Inc()
	e.duration.Observe(d.Seconds())
	if err != nil {
		e.errors.Inc()
	}
	e.win.Load().add(d, err != nil)
}

// Latency buckets of a window: bucket i holds durations up to 1.2^i µs,
// so a quantile is within 20 %; 100 buckets reach 80 s.
const (
	buckets      = 100
	bucketGrowth = 1.2
)

// window counts requests, errors and function times of one version over
// one judgment window.
type window struct {
	requests, errors atomic.Uint64
	hist             [buckets]atomic.Uint64
}

func (w *window) add(d time.Duration, failed bool) {
	w.requests.Add(1)
	if failed {
		w.errors.Add(1)
	}
	i := 0
	if us := float64(d) / float64(time.Microsecond); us > 1 {
		i = min(int(math.Ceil(math.Log(us)/math.Log(bucketGrowth))), buckets-1)
	}
	w.hist[i].Add(1)
}

// quantile is the upper bound of the bucket holding quantile q.
func (w *window) quantile(q float64) time.Duration {
	var total uint64
	for i := range w.hist {
		total += w.hist[i].Load()
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i := range w.hist {
		if seen += w.hist[i].Load(); seen >= rank {
			return time.Duration(math.Pow(bucketGrowth, float64(i)) * float64(time.Microsecond))
		}
	}
	return time.Duration(math.Pow(bucketGrowth, buckets-1) * float64(time.Microsecond))
}

func (w *window) errorRate() float64 {
	n := w.requests.Load()
	if n == 0 {
		return 0
	}
	return float64(w.errors.Load()) / float64(n)
}
