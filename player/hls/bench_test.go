package hls

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkParseMedia(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n")
	for i := range 3600 { // a two-hour film in 2 s segments
		fmt.Fprintf(&sb, "#EXTINF:2.000000,\nseg_%05d.m4s\n", i)
	}
	sb.WriteString("#EXT-X-ENDLIST\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMedia(data); err != nil {
			b.Fatal(err)
		}
	}
}
