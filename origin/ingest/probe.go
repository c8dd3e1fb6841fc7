package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Errors a source can fail with before anything is encoded or published.
var (
	// ErrSourceNotFound means the source path does not exist.
	ErrSourceNotFound = errors.New("ingest: source not found")
	// ErrSourceNotFile means the source path is not a regular file.
	ErrSourceNotFile = errors.New("ingest: source is not a regular file")
	// ErrSourceEmpty means the source file has zero length.
	ErrSourceEmpty = errors.New("ingest: source file is empty")
	// ErrNotMedia means ffprobe could not read the source as media.
	ErrNotMedia = errors.New("ingest: source is not a media file")
	// ErrNoVideo means the source has no video stream.
	ErrNoVideo = errors.New("ingest: source has no video stream")
	// ErrNoDuration means the source has no measurable, positive duration
	// (a still image, for example).
	ErrNoDuration = errors.New("ingest: source has no duration")
	// ErrInvalidConfig means a caller passed an unusable option.
	ErrInvalidConfig = errors.New("ingest: invalid config")
)

// Source is what ingest encodes: a media file, or ffmpeg lavfi source
// graphs (for generated demo titles).
type Source struct {
	// Path is a media file. If empty, LavfiVideo is used.
	Path string
	// LavfiVideo is an ffmpeg lavfi video source graph such as
	// "testsrc2=size=1280x720:rate=30:duration=20", used when Path is
	// empty. Its one output must be unlabeled.
	LavfiVideo string
	// LavfiAudio is an optional lavfi audio source graph such as
	// "sine=frequency=440:duration=20", with one unlabeled output. If
	// empty, a lavfi source has no audio.
	LavfiAudio string
}

// inputArgs returns the ffmpeg arguments that open the source as input 0.
// Lavfi video and audio graphs open as one lavfi input with two outputs
// (out0, out1), never as two inputs: the lavfi device then hands out
// video and audio frames in timestamp order, as a file's demuxer does.
// As two inputs, ffmpeg reads whichever input the output it serves next
// needs, and the thumbnail sprite (no frame until its tile is full) keeps
// it on the video input, so the audio muxed with the video falls behind
// and is written into a later segment (see RATIONALE.md).
func (s Source) inputArgs() []string {
	if s.Path != "" {
		return []string{"-i", s.Path}
	}
	if s.LavfiAudio == "" {
		return []string{"-f", "lavfi", "-i", s.LavfiVideo}
	}
	return []string{"-f", "lavfi", "-i", s.LavfiVideo + "[out0];" + s.LavfiAudio + "[out1]"}
}

// String names the source for messages.
func (s Source) String() string {
	if s.Path != "" {
		return s.Path
	}
	return "lavfi:" + s.LavfiVideo
}

// SourceInfo is what ffprobe reports about a source.
type SourceInfo struct {
	// Width and Height are the first video stream's picture size.
	Width, Height int
	// DurationS is the duration in seconds.
	DurationS float64
	// HasAudio reports whether an audio stream is present.
	HasAudio bool
	// VideoCodec is the first video stream's codec name, e.g. "h264".
	VideoCodec string
}

// ffprobeOutput is the part of ffprobe's JSON output ingest reads.
type ffprobeOutput struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Profile      string `json:"profile"`
		Level        int    `json:"level"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		Duration     string `json:"duration"`
		AvgFrameRate string `json:"avg_frame_rate"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format struct {
		Duration   string `json:"duration"`
		FormatName string `json:"format_name"`
	} `json:"format"`
}

// runFFprobe runs ffprobe over args and decodes its JSON.
func runFFprobe(ctx context.Context, args ...string) (*ffprobeOutput, error) {
	return runFFprobeStdin(ctx, nil, args...)
}

// runFFprobeStdin runs ffprobe with stdin attached (for "-i pipe:0").
func runFFprobeStdin(ctx context.Context, stdin io.Reader, args ...string) (*ffprobeOutput, error) {
	full := append([]string{"-v", "error", "-print_format", "json", "-show_format", "-show_streams"}, args...)
	cmd := exec.CommandContext(ctx, "ffprobe", full...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("ingest: ffprobe: %w", err)
		}
		return nil, fmt.Errorf("%w: %s", ErrNotMedia, firstLine(stderr.String()))
	}
	var out ffprobeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("ingest: ffprobe output: %w", err)
	}
	return &out, nil
}

