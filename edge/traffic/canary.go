package traffic

import (
	"fmt"
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
// the canary if it is worse by more than the policy allows. It returns
// the reason when it rolled the canary back, "" otherwise. The edge calls
// it every Policy.Interval; tests call it directly.
func (r *Router) JudgeCanary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.table.Load()
	if r.closed || t == nil || t.canary == nil {
		return ""
	}
	p := r.opts.Policy
	cw, aw := t.canary.win.Load(), t.active.win.Load()
	if cw.requests.Load() < p.MinRequests || aw.requests.Load() < p.MinRequests {
		return ""
	}
	var reason string
	cr, ar := cw.errorRate(), aw.errorRate()
	cp, ap := cw.quantile(0.99), aw.quantile(0.99)
	switch {
	case cr > ar+p.MaxErrorRateIncrease:
		reason = fmt.Sprintf("error rate %.2f%% vs active %.2f%% (allowed +%.2f points)", 100*cr, 100*ar, 100*p.MaxErrorRateIncrease)
	case float64(cp) > p.MaxP99Ratio*float64(ap)+float64(p.P99Slack):
		reason = fmt.Sprintf("function p99 %v vs active %v (allowed %g× + %v)", cp, ap, p.MaxP99Ratio, p.P99Slack)
	default:
		return ""
	}
	n := t.canary.meta.Number
	st := r.state
	st.Canary, st.Percent = 0, 0
	st.Note = fmt.Sprintf("automatic rollback of canary version %d at %s after %d requests: %s",
		n, r.opts.Now().UTC().Format(time.RFC3339), cw.requests.Load(), reason)
	if err := r.swap(&table{active: t.active, loaded: map[int]*Version{t.active.meta.Number: t.active}}, st); err != nil {
		r.opts.Logger.Error("traffic: automatic rollback could not be saved", "version", n, "err", err)
		return ""
	}
	r.metrics.autoRollbacks.Inc()
	r.opts.Logger.Warn("traffic: canary rolled back automatically", "version", n, "reason", reason)
	return st.Note
}
