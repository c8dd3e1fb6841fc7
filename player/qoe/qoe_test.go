package qoe

import (
	"bytes"
	"encoding/json"
	"testing"

	originqoe "github.com/edgeflix/edgeflix/origin/qoe"
)

const t0 = 1_700_000_000_000.0

func at(ms int) float64 { return t0 + float64(ms) }

func TestTracker(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events func(tr *Tracker)
		endMS  int
		final  bool
		want   Report // Seq, Final and pointers filled by the test
		start  int    // want startup ms, -1 for none
	}{
		{"clean play", func(tr *Tracker) {
			tr.Playing(at(1200), 3000)
			tr.Tick(at(11200), 3000)
		}, 11200, true, Report{WatchMS: 10000, AvgBitrateKbps: 3000}, 1200},
		{"rebuffer then up-switch", func(tr *Tracker) {
			tr.Playing(at(500), 1000)
			tr.Waiting(at(4500), false, 1000) // 4 s at 1000
			tr.Playing(at(6500), 1000)        // 2 s stall
			tr.Tick(at(10500), 5000)          // 4 s at 5000
		}, 10500, false, Report{WatchMS: 8000, RebufferCount: 1, RebufferMS: 2000, AvgBitrateKbps: 3000}, 500},
		{"seek is not a rebuffer", func(tr *Tracker) {
			tr.Playing(at(100), 2000)
			tr.Waiting(at(1100), true, 2000)
			tr.Seeking(at(1100), 2000)
			tr.Waiting(at(1200), false, 2000)
			tr.Seeking(at(1200), 2000)
			tr.Playing(at(3000), 2000)
		}, 3000, true, Report{WatchMS: 1000, AvgBitrateKbps: 2000}, 100},
		{"pause is not watch time", func(tr *Tracker) {
			tr.Playing(at(0), 2000)
			tr.Paused(at(1000), 2000)
			tr.Tick(at(60000), 2000)
		}, 60000, true, Report{WatchMS: 1000, AvgBitrateKbps: 2000}, 0},
		{"exit before start", func(tr *Tracker) {
			tr.Error("segment 503, retrying", false)
		}, 4000, true, Report{ExitBeforeStart: true, Errors: 1, LastError: "segment 503, retrying"}, -1},
		{"start failure", func(tr *Tracker) {
			tr.Error("manifest: 403\x01", true)
		}, 900, true, Report{StartFailed: true, Errors: 1, LastError: "manifest: 403"}, -1},
		{"not started yet, periodic", func(tr *Tracker) {}, 2000, false, Report{}, -1},
		{"stalled at the end counts", func(tr *Tracker) {
			tr.Playing(at(1000), 1000)
			tr.Waiting(at(2000), false, 1000)
		}, 5000, true, Report{WatchMS: 1000, RebufferCount: 1, RebufferMS: 3000, AvgBitrateKbps: 1000}, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(t0)
			tc.events(tr)
			got := tr.Report(at(tc.endMS), tc.final, 0, 2, 7, "v3")
			want := tc.want
			want.Seq, want.Final, want.FnVersion, want.Switches, want.DroppedFrames = 1, tc.final, "v3", 2, 7
			if tc.start >= 0 {
				want.StartupMS = &tc.start
			}
			if (got.StartupMS == nil) != (want.StartupMS == nil) || (got.StartupMS != nil && *got.StartupMS != *want.StartupMS) {
				t.Fatalf("startup %v, want %v", ptr(got.StartupMS), ptr(want.StartupMS))
			}
			got.StartupMS, want.StartupMS = nil, nil
			if got != want {
				t.Fatalf("\n got %+v\nwant %+v", got, want)
			}
			// The origin accepts what the player sends.
			assertOriginAccepts(t, tr.Report(at(tc.endMS), tc.final, 0, 2, 7, "v3"))
		})
	}
}

func ptr(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// assertOriginAccepts decodes r strictly into the origin's report type
// (same field names) and validates it there.
func assertOriginAccepts(t *testing.T, r Report) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var o originqoe.Report
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("origin cannot read %s: %v", b, err)
	}
	if err := originqoe.Validate(&o); err != nil {
		t.Fatalf("origin refuses %s: %v", b, err)
	}
}

func TestTakeStarved(t *testing.T) {
	tr := New(t0)
	tr.Playing(at(10), 1)
	if tr.TakeStarved() {
		t.Fatal("starved before any stall")
	}
	tr.Waiting(at(20), false, 1)
	if !tr.TakeStarved() || tr.TakeStarved() {
		t.Fatal("bs must be reported once after a stall")
	}
}
