package traffic

import (
	"context"
	"errors"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/edge/versions"
	"github.com/edgeflix/edgeflix/wasm/gate"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// trigger is a trigger point of the module's functions: the metrics'
// trigger label and the canary judgment name it by the CloudFront event.
type trigger int

const (
	viewerRequest trigger = iota // the gate
	originRequest                // the master rewrite
	triggers
)

func (t trigger) String() string { return [triggers]string{"viewer-request", "origin-request"}[t] }

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

	series [triggers]series
}

// series are one version's Prometheus series at one trigger point.
type series struct {
	calls    prometheus.Counter
	errors   prometheus.Counter
	duration prometheus.Observer
}

func newVersion(m versions.Meta, h *fnhost.Host, mx *metrics) *Version {
	e := &Version{meta: m, host: h, label: strconv.Itoa(m.Number)}
	e.win.Store(new(window))
	for t := range triggers {
		l := prometheus.Labels{"version": e.label, "trigger": t.String()}
		e.series[t] = series{mx.calls.With(l), mx.errors.With(l), mx.duration.With(l)}
	}
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
	e.observe(viewerRequest, time.Since(start), err != nil)
	stamp(ctx, e.label)
	return res, err
}

// Rewrite runs e's origin-request function (the master rewrite) and
// counts it in e's figures (rewriteFailed tells which answers are errors).
func (e *Version) Rewrite(ctx context.Context, master []byte, caps string) ([]byte, error) {
	start := time.Now()
	body, err := e.host.Rewrite(ctx, master, caps)
	e.observe(originRequest, time.Since(start), rewriteFailed(err))
	return body, err
}

// rewriteFailed reports whether a rewrite's error is a failure of the
// version: every error but its two answers that are not failures, a
// media playlist (served as the origin sent it) and a master with nothing
// the device can play (the documented 422). An invalid master counts: the
// viewer gets a 502, and an origin that really sends one fails every
// version alike.
func rewriteFailed(err error) bool {
	return err != nil && !errors.Is(err, manifest.ErrNotMaster) && !errors.Is(err, manifest.ErrNothingPlayable)
}

func (e *Version) configure(ctx context.Context, doc []byte) error {
	d, err := docFor(doc, e.meta.Config)
	if err != nil {
		return err
	}
	return e.host.Configure(ctx, d)
}

func (e *Version) observe(t trigger, d time.Duration, failed bool) {
	s := &e.series[t]
	s.calls.Inc()
	s.duration.Observe(d.Seconds())
	if failed {
		s.errors.Inc()
	}
	e.win.Load().by[t].add(d, failed)
}

// Latency buckets of a window: bucket i holds durations up to 1.2^i µs,
// so a quantile is within 20 %; 100 buckets reach 80 s.
const (
	buckets      = 100
	bucketGrowth = 1.2
)

// window counts one version's calls, errors and function times at each
// trigger point over one judgment window.
type window struct {
	by [triggers]counts
}

// counts are one trigger point's figures in a window.
type counts struct {
	calls, errors atomic.Uint64
	hist          [buckets]atomic.Uint64
}

func (c *counts) add(d time.Duration, failed bool) {
	c.calls.Add(1)
	if failed {
		c.errors.Add(1)
	}
	i := 0
	if us := float64(d) / float64(time.Microsecond); us > 1 {
		i = min(int(math.Ceil(math.Log(us)/math.Log(bucketGrowth))), buckets-1)
	}
	c.hist[i].Add(1)
}

// quantile is the upper bound of the bucket holding quantile q.
func (c *counts) quantile(q float64) time.Duration {
	var total uint64
	for i := range c.hist {
		total += c.hist[i].Load()
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i := range c.hist {
		if seen += c.hist[i].Load(); seen >= rank {
			return time.Duration(math.Pow(bucketGrowth, float64(i)) * float64(time.Microsecond))
		}
	}
	return time.Duration(math.Pow(bucketGrowth, buckets-1) * float64(time.Microsecond))
}

// total sums the calls and errors of every trigger point.
func (w *window) total() (calls, failed uint64) {
	for t := range w.by {
		calls += w.by[t].calls.Load()
		failed += w.by[t].errors.Load()
	}
	return calls, failed
}

// errorRate is the share of all the window's calls that failed.
func (w *window) errorRate() float64 {
	n, failed := w.total()
	if n == 0 {
		return 0
	}
	return float64(failed) / float64(n)
}
