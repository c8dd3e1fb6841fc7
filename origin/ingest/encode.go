package ingest

import (
	"bufio"
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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Encoding defaults.
const (
	// DefaultSegmentSeconds is the fixed segment duration.
	DefaultSegmentSeconds = 2
	// DefaultFrameRate is the output frame rate of every rendition.
	DefaultFrameRate = 30
	// DefaultPreset is the libx264 preset.
	DefaultPreset = "veryfast"
	// PosterWidth and PosterHeight are the poster's size.
	PosterWidth, PosterHeight = 640, 360
	// metadataFile holds the Encoded facts beside the media in OutDir; it
	// is not uploaded.
	metadataFile = "encoded.json"
)

// EncodeConfig says what to encode and how.
type EncodeConfig struct {
	// Source is the input. Required.
	Source Source
	// Info is the source's probe result. If zero, Encode probes the source.
	Info SourceInfo
	// OutDir receives master.m3u8, poster.jpg and one folder per
	// rendition. It is created if missing and must hold no earlier output.
	OutDir string
	// Ladder is the set of renditions to produce. If nil,
	// SelectLadder(Info.Height, DefaultLadder) is used.
	Ladder []RenditionSpec
	// SegmentSeconds is the segment duration. If zero,
	// DefaultSegmentSeconds.
	SegmentSeconds int
	// FrameRate is the output frame rate. If zero, DefaultFrameRate.
	FrameRate int
	// Preset is the libx264 preset. If empty, DefaultPreset.
	Preset string
	// PosterText is drawn on the poster when ffmpeg has drawtext. If
	// empty, the poster is a plain frame.
	PosterText string
	// Progress receives human-readable progress lines. If nil, nothing is
	// written.
	Progress io.Writer
	// ProgressPrefix starts every progress line, e.g. "ingest: ". If empty,
	// "ingest: ".
	ProgressPrefix string
}

// Encoded describes the output of Encode, measured from the files.
type Encoded struct {
	// DurationMS is the playlists' total duration in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Renditions are in ladder order.
	Renditions []EncodedRendition `json:"renditions"`
}

// EncodedRendition is one encoded rendition.
type EncodedRendition struct {
	// Name is the rendition's folder, e.g. "720p".
	Name string `json:"name"`
	// Width and Height are the coded picture size.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Bandwidth and AverageBandwidth are measured from the segments.
	Bandwidth        int64 `json:"bandwidth"`
	AverageBandwidth int64 `json:"average_bandwidth"`
	// Codecs is the RFC 6381 CODECS value, e.g. "avc1.64001f,mp4a.40.2".
	Codecs string `json:"codecs"`
	// FrameRate is the output frame rate.
	FrameRate float64 `json:"frame_rate"`
	// Segments are the media segment file names, in order.
	Segments []string `json:"segments"`
}

// Files lists every object of the asset, relative to its folder: master
// playlist, poster, and per rendition its playlist, init segment and media
// segments.
func (e *Encoded) Files() []string {
	files := []string{"master.m3u8", "poster.jpg"}
	for _, r := range e.Renditions {
		files = append(files, r.Name+"/index.m3u8", r.Name+"/init.mp4")
		for _, s := range r.Segments {
			files = append(files, r.Name+"/"+s)
		}
	}
	return files
}

// LoadEncoded reads the facts Encode recorded in dir. It fails when dir
// holds no complete encode.
func LoadEncoded(dir string) (*Encoded, error) {
	b, err := os.ReadFile(filepath.Join(dir, metadataFile))
	if err != nil {
		return nil, fmt.Errorf("ingest: load encode: %w", err)
	}
	var e Encoded
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("ingest: load encode %s: %w", dir, err)
	}
	if len(e.Renditions) == 0 {
		return nil, fmt.Errorf("ingest: load encode %s: no renditions", dir)
	}
	for _, f := range e.Files() {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return nil, fmt.Errorf("ingest: load encode: %w", err)
		}
	}
	return &e, nil
}

