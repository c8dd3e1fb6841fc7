package engine

import (
	"reflect"
	"testing"

	"github.com/edgeflix/edgeflix/player/hls"
)

// media returns a playlist of n segments of d seconds each.
func media(n int, d float64) *hls.Media {
	m := &hls.Media{}
	for i := 0; i < n; i++ {
		m.Segments = append(m.Segments, hls.Segment{URI: "s.m4s", Start: float64(i) * d, Duration: d})
	}
	return m
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name         string
		video, audio *Track
		now          float64
		want         string // "video", "audio" or ""
		action       Action
	}{
		{"muxed fetches video", &Track{Next: 4}, nil, 0, "video", Fetch},
		{"muxed full", &Track{Next: 30}, nil, 0, "video", Full},
		{"muxed just under full", &Track{Next: 29.9}, nil, 0, "video", Fetch},
		{"muxed ended", &Track{Next: 60, Ended: true}, nil, 0, "", EndOfStream},
		{"audio behind", &Track{Next: 8}, &Track{Next: 4}, 0, "audio", Fetch},
		{"audio level goes to video", &Track{Next: 8}, &Track{Next: 8}, 0, "video", Fetch},
		{"audio ahead", &Track{Next: 4}, &Track{Next: 8}, 0, "video", Fetch},
		{"video ended feeds audio", &Track{Next: 60, Ended: true}, &Track{Next: 70}, 50, "audio", Fetch},
		{"audio ended feeds video", &Track{Next: 4}, &Track{Next: 2, Ended: true}, 0, "video", Fetch},
		{"both ended", &Track{Ended: true}, &Track{Ended: true}, 0, "", EndOfStream},
		{"chosen audio full", &Track{Next: 50}, &Track{Next: 40}, 10, "audio", Full},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, action := Plan(tc.video, tc.audio, tc.now)
			name := ""
			switch {
			case got == nil:
			case got == tc.video:
				name = "video"
			case got == tc.audio:
				name = "audio"
			}
			if name != tc.want || action != tc.action {
				t.Fatalf("Plan = %q, %v; want %q, %v", name, action, tc.want, tc.action)
			}
		})
	}
}

func TestSegment(t *testing.T) {
	p := media(5, 4) // 0..20 s
	tests := []struct {
		name      string
		next, end float64
		want      int
		ok        bool
	}{
		{"start", 0, 20, 0, true},
		{"on a boundary finds the segment starting there", 4, 20, 1, true},
		{"a hair before a boundary (float sums) finds the next", 7.9995, 20, 2, true},
		{"inside", 9, 20, 2, true},
		{"last", 16, 20, 4, true},
		{"at the end", 20, 20, 0, false},
		{"within end slack", 19.96, 20, 0, false},
		{"presentation shorter than playlist", 12, 12, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Track{Next: tc.next}
			i, ok := tr.Segment(p, tc.end)
			if i != tc.want || ok != tc.ok || tr.Ended != !tc.ok {
				t.Fatalf("Segment = %d, %v (ended %v); want %d, %v", i, ok, tr.Ended, tc.want, tc.ok)
			}
		})
	}
	tr := &Track{}
	if _, ok := tr.Segment(&hls.Media{}, 10); ok || !tr.Ended {
		t.Fatal("an empty playlist must end the track")
	}
}

func TestAppendedAndInit(t *testing.T) {
	tr := &Track{Next: 4, Ended: true}
	tr.Appended(hls.Segment{Start: 4, Duration: 4})
	if tr.Next != 8 || tr.Ended {
		t.Fatalf("after append: %+v", tr)
	}
	if !tr.NeedsInit("a.m3u8") {
		t.Fatal("a fresh track needs an init section")
	}
	tr.InitFor = "a.m3u8"
	if tr.NeedsInit("a.m3u8") || !tr.NeedsInit("b.m3u8") {
		t.Fatal("init needed only for another playlist")
	}
}

