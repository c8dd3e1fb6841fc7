package traffic

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/edgeflix/edgeflix/edge/selftest"
	"github.com/edgeflix/edgeflix/edge/versions"
)

// Upload stores a new version; it takes no traffic.
func (r *Router) Upload(module []byte, cfg versions.Config, tag, message string) (versions.Meta, bool, error) {
	return r.opts.Store.Upload(module, cfg, tag, message)
}

// Test self-tests version n with the corpus, its stored operator cases
// and cases, and remembers the report: a version whose last report failed
// cannot take traffic. cases are stored with the version first (a case
// named like a stored one replaces it), so every later self-test of n,
// after a restart too, runs them again.
func (r *Router) Test(ctx context.Context, n int, cases []selftest.Case) (selftest.Report, error) {
	m, module, err := r.opts.Store.Load(n)
	if err != nil {
		return selftest.Report{}, err
	}
	all, err := r.storedCases(n)
	if err != nil {
		return selftest.Report{}, err
	}
	if len(cases) > 0 {
		all = mergeCases(all, cases)
		raw := make([]json.RawMessage, len(all))
		for i, c := range all {
			if raw[i], err = json.Marshal(c); err != nil {
				return selftest.Report{}, fmt.Errorf("%w: case %q: %w", versions.ErrInvalid, c.Name, err)
			}
		}
		if err := r.opts.Store.SaveCases(n, raw); err != nil {
			return selftest.Report{}, err
		}
	}
	rep := r.selfTest(ctx, m, module, all)
	r.mu.Lock()
	r.reports[n] = rep
	r.mu.Unlock()
	return rep, nil
}

func (r *Router) selfTest(ctx context.Context, m versions.Meta, module []byte, cases []selftest.Case) selftest.Report {
	return selftest.Run(ctx, module, selftest.Options{Issuer: m.Config.Issuer, Audience: m.Config.Audience, Cases: cases, Cache: r.opts.Cache})
}

// storedCases decodes version n's stored operator cases.
func (r *Router) storedCases(n int) ([]selftest.Case, error) {
	raw, err := r.opts.Store.Cases(n)
	if err != nil {
		return nil, err
	}
	cases := make([]selftest.Case, len(raw))
	for i, c := range raw {
		if err := json.Unmarshal(c, &cases[i]); err != nil {
			return nil, fmt.Errorf("%w: version %d: stored case %d: %w", versions.ErrCorrupt, n, i+1, err)
		}
	}
	return cases, nil
}

// mergeCases is stored with added: a case named like a stored one takes
// its place, others are appended in order.
func mergeCases(stored, added []selftest.Case) []selftest.Case {
	out := slices.Clone(stored)
	for _, c := range added {
		if i := slices.IndexFunc(out, func(o selftest.Case) bool { return o.Name == c.Name }); i >= 0 {
			out[i] = c
		} else {
			out = append(out, c)
		}
	}
	return out
}

// admit makes sure n passed a self-test (running the corpus and its
// stored cases if it has no report yet, as after a restart) and returns
// it: the loaded one, or a new pool.
// Called with r.mu held.
func (r *Router) admit(ctx context.Context, n int) (*Version, error) {
	if t := r.table.Load(); t != nil {
		if e := t.loaded[n]; e != nil {
			return e, nil
		}
	}
	rep, ok := r.reports[n]
	if !ok {
		m, module, err := r.opts.Store.Load(n)
		if err != nil {
			return nil, err
		}
		cases, err := r.storedCases(n)
		if err != nil {
			return nil, err
		}
		rep = r.selfTest(ctx, m, module, cases)
		r.reports[n] = rep
	}
	if !rep.Passed {
		return nil, fmt.Errorf("%w: version %d: %s", ErrRefused, n, rep.Summary())
	}
	return r.load(ctx, n)
}

// Activate sends all traffic to version n (after its self-test) and drops
// any canary. Requests in flight finish on their version.
func (r *Router) Activate(ctx context.Context, n int) (Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.open(); err != nil {
		return Status{}, err
	}
	e, err := r.admit(ctx, n)
	if err != nil {
		return Status{}, err
	}
	st := r.state
	if st.Active != 0 && st.Active != n {
		st.History = append(st.History, st.Active)
	}
	st.Active, st.Canary, st.Percent = n, 0, 0
	st.Note = fmt.Sprintf("activated version %d", n)
	e.since = time.Time{}
	if err := r.swap(&table{active: e, loaded: map[int]*Version{n: e}}, st); err != nil {
		r.dropIfNew(e)
		return Status{}, err
	}
	r.opts.Logger.Info("traffic: version activated", "version", n)
	return r.status(), nil
}

