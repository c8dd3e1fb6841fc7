package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrAudioOutOfStep means a media segment carries audio samples that
// decode far outside the segment's time range: ffmpeg wrote audio late,
// into whichever segment was open, so a player appending segments in
// order finds no audio for the early ones.
var ErrAudioOutOfStep = errors.New("ingest: audio out of step with its segments")

// audioSyncSlack is how far (in seconds, beyond one audio frame) an audio
// sample may decode outside its segment before Encode rejects the
// rendition. The muxer cuts segments at the video keyframe's decode time,
// which B-frames put a few frames before its presentation time, so audio
// near a boundary can sit a few video frames early; misplaced audio is
// off by seconds.
const audioSyncSlack = 0.5

// segmentAudio is where one media segment's audio samples decode.
type segmentAudio struct {
	// Start and End are the segment's time range in seconds: the sum of
	// the playlist durations before it, and that plus its own.
	Start, End float64
	// Samples counts the audio samples. First and Last are the decode
	// times in seconds of the first sample and of the last one's start.
	Samples     int
	First, Last float64
	// Frame is the longest audio sample's duration in seconds.
	Frame float64
	// Bytes is the audio samples' total size.
	Bytes int64
}

// readSegmentAudio reads init.mp4 and the media segments of a rendition
// in dir and reports, per segment, where its audio samples decode.
// Segments without audio have Samples 0.
func readSegmentAudio(dir string, segments []string, durations []float64) ([]segmentAudio, error) {
	if len(segments) != len(durations) {
		return nil, fmt.Errorf("%w: %d segments, %d durations", ErrInvalidConfig, len(segments), len(durations))
	}
	initBytes, err := os.ReadFile(filepath.Join(dir, "init.mp4"))
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	tracks, err := parseInit(initBytes)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, filepath.Join(dir, "init.mp4"))
	}
	audio := map[uint32]float64{} // track ID → timescale
	for _, t := range tracks {
		if t.Handler == "soun" {
			audio[t.ID] = float64(t.Timescale)
		}
	}
	out := make([]segmentAudio, len(segments))
	start := 0.0
	for i, name := range segments {
		seg, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		runs, err := parseSegment(seg, tracks)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", err, filepath.Join(dir, name))
		}
		sa := segmentAudio{Start: start, End: start + durations[i]}
		for _, r := range runs {
			scale, ok := audio[r.TrackID]
			if !ok || len(r.Durations) == 0 {
				continue
			}
			t := r.BaseDecodeTime
			for j, d := range r.Durations {
				at := float64(t) / scale
				if sa.Samples == 0 || at < sa.First {
					sa.First = at
				}
				sa.Last = max(sa.Last, at)
				sa.Frame = max(sa.Frame, float64(d)/scale)
				sa.Bytes += int64(r.Sizes[j])
				sa.Samples++
				t += uint64(d)
			}
		}
		out[i] = sa
		start = sa.End
	}
	return out, nil
}

// checkAudioInStep fails with ErrAudioOutOfStep when a segment of the
// rendition in dir carries an audio sample decoding more than one audio
// frame plus audioSyncSlack outside the segment's time range.
func checkAudioInStep(dir, name string, segments []string, durations []float64) error {
	timeline, err := readSegmentAudio(dir, segments, durations)
	if err != nil {
		return fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	for i, s := range timeline {
		if s.Samples == 0 {
			continue
		}
		slack := s.Frame + audioSyncSlack
		if s.First < s.Start-slack || s.Last > s.End+slack {
			return fmt.Errorf("%w: rendition %s segment %s (%.3f–%.3f s) holds audio decoding at %.3f–%.3f s",
				ErrAudioOutOfStep, name, segments[i], s.Start, s.End, s.First, s.Last)
		}
	}
	return nil
}
