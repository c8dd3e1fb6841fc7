package edge

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

// TestHealthProbes: /livez is a constant 200; /healthz names the origin,
// the function version and the key set, 503 when one fails; /readyz
// routes by the function version and the drain only, so an edge whose
// origin is down stays in service (it serves its cache). No answer names
// the origin's address or an error.
func TestHealthProbes(t *testing.T) {
	const refresh = time.Hour // no refresh runs during the test
	for _, tc := range []struct {
		name     string
		versions bool
		// breakIt runs on the started edge.
		breakIt                    func(s *Server, o *testOrigin, clk *testClock)
		healthz, readyz            int
		healthzChecks, readyChecks map[string]string
	}{
		{
			name:          "all up",
			healthz:       200,
			healthzChecks: map[string]string{"origin": "ok", "function": "ok", "keys": "ok"},
			readyz:        200,
			readyChecks:   map[string]string{"function": "ok", "shutdown": "ok"},
		},
		{
			name:          "all up, with function versions",
			versions:      true,
			healthz:       200,
			healthzChecks: map[string]string{"origin": "ok", "function": "ok", "keys": "ok"},
			readyz:        200,
			readyChecks:   map[string]string{"function": "ok", "shutdown": "ok"},
		},
		{
			name:          "origin stopped",
			breakIt:       func(_ *Server, o *testOrigin, _ *testClock) { o.close() },
			healthz:       503,
			healthzChecks: map[string]string{"origin": "failed", "function": "ok", "keys": "ok"},
			readyz:        200,
			readyChecks:   map[string]string{"function": "ok", "shutdown": "ok"},
		},
		{
			name: "key set not fetched for ten refreshes",
			breakIt: func(_ *Server, _ *testOrigin, clk *testClock) {
				clk.Advance(staleKeysAfter*refresh + time.Second)
			},
			healthz:       503,
			healthzChecks: map[string]string{"origin": "ok", "function": "ok", "keys": "stale"},
			readyz:        200,
			readyChecks:   map[string]string{"function": "ok", "shutdown": "ok"},
		},
		{
			name:          "draining for a shutdown",
			breakIt:       func(s *Server, _ *testOrigin, _ *testClock) { s.Drain() },
			healthz:       200,
			healthzChecks: map[string]string{"origin": "ok", "function": "ok", "keys": "ok"},
			readyz:        503,
			readyChecks:   map[string]string{"function": "ok", "shutdown": "draining"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
			clk := newTestClock()
			cfg := Config{
				OriginURL:        o.url,
				Module:           wasmbuild.Edge(t),
				CompilationCache: testCache,
				PoolSize:         1,
				JWKSRefresh:      refresh,
				Now:              clk.Now,
			}
			if tc.versions {
				cfg.VersionsDir = t.TempDir()
			}
			s, url := serveEdge(t, cfg)
			if tc.breakIt != nil {
				tc.breakIt(s, o, clk)
			}
			if resp, body := do(t, "GET", url+"/livez", nil); resp.StatusCode != 200 || body != "ok\n" {
				t.Errorf("livez: %d %q", resp.StatusCode, body)
			}
			secrets := []string{strings.TrimPrefix(o.url, "http://"), "127.0.0.1", "refused", "dial"}
			testenv.CheckHealth(t, url+"/healthz", tc.healthz, tc.healthzChecks, secrets...)
			testenv.CheckHealth(t, url+"/readyz", tc.readyz, tc.readyChecks, secrets...)
		})
	}
}
