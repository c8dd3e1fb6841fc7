package traffic

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/edge/versions"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

var cache = wazero.NewCompilationCache()

// feed records n calls of duration d on c, failed of them errors.
func feed(c *counts, n, failed int, d time.Duration) {
	for i := range n {
		c.add(d, i < failed)
	}
}

func TestJudgeCanary(t *testing.T) {
	clock := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	// side is one version's calls at one trigger point.
	type side struct {
		n, failed int
		d         time.Duration
	}
	const us50, ms2 = 50 * time.Microsecond, 2 * time.Millisecond
	// Indexed by trigger: viewer-request (gate), origin-request (rewrite).
	cases := []struct {
		name           string
		active, canary [triggers]side
		rollback       []string // substrings of the note, none = kept
	}{
		{"below the minimum sample, even all errors", [2]side{{500, 0, us50}}, [2]side{{99, 99, us50}}, nil},
		{"same error rate", [2]side{{1000, 10, us50}}, [2]side{{200, 2, us50}}, nil},
		{"within the allowed increase", [2]side{{1000, 10, us50}}, [2]side{{200, 3, us50}}, nil},
		{"error rate over the threshold", [2]side{{1000, 10, us50}}, [2]side{{200, 10, us50}},
			[]string{"error rate 5.00% vs active 1.00% over all function calls (allowed +1.00 points; failed: viewer-request 10 of 200, origin-request 0 of 0)"}},
		{"rewrite errors over the threshold, gate clean", [2]side{{1000, 0, us50}, {50, 0, us50}}, [2]side{{200, 0, us50}, {20, 20, us50}},
			[]string{"error rate 9.09% vs active 0.00% over all function calls (allowed +1.00 points; failed: viewer-request 0 of 200, origin-request 20 of 20)"}},
		{"rewrite errors, sample of all calls too small", [2]side{{1000, 0, us50}, {50, 0, us50}}, [2]side{{80, 0, us50}, {19, 19, us50}}, nil},
		{"rewrite answers like the active's", [2]side{{1000, 0, us50}, {300, 3, us50}}, [2]side{{200, 0, us50}, {200, 2, us50}}, nil},
		{"gate p99 within ratio and slack", [2]side{{1000, 0, ms2}}, [2]side{{200, 0, 8 * time.Millisecond}}, nil},
		{"gate p99 over ratio and slack", [2]side{{1000, 0, ms2}}, [2]side{{200, 0, 20 * time.Millisecond}}, []string{"viewer-request p99"}},
		{"rewrite p99 over, gate fine", [2]side{{1000, 0, us50}, {300, 0, ms2}}, [2]side{{200, 0, us50}, {100, 0, 30 * time.Millisecond}},
			[]string{"origin-request p99 3"}},
		{"rewrite p99 over, too few active rewrites", [2]side{{1000, 0, us50}, {99, 0, ms2}}, [2]side{{200, 0, us50}, {100, 0, 30 * time.Millisecond}}, nil},
		{"both p99s over, both named", [2]side{{1000, 0, ms2}, {300, 0, ms2}}, [2]side{{200, 0, 30 * time.Millisecond}, {100, 0, 30 * time.Millisecond}},
			[]string{"viewer-request p99 3", "; origin-request p99 3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store, err := versions.Open(t.TempDir(), func() time.Time { return clock })
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			r, err := New(context.Background(), Options{
				Store: store, Bootstrap: wasmbuild.Edge(t), Cache: cache, PoolSize: 1, Registerer: reg,
				Policy: Policy{MinRequests: 100, Interval: time.Hour}, Now: func() time.Time { return clock },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close(context.Background())
			m, _, err := r.Upload(wasmbuild.Edge(t), versions.Config{Issuer: "edgeflix-origin"}, "canary", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Split(context.Background(), m.Number, 10); err != nil {
				t.Fatal(err)
			}
			tb := r.table.Load()
			for tr := range triggers {
				a, k := c.active[tr], c.canary[tr]
				feed(&tb.active.win.Load().by[tr], a.n, a.failed, a.d)
				feed(&tb.canary.win.Load().by[tr], k.n, k.failed, k.d)
			}
			clock = clock.Add(time.Minute)
			note := r.JudgeCanary()
			st := r.Status()
			if len(c.rollback) == 0 {
				if note != "" || st.Canary != m.Number {
					t.Fatalf("canary rolled back: %q", note)
				}
				return
			}
			for _, want := range c.rollback {
				if !strings.Contains(note, want) {
					t.Fatalf("note %q does not name %q", note, want)
				}
			}
			if !strings.Contains(note, clock.Format(time.RFC3339)) || st.Canary != 0 || st.Note != note {
				t.Fatalf("note %q, status %+v; want a rollback naming %q at %s", note, st.Traffic, c.rollback, clock)
			}
			if got := testutil.ToFloat64(r.metrics.autoRollbacks); got != 1 {
				t.Fatalf("auto rollback metric %v", got)
			}
			if persisted, _ := store.Traffic(); persisted.Canary != 0 || persisted.Note != note {
				t.Fatalf("persisted %+v", persisted)
			}
		})
	}
}

func TestRouterRefusals(t *testing.T) {
	store, _ := versions.Open(t.TempDir(), nil)
	r, err := New(context.Background(), Options{Store: store, Bootstrap: wasmbuild.Edge(t), Cache: cache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	ctx := context.Background()
	for _, c := range []struct {
		name string
		do   func() error
		want error
	}{
		{"split the active version", func() error { _, err := r.Split(ctx, 1, 10); return err }, ErrState},
		{"split over 100 %", func() error { _, err := r.Split(ctx, 1, 101); return err }, ErrState},
		{"rollback without history", func() error { _, err := r.Rollback(ctx); return err }, ErrState},
		{"activate a missing version", func() error { _, err := r.Activate(ctx, 9); return err }, versions.ErrNotFound},
	} {
		if err := c.do(); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if st := r.Status(); st.Active != 1 || st.Canary != 0 {
		t.Fatalf("refusals changed the state: %+v", st.Traffic)
	}
}

func TestSessionBucketIsSticky(t *testing.T) {
	// Two tokens of one session (a refresh) share a bucket; the header
	// and signature do not matter.
	payload := func(claims string) string { return b64(`{"alg":"EdDSA"}`) + "." + b64(claims) + ".sig" }
	a := SessionBucket("/t/" + payload(`{"sid":"ses_42","exp":1}`) + "/v1/media/a/seg_00001.m4s")
	b := SessionBucket("/t/" + payload(`{"exp":2,"sid":"ses_42"}`) + "/v1/media/a/seg_00002.m4s")
	if a != b {
		t.Fatalf("one session, two buckets: %d %d", a, b)
	}
	// Over many sessions the share is close to the asked one.
	in := 0
	for i := range 10000 {
		if SessionBucket("/t/"+payload(`{"sid":"ses_`+strconv.Itoa(i)+`"}`)+"/x") < 1000 {
			in++
		}
	}
	if in < 800 || in > 1200 {
		t.Fatalf("%d of 10000 sessions under a 10 %% share", in)
	}
}

func FuzzSessionBucket(f *testing.F) {
	f.Add("/t/a.eyJzaWQiOiJ4In0.c/v1/media/a")
	f.Add("/t/../x")
	f.Add("")
	f.Fuzz(func(t *testing.T, path string) {
		if b := SessionBucket(path); b >= 10000 || b != SessionBucket(path) {
			t.Fatalf("bucket %d", b)
		}
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestInFlightRequestFinishesOnItsVersion holds a request's reference on
// the active version across an activation: its pool stays open and
// answers until the request releases it, then closes.
func TestInFlightRequestFinishesOnItsVersion(t *testing.T) {
	store, _ := versions.Open(t.TempDir(), nil)
	r, err := New(context.Background(), Options{Store: store, Bootstrap: wasmbuild.Edge(t), Cache: cache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	ctx := context.Background()
	inflight := r.acquire(ctx, "/t/x/v1/media/a/seg_00001.m4s")
	if inflight == nil || inflight.meta.Number != 1 {
		t.Fatalf("acquired %+v", inflight)
	}
	m, _, err := r.Upload(wasmbuild.Edge(t), versions.Config{Audience: "edgeflix-edge"}, "v2", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Activate(ctx, m.Number); err != nil {
		t.Fatal(err)
	}
	if e := r.acquire(ctx, "/t/x/"); e == nil || e.meta.Number != m.Number {
		t.Fatalf("a new request went to %+v, want version %d", e, m.Number)
	} else {
		e.release()
	}
	time.Sleep(50 * time.Millisecond) // give a wrong drain the chance to close the pool
	if _, err := inflight.host.Gate(ctx, "/t/x/v1/media/a/seg_00001.m4s", time.Now()); err != nil {
		t.Fatalf("the in-flight request's version was closed under it: %v", err)
	}
	if inflight.acquire() {
		t.Fatal("a retired version took a new request")
	}
	inflight.release()
	r.drains.Wait()
	if _, err := inflight.host.Gate(ctx, "/t/x/", time.Now()); err == nil {
		t.Fatal("the retired pool is still open after its last request")
	}
}
