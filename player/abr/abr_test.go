package abr

import (
	"errors"
	"math"
	"testing"
)

func TestEstimator(t *testing.T) {
	type sample struct {
		bytes int64
		d     float64
	}
	tests := []struct {
		name     string
		samples  []sample
		min, max float64
	}{
		{name: "no samples gives default", min: 500_000, max: 500_000},
		{name: "too few bytes gives default", samples: []sample{{10_000, 0.01}}, min: 500_000, max: 500_000},
		{name: "steady 4 Mbit/s", samples: []sample{{1_000_000, 2}, {1_000_000, 2}, {1_000_000, 2}}, min: 3_999_000, max: 4_001_000},
		{name: "drop is seen quickly", samples: []sample{
			{2_500_000, 2}, {2_500_000, 2}, {2_500_000, 2}, // 10 Mbit/s
			{250_000, 2}, {250_000, 2}, // 1 Mbit/s
		}, min: 1_000_000, max: 5_000_000},
		{name: "zero-time cached responses are capped by MinDuration", samples: []sample{{200_000, 0}}, min: 79_000_000, max: 81_000_000},
		{name: "empty downloads are ignored", samples: []sample{{0, 1.0}}, min: 500_000, max: 500_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEstimator(EstimatorConfig{})
			for _, s := range tt.samples {
				e.Sample(s.bytes, s.d, 0)
			}
			got := e.Estimate()
			if got < tt.min || got > tt.max || math.IsNaN(got) {
				t.Errorf("Estimate = %.0f, want in [%.0f, %.0f]", got, tt.min, tt.max)
			}
		})
	}
}

func TestEstimatorRecoversSlowly(t *testing.T) {
	e := NewEstimator(EstimatorConfig{})
	for range 5 {
		e.Sample(250_000, 2, 0) // 1 Mbit/s
	}
	e.Sample(2_500_000, 2, 0) // one fast download at 10 Mbit/s
	if got := e.Estimate(); got > 4_000_000 {
		t.Errorf("one fast sample raised the estimate to %.0f", got)
	}
	if e.Samples() != 6 {
		t.Errorf("Samples = %d", e.Samples())
	}
}

var ladder = []Variant{
	{Bandwidth: 5_000_000, Height: 1080},
	{Bandwidth: 800_000, Height: 360},
	{Bandwidth: 2_500_000, Height: 720},
	{Bandwidth: 400_000, Height: 240},
	{Bandwidth: 12_000_000, Height: 2160},
}

func TestStart(t *testing.T) {
	tests := []struct {
		name      string
		maxHeight int
		estimate  float64
		want      int
	}{
		{"default estimate starts low", 0, 500_000, 3},
		{"start keeps a fifth in hand", 0, 1_000_000, 1},
		{"just under the next rung", 0, 3_100_000, 1},
		{"fast network", 0, 6_500_000, 0},
		{"huge network capped by height", 720, 1e9, 2},
		{"nothing fits the budget: lowest", 0, 1000, 3},
		{"height below every variant: shortest", 100, 1e9, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewController(ladder, Config{MaxHeight: tt.maxHeight})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Start(tt.estimate); got.Index != tt.want || got.Reason != ReasonStart {
				t.Errorf("Start = %+v, want index %d", got, tt.want)
			}
		})
	}
}

