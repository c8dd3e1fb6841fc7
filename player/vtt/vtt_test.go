package vtt

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  bool
	}{
		{"00:00.000", 0, false},
		{"01:02.003", 62.003, false},
		{"00:01:02.003", 62.003, false},
		{"10:00:00.500", 36000.5, false},
		{"123:00:00.000", 442800, false},
		{"0:00:00.000", 0, true}, // hours need two digits
		{"00:60.000", 0, true},   // seconds < 60
		{"60:00.000", 0, true},   // minutes < 60
		{"00:00.00", 0, true},    // three fraction digits
		{"00:00,000", 0, true},   // SRT comma
		{"00:00:00:00.000", 0, true},
		{"-0:00.000", 0, true},
		{"99999999:00:00.000", 0, true}, // too many hours
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimestamp(tt.in)
			if tt.err {
				if !errors.Is(err, ErrTimestamp) {
					t.Fatalf("err = %v, want ErrTimestamp", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantMap *TimestampMap
		want    []Cue
		err     error
	}{
		{
			name: "ffmpeg subtitle segment",
			in:   readFile(t, "ffmpeg_subtitles.vtt"),
			want: []Cue{
				{Start: 0.5, End: 2, Text: "Hello from edgeflix"},
				{Start: 2.5, End: 5, Text: "<i>Second</i> line\nand more"},
			},
		},
		{
			name:    "hls segment with map, comments, style, CRLF",
			in:      readFile(t, "hls_segment_crlf.vtt"),
			wantMap: &TimestampMap{MPEGTS: 900000},
			want:    []Cue{{ID: "cue-1", Start: 10, End: 12.5, Settings: "align:start line:0", Text: "Ten seconds in"}},
		},
		{
			name: "BOM, CR line ends, header text",
			in:   "\uFEFFWEBVTT - a title\rKind: captions\r\r00:01.000 --> 00:02.000\rhi\r",
			want: []Cue{{Start: 1, End: 2, Text: "hi"}},
		},
		{
			name: "cue text ends at a timing line",
			in:   "WEBVTT\n\n00:01.000 --> 00:02.000\na\n00:03.000 --> 00:04.000\nb\n",
			want: []Cue{{Start: 1, End: 2, Text: "a"}, {Start: 3, End: 4, Text: "b"}},
		},
		{
			name: "malformed timing dropped",
			in:   "WEBVTT\n\n00:01.000 -> 00:02.000\nx\n\n00:01.000 --> 00:0x.000\ny\n\n00:05.000 --> 00:06.000\nz\n",
			want: []Cue{{Start: 5, End: 6, Text: "z"}},
		},
		{
			name:    "map members in either order",
			in:      "WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:00:01.000,MPEGTS:180000\n\n00:01.000 --> 00:02.000\nx\n",
			wantMap: &TimestampMap{MPEGTS: 180000, Local: 1},
			want:    []Cue{{Start: 1, End: 2, Text: "x"}},
		},
		{name: "not webvtt", in: "1\n00:00:00,500 --> 00:00:02,000\nsrt\n", err: ErrNotWebVTT},
		{name: "signature glued to text", in: "WEBVTTX\n", err: ErrNotWebVTT},
		{name: "empty", in: "", err: ErrNotWebVTT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Map, tt.wantMap) {
				t.Errorf("map = %+v, want %+v", f.Map, tt.wantMap)
			}
			if !reflect.DeepEqual(f.Cues, tt.want) {
				t.Errorf("cues = %+v\nwant %+v", f.Cues, tt.want)
			}
		})
	}
}

func TestOffset(t *testing.T) {
	if got := (TimestampMap{MPEGTS: 900000, Local: 0}).Offset(); got != 10 {
		t.Fatalf("offset %v, want 10", got)
	}
	if got := (TimestampMap{MPEGTS: 90000, Local: 3}).Offset(); got != -2 {
		t.Fatalf("offset %v, want -2", got)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	cues := []Cue{
		{ID: "a", Start: 0.001, End: 3661.5, Settings: "align:end", Text: "one\ntwo"},
		{Start: 7, End: 8},
	}
	f, err := Parse(Format(cues))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Cues, cues) {
		t.Fatalf("round trip: %+v, want %+v", f.Cues, cues)
	}
	if got := FormatTimestamp(3661.0015); got != "01:01:01.002" {
		t.Fatalf("FormatTimestamp = %s", got)
	}
}

func TestParseThumbnails(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Thumbnail
		err  error
	}{
		{
			name: "sprite map",
			in:   readFile(t, "thumbs.vtt"),
			want: []Thumbnail{
				{Start: 0, End: 2, URI: "sprite_0.jpg", W: 160, H: 90},
				{Start: 2, End: 4, URI: "sprite_0.jpg", X: 160, W: 160, H: 90},
				{Start: 4, End: 6, URI: "sprite_0.jpg", Y: 90, W: 160, H: 90},
				{Start: 6, End: 8, URI: "sprite_1.jpg", W: 160, H: 90},
			},
		},
		{
			name: "whole images and pixel unit, sorted",
			in:   "WEBVTT\n\n00:05.000 --> 00:10.000\nb.jpg#xywh=pixel:1,2,3,4\n\n00:00.000 --> 00:05.000\na.jpg\n",
			want: []Thumbnail{{Start: 0, End: 5, URI: "a.jpg"}, {Start: 5, End: 10, URI: "b.jpg", X: 1, Y: 2, W: 3, H: 4}},
		},
		{name: "percent unit", in: "WEBVTT\n\n00:00.000 --> 00:05.000\na.jpg#xywh=percent:0,0,50,50\n", err: ErrThumbnail},
		{name: "three numbers", in: "WEBVTT\n\n00:00.000 --> 00:05.000\na.jpg#xywh=0,0,5\n", err: ErrThumbnail},
		{name: "negative", in: "WEBVTT\n\n00:00.000 --> 00:05.000\na.jpg#xywh=0,-1,5,5\n", err: ErrThumbnail},
		{name: "empty region", in: "WEBVTT\n\n00:00.000 --> 00:05.000\na.jpg#xywh=0,0,0,5\n", err: ErrThumbnail},
		{name: "text not a uri", in: "WEBVTT\n\n00:00.000 --> 00:05.000\nHello there\n", err: ErrThumbnail},
		{name: "no image", in: "WEBVTT\n\n00:00.000 --> 00:05.000\n#xywh=0,0,1,1\n", err: ErrThumbnail},
		{name: "not webvtt", in: "sprite.jpg", err: ErrNotWebVTT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseThumbnails([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAt(t *testing.T) {
	thumbs, err := ParseThumbnails([]byte("WEBVTT\n\n00:00.000 --> 00:02.000\na.jpg\n\n00:02.000 --> 00:04.000\nb.jpg\n\n00:06.000 --> 00:08.000\nc.jpg\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		t    float64
		want int
	}{{-1, -1}, {0, 0}, {1.999, 0}, {2, 1}, {3.5, 1}, {4, -1}, {5, -1}, {6, 2}, {7.9, 2}, {8, -1}, {100, -1}}
	for _, tt := range tests {
		if got := At(thumbs, tt.t); got != tt.want {
			t.Errorf("At(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
	if At(nil, 1) != -1 {
		t.Error("At(nil) != -1")
	}
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("WEBVTT\n")
	for i := 0; i < 500; i++ {
		sb.WriteString("\n" + FormatTimestamp(float64(i)*2) + " --> " + FormatTimestamp(float64(i)*2+1.5) + " align:center\nA line of dialogue\nand another\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
