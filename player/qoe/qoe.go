// Package qoe measures a playback session's quality of experience in the
// player, as Mux and Conviva define it: video startup time (play asked →
// first frame), rebuffering after the first frame (seeks excluded), watch
// time, time-weighted bitrate, exits before video start (EBVS) and video
// start failures (VSF). The app feeds it the video element's events; it
// builds the cumulative reports POSTed to /v1/playback/{sid}/qoe. Plain Go,
// tested on the host; the clock is passed in, as milliseconds on a
// monotonic clock (performance.now in the browser). It does not import
// time, whose import alone weighs ~50 KB gzip in the browser module.
package qoe

import "github.com/edgeflix/edgeflix/contract"

// Report is the body of POST /v1/playback/{sid}/qoe (contract.QoEReport).
type Report = contract.QoEReport

// maxLastError is the longest error text sent (the origin takes 200 bytes).
const maxLastError = 200

// Tracker accumulates one session's QoE. It is not safe for concurrent
// use.
// Times and durations are in milliseconds.
type Tracker struct {
	asked   float64
	started bool
	startup float64

	playing    bool // not paused
	seeking    bool // from seeking to the next playing
	stalled    bool
	stallStart float64
	lastTick   float64

	rebuffers    int
	rebufferTime float64
	watch        float64
	kbpsMillis   float64 // Σ bitrate × watch ms
	starved      bool    // a stall began since the last media request
	failed       bool
	errors       int
	lastError    string
	seq          int
}

// New starts tracking a session whose playback was asked for at asked.
func New(asked float64) *Tracker { return &Tracker{asked: asked, lastTick: asked} }

// Started reports whether the first frame was shown.
func (t *Tracker) Started() bool { return t.started }

// Stalled reports whether playback is waiting for data after its start.
func (t *Tracker) Stalled() bool { return t.stalled }

// Playing records the video element's "playing": the first frame (video
// startup) or the end of a stall.
func (t *Tracker) Playing(now float64, bitrateKbps int) {
	t.Tick(now, bitrateKbps)
	if !t.started {
		t.started, t.startup = true, now-t.asked
	}
	if t.stalled {
		t.stalled = false
		t.rebufferTime += now - t.stallStart
	}
	t.playing, t.seeking = true, false
}

// Paused records a pause by the viewer.
func (t *Tracker) Paused(now float64, bitrateKbps int) {
	t.Tick(now, bitrateKbps)
	t.playing = false
}

// Waiting records the video element's "waiting": after the first frame
// and not during a seek, a rebuffer begins.
func (t *Tracker) Waiting(now float64, seeking bool, bitrateKbps int) {
	t.Tick(now, bitrateKbps)
	if !t.started || seeking || t.seeking || t.stalled {
		return
	}
	t.stalled, t.stallStart, t.starved = true, now, true
	t.rebuffers++
}

// Seeking records a seek: until the next Playing, time is neither watch
// time nor rebuffering (a stall in progress becomes seek time).
func (t *Tracker) Seeking(now float64, bitrateKbps int) {
	t.Tick(now, bitrateKbps)
	t.seeking = true
	if t.stalled {
		t.stalled = false
		t.rebuffers--
	}
}

// Tick adds the time since the last call to watch time (and bitrate ×
// time) if video was playing, not stalled.
func (t *Tracker) Tick(now float64, bitrateKbps int) {
	d := now - t.lastTick
	t.lastTick = now
	if d <= 0 || !t.started || !t.playing || t.stalled || t.seeking {
		return
	}
	t.watch += d
	t.kbpsMillis += float64(bitrateKbps) * float64(int64(d))
}

// Error records a playback error; fatal before the first frame makes the
// session a video start failure.
func (t *Tracker) Error(msg string, fatal bool) {
	t.errors++
	if len(msg) > maxLastError {
		msg = msg[:maxLastError]
	}
	t.lastError = printable(msg)
	if fatal && !t.started {
		t.failed = true
	}
}

// TakeStarved reports whether the buffer ran dry since the last call (the
// CMCD bs flag of the next media request).
func (t *Tracker) TakeStarved() bool {
	s := t.starved
	t.starved = false
	return s
}

// Report returns the next cumulative report at now. final marks the end
// of the session: without a first frame or a failure it is an exit before
// video start.
func (t *Tracker) Report(now float64, final bool, bitrateKbps, switches, dropped int, fnVersion string) Report {
	t.Tick(now, bitrateKbps)
	t.seq++
	r := Report{Seq: t.seq, Final: final, FnVersion: fnVersion, Switches: switches, DroppedFrames: max(dropped, 0),
		Errors: t.errors, LastError: t.lastError}
	if t.started {
		ms := int(min(int64(t.startup), 10*60*1000))
		r.StartupMS = &ms
		r.WatchMS = int64(t.watch)
		stall := t.rebufferTime
		if t.stalled {
			stall += now - t.stallStart
		}
		r.RebufferCount, r.RebufferMS = t.rebuffers, int64(stall)
		if r.RebufferMS == 0 {
			r.RebufferCount = 0
		} else if r.RebufferCount == 0 {
			r.RebufferMS = 0
		}
		if r.WatchMS > 0 {
			r.AvgBitrateKbps = int(t.kbpsMillis / float64(r.WatchMS))
		}
	} else {
		r.StartFailed = t.failed
		r.ExitBeforeStart = final && !t.failed
		if r.StartFailed && r.Errors == 0 {
			r.Errors = 1
		}
	}
	return r
}

// printable drops control characters and invalid UTF-8.
func printable(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 0x20 && r != 0x7f && r != 0xfffd {
			out = append(out, r)
		}
	}
	return string(out)
}
