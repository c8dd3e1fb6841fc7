package manifest

import (
	"bytes"
	"encoding/binary"
	"testing"
)

var scanSeeds = []string{
	"", "\n", "\r\n", "\r", "abc", "#EXTM3U\n", "#EXTM3U\r\n#EXT-X-VERSION:6\r\n", "abcdefgh\n",
	"abcdefghijklmnop\r", "a\rb\n", "a\r\r\n", "12345678\r\n", "\x8a\x8d\xff\x0a", "1234567\r\n",
	"#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f,mp4a.40.2\"\nv/720p.m3u8",
}

func checkScan(t *testing.T, s string) {
	b := []byte(s)
	for c := range 256 {
		if c != '\n' && c != '\r' && c != '"' && c != ',' && c != 0 && c != 0xff && c != 'x' {
			continue
		}
		if got, want := indexByteSWAR(b, byte(c)), bytes.IndexByte(b, byte(c)); got != want {
			t.Fatalf("indexByteSWAR(%q, %q) = %d, want %d", s, byte(c), got, want)
		}
	}
	if !equalText(b, s) || len(s) > 0 && equalText(b[1:], s) {
		t.Fatalf("equalText(%q) is wrong about itself or its tail", s)
	}
	for i := range b { // one byte changed, at every position
		c := bytes.Clone(b)
		c[i] ^= 0x40
		if equalText(c, s) {
			t.Fatalf("equalText(%q, %q) = true", c, s)
		}
	}
	for i := 0; i < len(b); i++ { // firstEq's lowest mark is eqBytes'
		x := load(b, i)
		for _, c := range []byte{',', '"', 0, 1, 0xff} {
			if got, want := firstEq(x, c), eqBytes(x, c); got&-got != want&-want {
				t.Fatalf("firstEq(%#x, %q) = %#x, eqBytes %#x", x, c, got, want)
			}
		}
	}
	for i := 0; i <= len(b)+8; i++ {
		var want [8]byte
		if i < len(b) {
			copy(want[:], b[i:])
		}
		if got := load(b, i); got != binary.LittleEndian.Uint64(want[:]) {
			t.Fatalf("load(%q, %d) = %#x, want % x", s, i, got, want)
		}
	}
}

// checkSeeds runs check on each seed, and fuzzAlignments fuzzes it from
// the seeds with the input at every alignment (the word scans load eight
// bytes at a time).
func checkSeeds(t *testing.T, seeds []string, check func(*testing.T, string)) {
	for _, s := range seeds {
		t.Run(s, func(t *testing.T) { check(t, s) })
	}
}

func fuzzAlignments(f *testing.F, seeds []string, check func(*testing.T, string)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for off := 0; off < len(s) && off < 9; off++ {
			check(t, s[off:])
		}
	})
}

func TestScan(t *testing.T) { checkSeeds(t, scanSeeds, checkScan) }
func FuzzScan(f *testing.F) { fuzzAlignments(f, scanSeeds, checkScan) }

// TestNameKey: the scanner's key is keyOf of the name it returns, and keys
// of names up to 16 bytes are equal exactly when the names are.
func TestNameKey(t *testing.T) {
	names := []string{"BANDWIDTH", "RESOLUTION", "CODECS", "VIDEO-RANGE", "AUDIO", "VIDEO", "SUBTITLES",
		"CLOSED-CAPTIONS", "URI", "BANDWIDTh", "BANDWIDTH0", "AVERAGE-BANDWIDTH", "CLOSED-CAPTIONSX", "A", "VIDEO_", "UR"}
	for _, a := range names {
		t.Run(a, func(t *testing.T) {
			for _, rest := range []string{"=1", "=1,AVERAGE-BANDWIDTH=2000000", `="x"`} {
				sc := attrScanner{s: []byte(a + rest)}
				name, _, _, ok := sc.next()
				if !ok || string(name) != a || sc.key != keyOf(a) {
					t.Fatalf("scanner key for %q = %+v, want %+v", a+rest, sc.key, keyOf(a))
				}
			}
			for _, b := range names {
				if len(a) <= 16 && len(b) <= 16 && (keyOf(a) == keyOf(b)) != (a == b) {
					t.Fatalf("keyOf(%q) == keyOf(%q) is %v", a, b, keyOf(a) == keyOf(b))
				}
			}
		})
	}
}

