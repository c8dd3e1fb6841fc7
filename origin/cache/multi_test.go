package cache_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/cache"
)

// TestGetAllScopedWriteDuringLoad is the race of a loader that read the
// database before a write and stored its value after the write dropped
// the entry: the write stamp makes that value unservable.
func TestGetAllScopedWriteDuringLoad(t *testing.T) {
	tests := []struct {
		name    string
		bump    bool // a write of the scope happens while the first loader runs
		wantGen string
	}{
		{name: "write during load", bump: true, wantGen: "v2"},
		{name: "no write", bump: false, wantGen: "v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rdb, prefix := testenv.Redis(t)
			c := cache.New(rdb, prefix, healthy(cache.Options{GenerationTTL: time.Hour}))
			ctx := context.Background()
			var (
				mu   sync.Mutex
				data = "v1" // the "database"
			)
			var loads atomic.Int32
			started, release := make(chan struct{}), make(chan struct{})
			entry := func() cache.Entry {
				return cache.Entry{Key: "home:p7", Scope: "p7", TTL: time.Minute, Load: func(context.Context) ([]byte, error) {
					mu.Lock()
					v := data // read before the write commits
					mu.Unlock()
					if loads.Add(1) == 1 {
						close(started)
						<-release
					}
					return []byte(v), nil
				}}
			}
			done := make(chan []cache.Value)
			go func() {
				vals, err := c.GetAll(ctx, []cache.Entry{entry()})
				if err != nil {
					t.Error(err)
				}
				done <- vals
			}()
			<-started
			if tc.bump {
				mu.Lock()
				data = "v2" // the write commits…
				mu.Unlock()
				if err := c.BumpScope(ctx, "p7"); err != nil { // …then drops the entry
					t.Fatal(err)
				}
			}
			close(release)
			if vals := <-done; string(vals[0].Bytes) != "v1" {
				t.Fatalf("first read = %q, want the value it loaded", vals[0].Bytes)
			}
			vals, err := c.GetAll(ctx, []cache.Entry{entry()})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(vals[0].Bytes); got != tc.wantGen {
				t.Fatalf("read after = %q, want %q (loads %d)", got, tc.wantGen, loads.Load())
			}
			wantLoads := int32(1)
			if tc.bump {
				wantLoads = 2
			}
			if loads.Load() != wantLoads {
				t.Fatalf("loads = %d, want %d", loads.Load(), wantLoads)
			}
			if vals[0].ETag != cache.ETag([]byte(tc.wantGen)) {
				t.Fatalf("etag %s does not match the bytes", vals[0].ETag)
			}
		})
	}
}

// TestGetAllOneRoundTripAndStampede: entries of several keys come back in
// order, shared keys load once under concurrency, and a cached read runs
// no loader.
func TestGetAllOneRoundTripAndStampede(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	c := cache.New(rdb, prefix, healthy(cache.Options{GenerationTTL: time.Hour}))
	ctx := context.Background()
	var loads atomic.Int32
	entries := func() []cache.Entry {
		var es []cache.Entry
		for i, scope := range []string{"", "p1", "p2"} {
			es = append(es, cache.Entry{Key: fmt.Sprint("k", i), Scope: scope, TTL: time.Minute, Load: func(context.Context) ([]byte, error) {
				loads.Add(1)
				time.Sleep(20 * time.Millisecond)
				return fmt.Appendf(nil, "value %d", i), nil
			}})
		}
		return es
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			vals, err := c.GetAll(ctx, entries())
			if err != nil {
				t.Error(err)
				return
			}
			for i, v := range vals {
				if want := fmt.Sprint("value ", i); string(v.Bytes) != want {
					t.Errorf("value %d = %q, want %q", i, v.Bytes, want)
				}
			}
		})
	}
	wg.Wait()
	if n := loads.Load(); n != 3 {
		t.Fatalf("loads = %d, want 3 (one per key)", n)
	}
	if _, err := c.GetAll(ctx, entries()); err != nil {
		t.Fatal(err)
	}
	if n := loads.Load(); n != 3 {
		t.Fatalf("a cached read loaded: loads = %d", n)
	}
	if err := c.Bump(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAll(ctx, entries()); err != nil {
		t.Fatal(err)
	}
	if n := loads.Load(); n != 6 {
		t.Fatalf("after a generation bump loads = %d, want 6", n)
	}
}

// TestGetAllLocalCopy: an unscoped value is served from process memory for
// LocalTTL by the injected clock, then read from Redis again; a scoped
// value is always checked against its stamp; a generation bump is seen at
// once by the process that bumped.
func TestGetAllLocalCopy(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := cache.New(rdb, prefix, healthy(cache.Options{GenerationTTL: time.Hour, Now: clock}))
	ctx := context.Background()
	version := "a"
	entry := func(scope string) cache.Entry {
		return cache.Entry{Key: "k" + scope, Scope: scope, TTL: time.Minute, Load: func(context.Context) ([]byte, error) {
			return []byte(version), nil
		}}
	}
	read := func(scope string) string {
		t.Helper()
		vals, err := c.GetAll(ctx, []cache.Entry{entry(scope)})
		if err != nil {
			t.Fatal(err)
		}
		return string(vals[0].Bytes)
	}
	steps := []struct {
		name        string
		do          func()
		shared, own string
	}{
		{"cold", func() {}, "a", "a"},
		{"source changes, Redis entries dropped", func() {
			version = "b"
			keys, err := rdb.Keys(ctx, prefix+"catalog:*:k*").Result() // this test's entries only
			if err != nil || len(keys) != 2 {
				t.Fatalf("keys %v %v", keys, err)
			}
			if err := rdb.Del(ctx, keys...).Err(); err != nil {
				t.Fatal(err)
			}
		}, "a", "b"}, // shared still in memory; own reloaded (no Redis entry)
		{"local ttl over", func() { advance(cache.LocalTTL) }, "b", "b"},
		{"generation bump", func() {
			version = "c"
			if err := c.Bump(ctx); err != nil {
				t.Fatal(err)
			}
		}, "c", "c"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			if got := read(""); got != s.shared {
				t.Fatalf("shared = %q, want %q", got, s.shared)
			}
			if got := read("p1"); got != s.own {
				t.Fatalf("scoped = %q, want %q", got, s.own)
			}
		})
	}
}
