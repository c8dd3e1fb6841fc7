package abr

import (
	"math"
	"testing"
)

// benchLadder is make bench-player's title: 2 s segments whose average
// rate is 90 % of BANDWIDTH.
var benchLadder = []Variant{
	{Bandwidth: 400_000, Height: 240},
	{Bandwidth: 860_000, Height: 360},
	{Bandwidth: 1_640_000, Height: 540},
	{Bandwidth: 2_820_000, Height: 720},
}

// link is a network trace: bits/s at a time since the start.
type link func(t float64) float64

func steps(s ...[2]float64) link { // pairs of (from second, bits/s)
	return func(t float64) float64 {
		r := s[0][1]
		for _, p := range s {
			if t >= p[0] {
				r = p[1]
			}
		}
		return r
	}
}

// simResult is what a simulated session shows.
type simResult struct {
	startup, stall float64 // seconds
	stalls         int
	bitrate        float64 // time-weighted BANDWIDTH on screen
	switches       int     // changes of the variant on screen
	last           int     // variant fetched last
}

// simulate plays length seconds of a 2 s-segment title over net with the
// player loop of player/app: one download at a time, a 30 s forward
// buffer, replacement of what lies beyond 6 s ahead on a switch up, the start variant from the link's first rate (the browser's
// downlink figure), the estimator fed every segment.
func simulate(t *testing.T, net link, length float64) simResult {
	t.Helper()
	c, err := NewController(benchLadder, Config{})
	if err != nil {
		t.Fatal(err)
	}
	const seg, ahead, dt = 2.0, 30.0, 0.01
	e := NewEstimator(EstimatorConfig{Default: net(0)})
	cur := c.Start(e.Estimate()).Index
	var (
		res                 = simResult{startup: -1}
		now                 float64
		queue               []int // variants of the buffered segments, oldest first
		played              float64
		shown               = -1
		playingFor, bitSum  float64
		started, stalled    bool
		left, took, segBits float64
	)
	startFetch := func() {
		segBits = float64(benchLadder[cur].Bandwidth) * 0.9 * seg
		left, took = segBits, 0
	}
	startFetch()
	buffered := func() float64 { return float64(len(queue))*seg - played }
	for now < length {
		// Download.
		if left > 0 {
			left -= net(now) * dt
			took += dt
			if left <= 0 {
				e.Sample(int64(segBits/8), took, seg)
				queue = append(queue, cur)
				d := c.Next(State{Current: cur, Estimate: e.Estimate(), Fast: e.Fast(),
					Buffer: buffered(), Segment: seg})
				if testing.Verbose() && d.Index != cur {
					t.Logf("%5.1f s: %d → %d (%s) estimate %.2f fast %.2f buffer %.1f", now, cur, d.Index, d.Reason, e.Estimate()/1e6, e.Fast()/1e6, buffered())
				}
				if d.Reason == ReasonUp {
					// player/engine Track.Upgrade: keep 6 s, refetch the rest
					// (at least 4 s) in the new variant.
					k := int(math.Ceil((6 + played) / seg))
					if len(queue)-k >= 2 {
						queue = queue[:k]
					}
				}
				cur = d.Index
			}
		}
		if left <= 0 && buffered() < ahead {
			startFetch()
		}
		// Playback.
		if !started && len(queue) > 0 {
			started, res.startup = true, now
		}
		if started {
			if len(queue) == 0 {
				if !stalled {
					stalled = true
					res.stalls++
				}
				res.stall += dt
			} else {
				stalled = false
				played += dt
				v := queue[0]
				if v != shown {
					if shown >= 0 {
						res.switches++
					}
					shown = v
				}
				bitSum += float64(benchLadder[v].Bandwidth) * dt
				playingFor += dt
				if played >= seg {
					played -= seg
					queue = queue[1:]
				}
			}
		}
		now += dt
	}
	if playingFor > 0 {
		res.bitrate = bitSum / playingFor
	}
	res.last = cur
	return res
}

// TestTraceShapes plays make bench-player's traces through estimator and
// controller: the shapes that hls.js's and Shaka's users complain about.
func TestTraceShapes(t *testing.T) {
	tests := []struct {
		name string
		net  link
		// minBitrate is the least time-weighted bitrate; maxSwitches and
		// maxStall bound the churn and the rebuffering.
		minBitrate  float64
		maxSwitches int
		maxStall    float64
		// lastAtLeast is the lowest variant fetched at the end.
		lastAtLeast int
	}{
		// Starts on the top rung from the downlink figure.
		{"steady", steps([2]float64{0, 4e6}), 2.7e6, 0, 0, 3},
		// Ramp-up: leaves the bottom within a few segments of the link
		// opening up, and replaces the buffered bottom rung.
		{"slow start ramps up", steps([2]float64{0, 6e5}, [2]float64{10, 5e6}), 1.6e6, 3, 0, 3},
		// Recovery up-switch: back on the top rung after the drop. The
		// top-rung segment in flight when the link falls to a sixth takes
		// longer than the few seconds buffered by then: the player does
		// not abandon a download, so this stall stays (see RATIONALE).
		{"drop and recovery", steps([2]float64{0, 4e6}, [2]float64{10, 6e5}, [2]float64{22, 4e6}), 1.8e6, 4, 2.5, 3},
		// No oscillation: a link swinging every 5 s between 4 and
		// 1.2 Mbit/s (2.6 on average) is not chased up and down.
		{"oscillating", func(t float64) float64 {
			if int(t/5)%2 == 0 {
				return 4e6
			}
			return 1.2e6
		}, 1.6e6, 3, 0.5, 2},
		// A slow 3G-like link: the bottom rung, no stall.
		{"slow 3G", steps([2]float64{0, 7.5e5}), 3.9e5, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := simulate(t, tc.net, 40)
			t.Logf("startup %.2f s, %d stalls (%.2f s), %.2f Mbit/s, %d switches, last variant %d", r.startup, r.stalls, r.stall, r.bitrate/1e6, r.switches, r.last)
			if r.bitrate < tc.minBitrate {
				t.Errorf("time-weighted bitrate %.2f Mbit/s, want ≥ %.2f", r.bitrate/1e6, tc.minBitrate/1e6)
			}
			if r.switches > tc.maxSwitches {
				t.Errorf("%d switches on screen, want ≤ %d", r.switches, tc.maxSwitches)
			}
			if r.stall > tc.maxStall {
				t.Errorf("stalled %.2f s (%d times), want ≤ %.2f s", r.stall, r.stalls, tc.maxStall)
			}
			if r.last < tc.lastAtLeast {
				t.Errorf("ended fetching variant %d, want ≥ %d", r.last, tc.lastAtLeast)
			}
		})
	}
}