// Split sends percent (0–100) of playback sessions to version n as the
// canary; 0 loads it for the override header only.
func (r *Router) Split(ctx context.Context, n int, percent float64) (Status, error) {
	if percent < 0 || percent > 100 || percent != percent {
		return Status{}, fmt.Errorf("%w: share %v%% is not within 0–100", ErrState, percent)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.open(); err != nil {
		return Status{}, err
	}
	t := r.table.Load()
	if n == t.active.meta.Number {
		return Status{}, fmt.Errorf("%w: version %d is already active", ErrState, n)
	}
	e, err := r.admit(ctx, n)
	if err != nil {
		return Status{}, err
	}
	st := r.state
	st.Canary, st.Percent = n, percent
	st.Note = fmt.Sprintf("version %d at %g%%", n, percent)
	// A new judgment window for both sides.
	e.win.Store(new(window))
	t.active.win.Store(new(window))
	e.since = r.opts.Now()
	nt := &table{active: t.active, canary: e, canaryBP: basisPoints(percent), loaded: map[int]*Version{t.active.meta.Number: t.active, n: e}}
	if err := r.swap(nt, st); err != nil {
		r.dropIfNew(e)
		return Status{}, err
	}
	r.opts.Logger.Info("traffic: canary split", "version", n, "percent", percent)
	return r.status(), nil
}

// Rollback drops the canary and makes the version that was last at
// 100 % active again.
func (r *Router) Rollback(ctx context.Context) (Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.open(); err != nil {
		return Status{}, err
	}
	st := r.state
	if len(st.History) == 0 {
		return Status{}, fmt.Errorf("%w: no earlier version to roll back to", ErrState)
	}
	prev := st.History[len(st.History)-1]
	e, err := r.admit(ctx, prev)
	if err != nil {
		return Status{}, err
	}
	st.History = st.History[:len(st.History)-1]
	st.Active, st.Canary, st.Percent = prev, 0, 0
	st.Note = fmt.Sprintf("rolled back to version %d", prev)
	if err := r.swap(&table{active: e, loaded: map[int]*Version{prev: e}}, st); err != nil {
		r.dropIfNew(e)
		return Status{}, err
	}
	r.opts.Logger.Info("traffic: rolled back", "version", prev)
	return r.status(), nil
}

func (r *Router) open() error {
	if r.closed {
		return fmt.Errorf("%w: edge is closing", ErrState)
	}
	return nil
}

// dropIfNew closes e's pool if a failed change had just created it.
func (r *Router) dropIfNew(e *Version) {
	if t := r.table.Load(); t == nil || t.loaded[e.meta.Number] != e {
		r.retire(e)
	}
}

// VersionFigures are one loaded version's figures in the current window.
type VersionFigures struct {
	Version int    `json:"version"`
	Role    string `json:"role"` // active, canary, override
	// Calls and Errors sum every trigger point; ErrorRate is Errors/Calls,
	// the rate the canary judgment compares.
	Calls     uint64           `json:"calls"`
	Errors    uint64           `json:"errors"`
	ErrorRate float64          `json:"error_rate"`
	Triggers  []TriggerFigures `json:"triggers"`
}

// TriggerFigures are a version's figures at one trigger point
// (viewer-request: the gate, one call per request; origin-request: the
// master rewrite, one call per master cache miss).
type TriggerFigures struct {
	Trigger   string `json:"trigger"`
	Calls     uint64 `json:"calls"`
	Errors    uint64 `json:"errors"`
	P99Micros int64  `json:"p99_us"`
}

// Status is the traffic state with the loaded versions' figures.
type Status struct {
	versions.Traffic
	Loaded  []VersionFigures        `json:"loaded"`
	Reports map[int]selftest.Report `json:"-"`
	Tested  map[int]bool            `json:"tested"`
	Policy  Policy                  `json:"policy"`
}

// Status returns the current state.
func (r *Router) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status()
}

func (r *Router) status() Status {
	s := Status{Traffic: r.state, Tested: map[int]bool{}, Policy: r.opts.Policy}
	for n, rep := range r.reports {
		s.Tested[n] = rep.Passed
	}
	t := r.table.Load()
	if t == nil {
		return s
	}
	for _, n := range t.sortedLoaded() {
		e := t.loaded[n]
		role := "override"
		switch e {
		case t.active:
			role = "active"
		case t.canary:
			role = "canary"
		}
		w := e.win.Load()
		f := VersionFigures{Version: n, Role: role, ErrorRate: w.errorRate()}
		f.Calls, f.Errors = w.total()
		for tr := range triggers {
			c := &w.by[tr]
			f.Triggers = append(f.Triggers, TriggerFigures{
				Trigger: tr.String(), Calls: c.calls.Load(), Errors: c.errors.Load(), P99Micros: c.quantile(0.99).Microseconds(),
			})
		}
		s.Loaded = append(s.Loaded, f)
	}
	return s
}

// Listed is a stored version with the number of operator cases stored
// with it (-1 if they cannot be read).
type Listed struct {
	versions.Meta
	Cases int `json:"cases"`
}

// Versions lists the stored versions.
func (r *Router) Versions() ([]Listed, error) {
	metas, err := r.opts.Store.List()
	if err != nil {
		return nil, err
	}
	out := make([]Listed, len(metas))
	for i, m := range metas {
		out[i].Meta = m
		if cs, err := r.opts.Store.Cases(m.Number); err != nil {
			out[i].Cases = -1
		} else {
			out[i].Cases = len(cs)
		}
	}
	return out, nil
}