func TestSeek(t *testing.T) {
	p := media(10, 4) // 0..40 s
	tests := []struct {
		name     string
		start    Track
		to       float64
		buffered []Range
		p        *hls.Media
		want     Track
	}{
		{"into buffered range keeps init, continues after it",
			Track{Next: 12, InitFor: "v"}, 5, []Range{{0, 12}}, p, Track{Next: 12, InitFor: "v"}},
		{"just before a buffered range counts as in it",
			Track{Next: 30, InitFor: "v"}, 19.95, []Range{{20, 30}}, p, Track{Next: 30, InitFor: "v"}},
		{"into a hole goes to the segment start, reinit, new gen",
			Track{Next: 12, InitFor: "v", Ended: true}, 22.5, []Range{{0, 12}}, p, Track{Next: 20, Gen: 1}},
		{"second buffered range",
			Track{Next: 8, InitFor: "v"}, 25, []Range{{0, 8}, {24, 32}}, p, Track{Next: 32, InitFor: "v", Gen: 1}},
		{"no playlist yet: the time itself",
			Track{Next: 4, InitFor: "v"}, 13, nil, nil, Track{Next: 13, Gen: 1}},
		{"past the end of the playlist",
			Track{Next: 4, InitFor: "v"}, 45, nil, p, Track{Next: 45, Gen: 1}},
		{"same position keeps the generation",
			Track{Next: 20, InitFor: "v"}, 21, nil, p, Track{Next: 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.start
			tr.Seek(tc.to, tc.buffered, tc.p)
			if tr != tc.want {
				t.Fatalf("Seek: %+v, want %+v", tr, tc.want)
			}
		})
	}
}

func TestSwitch(t *testing.T) {
	p := media(10, 4)
	tests := []struct {
		name          string
		now, duration float64
		buffered      []Range
		wantNext      float64
		wantRemove    Range
	}{
		{"mid segment", 9, 40, []Range{{0, 30}}, 8, Range{9.05, 41}},
		{"buffer past the duration", 9, 40, []Range{{0, 50}}, 8, Range{9.05, 50}},
		{"nothing buffered", 0, 40, nil, 0, Range{0.05, 41}},
		{"unknown duration", 3, 0, nil, 0, Range{3.05, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Track{Next: 30, InitFor: "a", Ended: true, Gen: 2}
			got := tr.Switch(tc.now, tc.duration, tc.buffered, p)
			if got != tc.wantRemove || tr.Next != tc.wantNext || tr.InitFor != "" || tr.Ended || tr.Gen != 3 {
				t.Fatalf("Switch = %+v, track %+v; want remove %+v, next %v", got, tr, tc.wantRemove, tc.wantNext)
			}
		})
	}
}

func TestEvict(t *testing.T) {
	tests := []struct {
		name     string
		next     float64
		buffered []Range
		now      float64
		want     []Range
		wantNext float64
	}{
		{"nothing buffered", 0, nil, 10, nil, 0},
		{"within bounds", 60, []Range{{0, 60}}, 20, nil, 60},
		{"behind by less than the slack", 60, []Range{{0, 60}}, 20.9, nil, 60},
		{"behind", 60, []Range{{0, 60}}, 40, []Range{{0, 20}}, 60},
		{"far ahead after a seek back", 130, []Range{{0, 10}, {100, 130}}, 5, []Range{{95, 130}}, 95},
		{"both ends", 200, []Range{{10, 200}}, 100, []Range{{10, 80}, {190, 200}}, 190},
		{"ahead within slack", 95.5, []Range{{0, 95.5}}, 5, nil, 95.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Track{Next: tc.next}
			got := tr.Evict(tc.buffered, tc.now)
			if !reflect.DeepEqual(got, tc.want) || tr.Next != tc.wantNext {
				t.Fatalf("Evict = %v (next %v), want %v (next %v)", got, tr.Next, tc.want, tc.wantNext)
			}
		})
	}
}

