package abr

import (
	"math"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/benchplayer"
)

// benchLadder is make bench-player's title: 2 s segments whose average
// rate is 90 % of BANDWIDTH.
var benchLadder = []Variant{
	{Bandwidth: 400_000, Height: 240},
	{Bandwidth: 860_000, Height: 360},
	{Bandwidth: 1_640_000, Height: 540},
	{Bandwidth: 2_820_000, Height: 720},
}

// link is a network trace: bits/s and round trip in seconds at a time
// since the start.
type link func(t float64) (bps, rtt float64)

// traceLink is one of make bench-player's traces as a link.
func traceLink(tr benchplayer.Trace) link {
	return func(t float64) (float64, float64) {
		l := tr.At(time.Duration(t * float64(time.Second)))
		return float64(l.Kbps) * 1000, l.Latency.Seconds()
	}
}

// simResult is what a simulated session shows.
type simResult struct {
	startup, stall float64 // seconds
	stalls         int
	bitrate        float64 // time-weighted BANDWIDTH on screen
	switches       int     // changes of the variant on screen
	abandons       int     // downloads dropped for a lower variant
	last           int     // variant fetched last
}

// simOptions vary a simulated session; zero fields take the player's
// defaults.
type simOptions struct {
	// noAbandon turns Controller.Abandon off.
	noAbandon bool
	// cfg configures the controller.
	cfg Config
}

