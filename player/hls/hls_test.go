package hls

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden parses every testdata/*.m3u8 (as master or media, whichever it
// is) and compares the JSON form of the result with its .golden file.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.m3u8")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if IsMaster(data) {
				v, err = ParseMaster(data)
			} else {
				v, err = ParseMedia(data)
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".m3u8") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("parsed %s differs from %s:\n%s", f, golden, got)
			}
		})
	}
}

func TestParseAttributes(t *testing.T) {
	tests := []struct {
		in      string
		want    Attributes
		wantErr bool
	}{
		{in: `BANDWIDTH=1280000`, want: Attributes{"BANDWIDTH": "1280000"}},
		{in: `CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360`, want: Attributes{"CODECS": "avc1.4d401f,mp4a.40.2", "RESOLUTION": "640x360"}},
		{in: `NAME="a, b",DEFAULT=YES`, want: Attributes{"NAME": "a, b", "DEFAULT": "YES"}},
		{in: `A="",B=1`, want: Attributes{"A": "", "B": "1"}},
		{in: `A=1, B=2`, want: Attributes{"A": "1", "B": "2"}},
		{in: ``, want: Attributes{}},
		{in: `A`, wantErr: true},
		{in: `=1`, wantErr: true},
		{in: `A="unterminated`, wantErr: true},
		{in: `A=1,`, wantErr: true},
		{in: `A=1,A=2`, wantErr: true},
		{in: `A="x"B=1`, wantErr: true},
		{in: `a=1`, wantErr: true},
		{in: `A=`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAttributes(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrAttributes) {
					t.Fatalf("err = %v, want ErrAttributes", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseMaster(t *testing.T) {
	data, err := os.ReadFile("testdata/apple_master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMaster(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Variants) != 2 || len(m.Renditions) != 4 || len(m.IFrames) != 1 {
		t.Fatalf("variants %d renditions %d iframes %d", len(m.Variants), len(m.Renditions), len(m.IFrames))
	}
	v := m.Variants[0]
	if v.Bandwidth != 2177116 || v.AverageBandwidth != 2168183 || v.Width != 960 || v.Height != 540 ||
		v.FrameRate != 60 || v.CodecsString() != "avc1.640020,mp4a.40.2" || v.Audio != "aac" || v.URI != "v5/prog_index.m3u8" {
		t.Errorf("variant 0 = %+v", v)
	}
	if m.Variants[1].VideoRange != "PQ" || m.Variants[1].HDCPLevel != "TYPE-0" {
		t.Errorf("variant 1 = %+v", m.Variants[1])
	}
	if r := m.Renditions[1]; r.Name != "Français, stéréo" || r.Default || !r.Autoselect || r.Language != "fr" {
		t.Errorf("rendition 1 = %+v", r)
	}
	if r := m.Renditions[3]; r.Type != "CLOSED-CAPTIONS" || r.InstreamID != "CC1" {
		t.Errorf("rendition 3 = %+v", r)
	}
	if f := m.IFrames[0]; f.URI != "v7/iframe_index.m3u8" || f.Bandwidth != 186522 || f.Height != 1080 {
		t.Errorf("iframe = %+v", f)
	}
}

func TestParseMasterErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
		line int
	}{
		{"empty", "", ErrNotPlaylist, 1},
		{"no header", "#EXT-X-VERSION:3\n", ErrNotPlaylist, 1},
		{"media playlist", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n", ErrWrongKind, 2},
		{"no variants", "#EXTM3U\n#EXT-X-VERSION:3\n", ErrNoVariants, 0},
		{"missing uri at end", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", ErrMissingURI, 2},
		{"missing uri before next", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\na.m3u8\n", ErrMissingURI, 2},
		{"no bandwidth", "#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"avc1\"\na.m3u8\n", ErrMissingAttribute, 2},
		{"bad bandwidth", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=abc\na.m3u8\n", ErrInvalidValue, 2},
		{"bad resolution", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=wide\na.m3u8\n", ErrInvalidValue, 2},
		{"bad attrs", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"x\n", ErrAttributes, 2},
		{"uri without inf", "#EXTM3U\na.m3u8\n", ErrInvalidValue, 2},
		{"media no name", "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\"\n", ErrMissingAttribute, 2},
		{"media bad type", "#EXTM3U\n#EXT-X-MEDIA:TYPE=SMELL,GROUP-ID=\"a\",NAME=\"x\"\n", ErrInvalidValue, 2},
		{"iframe no uri", "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1\n", ErrMissingAttribute, 2},
		{"bad version", "#EXTM3U\n#EXT-X-VERSION:x\n", ErrInvalidValue, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMaster([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line {
				t.Errorf("err = %#v, want a *ParseError at line %d", err, tt.line)
			}
		})
	}
}

func TestParseMedia(t *testing.T) {
	data, err := os.ReadFile("testdata/byterange_crlf_bom.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMedia(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.TargetDuration != 4 || m.Version != 7 || !m.EndList || len(m.Segments) != 3 {
		t.Fatalf("media = %+v", m)
	}
	s := m.Segments
	if s[0].Title != "first" || s[0].ByteRange.Offset != 720 || s[0].ByteRange.Length != 1000 {
		t.Errorf("segment 0 = %+v %+v", s[0], s[0].ByteRange)
	}
	if s[1].ByteRange.Offset != 1720 || s[1].ByteRange.Length != 2000 || s[1].Start != 4 {
		t.Errorf("segment 1 = %+v %+v", s[1], s[1].ByteRange)
	}
	if got := s[1].ByteRange.HTTPRange(); got != "bytes=1720-3719" {
		t.Errorf("HTTPRange = %q", got)
	}
	if s[0].Map == nil || s[0].Map.URI != "main.mp4" || s[0].Map.ByteRange.Length != 720 {
		t.Errorf("map = %+v", s[0].Map)
	}
	if !s[2].Discontinuity || s[2].Key == nil || s[2].Key.Method != "AES-128" || s[1].Key != nil {
		t.Errorf("segment 2 = %+v", s[2])
	}
	if got := m.Duration(); got != 8.75 {
		t.Errorf("Duration = %v", got)
	}
}

func TestSegmentAt(t *testing.T) {
	data, _ := os.ReadFile("testdata/ffmpeg_media.m3u8")
	m, err := ParseMedia(data)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		t    float64
		want int
	}{{-1, 0}, {0, 0}, {1.99, 0}, {2, 1}, {3.5, 1}, {5.999, 2}, {6, 3}, {100, 3}}
	for _, tt := range tests {
		if got := m.SegmentAt(tt.t); got != tt.want {
			t.Errorf("SegmentAt(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
	if got := (&Media{}).SegmentAt(0); got != -1 {
		t.Errorf("empty SegmentAt = %d", got)
	}
}

func TestParseMediaErrors(t *testing.T) {
	const h = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"no header", "#EXTINF:2,\na.ts\n", ErrNotPlaylist},
		{"master", h + "#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n", ErrWrongKind},
		{"no target duration", "#EXTM3U\n#EXTINF:2,\na.ts\n", ErrMissingTag},
		{"bad target duration", "#EXTM3U\n#EXT-X-TARGETDURATION:x\n", ErrInvalidValue},
		{"bad extinf", h + "#EXTINF:abc,\na.ts\n", ErrInvalidValue},
		{"negative extinf", h + "#EXTINF:-1,\na.ts\n", ErrInvalidValue},
		{"nan extinf", h + "#EXTINF:NaN,\na.ts\n", ErrInvalidValue},
		{"extinf without uri", h + "#EXTINF:2,\n", ErrMissingURI},
		{"two extinf", h + "#EXTINF:2,\n#EXTINF:2,\na.ts\n", ErrMissingURI},
		{"uri without extinf", h + "a.ts\n", ErrInvalidValue},
		{"map without uri", h + "#EXT-X-MAP:BYTERANGE=\"1@0\"\n", ErrMissingAttribute},
		{"bad map range", h + "#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"x@0\"\n", ErrInvalidValue},
		{"bad byterange", h + "#EXTINF:2,\n#EXT-X-BYTERANGE:-5\na.ts\n", ErrInvalidValue},
		{"range without offset first", h + "#EXTINF:2,\n#EXT-X-BYTERANGE:5\na.ts\n", ErrInvalidValue},
		{"range without offset other uri", h + "#EXTINF:2,\n#EXT-X-BYTERANGE:5@0\na.ts\n#EXTINF:2,\n#EXT-X-BYTERANGE:5\nb.ts\n", ErrInvalidValue},
		{"bad playlist type", h + "#EXT-X-PLAYLIST-TYPE:LIVE\n", ErrInvalidValue},
		{"key without method", h + "#EXT-X-KEY:URI=\"k\"\n", ErrMissingAttribute},
		{"bad sequence", h + "#EXT-X-MEDIA-SEQUENCE:-1\n", ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMedia([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err.Error() == "" || strings.Contains(err.Error(), "%!") {
				t.Errorf("bad message %q", err)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	const master = "http://127.0.0.1:8081/t/abc.def.ghi/v1/media/asset-1/master.m3u8"
	tests := []struct {
		base, ref, want string
	}{
		{master, "720p/index.m3u8", "http://127.0.0.1:8081/t/abc.def.ghi/v1/media/asset-1/720p/index.m3u8"},
		{"http://e/t/tok/v1/media/a/720p/index.m3u8", "seg_00000.m4s", "http://e/t/tok/v1/media/a/720p/seg_00000.m4s"},
		{"http://e/t/tok/v1/media/a/720p/index.m3u8", "../audio/en/index.m3u8", "http://e/t/tok/v1/media/a/audio/en/index.m3u8"},
		{master, "https://cdn.example.com/x.m3u8?q=1", "https://cdn.example.com/x.m3u8?q=1"},
		{master, "/abs/path.m3u8", "http://127.0.0.1:8081/abs/path.m3u8"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := Resolve(tt.base, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Resolve(master, ""); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("empty ref: %v", err)
	}
	if _, err := Resolve(master, "http://[::1"); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("bad ref: %v", err)
	}
}

func TestIsMaster(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na\n", true},
		{"#EXTM3U\n#EXT-X-TARGETDURATION:1\n", false},
		{"nope", false},
		{"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"b\"\n", true},
	}
	for _, tt := range tests {
		if got := IsMaster([]byte(tt.in)); got != tt.want {
			t.Errorf("IsMaster(%q) = %v", tt.in, got)
		}
	}
}
