package ingest

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSelectLadder(t *testing.T) {
	names := func(rs []RenditionSpec) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	tests := []struct {
		height int
		want   []string
	}{
		{240, []string{"240p"}},
		{360, []string{"360p"}},
		{480, []string{"480p", "360p"}},
		{720, []string{"720p", "480p", "360p"}},
		{1080, []string{"1080p", "720p", "480p", "360p"}},
		{2160, []string{"1080p", "720p", "480p", "360p"}},
		{1, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.want, ","), func(t *testing.T) {
			got := SelectLadder(tt.height, DefaultLadder)
			if !reflect.DeepEqual(names(got), tt.want) {
				t.Fatalf("SelectLadder(%d) = %v, want %v", tt.height, names(got), tt.want)
			}
			for _, r := range got {
				if r.Height > tt.height {
					t.Errorf("rendition %s upscales %d to %d", r.Name, tt.height, r.Height)
				}
			}
			if len(got) > 0 {
				if err := validateLadder(got); err != nil {
					t.Errorf("selected ladder invalid: %v", err)
				}
			}
		})
	}
}

func TestMeasureBandwidth(t *testing.T) {
	tests := []struct {
		name    string
		segs    []SegmentSize
		want    Bandwidth
		wantErr bool
	}{
		{"one", []SegmentSize{{Bytes: 250_000, Duration: 2}}, Bandwidth{Peak: 1_000_000, Average: 1_000_000}, false},
		{"short last segment is the peak", []SegmentSize{{Bytes: 250_000, Duration: 2}, {Bytes: 250_000, Duration: 2}, {Bytes: 200_000, Duration: 1}},
			Bandwidth{Peak: 1_600_000, Average: 1_120_000}, false},
		{"rounds up", []SegmentSize{{Bytes: 1, Duration: 3}}, Bandwidth{Peak: 3, Average: 3}, false},
		{"empty", nil, Bandwidth{}, true},
		{"zero duration", []SegmentSize{{Bytes: 10, Duration: 0}}, Bandwidth{}, true},
		{"negative size", []SegmentSize{{Bytes: -1, Duration: 2}}, Bandwidth{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MeasureBandwidth(tt.segs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadPlaylist) {
				t.Fatalf("err = %v, want ErrBadPlaylist", err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWriteMasterGolden(t *testing.T) {
	variants := []Variant{
		{URI: "720p/index.m3u8", Bandwidth: 3_412_345, AverageBandwidth: 2_900_001, Codecs: "avc1.64001f,mp4a.40.2", Width: 1280, Height: 720, FrameRate: 30},
		{URI: "360p/index.m3u8", Bandwidth: 812_000, AverageBandwidth: 700_100, Codecs: "avc1.64001e,mp4a.40.2", Width: 640, Height: 360, FrameRate: 30},
		{URI: "480p/index.m3u8", Bandwidth: 1_400_000, AverageBandwidth: 1_200_000, Codecs: "avc1.64001f,mp4a.40.2", Width: 854, Height: 480, FrameRate: 30},
	}
	var buf bytes.Buffer
	if err := WriteMaster(&buf, variants); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "master.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("master playlist differs from %s:\n%s\nwant:\n%s", golden, buf.Bytes(), want)
	}
}

func TestWriteMasterRejects(t *testing.T) {
	ok := Variant{URI: "360p/index.m3u8", Bandwidth: 1, Codecs: "avc1.64001e", Width: 2, Height: 2}
	tests := []struct {
		name   string
		mutate func(*Variant)
	}{
		{"absolute URI", func(v *Variant) { v.URI = "/media/a/360p/index.m3u8" }},
		{"URL", func(v *Variant) { v.URI = "http://x/index.m3u8" }},
		{"dot dot", func(v *Variant) { v.URI = "../index.m3u8" }},
		{"no bandwidth", func(v *Variant) { v.Bandwidth = 0 }},
		{"no codecs", func(v *Variant) { v.Codecs = "" }},
		{"quote in codecs", func(v *Variant) { v.Codecs = `avc1"` }},
		{"no resolution", func(v *Variant) { v.Width = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ok
			tt.mutate(&v)
			if err := WriteMaster(&bytes.Buffer{}, []Variant{v}); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
	if err := WriteMaster(&bytes.Buffer{}, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("no variants: err = %v", err)
	}
}

func TestParseMediaPlaylist(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "index.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       string
		wantSegs int
		wantErr  bool
	}{
		{"ffmpeg output", string(real), 3, false},
		{"no header", "#EXTINF:2,\nseg.m4s\n", 0, true},
		{"empty", "", 0, true},
		{"uri without extinf", "#EXTM3U\nseg.m4s\n", 0, true},
		{"absolute segment", "#EXTM3U\n#EXTINF:2,\n/seg.m4s\n", 0, true},
		{"absolute map", "#EXTM3U\n#EXT-X-MAP:URI=\"http://x/init.mp4\"\n", 0, true},
		{"bad extinf", "#EXTM3U\n#EXTINF:abc,\nseg.m4s\n", 0, true},
		{"negative extinf", "#EXTM3U\n#EXTINF:-1,\nseg.m4s\n", 0, true},
		{"master", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na/index.m3u8\n", 0, true},
		{"crlf", "#EXTM3U\r\n#EXTINF:2.0,\r\nseg_00000.m4s\r\n#EXT-X-ENDLIST\r\n", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseMediaPlaylist([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrBadPlaylist) {
					t.Fatalf("err = %v, want ErrBadPlaylist", err)
				}
				return
			}
			if len(p.Segments) != tt.wantSegs {
				t.Fatalf("segments = %d, want %d", len(p.Segments), tt.wantSegs)
			}
		})
	}
	p, _ := ParseMediaPlaylist(real)
	if !p.VOD || !p.Ended || p.MapURI != "init.mp4" || p.TargetDuration != 2 || p.Segments[2].Duration != 1 || p.Segments[0].URI != "seg_00000.m4s" {
		t.Fatalf("parsed ffmpeg playlist wrong: %+v", p)
	}
}

func FuzzParseMediaPlaylist(f *testing.F) {
	real, err := os.ReadFile(filepath.Join("testdata", "index.m3u8"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add([]byte("#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"1@0\"\n#EXTINF:2,\nseg.m4s\n"))
	f.Add([]byte("#EXTM3U\n#EXT-X-MAP:BYTERANGE=1,URI=\"a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseMediaPlaylist(data)
		if err != nil {
			return
		}
		if p.MapURI != "" && !IsRelativeMediaURI(p.MapURI) {
			t.Fatalf("accepted map URI %q", p.MapURI)
		}
		for _, s := range p.Segments {
			if !IsRelativeMediaURI(s.URI) || !(s.Duration > 0) {
				t.Fatalf("accepted segment %+v", s)
			}
		}
	})
}

func TestAVCCodecString(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "init.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		want    string
		wantErr bool
	}{
		{"ffmpeg high 3.0", real, "avc1.64001e", false},
		{"truncated", real[:len(real)/2], "", true},
		{"empty", nil, "", true},
		{"zero-size box", []byte{0, 0, 0, 0, 'f', 'r', 'e', 'e'}, "", true},
		{"huge 64-bit size", []byte{0, 0, 0, 1, 'm', 'o', 'o', 'v', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "", true},
		{"bare avcC", []byte{0, 0, 0, 12, 'a', 'v', 'c', 'C', 1, 0x4d, 0x40, 0x1f}, "avc1.4d401f", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AVCCodecString(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrNoAVCConfig) {
				t.Fatalf("err = %v, want ErrNoAVCConfig", err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzAVCCodecString(f *testing.F) {
	real, err := os.ReadFile(filepath.Join("testdata", "init.mp4"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add([]byte{0, 0, 0, 12, 'a', 'v', 'c', 'C', 1, 0x4d, 0x40, 0x1f})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := AVCCodecString(data)
		if err == nil && (len(s) != len("avc1.000000") || !strings.HasPrefix(s, "avc1.")) {
			t.Fatalf("codec string %q", s)
		}
	})
}

func TestSlugAndValidID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Signal Lost", "signal-lost"},
		{"  The Game of Life!  ", "the-game-of-life"},
		{"Ünïcode — Title 2", "n-code-title-2"},
		{"!!!", ""},
		{strings.Repeat("ab ", 40), strings.TrimRight(strings.Repeat("ab-", 21), "-")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Slug(tt.in)
			if got != tt.want {
				t.Fatalf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got != "" && !ValidID(got) {
				t.Fatalf("Slug(%q) = %q is not a valid id", tt.in, got)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	tests := map[string]string{
		"master.m3u8": "application/vnd.apple.mpegurl", "720p/seg_00001.m4s": "video/iso.segment",
		"720p/init.mp4": "video/mp4", "poster.jpg": "image/jpeg", "encoded.json": "",
		// The same type the origin serves the file with (contract.ContentType).
		"subs/en/subs.vtt": "text/vtt; charset=utf-8", "POSTER.JPG": "image/jpeg",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := ContentType(in); got != want {
				t.Fatalf("ContentType(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestLavfiDuration(t *testing.T) {
	tests := map[string]float64{
		"testsrc2=size=1280x720:rate=30:duration=20": 20,
		"testsrc2=duration=4.5":                      4.5,
		"sine=frequency=440:d=3":                     3,
		"mandelbrot=size=640x360":                    0,
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := lavfiDuration(in); got != want {
				t.Fatalf("lavfiDuration(%q) = %v, want %v", in, got, want)
			}
		})
	}
}

func BenchmarkParseMediaPlaylist(b *testing.B) {
	var pl strings.Builder
	pl.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n")
	for i := 0; i < 1800; i++ {
		pl.WriteString("#EXTINF:2.000000,\nseg_00000.m4s\n")
	}
	pl.WriteString("#EXT-X-ENDLIST\n")
	data := []byte(pl.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMediaPlaylist(data); err != nil {
			b.Fatal(err)
		}
	}
}