// Encode runs ffmpeg once over the source, producing every rendition as
// CMAF-style fMP4 HLS (H.264 + AAC muxed, fixed GOP aligned to the segment
// duration, VOD playlists), measures the result, writes the master playlist
// and a poster, and records the facts so LoadEncoded can reuse them.
func Encode(ctx context.Context, cfg EncodeConfig) (*Encoded, error) {
	if cfg.OutDir == "" {
		return nil, fmt.Errorf("%w: OutDir is required", ErrInvalidConfig)
	}
	if cfg.SegmentSeconds == 0 {
		cfg.SegmentSeconds = DefaultSegmentSeconds
	}
	if cfg.FrameRate == 0 {
		cfg.FrameRate = DefaultFrameRate
	}
	if cfg.Preset == "" {
		cfg.Preset = DefaultPreset
	}
	if cfg.ProgressPrefix == "" {
		cfg.ProgressPrefix = "ingest: "
	}
	if cfg.SegmentSeconds < 1 || cfg.FrameRate < 1 || cfg.FrameRate > 120 {
		return nil, fmt.Errorf("%w: segment %ds at %d fps", ErrInvalidConfig, cfg.SegmentSeconds, cfg.FrameRate)
	}
	if cfg.Info.Height == 0 {
		info, err := Probe(ctx, cfg.Source)
		if err != nil {
			return nil, err
		}
		cfg.Info = info
	}
	if cfg.Ladder == nil {
		cfg.Ladder = SelectLadder(cfg.Info.Height, DefaultLadder)
	}
	if err := validateLadder(cfg.Ladder); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "master.m3u8")); err == nil {
		return nil, fmt.Errorf("%w: %s already holds an encode", ErrInvalidConfig, cfg.OutDir)
	}
	for _, r := range cfg.Ladder {
		if err := os.MkdirAll(filepath.Join(cfg.OutDir, r.Name), 0o755); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	logf(cfg.Progress, "%sencoding %s (%dx%d, %.1fs) into %d renditions\n", cfg.ProgressPrefix,
		cfg.Source, cfg.Info.Width, cfg.Info.Height, cfg.Info.DurationS, len(cfg.Ladder))
	if err := runFFmpeg(ctx, encodeArgs(cfg), cfg.Info.DurationS, cfg.Progress, cfg.ProgressPrefix); err != nil {
		return nil, err
	}
	enc := &Encoded{}
	var variants []Variant
	for _, spec := range cfg.Ladder {
		r, err := measureRendition(ctx, filepath.Join(cfg.OutDir, spec.Name), spec.Name, cfg.Info.HasAudio)
		if err != nil {
			return nil, err
		}
		r.FrameRate = float64(cfg.FrameRate)
		if len(enc.Renditions) == 0 {
			enc.DurationMS = r.durationMS
		}
		enc.Renditions = append(enc.Renditions, r.EncodedRendition)
		variants = append(variants, Variant{
			URI: spec.Name + "/index.m3u8", Bandwidth: r.Bandwidth, AverageBandwidth: r.AverageBandwidth,
			Codecs: r.Codecs, Width: r.Width, Height: r.Height, FrameRate: r.FrameRate,
		})
	}
	var master bytes.Buffer
	if err := WriteMaster(&master, variants); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, "master.m3u8"), master.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if err := writePoster(ctx, cfg); err != nil {
		return nil, err
	}
	meta, err := json.MarshalIndent(enc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, metadataFile), meta, 0o644); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return enc, nil
}

