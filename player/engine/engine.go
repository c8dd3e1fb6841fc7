// Package engine holds the player's scheduling decisions as plain Go: which
// SourceBuffer is fed next and with which segment, when to wait, what to
// evict, where a seek or an audio switch moves the fetch position, when to
// jump a small gap, and how much is buffered ahead. It knows nothing of the
// browser: player/app reads buffered ranges and the playhead from the media
// element, asks this package what to do, and carries the answer out.
package engine

import (
	"math"

	"github.com/edgeflix/edgeflix/player/hls"
)

// Tuning, in seconds (the package does not import time: its import alone
// weighs ~50 KB gzip in the browser module, docs/BENCHMARKS.md).
const (
	// ForwardBuffer is how far ahead of the playhead fetching stops.
	ForwardBuffer = 30.0
	// BackBuffer is how much is kept behind the playhead.
	BackBuffer = 20.0
	// FarAhead is where data ahead is dropped (left over after seeks).
	FarAhead = 90.0
	// GapJumpMax is the largest hole a stalled playhead is moved over.
	GapJumpMax = 1.0
	// QuotaKeep is how many seconds behind the playhead survive when the
	// browser refuses an append for lack of space.
	QuotaKeep = 5.0
	// UpgradeKeep is how many seconds of the old rendition stay ahead of
	// the playhead when a switch up replaces what is buffered: enough to
	// play on while the first new segment downloads, which abr.Controller
	// only switches up to when the buffer outlasts it.
	UpgradeKeep = 3.0
	// UpgradeMin is the least span, in seconds, worth refetching: a
	// little under two 2 s segments, whose buffered end falls a few
	// milliseconds short of the segment boundary.
	UpgradeMin = 3.0

	// endSlack is how close to the end a fetch position counts as the end.
	endSlack = 0.05
	// segmentNudge moves a lookup just past a segment boundary, so a
	// position equal to a segment's start finds that segment.
	segmentNudge = 0.001
	// rangeSlack lets a position just before a buffered range count as in it.
	rangeSlack = 0.1
	// minRemove is the shortest span worth a SourceBuffer.remove.
	minRemove = 0.5
	// evictSlack is how far past a limit data must reach before it is evicted.
	evictSlack = 1.0
	// gapLanding puts the playhead just inside the range after a gap.
	gapLanding = 0.01
)

// Range is one buffered time range, in seconds.
type Range struct{ Start, End float64 }

// Track is the fetch state of one SourceBuffer, video (or muxed) or audio.
type Track struct {
	// Next is the start time of the next segment to append.
	Next float64
	// InitFor names the playlist whose initialization section was appended
	// last; "" means the next append needs one first.
	InitFor string
	// Ended is set once Next reached the end of the playlist.
	Ended bool
	// Gen counts seeks and switches: a fetch started under an older
	// generation is dropped.
	Gen int
}

// NewTrack returns a track that starts fetching at start seconds.
func NewTrack(start float64) *Track { return &Track{Next: start} }

// Action is what the loop does next.
type Action int

const (
	// Fetch means: append the next segment of the chosen track.
	Fetch Action = iota
	// Full means: enough is buffered ahead; wait.
	Full
	// EndOfStream means: every track reached its end.
	EndOfStream
)

// Plan picks the track to feed: the audio track when it is behind the
// video (or the video has ended), else the video. audio is nil for muxed
// media. It returns EndOfStream when every track ended and Full when the
// chosen track already holds ForwardBuffer ahead of now.
func Plan(video, audio *Track, now float64) (*Track, Action) {
	if video.Ended && (audio == nil || audio.Ended) {
		return nil, EndOfStream
	}
	t := video
	if audio != nil && !audio.Ended && (audio.Next < video.Next || video.Ended) {
		t = audio
	}
	if t.Next-now >= ForwardBuffer {
		return t, Full
	}
	return t, Fetch
}

// Segment returns the index of the segment of p that t appends next, or
// false — marking t ended — when t is at the end of p or of end seconds
// (the presentation's duration).
func (t *Track) Segment(p *hls.Media, end float64) (int, bool) {
	i := p.SegmentAt(t.Next + segmentNudge)
	if i < 0 || i >= len(p.Segments) || t.Next >= end-endSlack {
		t.Ended = true
		return 0, false
	}
	return i, true
}

// Appended records that seg was appended: the next fetch starts at its end.
func (t *Track) Appended(seg hls.Segment) {
	t.Next = seg.Start + seg.Duration
	t.Ended = false
}

// NeedsInit reports whether the initialization section of playlist key
// must be appended before the next media segment.
func (t *Track) NeedsInit(key string) bool { return t.InitFor != key }

// Seek moves t's fetch position to time to: to the end of the buffered
// range that holds to (nothing to refetch), else to the start of the
// segment of p that holds it (p may be nil if not fetched yet), with the
// init section appended again. A changed position bumps Gen.
func (t *Track) Seek(to float64, buffered []Range, p *hls.Media) {
	before := t.Next
	t.Ended = false
	defer func() {
		if t.Next != before {
			t.Gen++
		}
	}()
	for _, r := range buffered {
		if r.Start <= to+rangeSlack && to < r.End {
			t.Next = r.End
			return
		}
	}
	t.Next = segmentStart(p, to)
	t.InitFor = ""
}

