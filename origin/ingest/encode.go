package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runFFmpeg runs ffmpeg, turning its -progress output into a few progress
// lines, and returns ffmpeg's last error lines on failure.
func runFFmpeg(ctx context.Context, args []string, durationS float64, progress io.Writer, prefix string) error {
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("ingest: ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ingest: ffmpeg: %w", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		reportProgress(stdout, durationS, progress, prefix)
	}()
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ingest: ffmpeg: %w", ctx.Err())
		}
		return fmt.Errorf("ingest: ffmpeg: %w: %s", err, lastLines(stderr.String(), 3))
	}
	return nil
}

// reportProgress reads ffmpeg's key=value progress stream and writes a
// line each time another quarter of the duration is done.
func reportProgress(r io.Reader, durationS float64, w io.Writer, prefix string) {
	sc := bufio.NewScanner(r)
	next := 25
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "out_time_us=")
		if !ok || durationS <= 0 {
			continue
		}
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		pct := int(float64(us) / 1e6 / durationS * 100)
		if pct >= next && next < 100 {
			logf(w, "%sencoded %d%%\n", prefix, next)
			for next <= pct {
				next += 25
			}
		}
	}
	io.Copy(io.Discard, r)
}

// measuredRendition is an EncodedRendition plus its duration and segment
// durations.
type measuredRendition struct {
	EncodedRendition
	durationMS int64
	durations  []float64
}

var segmentNameRE = regexp.MustCompile(`^seg_[0-9]{5}\.m4s$`)

// measureSegments checks a media playlist ffmpeg wrote and measures its
// segments' sizes.
func measureSegments(dir, name string) (*MediaPlaylist, Bandwidth, []SegmentSize, error) {
	pb, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	if err != nil {
		return nil, Bandwidth{}, nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	pl, err := ParseMediaPlaylist(pb)
	if err != nil {
		return nil, Bandwidth{}, nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	if !pl.VOD || !pl.Ended || pl.MapURI != "init.mp4" || len(pl.Segments) == 0 {
		return nil, Bandwidth{}, nil, fmt.Errorf("%w: rendition %s is not a complete fMP4 VOD playlist", ErrBadPlaylist, name)
	}
	sizes := make([]SegmentSize, 0, len(pl.Segments))
	for _, s := range pl.Segments {
		if !segmentNameRE.MatchString(s.URI) {
			return nil, Bandwidth{}, nil, fmt.Errorf("%w: rendition %s segment %q", ErrBadPlaylist, name, s.URI)
		}
		fi, err := os.Stat(filepath.Join(dir, s.URI))
		if err != nil {
			return nil, Bandwidth{}, nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
		}
		sizes = append(sizes, SegmentSize{Bytes: fi.Size(), Duration: s.Duration})
	}
	bw, err := MeasureBandwidth(sizes)
	if err != nil {
		return nil, Bandwidth{}, nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	return pl, bw, sizes, nil
}

// probeInit ffprobes an init segment joined with the first media segment,
// as a player sees them (the init segment alone lacks the audio profile).
func probeInit(ctx context.Context, dir, first string) ([]byte, *ffprobeOutput, error) {
	initBytes, err := os.ReadFile(filepath.Join(dir, "init.mp4"))
	if err != nil {
		return nil, nil, err
	}
	seg, err := os.ReadFile(filepath.Join(dir, first))
	if err != nil {
		return nil, nil, err
	}
	out, err := runFFprobeStdin(ctx, io.MultiReader(bytes.NewReader(initBytes), bytes.NewReader(seg)), "-i", "pipe:0")
	if err != nil {
		return nil, nil, err
	}
	return initBytes, out, nil
}

// measureRendition checks one video rendition folder ffmpeg wrote and
// measures its size, codecs and bit rates from the files.
func measureRendition(ctx context.Context, dir, name, codec string, wantAudio bool) (*measuredRendition, error) {
	pl, bw, sizes, err := measureSegments(dir, name)
	if err != nil {
		return nil, err
	}
	m := &measuredRendition{EncodedRendition: EncodedRendition{Name: name, Codec: codec}}
	var total float64
	for i, s := range pl.Segments {
		m.Segments = append(m.Segments, s.URI)
		m.durations = append(m.durations, sizes[i].Duration)
		total += s.Duration
	}
	m.Bandwidth, m.AverageBandwidth = bw.Peak, bw.Average
	m.durationMS = int64(math.Round(total * 1000))
	initBytes, out, err := probeInit(ctx, dir, pl.Segments[0].URI)
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s init segment: %w", name, err)
	}
	video, err := CodecString(codec, initBytes)
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	wantName := map[string]string{CodecH264: "h264", CodecHEVC: "hevc", CodecAV1: "av1"}[codec]
	codecs := []string{video}
	for _, s := range out.Streams {
		switch s.CodecType {
		case "video":
			if s.CodecName != wantName {
				return nil, fmt.Errorf("ingest: rendition %s: video is %s, want %s", name, s.CodecName, wantName)
			}
			m.Width, m.Height = s.Width, s.Height
		case "audio":
			// ffmpeg's aac encoder writes AAC-LC; ffprobe leaves the
			// profile empty when the first segment is too short to tell.
			if s.CodecName != "aac" || (s.Profile != "LC" && s.Profile != "") {
				return nil, fmt.Errorf("ingest: rendition %s: unexpected audio %s %s", name, s.CodecName, s.Profile)
			}
			codecs = append(codecs, "mp4a.40.2")
		}
	}
	if m.Width <= 0 || m.Height <= 0 {
		return nil, fmt.Errorf("ingest: rendition %s: no video in init segment", name)
	}
	if wantAudio != (len(codecs) == 2) {
		return nil, fmt.Errorf("ingest: rendition %s: audio present=%v, want %v", name, len(codecs) == 2, wantAudio)
	}
	if wantAudio {
		if err := checkAudioInStep(dir, name, m.Segments, m.durations); err != nil {
			return nil, err
		}
	}
	m.VideoCodecs = video
	m.Codecs = strings.Join(codecs, ",")
	return m, nil
}

// measureAudio checks one demuxed audio rendition folder.
func measureAudio(ctx context.Context, dir, name string) (*EncodedTrack, error) {
	pl, bw, sizes, err := measureSegments(dir, name)
	if err != nil {
		return nil, err
	}
	t := &EncodedTrack{Dir: name, Codecs: "mp4a.40.2", Bandwidth: bw.Peak, AverageBandwidth: bw.Average}
	durations := make([]float64, len(sizes))
	for i, s := range pl.Segments {
		t.Segments = append(t.Segments, s.URI)
		durations[i] = sizes[i].Duration
	}
	_, out, err := probeInit(ctx, dir, pl.Segments[0].URI)
	if err != nil {
		return nil, fmt.Errorf("ingest: audio %s init segment: %w", name, err)
	}
	if len(out.Streams) != 1 || out.Streams[0].CodecName != "aac" || (out.Streams[0].Profile != "LC" && out.Streams[0].Profile != "") {
		return nil, fmt.Errorf("ingest: audio %s: want one AAC-LC stream", name)
	}
	if err := checkAudioInStep(dir, name, t.Segments, durations); err != nil {
		return nil, err
	}
	return t, nil
}

// safeTempPathRE matches paths that need no escaping inside an ffmpeg
// filter option.
var safeTempPathRE = regexp.MustCompile(`^[A-Za-z0-9/_.-]+$`)

// posterFonts are tried in order for drawtext; if none exists fontconfig
// picks a sans font.
var posterFonts = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
	"/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
}

// writePoster grabs a frame about a third into the source as a
// PosterWidth x PosterHeight JPEG, with PosterText drawn on it when
// drawtext works; if drawing fails it falls back to the plain frame.
func writePoster(ctx context.Context, cfg EncodeConfig) error {
	at := math.Min(cfg.Info.DurationS/3, 10)
	out := filepath.Join(cfg.OutDir, "poster.jpg")
	base := fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=black,format=yuvj420p",
		PosterWidth, PosterHeight, PosterWidth, PosterHeight)
	input := cfg.Source.inputArgs()
	if cfg.Source.Path == "" {
		input = []string{"-f", "lavfi", "-i", cfg.Source.LavfiVideo}
	}
	grab := func(filter string) error {
		args := append([]string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-ss", strconv.FormatFloat(at, 'f', 3, 64)}, input...)
		args = append(args, "-map", "0:v:0", "-frames:v", "1", "-vf", filter, "-q:v", "3", out)
		cmd := exec.CommandContext(ctx, "ffmpeg", args...)
		cmd.WaitDelay = 5 * time.Second
		if b, err := cmd.CombinedOutput(); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("ingest: poster: %w: %s", err, lastLines(string(b), 2))
		}
		if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
			return errors.New("ingest: poster: ffmpeg wrote no frame")
		}
		return nil
	}
	if text := strings.TrimSpace(cfg.PosterText); text != "" {
		if filter, cleanup, ok := drawtextFilter(text); ok {
			err := grab(base + "," + filter)
			cleanup()
			if err == nil || ctx.Err() != nil {
				return err
			}
		}
	}
	return grab(base)
}

