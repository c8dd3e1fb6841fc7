package origin_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/store"
)

// TestHealthProbes: /livez is a constant 200; /healthz checks MySQL and
// Redis and answers 503 naming the one that is down; /readyz adds the
// schema and the drain. The checks get a generous deadline, so a loaded
// machine's slow (but healthy) ping is not read as an outage, and a
// refused Redis or a closed pool reads "failed", not "timeout"
// (internal/health tests the timeout itself). No answer names an
// address, a user or an error.
func TestHealthProbes(t *testing.T) {
	const deadline = 20 * time.Second
	generous := func(c *origin.Config) { c.ReadyTimeout = deadline }
	for _, tc := range []struct {
		name string
		// start returns the running origin; it may break a dependency.
		start                      func(t *testing.T) *env
		healthz, readyz            int
		healthzChecks, readyChecks map[string]string
	}{
		{
			name:          "all up",
			start:         func(t *testing.T) *env { return newEnvWith(t, generous) },
			healthz:       200,
			healthzChecks: map[string]string{"db": "ok", "redis": "ok"},
			readyz:        200,
			readyChecks:   map[string]string{"db": "ok", "redis": "ok", "schema": "ok", "shutdown": "ok"},
		},
		{
			name: "redis at a closed port",
			start: func(t *testing.T) *env {
				return newEnvWith(t, func(c *origin.Config) {
					generous(c)
					c.Redis = redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
				})
			},
			healthz:       503,
			healthzChecks: map[string]string{"db": "ok", "redis": "failed"},
			readyz:        503,
			readyChecks:   map[string]string{"db": "ok", "redis": "failed", "schema": "ok", "shutdown": "ok"},
		},
		{
			name: "mysql pool closed",
			start: func(t *testing.T) *env {
				_, dsn := testenv.MySQL(t)
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				e := newEnvWith(t, func(c *origin.Config) { generous(c); c.DB = db })
				db.Close()
				return e
			},
			healthz:       503,
			healthzChecks: map[string]string{"db": "failed", "redis": "ok"},
			readyz:        503,
			readyChecks:   map[string]string{"db": "failed", "redis": "ok", "schema": "failed", "shutdown": "ok"},
		},
		{
			name: "schema behind the binary",
			start: func(t *testing.T) *env {
				e := newEnvWith(t, generous)
				if _, err := e.db.Exec("DELETE FROM goose_db_version ORDER BY id DESC LIMIT 1"); err != nil {
					t.Fatal(err)
				}
				return e
			},
			healthz:       200,
			healthzChecks: map[string]string{"db": "ok", "redis": "ok"},
			readyz:        503,
			readyChecks:   map[string]string{"db": "ok", "redis": "ok", "schema": "behind", "shutdown": "ok"},
		},
		{
			name: "draining for a shutdown",
			start: func(t *testing.T) *env {
				e := newEnvWith(t, generous)
				e.srv.Drain()
				return e
			},
			healthz:       200,
			healthzChecks: map[string]string{"db": "ok", "redis": "ok"},
			readyz:        503,
			readyChecks:   map[string]string{"db": "ok", "redis": "ok", "schema": "ok", "shutdown": "draining"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.start(t)
			if resp, b := e.get("/livez", ""); resp.StatusCode != 200 || string(b) != "ok\n" {
				t.Errorf("livez: %d %q", resp.StatusCode, b)
			}
			secrets := []string{"127.0.0.1", "root", "@", "tcp", "refused", "closed", "edgeflix_test_"}
			testenv.CheckHealth(t, e.url+"/healthz", tc.healthz, tc.healthzChecks, secrets...)
			testenv.CheckHealth(t, e.url+"/readyz", tc.readyz, tc.readyChecks, secrets...)
		})
	}
}
