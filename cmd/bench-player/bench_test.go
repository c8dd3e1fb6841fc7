package main

import (
	"testing"

	"github.com/edgeflix/edgeflix/internal/benchplayer"
)

func TestMedianIsPerMetric(t *testing.T) {
	r := func(startup, stallMs, bitrate float64, switches int, err string) benchplayer.Result {
		stalls := 0
		if stallMs > 0 {
			stalls = 1
		}
		return benchplayer.Result{StartupMs: startup, Stalls: stalls, StallMs: stallMs, Bitrate: bitrate,
			Switches: switches, Err: err, State: err}
	}
	tests := []struct {
		name   string
		rounds []benchplayer.Result
		want   benchplayer.Result
	}{
		{"one round", []benchplayer.Result{r(1900, 0, 2.8e6, 1, "")}, r(1900, 0, 2.8e6, 1, "")},
		{
			// The round in the middle by stall time started slowest; the
			// startup shown is the middle startup, not that round's.
			"slow start in the stall median",
			[]benchplayer.Result{r(1800, 0, 2.8e6, 2, ""), r(2400, 300, 2.5e6, 3, ""), r(1950, 900, 2.2e6, 4, "")},
			r(1950, 300, 2.5e6, 3, ""),
		},
		{
			"a round that never started counts as the slowest startup",
			[]benchplayer.Result{r(-1, 0, 0, 0, "no load"), r(2100, 0, 1e6, 0, ""), r(2000, 0, 1.2e6, 0, "")},
			r(2100, 0, 1e6, 0, ""),
		},
		{
			"two of three never started",
			[]benchplayer.Result{r(-1, 0, 0, 0, "a"), r(-1, 0, 0, 0, "b"), r(2000, 0, 1.2e6, 0, "")},
			r(-1, 0, 0, 0, "a"),
		},
		{
			"even count takes the lower middle",
			[]benchplayer.Result{r(2000, 0, 1e6, 0, ""), r(1000, 0, 3e6, 0, "")},
			r(1000, 0, 1e6, 0, ""),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := median(tt.rounds)
			if got.StartupMs != tt.want.StartupMs || got.Stalls != tt.want.Stalls || got.StallMs != tt.want.StallMs ||
				got.Bitrate != tt.want.Bitrate || got.Switches != tt.want.Switches || got.Err != tt.want.Err {
				t.Errorf("median = startup %v, %d stalls %v ms, %v bit/s, %d switches, err %q; want %v, %d, %v, %v, %d, %q",
					got.StartupMs, got.Stalls, got.StallMs, got.Bitrate, got.Switches, got.Err,
					tt.want.StartupMs, tt.want.Stalls, tt.want.StallMs, tt.want.Bitrate, tt.want.Switches, tt.want.Err)
			}
		})
	}
}
