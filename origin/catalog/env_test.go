package catalog_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/cache"
	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/origin/profiles"
)

// recorder wraps the MySQL connector and records every query the store
// sends, with its arguments, so tests can count and EXPLAIN them.
type recorder struct {
	driver.Connector
	mu      sync.Mutex // guards queries
	queries []recorded
}

type recorded struct {
	q    string
	args []any
}

func (r *recorder) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := r.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: c, r: r}, nil
}

func (r *recorder) record(q string, args []driver.NamedValue) {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	r.mu.Lock()
	r.queries = append(r.queries, recorded{q, vals})
	r.mu.Unlock()
}

// count returns how many recorded queries contain substr.
func (r *recorder) count(substr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.queries {
		if strings.Contains(q.q, substr) {
			n++
		}
	}
	return n
}

func (r *recorder) snapshot() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.queries...)
}

type recConn struct {
	driver.Conn
	r *recorder
}

func (c *recConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.r.record(q, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *recConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *recConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *recConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *recConn) CheckNamedValue(nv *driver.NamedValue) error {
	return c.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

func (c *recConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *recConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// world is a migrated database with a recording handle and a store.
type world struct {
	t     testing.TB
	db    *sql.DB // plain handle for seeding
	rec   *recorder
	rdb   *sql.DB // recording handle the store uses
	store *catalog.Store
	now   time.Time
}

func newWorld(t testing.TB, withCache bool) *world {
	t.Helper()
	db, dsn := testenv.MySQL(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Connector: conn}
	rdb := sql.OpenDB(rec)
	rdb.SetMaxOpenConns(16)
	t.Cleanup(func() { rdb.Close() })
	now := time.Now().UTC().Truncate(time.Second)
	w := &world{t: t, db: db, rec: rec, rdb: rdb, now: now}
	w.store = catalog.NewStore(rdb, "http://origin.test", func() time.Time { return w.now })
	if withCache {
		r, prefix := testenv.Redis(t)
		w.store.SetCache(cache.New(r, prefix, cache.Options{GenerationTTL: time.Hour}))
	}
	return w
}

func (w *world) exec(q string, args ...any) sql.Result {
	w.t.Helper()
	res, err := w.db.Exec(q, args...)
	if err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return res
}

// account creates an account with profiles (maturity levels, kids flags)
// and returns the account id and the profile ids.
func (w *world) account(levels []int, kids []bool) (string, []string) {
	w.t.Helper()
	res := w.exec("INSERT INTO accounts (email, password_hash) VALUES (?, 'x')", testenv.Name("u")+"@example.com")
	aid, _ := res.LastInsertId()
	var pids []string
	for i, l := range levels {
		res := w.exec("INSERT INTO profiles (account_id, name, kids, maturity_level) VALUES (?, ?, ?, ?)", aid, fmt.Sprint("p", i), kids[i], l)
		pid, _ := res.LastInsertId()
		pids = append(pids, strconv.FormatInt(pid, 10))
	}
	return strconv.FormatInt(aid, 10), pids
}

// title is a seeded title.
type title struct {
	id, name, synopsis, cast string
	level                    int
	genres                   []string
	age                      time.Duration // published this long before now
	kind                     string
}

var labels = []string{"G", "PG", "PG-13", "R", "NC-17"}

func (w *world) add(ts ...title) {
	w.t.Helper()
	for _, t := range ts {
		kind := t.kind
		if kind == "" {
			kind = "movie"
		}
		var asset any
		if kind == "movie" {
			asset = "a-" + t.id
			w.exec("INSERT IGNORE INTO assets (id, duration_ms) VALUES (?, 60000)", asset)
		}
		w.exec("INSERT INTO titles (id, kind, name, synopsis, cast_names, year, maturity, maturity_level, runtime_s, asset_id, published_at) VALUES (?, ?, ?, ?, ?, 2024, ?, ?, 600, ?, ?)",
			t.id, kind, t.name, t.synopsis, t.cast, labels[t.level], t.level, asset, w.now.Add(-t.age-time.Minute))
		for _, g := range t.genres {
			w.exec("INSERT IGNORE INTO genres (slug, name) VALUES (?, ?)", g, strings.ToUpper(g[:1])+g[1:])
			w.exec("INSERT INTO title_genres (title_id, genre_id) SELECT ?, id FROM genres WHERE slug = ?", t.id, g)
		}
	}
}

func (w *world) viewer(account, profile string) profiles.Viewer {
	w.t.Helper()
	v, err := profiles.NewStore(w.db, nil).Viewer(context.Background(), principal(account), profile)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}