// TestCallCapsCache: one Rewriter called with alternating caps answers
// each call as a fresh Rewriter would (the remembered caps never leak into
// a call with other caps, nor a refused caps line into the next call).
func TestCallCapsCache(t *testing.T) {
	master := []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\n360p.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS=\"hvc1.2.4.L123.B0,mp4a.40.2\"\n1080p.m3u8\n")
	var shared Rewriter
	for i, caps := range []string{
		"cls=tv;mh=2160;mbr=16000000;cdc=hvc1,avc1,mp4a;hdr=0",
		"cls=phone;mh=720;mbr=2000000;cdc=avc1,mp4a;hdr=0",
		"cls=phone;mh=720;mbr=2000000;cdc=avc1,mp4a;hdr=0",
		"cls=bogus",
		"cls=tv;mh=2160;mbr=16000000;cdc=hvc1,avc1,mp4a;hdr=0",
		"cls=tv;mh=2160;mbr=16000000;cdc=vp09;hdr=0",
	} {
		in := AppendInput(nil, caps, master)
		var fresh Rewriter
		want := string(fresh.Call(nil, in))
		if got := string(shared.Call(nil, in)); got != want {
			t.Fatalf("call %d (%s): got %q, want %q", i, caps, got, want)
		}
	}
}

// checkSwarDecimal holds swarDigits and swarValue to parseDecimal for the
// first n bytes of every word-long window of s.
func checkSwarDecimal(t *testing.T, s string) {
	var w [8]byte
	copy(w[:], s)
	x := binary.LittleEndian.Uint64(w[:])
	for n := 1; n <= 8; n++ {
		want, wantOK := parseDecimal(w[:n])
		d, ok := swarDigits(x, n)
		if ok != wantOK || ok && swarValue(d) != want {
			t.Fatalf("swarDigits(%q, %d) = %d, %v; parseDecimal = %d, %v", w[:], n, swarValue(d), ok, want, wantOK)
		}
	}
}

func TestSwarDecimal(t *testing.T) {
	for _, s := range []string{"0", "9", "12345678", "99999999", "00000000", "1920x1080", "4200000,", "7/", "1:",
		"12 4", "\xb0\xb1", "\x30\x3a", "1\x00", "0000001", "15000000", "1e3", "+1", "-1"} {
		t.Run(s, func(t *testing.T) { checkSwarDecimal(t, s) })
	}
}

func FuzzSwarDecimal(f *testing.F) {
	for _, s := range []string{"12345678", "1920x1080", "0/9:", "\xb9\x39"} {
		f.Add(s)
	}
	f.Fuzz(checkSwarDecimal)
}

// variantNames are the attribute names judgeVariant reads, by index.
var variantNames = map[string]uint8{
	"BANDWIDTH": iBandwidth, "RESOLUTION": iResolution, "CODECS": iCodecs, "VIDEO-RANGE": iRange,
	"AUDIO": iAudio, "VIDEO": iVideo, "SUBTITLES": iSubtitles, "CLOSED-CAPTIONS": iCC, "URI": iURI,
}

// checkVariantIndex holds variantIndex to a map lookup for the name s.
func checkVariantIndex(t *testing.T, s string) {
	want, ok := variantNames[s]
	if !ok {
		want = iOther
	}
	if got := variantIndex(keyOf(s)); got != want {
		t.Fatalf("variantIndex(keyOf(%q)) = %d, want %d", s, got, want)
	}
}

// TestVariantIndex: only the names judgeVariant reads have an index; every
// name one or two letters away from one of them (the first eight bytes
// and the next eight are compared as separate words) is iOther.
func TestVariantIndex(t *testing.T) {
	for name := range variantNames {
		checkVariantIndex(t, name)
		for i := range len(name) {
			for c := range 128 {
				b := []byte(name)
				b[i] = byte(c)
				checkVariantIndex(t, string(b))
				for j := 8; j < len(b); j++ {
					for _, c2 := range []byte("AHKNZ-_0") {
						b2 := bytes.Clone(b)
						b2[j] = c2
						checkVariantIndex(t, string(b2))
					}
				}
			}
		}
	}
}

func FuzzVariantIndex(f *testing.F) {
	for name := range variantNames {
		f.Add(name)
	}
	f.Add("AANDWIDTK")
	f.Fuzz(checkVariantIndex)
}
