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
	"github.com/edgeflix/edgeflix/wasm/gate"
)

// Version is one loaded version: its pool, its request references and
// its figures. A request holds one from Router.Acquire to Release, so its
// gate and its master rewrite run on the same version, and a version that
// leaves the routing table closes its pool after its last request.
type Version struct {
	meta  versions.Meta
	host  *fnhost.Host
	label string // the version number, for headers and metric labels

	refs    atomic.Int64
	retired atomic.Bool

	// win counts the current judgment window (since the last split).
	win   atomic.Pointer[window]
	since time.Time // when the version became canary (zero otherwise)

	requests prometheus.Counter
	errors   prometheus.Counter
	duration prometheus.Observer
}

func newVersion(m versions.Meta, h *fnhost.Host, mx *metrics) *Version {
	e := &Version{meta: m, host: h, label: strconv.Itoa(m.Number)}
	e.win.Store(new(window))
	e.requests = mx.requests.WithLabelValues(e.label)
	e.errors = mx.errors.WithLabelValues(e.label)
	e.duration = mx.duration.WithLabelValues(e.label)
	return e
}

// acquire takes a reference unless e has left the routing table. With
// retire's store-then-load, either the request sees retired and backs
// off, or the drain sees its reference and waits.
func (e *Version) acquire() bool {
	e.refs.Add(1)
	if e.retired.Load() {
		e.refs.Add(-1)
		return false
	}
	return true
}

func (e *Version) release() { e.refs.Add(-1) }

// Release ends the request's hold on e.
func (e *Version) Release() { e.release() }

// Label is e's number as a string, as VersionHeader and the metrics name it.
func (e *Version) Label() string { return e.label }

// Gate runs e's viewer-request function, counts it in e's figures and
// stamps the response with VersionHeader when ctx is the request's
// *fasthttp.RequestCtx.
func (e *Version) Gate(ctx context.Context, rawPath string, now time.Time) (gate.Result, error) {
	start := time.Now()
	res, err := e.host.Gate(ctx, rawPath, now)
	e.observe(time.Since(start), err)
	stamp(ctx, e.label)
	return res, err
}

// Rewrite runs e's origin-request function (the master rewrite).
func (e *Version) Rewrite(ctx context.Context, master []byte, caps string) ([]byte, error) {
	return e.host.Rewrite(ctx, master, caps)
}

func (e *Version) configure(ctx context.Context, doc []byte) error {
	d, err := docFor(doc, e.meta.Config)
	if err != nil {
		return err
	}
	return e.host.Configure(ctx, d)
}

func (e *Version) observe(d time.Duration, err error) {
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