// encodeArgs builds the single ffmpeg run: one decode, a split, one scaled
// H.264 + AAC fMP4 HLS output per rendition.
func encodeArgs(cfg EncodeConfig) []string {
	seg, fps := cfg.SegmentSeconds, cfg.FrameRate
	gop := strconv.Itoa(seg * fps)
	args := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"}
	args = append(args, cfg.Source.inputArgs()...)
	var fc strings.Builder
	fmt.Fprintf(&fc, "[0:v:0]fps=%d,split=%d", fps, len(cfg.Ladder))
	for i := range cfg.Ladder {
		fmt.Fprintf(&fc, "[s%d]", i)
	}
	for i, r := range cfg.Ladder {
		fmt.Fprintf(&fc, ";[s%d]scale=-2:%d,setsar=1,format=yuv420p[v%d]", i, r.Height, i)
	}
	args = append(args, "-filter_complex", fc.String())
	audio := ""
	if cfg.Info.HasAudio {
		audio = "0:a:0"
		if cfg.Source.Path == "" {
			audio = "1:a:0"
		}
	}
	for i, r := range cfg.Ladder {
		dir := filepath.Join(cfg.OutDir, r.Name)
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if audio != "" {
			args = append(args, "-map", audio,
				"-c:a", "aac", "-b:a", strconv.Itoa(r.AudioBitrate), "-ac", "2", "-ar", "48000")
		}
		args = append(args,
			"-c:v", "libx264", "-preset", cfg.Preset, "-profile:v", "high",
			"-b:v", strconv.Itoa(r.VideoBitrate), "-maxrate", strconv.Itoa(r.VideoBitrate*11/10),
			"-bufsize", strconv.Itoa(r.VideoBitrate*2),
			"-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
			"-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%d)", seg),
			"-map_metadata", "-1",
			"-f", "hls", "-hls_time", strconv.Itoa(seg), "-hls_playlist_type", "vod",
			"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_flags", "independent_segments",
			"-hls_segment_filename", filepath.Join(dir, "seg_%05d.m4s"),
			filepath.Join(dir, "index.m3u8"))
	}
	return args
}

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

// measuredRendition is an EncodedRendition plus its duration.
type measuredRendition struct {
	EncodedRendition
	durationMS int64
}

var segmentNameRE = regexp.MustCompile(`^seg_[0-9]{5}\.m4s$`)

// measureRendition checks one rendition folder ffmpeg wrote and measures
// its size, codecs and bit rates from the files.
func measureRendition(ctx context.Context, dir, name string, wantAudio bool) (*measuredRendition, error) {
	pb, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	pl, err := ParseMediaPlaylist(pb)
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	if !pl.VOD || !pl.Ended || pl.MapURI != "init.mp4" || len(pl.Segments) == 0 {
		return nil, fmt.Errorf("%w: rendition %s is not a complete fMP4 VOD playlist", ErrBadPlaylist, name)
	}
	m := &measuredRendition{EncodedRendition: EncodedRendition{Name: name}}
	sizes := make([]SegmentSize, 0, len(pl.Segments))
	var total float64
	for _, s := range pl.Segments {
		if !segmentNameRE.MatchString(s.URI) {
			return nil, fmt.Errorf("%w: rendition %s segment %q", ErrBadPlaylist, name, s.URI)
		}
		fi, err := os.Stat(filepath.Join(dir, s.URI))
		if err != nil {
			return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
		}
		sizes = append(sizes, SegmentSize{Bytes: fi.Size(), Duration: s.Duration})
		m.Segments = append(m.Segments, s.URI)
		total += s.Duration
	}
	bw, err := MeasureBandwidth(sizes)
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	m.Bandwidth, m.AverageBandwidth = bw.Peak, bw.Average
	m.durationMS = int64(math.Round(total * 1000))
	initPath := filepath.Join(dir, "init.mp4")
	initBytes, err := os.ReadFile(initPath)
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	avc, err := AVCCodecString(initBytes)
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	// The init segment alone lacks the audio profile; probe it joined with
	// the first media segment, as a player sees them.
	first, err := os.ReadFile(filepath.Join(dir, pl.Segments[0].URI))
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s: %w", name, err)
	}
	out, err := runFFprobeStdin(ctx, io.MultiReader(bytes.NewReader(initBytes), bytes.NewReader(first)), "-i", "pipe:0")
	if err != nil {
		return nil, fmt.Errorf("ingest: rendition %s init segment: %w", name, err)
	}
	codecs := []string{avc}
	for _, s := range out.Streams {
		switch s.CodecType {
		case "video":
			m.Width, m.Height = s.Width, s.Height
		case "audio":
			if s.CodecName != "aac" || s.Profile != "LC" {
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
	m.Codecs = strings.Join(codecs, ",")
	return m, nil
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
