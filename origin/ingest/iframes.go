package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrKeyframes means a rendition's segments do not each start with a
// keyframe, so segments are not aligned and trick play cannot work.
var ErrKeyframes = errors.New("ingest: segments do not start with keyframes")

// IFrame is one entry of an I-frame playlist: the byte range of segment
// Segment from its start through the end of its first keyframe, which
// covers the moof box and the keyframe's sample.
type IFrame struct {
	// Segment is the media segment's URI.
	Segment string
	// Offset and Length are the byte range within the segment.
	Offset, Length int64
	// Duration is the time until the next keyframe, in seconds.
	Duration float64
}

// packetInfo is one ffprobe -show_packets entry.
type packetInfo struct {
	Pos   string `json:"pos"`
	Size  string `json:"size"`
	Flags string `json:"flags"`
}

// FindIFrames locates the first keyframe of each segment of a rendition in
// dir (init.mp4 plus segments) with ffprobe, reading them as one stream
// the way a player appends them.
func FindIFrames(ctx context.Context, dir string, segments []string, durations []float64) ([]IFrame, error) {
	if len(segments) == 0 || len(segments) != len(durations) {
		return nil, fmt.Errorf("%w: %d segments, %d durations", ErrInvalidConfig, len(segments), len(durations))
	}
	files := append([]string{"init.mp4"}, segments...)
	starts := make([]int64, len(files)+1)
	var readers []io.Reader
	for i, f := range files {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("ingest: iframes: %w", err)
		}
		defer fh.Close()
		fi, err := fh.Stat()
		if err != nil {
			return nil, fmt.Errorf("ingest: iframes: %w", err)
		}
		starts[i+1] = starts[i] + fi.Size()
		readers = append(readers, fh)
	}
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pos,size,flags", "-of", "json", "-i", "pipe:0")
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = io.MultiReader(readers...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ingest: iframes: ffprobe: %w: %s", err, firstLine(stderr.String()))
	}
	var out struct {
		Packets []packetInfo `json:"packets"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("ingest: iframes: ffprobe output: %w", err)
	}
	return iframesFromPackets(out.Packets, segments, durations, starts)
}

// iframesFromPackets maps keyframe packets (positions in the joined init +
// segments stream, whose file boundaries are starts) to per-segment byte
// ranges.
func iframesFromPackets(packets []packetInfo, segments []string, durations []float64, starts []int64) ([]IFrame, error) {
	frames := make([]IFrame, len(segments))
	found := make([]bool, len(segments))
	first := make([]bool, len(segments)) // saw any packet of the segment
	for _, p := range packets {
		pos, err1 := strconv.ParseInt(p.Pos, 10, 64)
		size, err2 := strconv.ParseInt(p.Size, 10, 64)
		if err1 != nil || err2 != nil || pos < 0 || size <= 0 {
			continue
		}
		// File index i+1 in starts is segment i.
		seg := -1
		for i := range segments {
			if pos >= starts[i+1] && pos < starts[i+2] {
				seg = i
				break
			}
		}
		if seg < 0 || found[seg] {
			continue
		}
		if !first[seg] {
			first[seg] = true
			if !strings.Contains(p.Flags, "K") {
				return nil, fmt.Errorf("%w: %s starts with a non-key frame", ErrKeyframes, segments[seg])
			}
		}
		end := pos + size
		if end > starts[seg+2] {
			return nil, fmt.Errorf("%w: keyframe of %s runs past the segment", ErrKeyframes, segments[seg])
		}
		frames[seg] = IFrame{Segment: segments[seg], Offset: 0, Length: end - starts[seg+1], Duration: durations[seg]}
		found[seg] = true
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("%w: no keyframe in %s", ErrKeyframes, segments[i])
		}
	}
	return frames, nil
}

// WriteIFramePlaylist writes an #EXT-X-I-FRAMES-ONLY playlist whose
// entries are byte ranges into the fMP4 segments.
func WriteIFramePlaylist(w io.Writer, frames []IFrame) error {
	if len(frames) == 0 {
		return fmt.Errorf("%w: no I-frames", ErrInvalidConfig)
	}
	target := 1.0
	for _, f := range frames {
		target = math.Max(target, math.Ceil(f.Duration))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n"+
		"#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n#EXT-X-MAP:URI=\"init.mp4\"\n", int(target))
	for _, f := range frames {
		if !IsRelativeMediaURI(f.Segment) || f.Length <= 0 || f.Offset < 0 || !(f.Duration > 0) {
			return fmt.Errorf("%w: I-frame %+v", ErrInvalidConfig, f)
		}
		fmt.Fprintf(&b, "#EXTINF:%.6f,\n#EXT-X-BYTERANGE:%d@%d\n%s\n", f.Duration, f.Length, f.Offset, f.Segment)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	_, err := w.Write(b.Bytes())
	return err
}

// writeIFramePlaylist finds a rendition's keyframes, writes
// iframes.m3u8 beside its index.m3u8 and returns its bit rates.
func writeIFramePlaylist(ctx context.Context, dir string, segments []string, durations []float64, _ int) (Bandwidth, error) {
	frames, err := FindIFrames(ctx, dir, segments, durations)
	if err != nil {
		return Bandwidth{}, err
	}
	var b bytes.Buffer
	if err := WriteIFramePlaylist(&b, frames); err != nil {
		return Bandwidth{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "iframes.m3u8"), b.Bytes(), 0o644); err != nil {
		return Bandwidth{}, fmt.Errorf("ingest: iframes: %w", err)
	}
	sizes := make([]SegmentSize, len(frames))
	for i, f := range frames {
		sizes[i] = SegmentSize{Bytes: f.Length, Duration: f.Duration}
	}
	return MeasureBandwidth(sizes)
}
