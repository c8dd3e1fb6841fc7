package hls

import (
	"os"
	"path/filepath"
	"testing"
)

func seedFromTestdata(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.m3u8")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("#EXTM3U\n#EXT-X-KEY:\n0"))
	f.Add([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"a,b\"\nx\n"))
}

// FuzzParseMaster checks that ParseMaster never panics and that whatever it
// accepts is well formed.
func FuzzParseMaster(f *testing.F) {
	seedFromTestdata(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMaster(data)
		if err != nil {
			if m != nil {
				t.Fatal("non-nil playlist with error")
			}
			return
		}
		if len(m.Variants) == 0 {
			t.Fatal("accepted a master without variants")
		}
		for _, v := range m.Variants {
			if v.URI == "" || v.Bandwidth < 0 {
				t.Fatalf("bad variant %+v", v)
			}
		}
	})
}

// FuzzParseMedia checks that ParseMedia never panics and that accepted
// playlists have consistent segment times and byte ranges.
func FuzzParseMedia(f *testing.F) {
	seedFromTestdata(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMedia(data)
		if err != nil {
			return
		}
		start := 0.0
		for i, s := range m.Segments {
			if s.URI == "" || s.Duration < 0 || s.Start != start {
				t.Fatalf("segment %d = %+v (start want %v)", i, s, start)
			}
			if s.ByteRange != nil && (s.ByteRange.Length < 0 || s.ByteRange.Offset < 0) {
				t.Fatalf("segment %d range %+v", i, s.ByteRange)
			}
			start += s.Duration
		}
		_ = m.SegmentAt(start / 2)
	})
}
