package origin_test

import (
	"context"
	"database/sql"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin"
)

// twin starts a second origin over cfg (the first one's configuration,
// changed by mod), sharing the first one's database and keys.
func (e *env) twin(cfg origin.Config, mod func(*origin.Config)) *env {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	cfg.PublicURL = "http://" + ln.Addr().String()
	mod(&cfg)
	srv, err := origin.New(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	go srv.Serve(ln)
	e.t.Cleanup(func() { srv.Close() })
	return &env{t: e.t, url: cfg.PublicURL, srv: srv, db: e.db, media: e.media, clock: e.clock, http: e.http}
}

// downRedis returns a client for a port nothing listens on.
func downRedis(t *testing.T) *redis.Client {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	down := redis.NewClient(&redis.Options{Addr: closed, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	return down
}

// TestOperatorWritesFailClosed signs in an operator against a working
// origin, then writes through origins whose Redis (revocation state) or
// MySQL (the operator role) cannot be read: every write is refused and
// changes nothing; reads of the catalog stay open while only Redis is down.
func TestOperatorWritesFailClosed(t *testing.T) {
	var cfg origin.Config
	e := newEnvWith(t, func(c *origin.Config) { cfg = *c })
	s := e.signIn(randomEmail(), true, nil)
	if _, err := e.db.Exec("UPDATE accounts SET role = 'operator' WHERE email = ?", s.email); err != nil {
		t.Fatal(err)
	}
	e.addTitle("kept", "a-kept", nil)
	redisDown := e.twin(cfg, func(c *origin.Config) { c.Redis = downRedis(t) })
	// MySQL down: a pool of its own over the test database, closed once
	// the origin has started.
	var dbName string
	if err := e.db.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	mc, err := mysql.ParseDSN(testenv.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	mc.DBName, mc.ParseTime = dbName, true
	pool, err := sql.Open("mysql", mc.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	mysqlDown := e.twin(cfg, func(c *origin.Config) { c.DB = pool })
	pool.Close()

	create := `{"id":"sneaky","name":"Sneaky","year":2025,"maturity":"G","runtime_s":10}`
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"create a title", "POST", "/v1/operator/titles", create, 503},
		{"rename a title", "PATCH", "/v1/operator/titles/kept", `{"name":"Renamed"}`, 503},
		{"publish a title", "POST", "/v1/operator/titles/kept/publish", "", 503},
		{"add to my list", "PUT", "/v1/my-list/kept", "", 503},
		{"catalog read stays open", "GET", "/v1/titles", "", 200},
	} {
		t.Run("redis down/"+tc.name, func(t *testing.T) {
			resp, body := redisDown.send(tc.method, tc.path, s.access, tc.body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want == 503 && resp.Header.Get("Retry-After") == "" {
				t.Fatalf("no Retry-After: %v", resp.Header)
			}
		})
	}
	t.Run("mysql down/create a title", func(t *testing.T) {
		resp, body := mysqlDown.send("POST", "/v1/operator/titles", s.access, create)
		if resp.StatusCode < 500 {
			t.Fatalf("status %d, want a 5xx refusal: %s", resp.StatusCode, body)
		}
	})
	var n int
	if err := e.db.QueryRow("SELECT COUNT(*) FROM titles WHERE id = 'sneaky' OR name = 'Renamed' OR (id = 'kept' AND published_at IS NOT NULL)").Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused write changed the catalog: %d rows, %v", n, err)
	}
	// With Redis up the same token writes: the refusals above were the outage.
	if resp, body := e.send("PATCH", "/v1/operator/titles/kept", s.access, `{"name":"Renamed"}`); resp.StatusCode != 204 {
		t.Fatalf("write with redis up: %d %s", resp.StatusCode, body)
	}
}
