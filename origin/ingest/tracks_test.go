package ingest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCodecStrings(t *testing.T) {
	hevc, err := os.ReadFile(filepath.Join("testdata", "init_hevc.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	av1, err := os.ReadFile(filepath.Join("testdata", "init_av1.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	hvcC := func(b1 byte, compat [4]byte, constraints [6]byte, level byte) []byte {
		body := append([]byte{1, b1}, compat[:]...)
		body = append(append(body, constraints[:]...), level, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0)
		return append([]byte{0, 0, 0, byte(8 + len(body)), 'h', 'v', 'c', 'C'}, body...)
	}
	tests := []struct {
		name  string
		codec string
		in    []byte
		want  string
		err   error
	}{
		{"ffmpeg libx265 main", CodecHEVC, hevc, "hvc1.1.6.L63.90", nil},
		{"ffmpeg libsvtav1 main", CodecAV1, av1, "av01.0.01M.08", nil},
		{"hevc main10 high tier", CodecHEVC, hvcC(0x22, [4]byte{0x20, 0, 0, 0}, [6]byte{0xb0}, 153), "hvc1.2.4.H153.B0", nil},
		{"hevc profile space", CodecHEVC, hvcC(0x41, [4]byte{0x60, 0, 0, 0}, [6]byte{0x90, 0, 0, 0, 0, 1}, 93), "hvc1.A1.6.L93.90.0.0.0.0.1", nil},
		{"av1 high 10-bit", CodecAV1, []byte{0, 0, 0, 12, 'a', 'v', '1', 'C', 0x81, 0x28, 0xc0, 0}, "av01.1.08H.10", nil},
		{"av1 professional 12-bit", CodecAV1, []byte{0, 0, 0, 12, 'a', 'v', '1', 'C', 0x81, 0x4d, 0x60, 0}, "av01.2.13M.12", nil},
		{"hevc in av1 file", CodecHEVC, av1, "", ErrNoHEVCConfig},
		{"av1 in hevc file", CodecAV1, hevc, "", ErrNoAV1Config},
		{"truncated hvcC", CodecHEVC, []byte{0, 0, 0, 12, 'h', 'v', 'c', 'C', 1, 1, 0x60, 0}, "", ErrNoHEVCConfig},
		{"bad av1C marker", CodecAV1, []byte{0, 0, 0, 12, 'a', 'v', '1', 'C', 0x01, 0x08, 0, 0}, "", ErrNoAV1Config},
		{"unknown family", "vp9", hevc, "", ErrUnsupportedCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CodecString(tt.codec, tt.in)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzCodecStrings(f *testing.F) {
	for _, name := range []string{"init.mp4", "init_hevc.mp4", "init_av1.mp4"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for codec, prefix := range map[string]string{CodecH264: "avc1.", CodecHEVC: "hvc1.", CodecAV1: "av01."} {
			s, err := CodecString(codec, data)
			if err == nil && (!strings.HasPrefix(s, prefix) || strings.ContainsAny(s, "\",\n")) {
				t.Fatalf("%s: codec string %q", codec, s)
			}
		}
	})
}

func TestParseCodecs(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"", "h264", false},
		{"h264", "h264", false},
		{"hevc,av1", "h264,hevc,av1", false},
		{" AV1 , h265, av1", "h264,av1,hevc", false},
		{"vp9", "", true},
		{"h264,mpeg2", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCodecs(tt.in)
			if (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrUnsupportedCodec)) {
				t.Fatalf("err = %v", err)
			}
			if err == nil && strings.Join(got, ",") != tt.want {
				t.Fatalf("got %v, want %s", got, tt.want)
			}
		})
	}
}

