// Package health answers the probes of the origin and the edge:
//
//   - /livez is a constant answer from a process that serves HTTP at all;
//     a supervisor (systemd, the ASG's watchdog) restarts on it, because a
//     restart is the remedy for a hung process and for nothing else;
//   - /healthz runs each dependency check (the origin: MySQL, Redis; the
//     edge: the origin, its function version, its key set) with its own
//     short timeout and answers 503 naming the ones that failed, with each
//     check's status and latency and nothing else (no address, no error
//     text: those go to the log);
//   - /readyz runs the checks a load balancer routes by: the dependencies a
//     request needs plus the process's own state (schema migrated, not
//     draining for a shutdown).
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Check is one probe.
type Check struct {
	// Name labels the check in the answer, e.g. "db".
	Name string
	// Timeout bounds Run.
	Timeout time.Duration
	// Run returns nil when the dependency answers, a State for a known
	// not-ready state, and any other error for a failure.
	Run func(ctx context.Context) error
}

// State is a check's answer that is a known state rather than a failure
// to reach a dependency; the answer names it as is ("draining",
// "behind"), and it is not logged as a failure.
type State string

func (s State) Error() string { return string(s) }

// Result is one check's outcome: Status is "ok", "timeout", "failed" or a
// State, LatencyMS how long Run took in milliseconds.
type Result struct {
	Status    string  `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
}

// Answer is the JSON body of /healthz and /readyz: Status is "ok" or
// "unavailable", Checks each check's Result by name.
type Answer struct {
	Status string            `json:"status"`
	Checks map[string]Result `json:"checks"`
}

// Run runs the checks in parallel, each under its own timeout, and logs
// the failures with their error under probe ("healthz", "readyz").
func Run(logger *slog.Logger, probe string, checks []Check) Answer {
	a := Answer{Status: "ok", Checks: make(map[string]Result, len(checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
			defer cancel()
			start := time.Now()
			err := c.Run(cctx)
			r := Result{Status: "ok", LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
			var st State
			switch {
			case err == nil:
			case errors.As(err, &st):
				r.Status = string(st)
			case errors.Is(err, context.DeadlineExceeded) || cctx.Err() != nil:
				r.Status = "timeout"
				logger.Warn(probe+": dependency check timed out", "check", c.Name, "err", err)
			default:
				r.Status = "failed"
				logger.Warn(probe+": dependency check failed", "check", c.Name, "err", err)
			}
			mu.Lock()
			a.Checks[c.Name] = r
			if r.Status != "ok" {
				a.Status = "unavailable"
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return a
}

// Handler returns the handler of probe ("healthz", "readyz"): 200 and the
// Answer when every check is ok, else 503 and the Answer.
func Handler(logger *slog.Logger, probe string, checks ...Check) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		a := Run(logger, probe, checks)
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.SetContentType("application/json")
		if a.Status != "ok" {
			ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		}
		b, _ := json.Marshal(a)
		ctx.SetBody(b)
	}
}

// Live is the /livez handler: a constant 200 "ok", checking nothing.
func Live(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString("ok\n")
}
