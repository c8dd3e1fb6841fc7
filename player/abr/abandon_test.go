package abr

import (
	"math"
	"testing"
)

func TestAbandon(t *testing.T) {
	c, err := NewController(ladder, Config{})
	if err != nil {
		t.Fatal(err)
	}
	const kB = 1000
	// A 4 s segment of the 720p variant (index 2, 2.5 Mbit/s) is 1250 kB.
	tests := []struct {
		name string
		d    Download
		want int // -1: keep the download
	}{
		{"collapsed link, 240p arrives in time", Download{Current: 2, Segment: 4, Elapsed: 3, Loaded: 600 * kB, Total: 1250 * kB, Recent: 600_000, Buffer: 3}, 3},
		{"collapsed link, 360p arrives in time", Download{Current: 2, Segment: 4, Elapsed: 3, Loaded: 600 * kB, Total: 1250 * kB, Recent: 1_000_000, Buffer: 4}, 1},
		{"nothing arrives in time: the lowest, as it is still sooner", Download{Current: 0, Segment: 4, Elapsed: 3, Loaded: 500 * kB, Total: 2500 * kB, Recent: 300_000, Buffer: 1}, 3},
		{"too early to judge", Download{Current: 2, Segment: 4, Elapsed: 1.9, Loaded: 100 * kB, Total: 1250 * kB, Recent: 300_000, Buffer: 1}, -1},
		{"finishes before the buffer runs out", Download{Current: 2, Segment: 4, Elapsed: 3, Loaded: 1000 * kB, Total: 1250 * kB, Recent: 1_000_000, Buffer: 3}, -1},
		{"almost done: refetching lower is slower", Download{Current: 2, Segment: 4, Elapsed: 3, Loaded: 1200 * kB, Total: 1250 * kB, Recent: 600_000, Buffer: 0.2}, -1},
		{"already on the lowest variant", Download{Current: 3, Segment: 4, Elapsed: 3, Loaded: 10 * kB, Total: 200 * kB, Recent: 50_000, Buffer: 1}, -1},
		{"average fine but the recent rate collapsed", Download{Current: 2, Segment: 4, Elapsed: 2, Loaded: 700 * kB, Total: 1250 * kB, Recent: 400_000, Buffer: 5}, 3},
		{"recent rate above the average does not save it", Download{Current: 2, Segment: 4, Elapsed: 4, Loaded: 400 * kB, Total: 1250 * kB, Recent: 5_000_000, Buffer: 4}, 3},
		{"unknown size: bandwidth × segment", Download{Current: 2, Segment: 4, Elapsed: 3, Loaded: 600 * kB, Recent: 600_000, Buffer: 3}, 3},
		{"no byte yet: the estimate decides", Download{Current: 2, Segment: 4, Elapsed: 3, Estimate: 500_000, Buffer: 4}, 3},
		{"no byte and no estimate: keep", Download{Current: 2, Segment: 4, Elapsed: 3, Buffer: 1}, -1},
		{"unknown variant", Download{Current: 9, Elapsed: 3, Loaded: 1, Buffer: 0}, -1},
		{"default segment duration", Download{Current: 2, Elapsed: 3, Loaded: 600 * kB, Total: 1250 * kB, Recent: 600_000, Buffer: 3}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := c.Abandon(tt.d)
			switch {
			case tt.want < 0 && ok:
				t.Errorf("Abandon = %+v, want keep", d)
			case tt.want >= 0 && !ok:
				t.Errorf("Abandon kept the download, want switch to %d", tt.want)
			case ok && (d.Index != tt.want || d.Reason != ReasonAbandon):
				t.Errorf("Abandon = %+v, want index %d, reason %s", d, tt.want, ReasonAbandon)
			}
		})
	}
}

func TestAbandonCapped(t *testing.T) {
	c, err := NewController(ladder, Config{MaxHeight: 720})
	if err != nil {
		t.Fatal(err)
	}
	// 1080p is not allowed: a download of it (there should be none) is
	// not second-guessed, as Next moves off it anyway.
	if d, ok := c.Abandon(Download{Current: 0, Segment: 4, Elapsed: 3, Loaded: 100_000, Recent: 100_000, Buffer: 1}); ok {
		t.Errorf("Abandon = %+v on a capped variant", d)
	}
}

func TestDownloadRate(t *testing.T) {
	tests := []struct {
		name string
		d    Download
		want float64
	}{
		{"average", Download{Elapsed: 2, Loaded: 500_000}, 2_000_000},
		{"recent below average", Download{Elapsed: 2, Loaded: 500_000, Recent: 600_000}, 600_000},
		{"recent above average", Download{Elapsed: 2, Loaded: 500_000, Recent: 9_000_000}, 2_000_000},
		{"nothing loaded", Download{Elapsed: 2, Estimate: 700_000, Recent: 1}, 700_000},
		{"no time elapsed", Download{Loaded: 10, Estimate: 700_000}, 700_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Rate(); math.Abs(got-tt.want) > 1 {
				t.Errorf("Rate = %.0f, want %.0f", got, tt.want)
			}
		})
	}
}

func TestEstimatorRestart(t *testing.T) {
	e := NewEstimator(EstimatorConfig{})
	for range 5 {
		e.Sample(1_000_000, 2, 0) // 4 Mbit/s
	}
	e.Restart(600_000)
	if got := e.Estimate(); got != 600_000 {
		t.Errorf("Estimate after Restart = %.0f, want 600000", got)
	}
	e.Sample(150_000, 2, 0) // 600 kbit/s, enough bytes to count
	if got := e.Estimate(); math.Abs(got-600_000) > 1000 {
		t.Errorf("Estimate after one sample = %.0f, want 600000: the old link is forgotten", got)
	}
	e.Restart(0)
	if got := e.Estimate(); got != 600_000 {
		t.Errorf("Restart(0) = %.0f, want the previous default 600000", got)
	}
	if e.Samples() != 6 {
		t.Errorf("Samples = %d, want 6: Restart keeps the count", e.Samples())
	}
}

func TestRecentRate(t *testing.T) {
	type point struct {
		at     float64
		loaded int64
		want   float64
	}
	tests := []struct {
		name   string
		window float64
		points []point
	}{
		{"younger than the window: unknown", 0, []point{{0.25, 100_000, 0}, {0.75, 300_000, 0}}},
		{"steady 4 Mbit/s", 0, []point{{0.5, 250_000, 0}, {1, 500_000, 4_000_000}, {1.5, 750_000, 4_000_000}}},
		{"collapse shows within the window", 0, []point{
			{0.5, 250_000, 0}, {1, 500_000, 4_000_000},
			{1.5, 537_500, 2_300_000}, {2, 575_000, 600_000}, {2.5, 612_500, 600_000},
		}},
		{"stalled: zero", 0, []point{{1, 500_000, 4_000_000}, {2, 500_000, 0}}},
		{"custom window", 2, []point{{1, 500_000, 0}, {2, 600_000, 2_400_000}, {3, 700_000, 800_000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := RecentRate{Window: tt.window}
			for _, p := range tt.points {
				if got := m.Add(p.at, p.loaded); math.Abs(got-p.want) > 1 {
					t.Errorf("Add(%v, %d) = %.0f, want %.0f", p.at, p.loaded, got, p.want)
				}
			}
		})
	}
}