func TestNext(t *testing.T) {
	sec := 1.0
	tests := []struct {
		name      string
		maxHeight int
		state     State
		want      Decision
	}{
		{"up with headroom and buffer", 0, State{Current: 1, Estimate: 4_000_000, Buffer: 10 * sec}, Decision{2, ReasonUp}},
		{"up jumps to the best sustainable", 0, State{Current: 3, Estimate: 20_000_000, Buffer: 10 * sec}, Decision{4, ReasonUp}},
		{"up once the buffer outlasts the download", 0, State{Current: 1, Estimate: 4_000_000, Buffer: 2 * sec, Segment: 2 * sec}, Decision{2, ReasonUp}},
		{"no up while the download would outlast the buffer", 0, State{Current: 1, Estimate: 4_000_000, Buffer: 2 * sec}, Decision{1, ReasonHold}},
		{"up stops at the rung the buffer covers", 0, State{Current: 3, Estimate: 20_000_000, Buffer: 2 * sec, Segment: 4 * sec}, Decision{0, ReasonUp}},
		{"no up without headroom", 0, State{Current: 1, Estimate: 3_000_000, Buffer: 6 * sec}, Decision{1, ReasonHold}},
		{"a long buffer spends on a rung without headroom", 0, State{Current: 1, Estimate: 3_000_000, Buffer: 10 * sec}, Decision{2, ReasonSpend}},
		{"a long buffer spends on an unsustainable rung", 0, State{Current: 2, Estimate: 4_000_000, Buffer: 20 * sec}, Decision{0, ReasonSpend}},
		{"no spend where the deficit would eat the buffer", 0, State{Current: 2, Estimate: 4_000_000, Buffer: 12 * sec}, Decision{2, ReasonHold}},
		{"spend goes one rung at a time", 0, State{Current: 3, Estimate: 700_000, Buffer: 25 * sec}, Decision{1, ReasonSpend}},
		{"recent rate leads up as far as a wrong guess is safe", 0, State{Current: 1, Estimate: 1_500_000, Fast: 8_000_000, Buffer: 15 * sec}, Decision{2, ReasonUp}},
		{"recent rate ignored where a wrong guess drains the buffer", 0, State{Current: 1, Estimate: 1_500_000, Fast: 8_000_000, Buffer: 5 * sec}, Decision{1, ReasonHold}},
		{"newest download leads up on a long buffer", 0, State{Current: 1, Estimate: 1_500_000, Last: 8_000_000, Buffer: 22 * sec}, Decision{0, ReasonUp}},
		{"recent rate lower than the estimate is not used", 0, State{Current: 1, Estimate: 4_000_000, Fast: 1_000_000, Buffer: 22 * sec}, Decision{2, ReasonUp}},
		{"recent rate that sustains the current variant holds it", 0, State{Current: 0, Estimate: 3_500_000, Fast: 6_000_000, Buffer: 18 * sec}, Decision{0, ReasonHold}},
		{"recent rate does not hold it where a wrong guess is unsafe", 0, State{Current: 0, Estimate: 3_500_000, Fast: 6_000_000, Buffer: 7 * sec}, Decision{2, ReasonDown}},
		{"recent rate that sustains the current variant limits the way down", 0, State{Current: 4, Estimate: 6_000_000, Fast: 14_000_000, Buffer: 9 * sec}, Decision{0, ReasonDown}},
		{"up never exceeds max height", 720, State{Current: 2, Estimate: 50_000_000, Buffer: 30 * sec}, Decision{2, ReasonHold}},
		{"down when unsustainable", 0, State{Current: 0, Estimate: 3_500_000, Buffer: 9 * sec}, Decision{2, ReasonDown}},
		{"keep unsustainable while its next segment leaves the comfort buffer", 0, State{Current: 0, Estimate: 3_500_000, Buffer: 10 * sec}, Decision{0, ReasonHold}},
		{"keep unsustainable with a big buffer", 0, State{Current: 0, Estimate: 3_000_000, Buffer: 25 * sec}, Decision{0, ReasonHold}},
		{"low buffer drops fast", 0, State{Current: 0, Estimate: 1_500_000, Buffer: 2 * sec}, Decision{1, ReasonDown}},
		{"low buffer, download outlasts it", 0, State{Current: 2, Estimate: 2_600_000, Buffer: 3 * sec}, Decision{1, ReasonLowBuffer}},
		{"low buffer to lowest", 0, State{Current: 2, Estimate: 100_000, Buffer: sec}, Decision{3, ReasonDown}},
		{"low buffer but the download fits holds (start)", 0, State{Current: 2, Estimate: 3_600_000, Buffer: 2 * sec, Segment: 2 * sec}, Decision{2, ReasonHold}},
		{"low buffer on a fast link climbs as far as the buffer covers", 0, State{Current: 1, Estimate: 10_000_000, Buffer: sec}, Decision{2, ReasonUp}},
		{"current above max height is capped", 720, State{Current: 4, Estimate: 50_000_000, Buffer: 30 * sec}, Decision{2, ReasonCapped}},
		{"unknown current index", 0, State{Current: 9, Estimate: 2_000_000, Buffer: 30 * sec}, Decision{1, ReasonCapped}},
		{"hold steady", 0, State{Current: 2, Estimate: 4_000_000, Buffer: 10 * sec}, Decision{2, ReasonHold}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewController(ladder, Config{MaxHeight: tt.maxHeight})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Next(tt.state); got != tt.want {
				t.Errorf("Next = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewControllerErrors(t *testing.T) {
	if _, err := NewController(nil, Config{}); !errors.Is(err, ErrNoVariants) {
		t.Errorf("err = %v", err)
	}
	c, _ := NewController(ladder, Config{MaxHeight: 720})
	got := c.Allowed()
	want := []int{3, 1, 2}
	if len(got) != len(want) {
		t.Fatalf("Allowed = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Allowed = %v, want %v", got, want)
		}
	}
}

func TestEstimatorRecoversWithinSegments(t *testing.T) {
	e := NewEstimator(EstimatorConfig{})
	seg := 2.0
	for range 8 { // 0.6 Mbit/s: 100 KB segments taking 1.33 s
		e.Sample(100_000, 1.333, seg)
	}
	if got := e.Estimate(); got > 700_000 {
		t.Fatalf("estimate %.0f after a 0.6 Mbit/s stretch", got)
	}
	for range 4 { // back to 4 Mbit/s: the same segments take 0.2 s
		e.Sample(100_000, 0.2, seg)
	}
	// Weighted by download time alone, four fast samples would move the
	// slow average by 6 %; by media time it is past half way.
	if got := e.Estimate(); got < 2_000_000 {
		t.Errorf("estimate %.0f four segments after the link recovered to 4 Mbit/s", got)
	}
	if got := e.Fast(); got < 3_400_000 {
		t.Errorf("fast average %.0f four segments after the recovery", got)
	}
}

func TestEstimatorLast(t *testing.T) {
	e := NewEstimator(EstimatorConfig{})
	if got := e.Last(); got != 0 {
		t.Fatalf("Last before any sample = %v", got)
	}
	e.Sample(100_000, 1, 2)
	e.Sample(250_000, 0.5, 2)
	if got := e.Last(); got != 4_000_000 {
		t.Errorf("Last = %v, want the newest sample's 4 Mbit/s", got)
	}
	e.Restart(1_000_000)
	if got := e.Last(); got != 0 {
		t.Errorf("Last after Restart = %v, want 0", got)
	}
}

func BenchmarkNext(b *testing.B) {
	c, _ := NewController(ladder, Config{MaxHeight: 1080})
	e := NewEstimator(EstimatorConfig{})
	b.ReportAllocs()
	for b.Loop() {
		e.Sample(500_000, 1.0, 2)
		_ = c.Next(State{Current: 2, Estimate: e.Estimate(), Fast: e.Fast(), Last: e.Last(), Buffer: 10})
	}
}