// writeBackdrop grabs a frame about two thirds into the source as a
// BackdropWidth x BackdropHeight JPEG.
func writeBackdrop(ctx context.Context, cfg EncodeConfig) error {
	at := cfg.Info.DurationS * 2 / 3
	out := filepath.Join(cfg.OutDir, "backdrop.jpg")
	filter := fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d,format=yuvj420p",
		BackdropWidth, BackdropHeight, BackdropWidth, BackdropHeight)
	input := cfg.Source.inputArgs()
	if cfg.Source.Path == "" {
		input = []string{"-f", "lavfi", "-i", cfg.Source.LavfiVideo}
	}
	args := append([]string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-ss", strconv.FormatFloat(at, 'f', 3, 64)}, input...)
	args = append(args, "-map", "0:v:0", "-frames:v", "1", "-vf", filter, "-q:v", "4", out)
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	cmd.WaitDelay = 5 * time.Second
	if b, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("ingest: backdrop: %w: %s", err, lastLines(string(b), 2))
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		return errors.New("ingest: backdrop: ffmpeg wrote no frame")
	}
	return nil
}

// drawtextFilter returns a drawtext filter drawing text from a temporary
// file (so no escaping of the text is needed) and a cleanup func.
func drawtextFilter(text string) (string, func(), bool) {
	dir, err := os.MkdirTemp("", "edgeflix-poster-")
	if err != nil || !safeTempPathRE.MatchString(dir) {
		return "", func() {}, false
	}
	cleanup := func() { os.RemoveAll(dir) }
	file := filepath.Join(dir, "title.txt")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		cleanup()
		return "", func() {}, false
	}
	font := "font=Sans"
	for _, f := range posterFonts {
		if _, err := os.Stat(f); err == nil && safeTempPathRE.MatchString(f) {
			font = "fontfile=" + f
			break
		}
	}
	filter := fmt.Sprintf("drawtext=%s:textfile=%s:expansion=none:fontsize=40:fontcolor=white:"+
		"box=1:boxcolor=black@0.6:boxborderw=16:x=(w-text_w)/2:y=h-text_h-40", font, file)
	return filter, cleanup, true
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := strings.Join(lines, " | ")
	if len(out) > 500 {
		out = out[len(out)-500:]
	}
	return out
}
