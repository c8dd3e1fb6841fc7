package benchplayer

import (
	"strings"
	"testing"
	"time"
)

func TestTraceAt(t *testing.T) {
	drop := Traces[1]
	tests := []struct {
		at   time.Duration
		kbps int
	}{
		{0, 4000}, {9 * time.Second, 4000}, {10 * time.Second, 600}, {21 * time.Second, 600}, {22 * time.Second, 4000}, {time.Hour, 4000},
	}
	for _, tc := range tests {
		if got := drop.At(tc.at).Kbps; got != tc.kbps {
			t.Errorf("drop.At(%v) = %d kbit/s, want %d", tc.at, got, tc.kbps)
		}
	}
	for _, tr := range Traces {
		if len(tr.Steps) == 0 || tr.Steps[0].At != 0 || tr.Length <= 0 {
			t.Errorf("trace %s: steps must start at 0 and the trace have a length", tr.Name)
		}
	}
}

func TestSelect(t *testing.T) {
	name := func(tr Trace) string { return tr.Name }
	tests := []struct {
		filter string
		want   string // names, or "error: <part of the message>"
	}{
		{"", "steady,drop,oscillating,slow3g,slowstart"},
		{"slow3g, steady", "steady,slow3g"},
		{"drop,drop", "drop"},
		{"nope", "error: unknown name \"nope\""},
		{"  ", "steady,drop,oscillating,slow3g,slowstart"},
		{",", "error: nothing selected"},
	}
	for _, tc := range tests {
		got, err := Select(Traces, name, tc.filter)
		if err != nil {
			if !strings.HasPrefix(tc.want, "error: ") || !strings.Contains(err.Error(), strings.TrimPrefix(tc.want, "error: ")) {
				t.Errorf("Select(%q): %v, want %s", tc.filter, err, tc.want)
			}
			continue
		}
		var names []string
		for _, tr := range got {
			names = append(names, tr.Name)
		}
		if strings.Join(names, ",") != tc.want {
			t.Errorf("Select(%q) = %v, want %s", tc.filter, names, tc.want)
		}
	}
}

func TestGoal(t *testing.T) {
	others := []Result{
		{Player: "hls.js", StartupMs: 2000, StallMs: 0, Bitrate: 2.8e6},
		{Player: "shaka", StartupMs: 1500, StallMs: 500, Bitrate: 2.0e6},
	}
	unstarted := []Result{
		{Player: "hls.js", StartupMs: -1},
		{Player: "shaka", StartupMs: -1},
	}
	tests := []struct {
		name       string
		mine       Result
		others     []Result
		want       string
		wantJudged bool
	}{
		{"met", Result{Player: "edgeflix", StartupMs: 1500, Bitrate: 2.7e6}, others, "", true},
		{"within noise", Result{Player: "edgeflix", StartupMs: 1540, StallMs: 40, Bitrate: 2.66e6}, others, "", true},
		{"slow start", Result{Player: "edgeflix", StartupMs: 1800, Bitrate: 2.8e6}, others, "startup 1.80 s > 1.50 s", true},
		{"stalls", Result{Player: "edgeflix", StartupMs: 1000, StallMs: 300, Bitrate: 2.8e6}, others, "stall time 0.30 s > 0.00 s", true},
		{"low bitrate", Result{Player: "edgeflix", StartupMs: 1000, Bitrate: 2.0e6}, others, "bitrate 71 % of the best", true},
		{"never started", Result{Player: "edgeflix", StartupMs: -1}, others, "did not start", true},
		{"no other started", Result{Player: "edgeflix", StartupMs: 1500, Bitrate: 2.7e6}, unstarted, "", false},
		{"none started", Result{Player: "edgeflix", StartupMs: -1}, unstarted, "", false},
		{"alone", Result{Player: "edgeflix", StartupMs: 1500, Bitrate: 2.7e6}, nil, "", false},
		{"player missing", Result{Player: "other", StartupMs: 1500, Bitrate: 2.7e6}, others, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, judged := Goal("edgeflix", append([]Result{tc.mine}, tc.others...))
			if got != tc.want || judged != tc.wantJudged {
				t.Errorf("Goal = %q, %v; want %q, %v", got, judged, tc.want, tc.wantJudged)
			}
		})
	}
}
