package manifest

import (
	"bytes"
	"testing"
)

// isMediaTagRef is the plain form of isMediaTag.
func isMediaTagRef(name []byte) bool {
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	switch string(name) {
	case "EXTINF", "EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE",
		"EXT-X-ENDLIST", "EXT-X-PLAYLIST-TYPE", "EXT-X-I-FRAMES-ONLY", "EXT-X-MAP", "EXT-X-BYTERANGE",
		"EXT-X-PART-INF", "EXT-X-PART", "EXT-X-DISCONTINUITY", "EXT-X-PROGRAM-DATE-TIME":
		return true
	}
	return false
}

// checkTagLine holds isMediaTag and hidesTag to their plain forms for the
// line s (after '#') placed inside other text, so that bytes around the
// line must not count.
func checkTagLine(t *testing.T, s string) {
	for _, around := range [][2]string{{"", ""}, {"\n#", "\nNF:DIA:"}, {"STREAM-I", "EXT-X-MEDIA:STREAM-INF"}} {
		b := []byte(around[0] + s + around[1])
		i, end := len(around[0]), len(around[0])+len(s)
		if got, want := isMediaTag(b, i, end), isMediaTagRef([]byte(s)); got != want {
			t.Fatalf("isMediaTag(%q) in %q = %v, want %v", s, b, got, want)
		}
		if got, want := hidesTag(b, i, end), hidesTagRef([]byte(s)); got != want {
			t.Fatalf("hidesTag(%q) in %q = %v, want %v", s, b, got, want)
		}
	}
}

var tagLineSeeds = []string{
	"EXTINF:10,", "EXTINF", "EXTINF:", "EXTINFO:1", "EXTIN", "EXT-X-TARGETDURATION:6", "EXT-X-MEDIA-SEQUENCE:0",
	"EXT-X-DISCONTINUITY-SEQUENCE:1", "EXT-X-DISCONTINUITY-SEQUENCF:1", "EXT-X-DISCONTINUITY", "EXT-X-ENDLIST",
	"EXT-X-PLAYLIST-TYPE:VOD", "EXT-X-I-FRAMES-ONLY", "EXT-X-MAP:URI=\"init.mp4\"", "EXT-X-BYTERANGE:100@0",
	"EXT-X-PART-INF:PART-TARGET=1", "EXT-X-PART:DURATION=1", "EXT-X-PROGRAM-DATE-TIME:2026-11-29T00:00:00Z",
	"EXT-X-VERSION:7", "EXT-X-INDEPENDENT-SEGMENTS", "EXT-X-SESSION-DATA:DATA-ID=\"x\",VALUE=\"STREAM-INF\"",
	"EXT-X-START:TIME-OFFSET=0,X=EXT-X-MEDIA:TYPE=AUDIO", "EXT-X-MEDIA", "EXT-X-MEDIA:", "STREAM-IN", "STREAM-INF",
	"xSTREAM-INFx", "MMMMMMMMMMMMMMMMSTREAM-INF", "EXT-X-MEDIA;", "EXT-X-MEDIA:x", "M", "", "EXT-X-STREAM-INF",
	"vendor/EXT-X-ME", "#EXT-X-MEDIA:TYPE=AUDIO", "EXT-X-I-FRAMES-ONLY:", "EXT-X-MAPX", "EXT-X-MA",
}

func TestTagLines(t *testing.T) { checkSeeds(t, tagLineSeeds, checkTagLine) }
func FuzzTagLines(f *testing.F) { fuzzAlignments(f, tagLineSeeds, checkTagLine) }