// Probe checks the source and reports its picture size, duration and
// streams. Every way a source can be unusable is a wrapped sentinel error
// (ErrSourceNotFound, ErrSourceEmpty, ErrNotMedia, ErrNoVideo, …).
func Probe(ctx context.Context, src Source) (SourceInfo, error) {
	var args []string
	switch {
	case src.Path != "":
		fi, err := os.Stat(src.Path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return SourceInfo{}, fmt.Errorf("%w: %s", ErrSourceNotFound, src.Path)
		case err != nil:
			return SourceInfo{}, fmt.Errorf("ingest: %w", err)
		case !fi.Mode().IsRegular():
			return SourceInfo{}, fmt.Errorf("%w: %s", ErrSourceNotFile, src.Path)
		case fi.Size() == 0:
			return SourceInfo{}, fmt.Errorf("%w: %s", ErrSourceEmpty, src.Path)
		}
		args = []string{src.Path}
	case src.LavfiVideo != "":
		args = []string{"-f", "lavfi", "-i", src.LavfiVideo}
	default:
		return SourceInfo{}, fmt.Errorf("%w: source has neither a path nor a lavfi graph", ErrInvalidConfig)
	}
	out, err := runFFprobe(ctx, args...)
	if err != nil {
		return SourceInfo{}, fmt.Errorf("%w (%s)", err, src)
	}
	var info SourceInfo
	videoFound := false
	videoDur := 0.0
	unknownCodec := false
	for _, s := range out.Streams {
		switch s.CodecType {
		case "video":
			if videoFound || s.Disposition.AttachedPic != 0 {
				continue
			}
			if s.CodecName == "" || s.CodecName == "none" {
				unknownCodec = true
				continue
			}
			if s.Width <= 0 || s.Height <= 0 {
				continue
			}
			videoFound = true
			info.Width, info.Height, info.VideoCodec = s.Width, s.Height, s.CodecName
			videoDur = parseSeconds(s.Duration)
		case "audio":
			info.HasAudio = true
		}
	}
	if src.LavfiAudio != "" {
		info.HasAudio = true
	}
	if !videoFound && unknownCodec {
		return SourceInfo{}, fmt.Errorf("%w: %s: no decoder for its video stream", ErrUnsupportedCodec, src)
	}
	if !videoFound {
		return SourceInfo{}, fmt.Errorf("%w: %s", ErrNoVideo, src)
	}
	info.DurationS = parseSeconds(out.Format.Duration)
	if info.DurationS <= 0 {
		info.DurationS = videoDur
	}
	if info.DurationS <= 0 && src.Path == "" {
		info.DurationS = lavfiDuration(src.LavfiVideo)
	}
	if info.DurationS <= 0 {
		return SourceInfo{}, fmt.Errorf("%w: %s", ErrNoDuration, src)
	}
	// A single picture (jpg, png) probes as a one-frame "video" whose
	// container reports a tiny duration; treat it as no video.
	if strings.Contains(out.Format.FormatName, "image2") || strings.HasSuffix(out.Format.FormatName, "_pipe") {
		return SourceInfo{}, fmt.Errorf("%w: %s is a still image", ErrNoVideo, src)
	}
	if src.Path != "" {
		// ffprobe names codecs it cannot decode; decode one frame to be sure.
		cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-xerror",
			"-i", src.Path, "-map", "0:v:0", "-frames:v", "1", "-f", "null", "-")
		if out, err := cmd.CombinedOutput(); err != nil {
			if ctx.Err() != nil {
				return SourceInfo{}, ctx.Err()
			}
			return SourceInfo{}, fmt.Errorf("%w: %s (%s): %s", ErrUnsupportedCodec, src, info.VideoCodec, firstLine(string(out)))
		}
	}
	return info, nil
}

// lavfiDuration reads a "duration=N" or "d=N" option from a lavfi graph.
func lavfiDuration(graph string) float64 {
	for _, chunk := range strings.FieldsFunc(graph, func(r rune) bool { return r == ':' || r == ',' }) {
		i := strings.LastIndexByte(chunk, '=')
		if i < 0 {
			continue
		}
		k, v := chunk[:i], chunk[i+1:]
		if j := strings.LastIndexByte(k, '='); j >= 0 {
			k = k[j+1:]
		}
		if k == "duration" || k == "d" {
			return parseSeconds(v)
		}
	}
	return 0
}

func parseSeconds(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		return 0
	}
	return f
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	if s == "" {
		return "ffprobe failed"
	}
	return s
}
