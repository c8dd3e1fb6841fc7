package edge

import (
	"context"
	"fmt"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/health"
)

// Probe timeouts: the origin is across a network, the rest is in process.
const (
	originProbeTimeout = 2 * time.Second
	localProbeTimeout  = time.Second
)

// staleKeysAfter is how many refresh periods without a fetched key set
// make /healthz report the keys "stale": a key the origin rotated in since
// then is unknown here, so tokens signed with it are refused.
const staleKeysAfter = 10

// newProbes builds /healthz and /readyz (RATIONALE.md: "Why do the health
// probes check what they check?"):
//   - /healthz: the origin answers its /livez, a function version can be
//     acquired, the key set was fetched within staleKeysAfter refreshes;
//   - /readyz: a function version can be acquired and the edge is not
//     draining. The origin is left out on purpose: an edge whose origin
//     fails still serves its cache (stale included) to valid tokens, and
//     taking every edge out at once would make a partial outage total.
func (s *Server) newProbes() (healthz, readyz fasthttp.RequestHandler) {
	function := health.Check{Name: "function", Timeout: localProbeTimeout, Run: s.functionLoaded}
	healthz = health.Handler(s.cfg.Logger, "healthz",
		health.Check{Name: "origin", Timeout: originProbeTimeout, Run: s.originLive},
		function,
		health.Check{Name: "keys", Timeout: localProbeTimeout, Run: s.keysFresh},
	)
	readyz = health.Handler(s.cfg.Logger, "readyz",
		function,
		health.Check{Name: "shutdown", Timeout: localProbeTimeout, Run: func(context.Context) error {
			if s.draining.Load() {
				return health.State("draining")
			}
			return nil
		}},
	)
	return healthz, readyz
}

// originLive asks the origin's /livez: reachable and serving HTTP. Its
// own dependencies are its /healthz's business.
func (s *Server) originLive(ctx context.Context) error {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(s.origin + "/livez")
	timeout := originProbeTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	if err := s.client.DoTimeout(req, resp, timeout); err != nil {
		return fmt.Errorf("origin /livez: %w", err)
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return fmt.Errorf("origin /livez: status %d", resp.StatusCode())
	}
	return nil
}

// functionLoaded acquires and releases the function version that would
// serve a request: it fails once the pool (or version router) is closed.
func (s *Server) functionLoaded(ctx context.Context) error {
	fn, err := s.fn.Acquire(ctx, "/readyz")
	if err != nil {
		return err
	}
	fn.Release()
	return nil
}

// keysFresh reports the key set "stale" once no fetch has succeeded for
// staleKeysAfter refresh periods.
func (s *Server) keysFresh(context.Context) error {
	s.mu.Lock()
	at := s.keysAt
	s.mu.Unlock()
	if s.cfg.Now().Sub(at) > staleKeysAfter*s.cfg.JWKSRefresh {
		return health.State("stale")
	}
	return nil
}

// Drain makes /readyz answer 503 ("shutdown": "draining") while the edge
// goes on serving, so a load balancer stops routing here before Close.
func (s *Server) Drain() { s.draining.Store(true) }