func TestParseWebVTT(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cues int
		ok   bool
	}{
		{"full", testVTT, 2, true},
		{"bom crlf header", "\uFEFFWEBVTT - title\r\nKind: captions\r\n\r\n00:01.000 --> 00:02.500\r\nhi\r\n", 1, true},
		{"hours", "WEBVTT\n\n01:00:00.000 --> 01:00:01.000 line:0\nx\n", 1, true},
		{"style and region blocks", "WEBVTT\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:a\n\n00:00.000 --> 00:01.000\nx\n", 1, true},
		{"empty file", "", 0, false},
		{"srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n", 0, false},
		{"comma decimal", "WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nhi\n", 0, false},
		{"end before start", "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nhi\n", 0, false},
		{"identifier without timing", "WEBVTT\n\nintro\n\n", 0, false},
		{"cue in header", "WEBVTT\n00:00.000 --> 00:01.000\nx\n", 0, false},
		{"minutes over 59", "WEBVTT\n\n00:61:00.000 --> 00:62:00.000\nx\n", 0, false},
		{"not utf-8", "WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\n", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cues, err := ParseWebVTT([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadSubtitles) {
				t.Fatalf("err = %v, want ErrBadSubtitles", err)
			}
			if len(cues) != tt.cues {
				t.Fatalf("%d cues, want %d", len(cues), tt.cues)
			}
		})
	}
}

func FuzzParseWebVTT(f *testing.F) {
	f.Add([]byte(testVTT))
	f.Add([]byte("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,160,90\n"))
	f.Add([]byte("WEBVTT\n\nNOTE x\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cues, err := ParseWebVTT(data)
		if err != nil {
			return
		}
		for _, c := range cues {
			if !(c.End > c.Start) || c.Start < 0 {
				t.Fatalf("accepted cue %+v", c)
			}
		}
	})
}

func TestIFramesFromPackets(t *testing.T) {
	segs, durs := []string{"seg_00000.m4s", "seg_00001.m4s"}, []float64{2, 1.5}
	starts := []int64{0, 100, 1100, 2100} // init 100 bytes, two 1000-byte segments
	tests := []struct {
		name    string
		packets []packetInfo
		want    []int64 // lengths
		err     bool
	}{
		{"aligned", []packetInfo{{"180", "300", "K__"}, {"480", "50", "___"}, {"1150", "400", "K__"}}, []int64{380, 450}, false},
		{"segment starts with a delta frame", []packetInfo{{"180", "300", "K__"}, {"1150", "400", "___"}}, nil, true},
		{"segment without packets", []packetInfo{{"180", "300", "K__"}}, nil, true},
		{"keyframe past the segment", []packetInfo{{"180", "300", "K__"}, {"1150", "1000", "K__"}}, nil, true},
		{"junk positions ignored", []packetInfo{{"N/A", "3", "K"}, {"180", "300", "K"}, {"1150", "400", "K"}}, []int64{380, 450}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, err := iframesFromPackets(tt.packets, segs, durs, starts)
			if (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrKeyframes)) {
				t.Fatalf("err = %v", err)
			}
			for i, f := range frames {
				if f.Length != tt.want[i] || f.Offset != 0 || f.Duration != durs[i] || f.Segment != segs[i] {
					t.Errorf("frame %d: %+v", i, f)
				}
			}
			if err == nil {
				var b bytes.Buffer
				if err := WriteIFramePlaylist(&b, frames); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(b.String(), "#EXT-X-BYTERANGE:450@0\nseg_00001.m4s\n") || !strings.Contains(b.String(), "#EXT-X-I-FRAMES-ONLY") {
					t.Errorf("playlist:\n%s", b.String())
				}
			}
		})
	}
}

