// Package traffic routes an edge's requests between function versions
// (edge/versions): one active version, at most one canary with a share of
// playback sessions, and any loaded version reachable by an override
// header. Each version runs in its own fnhost pool.
//
// The routing table is immutable and swapped through an atomic pointer, so
// a change is atomic for new requests; a request holds a reference on the
// version it started with, and a version leaving the table closes its
// pool only when its last request is done (drain).
//
// Canary assignment is sticky per playback session: the bucket is a hash
// of the token's sid claim, read (not verified — the gate verifies) from
// the token's payload. The sid is minted by the origin once per playback
// session and survives token refreshes, so one viewer stays on one version
// for a whole stream; it costs one base64 decode of ~300 bytes, no
// signature check. A path without a readable sid hashes the whole token.
//
// The canary is watched over both trigger points a request runs on it:
// the viewer-request gate and the origin-request master rewrite. Once both
// versions have a minimum sample, a canary whose error rate over all its
// function calls exceeds the active version's by more than
// Policy.MaxErrorRateIncrease, or whose function-time p99 at a trigger
// point exceeds Policy.MaxP99Ratio × the active's p99 there +
// Policy.P99Slack, is removed by the edge itself, which logs it, records
// it in Status and counts it in edge_fn_auto_rollbacks_total.
package traffic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/edge/selftest"
	"github.com/edgeflix/edgeflix/edge/versions"
)

// Header names.
const (
	// VersionHeader names, on every gated response, the version whose
	// function answered it.
	VersionHeader = "X-Edgeflix-Fn-Version"
	// OverrideHeader picks a loaded version by number (e.g. a canary at
	// 0 % for a smoke test); an unknown number is ignored.
	OverrideHeader = "X-Edgeflix-Fn-Override"
)

var (
	// ErrRefused reports a version that may not take traffic (its self-test failed).
	ErrRefused = errors.New("traffic: version refused")
	// ErrState reports a traffic change that makes no sense in the current state.
	ErrState = errors.New("traffic: not possible now")
)

// Policy is the automatic canary rollback rule.
type Policy struct {
	// MinRequests is the sample each of canary and active needs before the
	// canary is judged: function calls of all trigger points for the error
	// rate, calls at a trigger point for that point's p99; 0 means 200.
	MinRequests uint64
	// MaxErrorRateIncrease is how far (absolute, 0.01 = one point) the
	// canary's error rate over all its function calls may exceed the
	// active's; 0 means 0.01.
	MaxErrorRateIncrease float64
	// MaxP99Ratio and P99Slack bound the canary's function p99 at each
	// trigger point: at most MaxP99Ratio × the active's p99 there +
	// P99Slack; 0 means 2 and 5 ms.
	MaxP99Ratio float64
	P99Slack    time.Duration
	// Interval is how often the canary is judged; 0 means one second.
	Interval time.Duration
}

// Options configure a Router.
type Options struct {
	// Store holds the versions and the traffic state (required).
	Store *versions.Store
	// Bootstrap is the module made version 1 and activated when the store
	// has no active version (the edge's --module).
	Bootstrap []byte
	// Cache, PoolSize and Unguarded are passed to each version's
	// fnhost pool; Cache is also used by the self-test.
	Cache     wazero.CompilationCache
	PoolSize  int
	Unguarded bool
	// Policy is the canary rule.
	Policy Policy
	// Registerer receives the per-version metrics; nil means none.
	Registerer prometheus.Registerer
	// Now is the clock for state changes and canary windows; nil means time.Now.
	Now func() time.Time
	// Logger receives traffic changes; nil discards them.
	Logger *slog.Logger
}

// Router implements the edge's function calls over versions.
type Router struct {
	opts    Options
	table   atomic.Pointer[table]
	metrics *metrics

	mu      sync.Mutex // serializes changes (admin calls, Configure, canary judgment)
	doc     []byte     // the edge's current configure document
	state   versions.Traffic
	reports map[int]selftest.Report
	closed  bool

	stop    chan struct{}
	watcher sync.WaitGroup
	drains  sync.WaitGroup
}

// table is one immutable routing state.
type table struct {
	active   *Version
	canary   *Version // nil when none
	canaryBP uint32   // canary share in basis points (0..10000)
	loaded   map[int]*Version
}

// New opens the router over opts.Store: it loads the persisted active
// version and canary (refusing a corrupt one), or makes opts.Bootstrap
// version 1 and activates it after its self-test.
func New(ctx context.Context, opts Options) (*Router, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &opts.Policy
	if p.MinRequests == 0 {
		p.MinRequests = 200
	}
	if p.MaxErrorRateIncrease == 0 {
		p.MaxErrorRateIncrease = 0.01
	}
	if p.MaxP99Ratio == 0 {
		p.MaxP99Ratio = 2
	}
	if p.P99Slack == 0 {
		p.P99Slack = 5 * time.Millisecond
	}
	if p.Interval <= 0 {
		p.Interval = time.Second
	}
	r := &Router{opts: opts, metrics: newMetrics(opts.Registerer), reports: map[int]selftest.Report{}, stop: make(chan struct{})}
	st, err := opts.Store.Traffic()
	if err != nil {
		return nil, err
	}
	r.state = st
	if st.Active == 0 {
		if len(opts.Bootstrap) == 0 {
			return nil, errors.New("traffic: no active version and no bootstrap module")
		}
		m, _, err := opts.Store.Upload(opts.Bootstrap, versions.Config{}, "bootstrap", "the edge's --module at first start")
		if err != nil {
			return nil, err
		}
		if _, err := r.Activate(ctx, m.Number); err != nil {
			return nil, err
		}
	} else {
		active, err := r.load(ctx, st.Active)
		if err != nil {
			return nil, fmt.Errorf("traffic: active version %d: %w", st.Active, err)
		}
		t := &table{active: active, loaded: map[int]*Version{active.meta.Number: active}}
		if st.Canary != 0 {
			c, err := r.load(ctx, st.Canary)
			if err != nil {
				r.opts.Logger.Error("traffic: dropping the stored canary", "version", st.Canary, "err", err)
				r.state.Canary, r.state.Percent = 0, 0
			} else {
				t.canary, t.canaryBP, t.loaded[c.meta.Number] = c, basisPoints(st.Percent), c
				c.since = opts.Now()
			}
		}
		r.table.Store(t)
	}
	r.watcher.Add(1)
	go r.watch()
	return r, nil
}

