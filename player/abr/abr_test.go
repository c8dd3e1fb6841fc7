package abr

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestEstimator(t *testing.T) {
	type sample struct {
		bytes int64
		d     time.Duration
	}
	tests := []struct {
		name     string
		samples  []sample
		min, max float64
	}{
		{name: "no samples gives default", min: 500_000, max: 500_000},
		{name: "too few bytes gives default", samples: []sample{{10_000, 10 * time.Millisecond}}, min: 500_000, max: 500_000},
		{name: "steady 4 Mbit/s", samples: []sample{{1_000_000, 2 * time.Second}, {1_000_000, 2 * time.Second}, {1_000_000, 2 * time.Second}}, min: 3_999_000, max: 4_001_000},
		{name: "drop is seen quickly", samples: []sample{
			{2_500_000, 2 * time.Second}, {2_500_000, 2 * time.Second}, {2_500_000, 2 * time.Second}, // 10 Mbit/s
			{250_000, 2 * time.Second}, {250_000, 2 * time.Second}, // 1 Mbit/s
		}, min: 1_000_000, max: 5_000_000},
		{name: "zero-time cached responses are capped by MinDuration", samples: []sample{{200_000, 0}}, min: 79_000_000, max: 81_000_000},
		{name: "empty downloads are ignored", samples: []sample{{0, time.Second}}, min: 500_000, max: 500_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEstimator(EstimatorConfig{})
			for _, s := range tt.samples {
				e.Sample(s.bytes, s.d)
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
		e.Sample(250_000, 2*time.Second) // 1 Mbit/s
	}
	e.Sample(2_500_000, 2*time.Second) // one fast download at 10 Mbit/s
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
		{"start uses half the estimate", 0, 2_000_000, 1},
		{"fast network still capped by half", 0, 6_000_000, 2},
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
	tests := []struct {
		name      string
		maxHeight int
		current   int
		estimate  float64
		buffer    time.Duration
		want      Decision
	}{
		{"up with headroom and buffer", 0, 1, 4_000_000, 10 * time.Second, Decision{2, ReasonUp}},
		{"up jumps to the best sustainable", 0, 3, 20_000_000, 10 * time.Second, Decision{4, ReasonUp}},
		{"no up without buffer", 0, 1, 4_000_000, 3 * time.Second, Decision{1, ReasonHold}},
		{"no up without headroom", 0, 1, 3_000_000, 10 * time.Second, Decision{1, ReasonHold}},
		{"up never exceeds max height", 720, 2, 50_000_000, 30 * time.Second, Decision{2, ReasonHold}},
		{"down when unsustainable", 0, 0, 3_500_000, 10 * time.Second, Decision{2, ReasonDown}},
		{"keep unsustainable with a big buffer", 0, 0, 3_000_000, 25 * time.Second, Decision{0, ReasonHold}},
		{"low buffer drops fast", 0, 0, 1_500_000, 2 * time.Second, Decision{1, ReasonLowBuffer}},
		{"low buffer to lowest", 0, 2, 100_000, time.Second, Decision{3, ReasonLowBuffer}},
		{"low buffer but sustainable holds", 0, 1, 10_000_000, time.Second, Decision{1, ReasonHold}},
		{"current above max height is capped", 720, 4, 50_000_000, 30 * time.Second, Decision{2, ReasonCapped}},
		{"unknown current index", 0, 9, 2_000_000, 30 * time.Second, Decision{1, ReasonCapped}},
		{"hold steady", 0, 2, 4_000_000, 10 * time.Second, Decision{2, ReasonHold}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewController(ladder, Config{MaxHeight: tt.maxHeight})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Next(tt.current, tt.estimate, tt.buffer); got != tt.want {
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

// TestSimulation plays a throttled network through estimator and
// controller: the controller must climb when bandwidth is plentiful, come
// down when it collapses, and never rebuffer in this scenario.
func TestSimulation(t *testing.T) {
	c, _ := NewController(ladder, Config{MaxHeight: 1080})
	e := NewEstimator(EstimatorConfig{})
	const segDur = 2.0
	network := func(step int) float64 { // bits/s
		if step < 40 {
			return 20_000_000
		}
		return 1_200_000
	}
	cur := c.Start(e.Estimate()).Index
	buffer := 0.0
	var maxSeen, lastIndex int
	for step := range 80 {
		bits := float64(ladder[cur].Bandwidth) * segDur
		dl := bits / network(step)
		e.Sample(int64(bits/8), time.Duration(dl*float64(time.Second)))
		buffer -= dl
		if buffer < 0 && step > 0 {
			t.Fatalf("step %d: rebuffered (variant %d)", step, cur)
		}
		if buffer < 0 {
			buffer = 0
		}
		buffer += segDur
		if buffer > 30 { // the player waits while the buffer is full
			buffer = 30
		}
		if ladder[cur].Bandwidth > ladder[maxSeen].Bandwidth {
			maxSeen = cur
		}
		cur = c.Next(cur, e.Estimate(), time.Duration(buffer*float64(time.Second))).Index
		lastIndex = cur
	}
	if maxSeen != 0 {
		t.Errorf("never reached 1080p, best was %+v", ladder[maxSeen])
	}
	if ladder[lastIndex].Bandwidth > 1_200_000 {
		t.Errorf("ended on %+v after the network fell to 1.2 Mbit/s", ladder[lastIndex])
	}
}

func BenchmarkNext(b *testing.B) {
	c, _ := NewController(ladder, Config{MaxHeight: 1080})
	e := NewEstimator(EstimatorConfig{})
	b.ReportAllocs()
	for b.Loop() {
		e.Sample(500_000, time.Second)
		_ = c.Next(2, e.Estimate(), 10*time.Second)
	}
}
