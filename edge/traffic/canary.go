package traffic

import (
	"fmt"
	"strings"
	"time"
)

// watch judges the canary every Policy.Interval until Close.
func (r *Router) watch() {
	defer r.watcher.Done()
	t := time.NewTicker(r.opts.Policy.Interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.JudgeCanary()
		}
	}
}

// JudgeCanary compares the canary's window with the active's and removes
// the canary if it is worse by more than the policy allows (Policy.judge).
// It returns the note when it rolled the canary back, "" otherwise. The
// edge calls it every Policy.Interval; tests call it directly.
func (r *Router) JudgeCanary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.table.Load()
	if r.closed || t == nil || t.canary == nil {
		return ""
	}
	cw := t.canary.win.Load()
	reason := r.opts.Policy.judge(cw, t.active.win.Load())
	if reason == "" {
		return ""
	}
	n := t.canary.meta.Number
	st := r.state
	st.Canary, st.Percent = 0, 0
	st.Note = fmt.Sprintf("automatic rollback of canary version %d at %s after %d requests: %s",
		n, r.opts.Now().UTC().Format(time.RFC3339), cw.by[viewerRequest].calls.Load(), reason)
	if err := r.swap(&table{active: t.active, loaded: map[int]*Version{t.active.meta.Number: t.active}}, st); err != nil {
		r.opts.Logger.Error("traffic: automatic rollback could not be saved", "version", n, "err", err)
		return ""
	}
	r.metrics.autoRollbacks.Inc()
	r.opts.Logger.Warn("traffic: canary rolled back automatically", "version", n, "reason", reason)
	return st.Note
}

// judge says why the canary's window c is worse than the active's a, ""
// if it is not. The error rate is over all calls of each version (gate
// and master rewrite), judged once each side has MinRequests calls; the
// p99 is per trigger point, judged once each side has MinRequests calls
// at that trigger point. Every breach is named.
func (p Policy) judge(c, a *window) string {
	var reasons []string
	cn, _ := c.total()
	an, _ := a.total()
	if cn >= p.MinRequests && an >= p.MinRequests {
		if cr, ar := c.errorRate(), a.errorRate(); cr > ar+p.MaxErrorRateIncrease {
			var failed []string
			for t := range triggers {
				failed = append(failed, fmt.Sprintf("%s %d of %d", t, c.by[t].errors.Load(), c.by[t].calls.Load()))
			}
			reasons = append(reasons, fmt.Sprintf("error rate %.2f%% vs active %.2f%% over all function calls (allowed +%.2f points; failed: %s)",
				100*cr, 100*ar, 100*p.MaxErrorRateIncrease, strings.Join(failed, ", ")))
		}
	}
	for t := range triggers {
		cs, as := &c.by[t], &a.by[t]
		if cs.calls.Load() < p.MinRequests || as.calls.Load() < p.MinRequests {
			continue
		}
		if cp, ap := cs.quantile(0.99), as.quantile(0.99); float64(cp) > p.MaxP99Ratio*float64(ap)+float64(p.P99Slack) {
			reasons = append(reasons, fmt.Sprintf("%s p99 %v vs active %v (allowed %g× + %v)", t, cp, ap, p.MaxP99Ratio, p.P99Slack))
		}
	}
	return strings.Join(reasons, "; ")
}