func basisPoints(percent float64) uint32 { return uint32(percent*100 + 0.5) }

// load reads version n (hash checked) and starts its pool, configured
// with the current document.
func (r *Router) load(ctx context.Context, n int) (*Version, error) {
	m, module, err := r.opts.Store.Load(n)
	if err != nil {
		return nil, err
	}
	h, err := fnhost.New(context.WithoutCancel(ctx), fnhost.Options{
		Module: module, Cache: r.opts.Cache, PoolSize: r.opts.PoolSize, Unguarded: r.opts.Unguarded, Logger: r.opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	e := newVersion(m, h, r.metrics)
	if r.doc != nil {
		if err := e.configure(ctx, r.doc); err != nil {
			_ = h.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return e, nil
}

// Acquire picks the version that serves a request (see pick) and holds
// it until Release: the request's gate and master rewrite both run on it.
// It fails only when the router is closed.
func (r *Router) Acquire(ctx context.Context, rawPath string) (*Version, error) {
	if e := r.acquire(ctx, rawPath); e != nil {
		return e, nil
	}
	return nil, fnhost.ErrClosed
}

// acquire picks and references the version for a request.
func (r *Router) acquire(ctx context.Context, rawPath string) *Version {
	for {
		t := r.table.Load()
		if t == nil {
			return nil
		}
		e := t.pick(ctx, rawPath)
		if e.acquire() {
			return e
		}
		// e left the table between Load and acquire: the new table is
		// already stored, so load it again.
	}
}

// pick chooses the version: the override header's, else the canary for
// sessions whose bucket falls in its share, else the active.
func (t *table) pick(ctx context.Context, rawPath string) *Version {
	if n, ok := override(ctx); ok {
		if e := t.loaded[n]; e != nil {
			return e
		}
	}
	if t.canary != nil && t.canaryBP > 0 && SessionBucket(rawPath) < t.canaryBP {
		return t.canary
	}
	return t.active
}

// Configure applies the edge's configure document (key set, issuer,
// audience) to every loaded version, with each version's own config
// fields taking precedence, and keeps it for versions loaded later.
func (r *Router) Configure(ctx context.Context, doc []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.table.Load()
	var errs []error
	for _, e := range t.loaded {
		if err := e.configure(ctx, doc); err != nil {
			errs = append(errs, fmt.Errorf("version %d: %w", e.meta.Number, err))
		}
	}
	if len(errs) == 0 {
		r.doc = doc
	}
	return errors.Join(errs...)
}

// Stats sums the pool counters of the loaded versions.
func (r *Router) Stats() fnhost.Stats {
	var s fnhost.Stats
	if t := r.table.Load(); t != nil {
		for _, e := range t.loaded {
			x := e.host.Stats()
			s.Calls += x.Calls
			s.Replaced += x.Replaced
			s.Overruns += x.Overruns
		}
	}
	return s
}

// Close stops the canary watch, waits for requests in flight and closes
// every pool.
func (r *Router) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.stop)
	t := r.table.Swap(nil)
	r.mu.Unlock()
	r.watcher.Wait()
	if t != nil {
		for _, e := range t.loaded {
			r.retire(e)
		}
	}
	r.drains.Wait()
	return nil
}

// swap installs t, persists state and drains the versions t dropped.
// Called with r.mu held.
func (r *Router) swap(t *table, st versions.Traffic) error {
	st.Changed = r.opts.Now().UTC()
	if err := r.opts.Store.SetTraffic(st); err != nil {
		return err
	}
	old := r.table.Swap(t)
	r.state = st
	r.metrics.share(t)
	if old != nil {
		for n, e := range old.loaded {
			if t.loaded[n] != e {
				r.retire(e)
			}
		}
	}
	return nil
}

// retire closes e's pool once its requests are done.
func (r *Router) retire(e *Version) {
	e.retired.Store(true)
	r.drains.Add(1)
	go func() {
		defer r.drains.Done()
		for e.refs.Load() != 0 {
			time.Sleep(time.Millisecond)
		}
		_ = e.host.Close(context.Background())
	}()
}

// docFor is doc with version cfg's fields in place of the edge's.
func docFor(doc []byte, cfg versions.Config) ([]byte, error) {
	if cfg.Issuer == "" && cfg.Audience == "" && len(cfg.JWKS) == 0 {
		return doc, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, fmt.Errorf("traffic: configure document: %w", err)
	}
	if cfg.Issuer != "" {
		m["iss"], _ = json.Marshal(cfg.Issuer)
	}
	if cfg.Audience != "" {
		m["aud"], _ = json.Marshal(cfg.Audience)
	}
	if len(cfg.JWKS) > 0 {
		m["jwks"] = cfg.JWKS
	}
	return json.Marshal(m)
}

// sortedLoaded lists t's loaded version numbers.
func (t *table) sortedLoaded() []int {
	var ns []int
	for n := range t.loaded {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
