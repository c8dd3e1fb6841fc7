package ingest

import (
	"fmt"
	"math"
)

// SegmentSize is one media segment's measured size and playlist duration.
type SegmentSize struct {
	// Bytes is the segment file's size.
	Bytes int64
	// Duration is the segment's #EXTINF duration in seconds.
	Duration float64
}

// Bandwidth is a variant's measured bit rates in bits/s, as the master
// playlist's BANDWIDTH and AVERAGE-BANDWIDTH attributes need them.
type Bandwidth struct {
	// Peak is the largest segment bit rate (RFC 8216 §4.3.4.2 BANDWIDTH).
	Peak int64
	// Average is the total bits over the total duration
	// (AVERAGE-BANDWIDTH).
	Average int64
}

// MeasureBandwidth computes the peak segment bit rate and the average bit
// rate over segs, each rounded up to a whole bit/s so that neither
// understates the stream.
func MeasureBandwidth(segs []SegmentSize) (Bandwidth, error) {
	if len(segs) == 0 {
		return Bandwidth{}, fmt.Errorf("%w: no segments to measure", ErrBadPlaylist)
	}
	var bw Bandwidth
	var totalBits, totalDur float64
	for i, s := range segs {
		if s.Bytes < 0 || !(s.Duration > 0) || math.IsInf(s.Duration, 0) {
			return Bandwidth{}, fmt.Errorf("%w: segment %d has size %d and duration %v", ErrBadPlaylist, i, s.Bytes, s.Duration)
		}
		bits := float64(s.Bytes) * 8
		if rate := int64(math.Ceil(bits / s.Duration)); rate > bw.Peak {
			bw.Peak = rate
		}
		totalBits += bits
		totalDur += s.Duration
	}
	bw.Average = int64(math.Ceil(totalBits / totalDur))
	return bw, nil
}