// Switch restarts t at the segment of p that holds now, for a new
// rendition replacing the old one from the playhead on. It returns the
// span to remove from the SourceBuffer first: from just after now to the
// end of what is buffered or of the presentation (duration).
func (t *Track) Switch(now, duration float64, buffered []Range, p *hls.Media) Range {
	end := math.Max(now+1, duration+1)
	if len(buffered) > 0 {
		end = math.Max(end, buffered[len(buffered)-1].End)
	}
	t.Next = segmentStart(p, now)
	t.InitFor = ""
	t.Ended = false
	t.Gen++
	return Range{Start: now + endSlack, End: end}
}

// Upgrade readies t to replace, after a switch up to the rendition of
// playlist p, what is buffered beyond UpgradeKeep seconds ahead of now:
// with a 30 s forward buffer, a recovered link would otherwise show the
// low rendition for half a minute. It returns the span to remove first,
// from the first segment boundary of p at or after now+UpgradeKeep to the
// end of what is buffered, and moves t's fetch position there; ok is
// false, and t unchanged, when less than UpgradeMin would be replaced or
// the playhead is not in a buffered range.
func (t *Track) Upgrade(now float64, buffered []Range, p *hls.Media) (Range, bool) {
	if p == nil || len(buffered) == 0 {
		return Range{}, false
	}
	holding := -1
	for i, r := range buffered {
		if r.Start <= now+rangeSlack && now < r.End {
			holding = i
		}
	}
	if holding < 0 {
		return Range{}, false
	}
	from := now + UpgradeKeep
	i := p.SegmentAt(from)
	if i < 0 || i >= len(p.Segments) {
		return Range{}, false
	}
	if p.Segments[i].Start < from-segmentNudge {
		i++
	}
	if i >= len(p.Segments) {
		return Range{}, false
	}
	cut := p.Segments[i].Start
	if buffered[holding].End-cut < UpgradeMin {
		return Range{}, false
	}
	t.Next = cut
	t.Ended = false
	return Range{Start: cut, End: buffered[len(buffered)-1].End}, true
}

// segmentStart is the start of p's segment that holds at, or at itself.
func segmentStart(p *hls.Media, at float64) float64 {
	if p != nil {
		if i := p.SegmentAt(at); i >= 0 && i < len(p.Segments) {
			return p.Segments[i].Start
		}
	}
	return at
}

// Evict returns the spans to remove to bound memory: what lies more than
// BackBuffer behind now and more than FarAhead ahead. Dropping data ahead
// pulls t's fetch position back to the cut.
func (t *Track) Evict(buffered []Range, now float64) []Range {
	if len(buffered) == 0 {
		return nil
	}
	var out []Range
	if behind := now - BackBuffer; buffered[0].Start < behind-evictSlack {
		out = appendSpan(out, Range{buffered[0].Start, behind})
	}
	last := buffered[len(buffered)-1]
	if limit := now + FarAhead; last.End > limit+evictSlack {
		out = appendSpan(out, Range{limit, last.End})
		if t.Next > limit {
			t.Next = limit
		}
	}
	return out
}

// QuotaEvict is the span to remove when the browser refused an append for
// lack of space: everything up to QuotaKeep seconds behind now. ok is false
// when that span is too short to be worth a remove.
func QuotaEvict(now float64) (Range, bool) {
	r := Range{0, math.Max(0, now-QuotaKeep)}
	return r, r.End-r.Start >= minRemove
}

// appendSpan adds r to out unless it is too short to be worth a remove.
func appendSpan(out []Range, r Range) []Range {
	if r.End-r.Start < minRemove {
		return out
	}
	return append(out, r)
}

// GapJump returns where to move a stalled playhead at now: just inside the
// first buffered range that starts less than GapJumpMax ahead (such as
// after audio priming at time 0). stalled is false while the element has
// data to play or is seeking.
func GapJump(buffered []Range, now float64, stalled bool) (float64, bool) {
	if !stalled {
		return 0, false
	}
	for _, r := range buffered {
		if r.Start > now && r.Start-now < GapJumpMax {
			return r.Start + gapLanding, true
		}
	}
	return 0, false
}

// Ahead is how many seconds are buffered contiguously after now in every track:
// the least, over the tracks' buffered ranges, of the range that holds now.
func Ahead(now float64, tracks ...[]Range) float64 {
	if len(tracks) == 0 {
		return 0
	}
	least := math.Inf(1)
	for _, ranges := range tracks {
		ahead := 0.0
		for _, r := range ranges {
			if r.Start <= now+rangeSlack && now < r.End {
				ahead = r.End - now
			}
		}
		least = math.Min(least, ahead)
	}
	return least
}