// simulate plays length seconds of a 2 s-segment title over net with the
// player loop of player/app: one download at a time, each after a round
// trip, a 30 s forward buffer, the download in flight checked every 250 ms
// against Abandon (not before the first segment), replacement of what lies
// beyond 3 s ahead on a switch up (engine.Track.Upgrade), the start variant
// from the link's first rate (the browser's downlink figure), and the
// estimator fed every segment's body time.
func simulate(t *testing.T, net link, length float64, o simOptions) simResult {
	t.Helper()
	c, err := NewController(benchLadder, o.cfg)
	if err != nil {
		t.Fatal(err)
	}
	const seg, ahead, dt, poll = 2.0, 30.0, 0.01, 0.25
	start, _ := net(0)
	e := NewEstimator(EstimatorConfig{Default: start})
	cur := c.Start(e.Estimate()).Index
	var (
		res                 = simResult{startup: -1}
		now                 float64
		queue               []int // variants of the buffered segments, oldest first
		played              float64
		shown               = -1
		playingFor, bitSum  float64
		started, stalled    bool
		fetching            bool
		wait, elapsed, body float64 // round trip left, time since the request, body time
		left, segBits       float64
		recent              RecentRate
		lastPoll            float64
	)
	buffered := func() float64 { return float64(len(queue))*seg - played }
	startFetch := func() {
		segBits = float64(benchLadder[cur].Bandwidth) * 0.9 * seg
		_, wait = net(now)
		left, elapsed, body, lastPoll = segBits, 0, 0, 0
		recent = RecentRate{}
		fetching = true
	}
	startFetch()
	for now < length {
		// Download.
		if fetching {
			elapsed += dt
			if wait > 0 {
				wait -= dt
			} else {
				bps, _ := net(now)
				left -= bps * dt
				body += dt
			}
			switch {
			case left <= 0:
				fetching = false
				e.Sample(int64(segBits/8), body, seg)
				queue = append(queue, cur)
				d := c.Next(State{Current: cur, Estimate: e.Estimate(), Fast: e.Fast(), Last: e.Last(),
					Buffer: buffered(), Segment: seg})
				if testing.Verbose() && d.Index != cur {
					t.Logf("%5.1f s: %d → %d (%s) estimate %.2f fast %.2f last %.2f buffer %.1f", now, cur, d.Index, d.Reason, e.Estimate()/1e6, e.Fast()/1e6, e.Last()/1e6, buffered())
				}
				if d.Reason == ReasonUp {
					// player/engine Track.Upgrade: keep 3 s, refetch the rest
					// (at least 3 s) in the new variant.
					k := int(math.Ceil((3 + played) / seg))
					if float64(len(queue)-k)*seg >= 3 {
						queue = queue[:k]
					}
				}
				cur = d.Index
			case !o.noAbandon && len(queue) > 0 && elapsed-lastPoll >= poll:
				lastPoll = elapsed
				loaded := int64((segBits - left) / 8)
				dl := Download{Current: cur, Segment: seg, Elapsed: elapsed, Loaded: loaded,
					Total: int64(segBits / 8), Recent: recent.Add(elapsed, loaded),
					Estimate: e.Estimate(), Buffer: buffered()}
				if d, ok := c.Abandon(dl); ok {
					if testing.Verbose() {
						t.Logf("%5.1f s: %d → %d (abandon) rate %.2f buffer %.1f", now, cur, d.Index, dl.Rate()/1e6, buffered())
					}
					e.Restart(dl.Rate())
					cur = d.Index
					res.abandons++
					startFetch()
				}
			}
		}
		if !fetching && buffered() < ahead {
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
	want := map[string]struct {
		// minBitrate is the least time-weighted bitrate; maxSwitches and
		// maxStall bound the churn and the rebuffering.
		minBitrate  float64
		maxSwitches int
		maxStall    float64
		// lastAtLeast is the lowest variant fetched at the end.
		lastAtLeast int
	}{
		// Starts on the top rung from the downlink figure.
		"steady": {2.7e6, 0, 0, 3},
		// The top-rung segment in flight when the link falls to a sixth
		// is abandoned for a lower one, so the drop does not stall, and
		// the player is back on the top rung after the recovery.
		"drop": {2.0e6, 5, 0, 3},
		// A link swinging every 5 s between 4 and 1.2 Mbit/s (2.6 on
		// average) is followed where a wrong guess is safe, not chased up
		// and down.
		"oscillating": {2.0e6, 4, 0, 1},
		// A slow 3G-like link (750 kbit/s): the bottom rung sustains it,
		// and the buffer it builds pays for stretches of the next rung up
		// (ReasonSpend), with no stall.
		"slow3g": {5.3e5, 3, 0, 0},
		// Ramp-up: leaves the bottom within a few segments of the link
		// opening up, and replaces the buffered bottom rung.
		"slowstart": {2.0e6, 3, 0, 3},
	}
	for _, tr := range benchplayer.Traces {
		t.Run(tr.Name, func(t *testing.T) {
			w, ok := want[tr.Name]
			if !ok {
				t.Fatalf("no expectation for trace %q", tr.Name)
			}
			r := simulate(t, traceLink(tr), tr.Length.Seconds(), simOptions{})
			t.Logf("startup %.2f s, %d stalls (%.2f s), %.2f Mbit/s, %d switches, %d abandons, last variant %d", r.startup, r.stalls, r.stall, r.bitrate/1e6, r.switches, r.abandons, r.last)
			if r.bitrate < w.minBitrate {
				t.Errorf("time-weighted bitrate %.2f Mbit/s, want ≥ %.2f", r.bitrate/1e6, w.minBitrate/1e6)
			}
			if r.switches > w.maxSwitches {
				t.Errorf("%d switches on screen, want ≤ %d", r.switches, w.maxSwitches)
			}
			if r.stall > w.maxStall {
				t.Errorf("stalled %.2f s (%d times), want ≤ %.2f s", r.stall, r.stalls, w.maxStall)
			}
			if r.last < w.lastAtLeast {
				t.Errorf("ended fetching variant %d, want ≥ %d", r.last, w.lastAtLeast)
			}
		})
	}
}

// TestAbandonAvoidsTheDropStall is the drop trace with and without
// Abandon: the top-rung segment in flight when the link falls outlasts
// the buffer unless it is dropped.
func TestAbandonAvoidsTheDropStall(t *testing.T) {
	drop := traceLink(benchplayer.Traces[1])
	with := simulate(t, drop, 40, simOptions{})
	without := simulate(t, drop, 40, simOptions{noAbandon: true})
	t.Logf("with abandon: %.2f s stalled, %d abandons; without: %.2f s stalled", with.stall, with.abandons, without.stall)
	if with.abandons == 0 || with.stall >= without.stall {
		t.Errorf("abandon: %.2f s stalled after %d abandons, against %.2f s without", with.stall, with.abandons, without.stall)
	}
}