func TestQuotaEvict(t *testing.T) {
	tests := []struct {
		now  float64
		want Range
		ok   bool
	}{
		{0, Range{0, 0}, false},
		{5.25, Range{0, 0.25}, false},
		{5.5, Range{0, 0.5}, true},
		{60, Range{0, 55}, true},
	}
	for _, tc := range tests {
		got, ok := QuotaEvict(tc.now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("QuotaEvict(%v) = %v, %v; want %v, %v", tc.now, got, ok, tc.want, tc.ok)
		}
	}
}

func TestGapJump(t *testing.T) {
	tests := []struct {
		name     string
		buffered []Range
		now      float64
		stalled  bool
		want     float64
		ok       bool
	}{
		{"priming gap at zero", []Range{{0.02, 10}}, 0, true, 0.03, true},
		{"not stalled", []Range{{0.02, 10}}, 0, false, 0, false},
		{"gap too wide", []Range{{1.5, 10}}, 0, true, 0, false},
		{"range behind is ignored", []Range{{0, 4}, {4.5, 10}}, 4, true, 4.51, true},
		{"nothing buffered", nil, 3, true, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := GapJump(tc.buffered, tc.now, tc.stalled)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("GapJump = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAhead(t *testing.T) {
	tests := []struct {
		name   string
		now    float64
		tracks [][]Range
		want   float64 // seconds
	}{
		{"no tracks", 0, nil, 0},
		{"one track", 2, [][]Range{{{0, 10}}}, 8},
		{"least of two", 2, [][]Range{{{0, 10}}, {{0, 6}}}, 4},
		{"playhead in a hole", 12, [][]Range{{{0, 10}, {20, 30}}}, 0},
		{"just before a range", 19.95, [][]Range{{{20, 30}}}, 10.05},
		{"one track empty", 2, [][]Range{{{0, 10}}, nil}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Ahead(tc.now, tc.tracks...)
			if d := got - tc.want; d < -0.001 || d > 0.001 {
				t.Fatalf("Ahead = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUpgrade(t *testing.T) {
	p := media(15, 2) // 0..30 s in 2 s segments
	tests := []struct {
		name     string
		now      float64
		buffered []Range
		p        *hls.Media
		want     Range
		ok       bool
		wantNext float64
	}{
		{"long buffer: keep 3 s, refetch the rest", 3, []Range{{0, 24}}, p, Range{6, 24}, true, 6},
		{"cut on a boundary", 5, []Range{{0, 24}}, p, Range{8, 24}, true, 8},
		{"anything buffered later goes too", 3, []Range{{0, 20}, {26, 30}}, p, Range{6, 30}, true, 6},
		{"too little to replace", 3, []Range{{0, 8.9}}, p, Range{}, false, 24},
		{"just enough", 3, []Range{{0, 9}}, p, Range{6, 9}, true, 6},
		{"two segments ending a little short", 3, []Range{{0, 9.98}}, p, Range{6, 9.98}, true, 6},
		{"playhead in a hole", 21, []Range{{0, 20}}, p, Range{}, false, 24},
		{"past the playlist's end", 26, []Range{{0, 30}}, p, Range{}, false, 24},
		{"no playlist", 3, []Range{{0, 24}}, nil, Range{}, false, 24},
		{"nothing buffered", 3, nil, p, Range{}, false, 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Track{Next: 24, InitFor: "low.m3u8"}
			got, ok := tr.Upgrade(tc.now, tc.buffered, tc.p)
			if got != tc.want || ok != tc.ok || tr.Next != tc.wantNext || tr.InitFor != "low.m3u8" {
				t.Fatalf("Upgrade = %+v, %v (next %v); want %+v, %v (next %v)", got, ok, tr.Next, tc.want, tc.ok, tc.wantNext)
			}
		})
	}
}