func TestMasterWithGroups(t *testing.T) {
	enc := &Encoded{
		Renditions: []EncodedRendition{
			{Name: "360p", Codec: CodecH264, Width: 640, Height: 360, Bandwidth: 900, AverageBandwidth: 800, Codecs: "avc1.64001e,mp4a.40.2",
				VideoCodecs: "avc1.64001e", FrameRate: 30, VideoRange: "SDR", IFrameBandwidth: 100, IFrameAverageBandwidth: 90},
			{Name: "360p-av1", Codec: CodecAV1, Width: 640, Height: 360, Bandwidth: 700, AverageBandwidth: 600, Codecs: "av01.0.04M.08,mp4a.40.2",
				VideoCodecs: "av01.0.04M.08", FrameRate: 30, VideoRange: "SDR", IFrameBandwidth: 80, IFrameAverageBandwidth: 70},
		},
		Audio: []EncodedTrack{
			{Lang: "en", Name: "English", Dir: "audio/en", Default: true},
			{Lang: "es", Name: "Español", Dir: "audio/es"},
		},
		Subtitles: []EncodedTrack{{Lang: "en", Name: "English", Dir: "subs/en"}},
	}
	var b bytes.Buffer
	if err := BuildMaster(enc).Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/en/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",LANGUAGE="es",NAME="Español",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio/es/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,URI="subs/en/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=700,AVERAGE-BANDWIDTH=600,CODECS="av01.0.04M.08,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=30.000,VIDEO-RANGE=SDR,AUDIO="aac",SUBTITLES="subs"
360p-av1/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900,AVERAGE-BANDWIDTH=800,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=30.000,VIDEO-RANGE=SDR,AUDIO="aac",SUBTITLES="subs"
360p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=80,AVERAGE-BANDWIDTH=70,CODECS="av01.0.04M.08",RESOLUTION=640x360,VIDEO-RANGE=SDR,URI="360p-av1/iframes.m3u8"
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100,AVERAGE-BANDWIDTH=90,CODECS="avc1.64001e",RESOLUTION=640x360,VIDEO-RANGE=SDR,URI="360p/iframes.m3u8"
`
	if b.String() != want {
		t.Fatalf("master:\n%s\nwant:\n%s", b.String(), want)
	}
	decodeMaster(t, b.Bytes())
	bad := BuildMaster(enc)
	bad.Media = bad.Media[2:] // variants name a missing audio group
	if err := bad.Write(&bytes.Buffer{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("missing group: err = %v", err)
	}
}

func TestTitleNormalize(t *testing.T) {
	tests := []struct {
		name   string
		in     Title
		wantID string
		ok     bool
	}{
		{"movie", Title{ID: "a", Name: "A", Maturity: "NC-17"}, "a", true},
		{"episode id derived", Title{Name: "Pilot", Series: &SeriesRef{Name: "The Loop", Season: 1, Episode: 2}}, "the-loop-s01e02", true},
		{"tv rating rejected", Title{ID: "a", Name: "A", Maturity: "TV-MA"}, "", false},
		{"season zero", Title{Name: "P", Series: &SeriesRef{Name: "S", Episode: 1}}, "", false},
		{"bad genre", Title{ID: "a", Name: "A", Genres: []string{"!!!"}}, "", false},
		{"cast too long", Title{ID: "a", Name: "A", Cast: []string{strings.Repeat("x", 1025)}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.normalize(fixedNow())
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v", err)
			}
			if err == nil && got.ID != tt.wantID {
				t.Fatalf("id %q, want %q", got.ID, tt.wantID)
			}
		})
	}
}

func TestThumbnailPlan(t *testing.T) {
	tests := []struct {
		durationS   float64
		w, h        int
		thumbs      int
		each        float64
		cols, rows  int
		thumbHeight int
	}{
		{5, 640, 360, 3, 2, 3, 1, 90},
		{60, 1920, 800, 30, 2, 10, 3, 66},
		{7200, 1280, 720, 300, 24, 10, 30, 90},
	}
	for _, tt := range tests {
		p := newPlan(EncodeConfig{SegmentSeconds: 2, Codecs: []string{CodecH264}, Info: SourceInfo{Width: tt.w, Height: tt.h, DurationS: tt.durationS}})
		cols, rows := p.spriteGrid()
		if p.thumbs != tt.thumbs || p.thumbEach != tt.each || cols != tt.cols || rows != tt.rows || p.thumbH != tt.thumbHeight {
			t.Errorf("%vs %dx%d: %d thumbs every %vs, %dx%d grid, height %d", tt.durationS, tt.w, tt.h, p.thumbs, p.thumbEach, cols, rows, p.thumbH)
		}
	}
}
