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
	"path/filepath"
	"strconv"
	"strings"
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
	// BackdropWidth and BackdropHeight are the backdrop's size.
	BackdropWidth, BackdropHeight = 1280, 720
	// ThumbWidth is the width of one scrubbing thumbnail in the sprite.
	ThumbWidth = 160
	// maxThumbs bounds the sprite grid; long sources get a longer interval.
	maxThumbs = 300
	// spriteColumns is the sprite grid's width in thumbnails.
	spriteColumns = 10
	// metadataFile holds the Encoded facts beside the media in OutDir; it
	// is not uploaded.
	metadataFile = "encoded.json"
)

// Video codec families ingest can encode.
const (
	// CodecH264 is H.264/AVC (libx264); every title has it.
	CodecH264 = "h264"
	// CodecHEVC is H.265/HEVC (libx265, tagged hvc1).
	CodecHEVC = "hevc"
	// CodecAV1 is AV1 (libsvtav1).
	CodecAV1 = "av1"
)

// ErrUnsupportedCodec means a codec is not one ingest can decode or
// encode.
var ErrUnsupportedCodec = errors.New("ingest: unsupported codec")

// ParseCodecs turns a comma-separated list such as "h264,hevc,av1" into
// codec families, H.264 first (it is always encoded), without duplicates.
func ParseCodecs(list string) ([]string, error) {
	out := []string{CodecH264}
	for _, c := range strings.Split(list, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		switch c {
		case "", CodecH264, "avc", "avc1":
			continue
		case CodecHEVC, "h265", "hvc1":
			c = CodecHEVC
		case CodecAV1, "av01":
			c = CodecAV1
		default:
			return nil, fmt.Errorf("%w: %q (want h264, hevc or av1)", ErrUnsupportedCodec, c)
		}
		dup := false
		for _, have := range out {
			dup = dup || have == c
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out, nil
}

// AudioInput is an alternate audio track: a file, or (for generated demo
// titles) a lavfi audio graph.
type AudioInput struct {
	// Lang is the BCP 47 language tag, e.g. "es". Required.
	Lang string
	// Name is the display name. If empty, LanguageName(Lang).
	Name string
	// Path is a media file with an audio stream.
	Path string
	// Lavfi is a lavfi audio graph, used when Path is empty.
	Lavfi string
}

// SubtitleInput is a WebVTT subtitle track.
type SubtitleInput struct {
	// Lang is the BCP 47 language tag, e.g. "en". Required.
	Lang string
	// Name is the display name. If empty, LanguageName(Lang).
	Name string
	// Path is the .vtt file. Required.
	Path string
}

// EncodeConfig says what to encode and how.
type EncodeConfig struct {
	// Source is the input. Required.
	Source Source
	// Info is the source's probe result. If zero, Encode probes the source.
	Info SourceInfo
	// OutDir receives the asset's files (see Encoded.Files). It is created
	// if missing and must hold no earlier output.
	OutDir string
	// Ladder is the set of renditions to produce. If nil,
	// SelectLadder(Info.Height, DefaultLadder) is used.
	Ladder []RenditionSpec
	// Codecs are the video codec families; H.264 is always encoded. If
	// HEVC or AV1 is listed, every rung of the ladder also gets a rendition
	// in that codec, named "<rung>-hevc" / "<rung>-av1".
	Codecs []string
	// AltCodecRungs limits HEVC/AV1 renditions to the top N rungs. If
	// zero, every rung.
	AltCodecRungs int
	// SourceAudioLang is the language of the source's own audio. If empty,
	// "en".
	SourceAudioLang string
	// Audio are alternate audio tracks. When present, video renditions are
	// video-only and every audio track (the source's first) is a demuxed
	// audio rendition in the "aac" group.
	Audio []AudioInput
	// Subtitles are WebVTT subtitle tracks (the "subs" group).
	Subtitles []SubtitleInput
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
	// Renditions are the video renditions, H.264 ladder first.
	Renditions []EncodedRendition `json:"renditions"`
	// Audio are demuxed audio renditions (empty when audio is muxed into
	// the video renditions).
	Audio []EncodedTrack `json:"audio,omitempty"`
	// Subtitles are WebVTT subtitle renditions.
	Subtitles []EncodedTrack `json:"subtitles,omitempty"`
	// ThumbIntervalS is the time between scrubbing thumbnails.
	ThumbIntervalS float64 `json:"thumb_interval_s"`
}

// EncodedRendition is one encoded video rendition.
type EncodedRendition struct {
	// Name is the rendition's folder, e.g. "720p" or "720p-av1".
	Name string `json:"name"`
	// Codec is the codec family: CodecH264, CodecHEVC or CodecAV1.
	Codec string `json:"codec"`
	// Width and Height are the coded picture size.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Bandwidth and AverageBandwidth are measured from the segments (for
	// demuxed titles, plus the largest audio rendition's).
	Bandwidth        int64 `json:"bandwidth"`
	AverageBandwidth int64 `json:"average_bandwidth"`
	// Codecs is the RFC 6381 CODECS value, e.g. "avc1.64001f,mp4a.40.2".
	Codecs string `json:"codecs"`
	// VideoCodecs is the video part of Codecs alone.
	VideoCodecs string `json:"video_codecs"`
	// FrameRate is the output frame rate.
	FrameRate float64 `json:"frame_rate"`
	// VideoRange is VIDEO-RANGE: "SDR".
	VideoRange string `json:"video_range"`
	// Segments are the media segment file names, in order.
	Segments []string `json:"segments"`
	// IFrameBandwidth and IFrameAverageBandwidth are the I-frame
	// playlist's measured bit rates.
	IFrameBandwidth        int64 `json:"iframe_bandwidth"`
	IFrameAverageBandwidth int64 `json:"iframe_average_bandwidth"`
}

// EncodedTrack is one demuxed audio or subtitle rendition.
type EncodedTrack struct {
	// Lang is the language tag and Name the display name.
	Lang string `json:"lang"`
	Name string `json:"name"`
	// Dir is the track's folder, e.g. "audio/es" or "subs/en".
	Dir string `json:"dir"`
	// Codecs is "mp4a.40.2" for audio, "wvtt" for subtitles.
	Codecs string `json:"codecs"`
	// Default marks the group's default rendition.
	Default bool `json:"default"`
	// Bandwidth and AverageBandwidth are measured (audio only).
	Bandwidth        int64 `json:"bandwidth,omitempty"`
	AverageBandwidth int64 `json:"average_bandwidth,omitempty"`
	// Segments are the media segment (or subtitle) file names.
	Segments []string `json:"segments"`
}

// Demuxed reports whether audio is in separate renditions.
func (e *Encoded) Demuxed() bool { return len(e.Audio) > 0 }

// Files lists every object of the asset, relative to its folder. The
// master playlist comes first.
func (e *Encoded) Files() []string {
	files := []string{"master.m3u8", "poster.jpg", "backdrop.jpg", "sprite.jpg", "thumbnails.vtt"}
	for _, r := range e.Renditions {
		files = append(files, r.Name+"/index.m3u8", r.Name+"/iframes.m3u8", r.Name+"/init.mp4")
		for _, s := range r.Segments {
			files = append(files, r.Name+"/"+s)
		}
	}
	for _, a := range e.Audio {
		files = append(files, a.Dir+"/index.m3u8", a.Dir+"/init.mp4")
		for _, s := range a.Segments {
			files = append(files, a.Dir+"/"+s)
		}
	}
	for _, s := range e.Subtitles {
		files = append(files, s.Dir+"/index.m3u8")
		for _, f := range s.Segments {
			files = append(files, s.Dir+"/"+f)
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
		if !IsRelativeMediaURI(f) {
			return nil, fmt.Errorf("ingest: load encode %s: bad file %q", dir, f)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return nil, fmt.Errorf("ingest: load encode: %w", err)
		}
	}
	return &e, nil
}

// videoJob is one video rendition to encode.
type videoJob struct {
	spec  RenditionSpec
	codec string
	name  string
}

// audioJob is one demuxed audio rendition to encode.
type audioJob struct {
	lang, name string
	input      int    // ffmpeg input index
	dir        string // "audio/<lang>"
}

// plan is the whole set of outputs of one Encode.
type plan struct {
	cfg       EncodeConfig
	videos    []videoJob
	audios    []audioJob
	inputs    [][]string
	srcAudio  string // ffmpeg stream spec of the source audio (input 0), "" if none
	thumbs    int
	thumbEach float64
	thumbW    int
	thumbH    int
}

// Encode runs ffmpeg once over the source, producing every video rendition
// (fixed GOP aligned to the segment duration) as CMAF-style fMP4 HLS, the
// demuxed audio renditions when there is alternate audio, and a thumbnail
// sprite; then measures the result, writes the I-frame playlists, subtitle
// playlists, the master playlist, poster and backdrop, and records the
// facts so LoadEncoded can reuse them.
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
	if cfg.SourceAudioLang == "" {
		cfg.SourceAudioLang = "en"
	}
	if cfg.SegmentSeconds < 1 || cfg.FrameRate < 1 || cfg.FrameRate > 120 {
		return nil, fmt.Errorf("%w: segment %ds at %d fps", ErrInvalidConfig, cfg.SegmentSeconds, cfg.FrameRate)
	}
	codecs, err := ParseCodecs(strings.Join(cfg.Codecs, ","))
	if err != nil {
		return nil, err
	}
	cfg.Codecs = codecs
	subs, err := CheckSubtitles(cfg.Subtitles)
	if err != nil {
		return nil, err
	}
	if err := CheckAudio(ctx, cfg.Audio, cfg.SourceAudioLang); err != nil {
		return nil, err
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
	p := newPlan(cfg)
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "master.m3u8")); err == nil {
		return nil, fmt.Errorf("%w: %s already holds an encode", ErrInvalidConfig, cfg.OutDir)
	}
	for _, v := range p.videos {
		if err := os.MkdirAll(filepath.Join(cfg.OutDir, v.name), 0o755); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	for _, a := range p.audios {
		if err := os.MkdirAll(filepath.Join(cfg.OutDir, filepath.FromSlash(a.dir)), 0o755); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	logf(cfg.Progress, "%sencoding %s (%dx%d, %.1fs) into %d video and %d audio renditions (%s)\n", cfg.ProgressPrefix,
		cfg.Source, cfg.Info.Width, cfg.Info.Height, cfg.Info.DurationS, len(p.videos), len(p.audios), strings.Join(cfg.Codecs, ","))
	if err := runFFmpeg(ctx, p.args(), cfg.Info.DurationS, cfg.Progress, cfg.ProgressPrefix); err != nil {
		return nil, err
	}
	enc := &Encoded{ThumbIntervalS: p.thumbEach}
	var audioPeak, audioAvg int64
	for i, a := range p.audios {
		t, err := measureAudio(ctx, filepath.Join(cfg.OutDir, filepath.FromSlash(a.dir)), a.dir)
		if err != nil {
			return nil, err
		}
		t.Lang, t.Name, t.Default = a.lang, a.name, i == 0
		audioPeak, audioAvg = max(audioPeak, t.Bandwidth), max(audioAvg, t.AverageBandwidth)
		enc.Audio = append(enc.Audio, *t)
	}
	for _, v := range p.videos {
		dir := filepath.Join(cfg.OutDir, v.name)
		r, err := measureRendition(ctx, dir, v.name, v.codec, cfg.Info.HasAudio && len(p.audios) == 0)
		if err != nil {
			return nil, err
		}
		r.FrameRate = float64(cfg.FrameRate)
		r.VideoRange = "SDR"
		if len(p.audios) > 0 {
			r.Bandwidth += audioPeak
			r.AverageBandwidth += audioAvg
			r.Codecs += ",mp4a.40.2"
		}
		if enc.DurationMS == 0 {
			enc.DurationMS = r.durationMS
		}
		ib, err := writeIFramePlaylist(ctx, dir, r.Segments, r.durations, cfg.SegmentSeconds)
		if err != nil {
			return nil, fmt.Errorf("ingest: rendition %s: %w", v.name, err)
		}
		r.IFrameBandwidth, r.IFrameAverageBandwidth = ib.Peak, ib.Average
		enc.Renditions = append(enc.Renditions, r.EncodedRendition)
	}
	for _, s := range subs {
		t, err := writeSubtitleTrack(cfg.OutDir, s, enc.DurationMS)
		if err != nil {
			return nil, err
		}
		enc.Subtitles = append(enc.Subtitles, t)
	}
	var master bytes.Buffer
	if err := BuildMaster(enc).Write(&master); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, "master.m3u8"), master.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	if err := writeThumbnailsVTT(filepath.Join(cfg.OutDir, "thumbnails.vtt"), p, float64(enc.DurationMS)/1000); err != nil {
		return nil, err
	}
	if err := writePoster(ctx, cfg); err != nil {
		return nil, err
	}
	if err := writeBackdrop(ctx, cfg); err != nil {
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

// newPlan lays out the inputs and outputs of the ffmpeg run.
func newPlan(cfg EncodeConfig) *plan {
	p := &plan{cfg: cfg}
	p.inputs = append(p.inputs, cfg.Source.inputArgs())
	if cfg.Info.HasAudio {
		p.srcAudio = "0:a:0"
	}
	for _, codec := range cfg.Codecs {
		for i, r := range cfg.Ladder {
			if codec != CodecH264 && cfg.AltCodecRungs > 0 && i >= cfg.AltCodecRungs {
				break
			}
			name := r.Name
			if codec != CodecH264 {
				name += "-" + codec
			}
			p.videos = append(p.videos, videoJob{spec: r, codec: codec, name: name})
		}
	}
	if len(cfg.Audio) > 0 {
		if p.srcAudio != "" {
			p.audios = append(p.audios, audioJob{lang: cfg.SourceAudioLang, name: LanguageName(cfg.SourceAudioLang),
				input: 0, dir: "audio/" + cfg.SourceAudioLang})
		}
		for _, a := range cfg.Audio {
			name := a.Name
			if name == "" {
				name = LanguageName(a.Lang)
			}
			p.audios = append(p.audios, audioJob{lang: a.Lang, name: name, input: len(p.inputs), dir: "audio/" + a.Lang})
			if a.Path != "" {
				p.inputs = append(p.inputs, []string{"-i", a.Path})
			} else {
				p.inputs = append(p.inputs, []string{"-f", "lavfi", "-i", a.Lavfi})
			}
		}
	}
	// Thumbnails: one per segment, or fewer for long sources.
	p.thumbEach = float64(cfg.SegmentSeconds)
	if n := cfg.Info.DurationS / p.thumbEach; n > maxThumbs {
		p.thumbEach = math.Ceil(cfg.Info.DurationS / maxThumbs)
	}
	p.thumbs = max(1, int(math.Ceil(cfg.Info.DurationS/p.thumbEach-1e-6)))
	p.thumbs = min(p.thumbs, maxThumbs)
	p.thumbW = ThumbWidth
	p.thumbH = max(2, int(math.Round(float64(ThumbWidth)*float64(cfg.Info.Height)/float64(max(1, cfg.Info.Width))/2))*2)
	return p
}

// spriteGrid returns the sprite's columns and rows.
func (p *plan) spriteGrid() (int, int) {
	cols := min(p.thumbs, spriteColumns)
	return cols, (p.thumbs + cols - 1) / cols
}

// args builds the single ffmpeg run: one decode, a split, one scaled
// encode per video rendition, the audio renditions and the sprite.
func (p *plan) args() []string {
	cfg := p.cfg
	seg, fps := cfg.SegmentSeconds, cfg.FrameRate
	gop := strconv.Itoa(seg * fps)
	args := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"}
	for _, in := range p.inputs {
		args = append(args, in...)
	}
	var fc strings.Builder
	fmt.Fprintf(&fc, "[0:v:0]fps=%d,split=%d", fps, len(p.videos)+1)
	for i := range len(p.videos) + 1 {
		fmt.Fprintf(&fc, "[s%d]", i)
	}
	for i, v := range p.videos {
		fmt.Fprintf(&fc, ";[s%d]scale=-2:%d,setsar=1,format=yuv420p[v%d]", i, v.spec.Height, i)
	}
	cols, rows := p.spriteGrid()
	fmt.Fprintf(&fc, ";[s%d]fps=1/%g:round=down,scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,tile=%dx%d[spr]",
		len(p.videos), p.thumbEach, p.thumbW, p.thumbH, p.thumbW, p.thumbH, cols, rows)
	args = append(args, "-filter_complex", fc.String())
	hls := func(dir string) []string {
		return []string{"-map_metadata", "-1",
			"-f", "hls", "-hls_time", strconv.Itoa(seg), "-hls_playlist_type", "vod",
			"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_flags", "independent_segments",
			"-hls_segment_filename", filepath.Join(dir, "seg_%05d.m4s"),
			filepath.Join(dir, "index.m3u8")}
	}
	muxAudio := p.srcAudio != "" && len(p.audios) == 0
	for i, v := range p.videos {
		dir := filepath.Join(cfg.OutDir, v.name)
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if muxAudio {
			args = append(args, "-map", p.srcAudio,
				"-c:a", "aac", "-b:a", strconv.Itoa(v.spec.AudioBitrate), "-ac", "2", "-ar", "48000")
		}
		rate := v.spec.VideoBitrate
		switch v.codec {
		case CodecHEVC:
			rate = rate * 7 / 10
			args = append(args, "-c:v", "libx265", "-preset", x265Preset(cfg.Preset), "-tag:v", "hvc1",
				"-x265-params", fmt.Sprintf("keyint=%s:min-keyint=%s:scenecut=0:open-gop=0:log-level=error", gop, gop))
		case CodecAV1:
			rate = rate * 6 / 10
			args = append(args, "-c:v", "libsvtav1", "-preset", "12", "-g", gop)
		default:
			args = append(args, "-c:v", "libx264", "-preset", cfg.Preset, "-profile:v", "high",
				"-keyint_min", gop, "-sc_threshold", "0", "-g", gop)
		}
		args = append(args, "-b:v", strconv.Itoa(rate), "-maxrate", strconv.Itoa(rate*11/10),
			"-bufsize", strconv.Itoa(rate*2),
			"-force_key_frames", fmt.Sprintf("expr:gte(t,n_forced*%d)", seg))
		args = append(args, hls(dir)...)
	}
	for _, a := range p.audios {
		dir := filepath.Join(cfg.OutDir, filepath.FromSlash(a.dir))
		args = append(args, "-map", fmt.Sprintf("%d:a:0", a.input), "-t", strconv.FormatFloat(cfg.Info.DurationS, 'f', 3, 64),
			"-c:a", "aac", "-b:a", "128000", "-ac", "2", "-ar", "48000")
		args = append(args, hls(dir)...)
	}
	args = append(args, "-map", "[spr]", "-frames:v", "1", "-q:v", "4", "-update", "1", filepath.Join(cfg.OutDir, "sprite.jpg"))
	return args
}

// x265Preset picks the libx265 preset for a libx264 preset: libx265 is
// several times slower than libx264 at the same name, so anything short of
// ultrafast becomes superfast.
func x265Preset(p string) string {
	if p == "ultrafast" {
		return p
	}
	return "superfast"
}

// writeThumbnailsVTT writes the WebVTT file mapping time ranges to
// sprite.jpg#xywh= regions.
func writeThumbnailsVTT(path string, p *plan, durationS float64) error {
	cols, _ := p.spriteGrid()
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for i := range p.thumbs {
		start := float64(i) * p.thumbEach
		end := min(start+p.thumbEach, durationS)
		if end <= start {
			break
		}
		fmt.Fprintf(&b, "%s --> %s\nsprite.jpg#xywh=%d,%d,%d,%d\n\n", vttTime(start), vttTime(end),
			(i%cols)*p.thumbW, (i/cols)*p.thumbH, p.thumbW, p.thumbH)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("ingest: thumbnails: %w", err)
	}
	return nil
}

// vttTime formats seconds as a WebVTT timestamp hh:mm:ss.ttt.
func vttTime(s float64) string {
	ms := int64(math.Round(s * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
