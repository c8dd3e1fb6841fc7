// Package health answers the origin's readiness probe: /readyz runs each
// dependency check (MySQL, Redis) with its own short timeout and answers
// 503 naming the ones that failed, so a load balancer stops sending
// traffic to an instance that cannot serve it. Liveness (/healthz) stays a
// constant answer: a restart cannot fix a database outage.
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

// Check is one dependency probe.
type Check struct {
	// Name labels the check in the answer, e.g. "db".
	Name string
	// Timeout bounds Run.
	Timeout time.Duration
	// Run returns nil when the dependency answers.
	Run func(ctx context.Context) error
}

// Answer is the body of /readyz: "ok", "timeout" or "failed" per check.
type Answer struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// Ready returns the /readyz handler running checks in parallel; failures
// are logged with their error, and the answer names only the outcome.
func Ready(logger *slog.Logger, checks ...Check) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		a := Answer{Status: "ok", Checks: make(map[string]string, len(checks))}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range checks {
			wg.Go(func() {
				cctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
				defer cancel()
				err := c.Run(cctx)
				outcome := "ok"
				switch {
				case err == nil:
				case errors.Is(err, context.DeadlineExceeded) || cctx.Err() != nil:
					outcome = "timeout"
				default:
					outcome = "failed"
				}
				if err != nil {
					logger.Warn("readyz: dependency check failed", "check", c.Name, "err", err)
				}
				mu.Lock()
				a.Checks[c.Name] = outcome
				if outcome != "ok" {
					a.Status = "unavailable"
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.SetContentType("application/json")
		if a.Status != "ok" {
			ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		}
		b, _ := json.Marshal(a)
		ctx.SetBody(b)
	}
}
