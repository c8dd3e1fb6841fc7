package cache

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func obj(body string, ttl time.Duration) *Object {
	return &Object{Status: 200, Header: []Header{{"Content-Type", "text/plain"}}, Body: []byte(body), TTL: ttl}
}

func TestFetch(t *testing.T) {
	errOrigin := errors.New("origin down")
	for _, tc := range []struct {
		name string
		// steps run in order against one cache; each names the fetch answer
		// (nil object with nil error = fetch must not be called), a clock
		// advance before the step, and the expected state and body.
		steps []step
	}{
		{"miss then hit", []step{
			{fetch: obj("a", time.Minute), want: Miss, body: "a"},
			{advance: 30 * time.Second, want: Hit, body: "a", age: 30 * time.Second},
		}},
		{"expiry refetches", []step{
			{fetch: obj("a", time.Minute), want: Miss, body: "a"},
			{advance: time.Minute, fetch: obj("b", time.Minute), want: Miss, body: "b"},
		}},
		{"ttl zero not stored", []step{
			{fetch: obj("a", 0), want: Miss, body: "a"},
			{fetch: obj("b", 0), want: Miss, body: "b"},
		}},
		{"stale on error", []step{
			{fetch: obj("a", time.Minute), want: Miss, body: "a"},
			{advance: 2 * time.Minute, fetchErr: errOrigin, want: Stale, body: "a", age: 2 * time.Minute},
			// Still stale until the origin answers again.
			{fetchErr: errOrigin, want: Stale, body: "a", age: 2 * time.Minute},
			{fetch: obj("b", time.Minute), want: Miss, body: "b"},
		}},
		{"stale on 5xx", []step{
			{fetch: obj("a", time.Minute), want: Miss, body: "a"},
			{advance: 2 * time.Minute, fetch: &Object{Status: 503, Body: []byte("busy")}, want: Stale, body: "a"},
		}},
		{"5xx passed on without stale", []step{
			{fetch: &Object{Status: 503, Body: []byte("busy"), TTL: time.Minute}, want: Miss, body: "busy"},
			{fetch: obj("a", time.Minute), want: Miss, body: "a"},
		}},
		{"error without stale", []step{
			{fetchErr: errOrigin, wantErr: errOrigin},
		}},
		{"beyond the stale window", []step{
			{fetch: obj("a", time.Minute), want: Miss, body: "a"},
			{advance: time.Minute + 10*time.Minute + time.Second, fetchErr: errOrigin, wantErr: errOrigin},
		}},
		{"big object not stored", []step{
			{fetch: obj(strings.Repeat("x", 101), time.Minute), want: Miss, body: strings.Repeat("x", 101)},
			{fetch: obj("b", time.Minute), want: Miss, body: "b"},
		}},
		{"nil object", []step{
			{fetchNil: true, wantErr: ErrNoObject},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			c := New(Options{Now: clk.Now, MaxObjectBytes: 100})
			for i, s := range tc.steps {
				clk.Add(s.advance)
				called := false
				r, err := c.Fetch("k", func() (*Object, error) {
					called = true
					if s.fetchNil {
						return nil, nil
					}
					return s.fetch, s.fetchErr
				})
				wantCall := s.fetch != nil || s.fetchErr != nil || s.fetchNil
				if called != wantCall {
					t.Fatalf("step %d: fetch called = %v, want %v", i, called, wantCall)
				}
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("step %d: err = %v, want %v", i, err, s.wantErr)
					}
					continue
				}
				if err != nil || r.State != s.want || string(r.Body) != s.body || r.Age != s.age && s.age != 0 {
					t.Fatalf("step %d: %v %s %q age %v, want %s %q age %v", i, err, r.State, r.Body, r.Age, s.want, s.body, s.age)
				}
			}
		})
	}
}

type step struct {
	advance  time.Duration
	fetch    *Object
	fetchErr error
	fetchNil bool
	want     State
	body     string
	age      time.Duration
	wantErr  error
}

func TestLRU(t *testing.T) {
	clk := newClock()
	// Room for three 100-byte bodies with their overhead.
	per := int64(len("k0") + 100 + entryOverhead + len("Content-Type") + len("text/plain"))
	c := New(Options{Now: clk.Now, MaxBytes: 3 * per})
	fetches := 0
	get := func(k string) State {
		r, err := c.Fetch(k, func() (*Object, error) { fetches++; return obj(strings.Repeat(k[1:], 100), time.Hour), nil })
		if err != nil {
			t.Fatal(err)
		}
		return r.State
	}
	for _, k := range []string{"k1", "k2", "k3"} {
		get(k)
	}
	if s := c.Stats(); s.Entries != 3 || s.Bytes != 3*per {
		t.Fatalf("stats %+v, want 3 entries of %d bytes", s, per)
	}
	get("k1") // k1 is now the most recently used
	get("k4") // evicts k2
	for _, tc := range []struct {
		key  string
		want State
	}{{"k1", Hit}, {"k3", Hit}, {"k4", Hit}, {"k2", Miss}} {
		if got := get(tc.key); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.key, got, tc.want)
		}
	}
	if s := c.Stats(); s.Evictions != 2 || s.Bytes > 3*per {
		t.Fatalf("stats %+v", s)
	}
}

func TestCoalescing(t *testing.T) {
	c := New(Options{})
	var fetches atomic.Int64
	release := make(chan struct{})
	const n = 100
	var wg sync.WaitGroup
	results := make(chan Result, n)
	for range n {
		wg.Go(func() {
			r, err := c.Fetch("k", func() (*Object, error) {
				fetches.Add(1)
				<-release
				return obj("body", time.Minute), nil
			})
			if err != nil {
				t.Error(err)
			}
			results <- r
		})
	}
	// Let the callers pile up behind the first fetch, then answer it.
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	close(results)
	if f := fetches.Load(); f != 1 {
		t.Fatalf("%d fetches for %d concurrent callers, want 1", f, n)
	}
	for r := range results {
		if string(r.Body) != "body" {
			t.Fatalf("result %q", r.Body)
		}
	}
}

func TestLifetime(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"public, max-age=60", time.Minute, true},
		{"public, max-age=31536000, immutable", 365 * 24 * time.Hour, true},
		{"max-age=10, s-maxage=3", 3 * time.Second, true},
		{`MAX-AGE="20"`, 20 * time.Second, true},
		{"max-age=99999999999999999999", MaxTTL, true},
		{"no-store", 0, false},
		{"max-age=60, no-store", 0, false},
		{"private, max-age=60", 0, false},
		{`no-cache="Set-Cookie", max-age=60`, 0, false},
		{"public", 0, false},
		{"", 0, false},
		{"max-age=0", 0, false},
		{"max-age=-1", 0, false},
		{"max-age=1x", 0, false},
		{"max-age", 0, false},
		{"max-age=60, max-age=120", 0, false},
		{`ext="a, max-age=5", max-age=7`, 7 * time.Second, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := Lifetime(tc.in)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("Lifetime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func FuzzLifetime(f *testing.F) {
	for _, s := range []string{"public, max-age=60", `no-cache="a,b"`, "s-maxage=5,max-age=1", `x="\"`, "max-age=31536000, immutable"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ttl, ok := Lifetime(s)
		if ok != (ttl > 0) || ttl > MaxTTL {
			t.Fatalf("Lifetime(%q) = %v, %v", s, ttl, ok)
		}
	})
}

func BenchmarkGetParallel(b *testing.B) {
	c := New(Options{})
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
		c.put(keys[i], obj("body", time.Hour))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := c.Get(keys[i%len(keys)]); !ok {
				b.Fatal("miss")
			}
			i++
		}
	})
}
