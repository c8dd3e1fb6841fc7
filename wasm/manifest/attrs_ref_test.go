package manifest

import "testing"

// nextRef is attrScanner.next as it was before the SWAR value and name
// scans: the reference FuzzAttrScannerDiff compares next with.
func (sc *attrScanner) nextRef() (name, value []byte, quoted, ok bool) {
	s := skipSpace(sc.s)
	if len(s) == 0 {
		sc.s = s
		return nil, nil, false, false
	}
	i := 0
	for i < len(s) && nameByte[s[i]] {
		i++
	}
	sc.key = packName(s, i)
	if i == 0 || i == len(s) || s[i] != '=' {
		sc.bad, sc.s = true, nil
		return nil, nil, false, false
	}
	name, s = s[:i], s[i+1:]
	// The value scans below are inline byte loops: values are short
	// (numbers, codec lists, group names) and in the Wasm module a call
	// per value costs more than the bytes it would save.
	if len(s) > 0 && s[0] == '"' {
		end := 1
		for end < len(s) && s[end] != '"' {
			end++
		}
		if end == len(s) {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
		value, s = s[1:end], skipSpace(s[end+1:])
		quoted = true
		if len(s) > 0 && s[0] != ',' {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
	} else {
		end := 0
		for end < len(s) && s[end] != ',' {
			if s[end] == '"' {
				sc.bad, sc.s = true, nil
				return nil, nil, false, false
			}
			end++
		}
		value, s = trimSpaceRight(s[:end]), s[end:]
	}
	if len(s) > 0 { // s[0] == ','
		s = s[1:]
	}
	sc.s = s
	return name, value, quoted, true
}

// FuzzAttrScannerDiff: the SWAR scanner returns exactly what the byte-loop
// scanner it replaced returned (names, values, quoting, keys, malformed
// lists, what is left), for any input.
func FuzzAttrScannerDiff(f *testing.F) {
	for _, s := range []string{
		`BANDWIDTH=6500000,AVERAGE-BANDWIDTH=5500000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,FRAME-RATE=48.000`,
		`A="`, `A=1,,`, ` X = 1`, `TYPE=AUDIO,GROUP-ID="aud",NAME="English",CODECS="ec-3"`,
		`CLOSED-CAPTIONS=NONE,AVERAGE-BANDWIDTH=1`, "ABCDEFGH\x00=1", "B\xc1NDWIDTH=1", `X-VENDOR_NAME0=1 , Y=" a " ,`,
		`BANDWIDTH=1"2`, "A=\"x\" y", "RESOLUTION=1x2,\tCODECS=\"a\"\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, b := attrScanner{s: []byte(s)}, attrScanner{s: []byte(s)}
		for {
			n1, v1, q1, ok1 := a.next()
			n2, v2, q2, ok2 := b.nextRef()
			if string(n1) != string(n2) || string(v1) != string(v2) || q1 != q2 || ok1 != ok2 ||
				a.bad != b.bad || a.key != b.key || string(a.s) != string(b.s) {
				t.Fatalf("%q: next = %q %q %v %v bad=%v key=%+v rest=%q; reference = %q %q %v %v bad=%v key=%+v rest=%q",
					s, n1, v1, q1, ok1, a.bad, a.key, a.s, n2, v2, q2, ok2, b.bad, b.key, b.s)
			}
			if !ok1 {
				return
			}
		}
	})
}

// FuzzNameLen: the SWAR name scan agrees with the byte table for any input.
func FuzzNameLen(f *testing.F) {
	f.Add("BANDWIDTH=1")
	f.Add("AZaz09-_@[`{/:\x7f\x80\xff\r\x10")
	f.Fuzz(func(t *testing.T, s string) {
		want := 0
		for want < len(s) && nameByte[s[want]] {
			want++
		}
		if got := nameLen([]byte(s)); got != want {
			t.Fatalf("nameLen(%q) = %d, want %d", s, got, want)
		}
	})
}

// TestNameLenBytes checks every byte value at every position of a word.
func TestNameLenBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 9; pos++ {
			b := []byte("ABCDEFGHIJKLMNOP")
			b[pos] = byte(c)
			want := 16
			if !nameByte[c] {
				want = pos
			}
			if got := nameLen(b); got != want {
				t.Fatalf("byte %#x at %d: nameLen = %d, want %d", c, pos, got, want)
			}
		}
	}
}

// TestKeyWords: the w0 constants are the first words of their keys.
func TestKeyWords(t *testing.T) {
	for _, c := range []struct {
		w0  uint64
		key nameKey
	}{
		{w0Bandwidth, keyBandwidth}, {w0Resolution, keyResolution}, {w0Codecs, keyCodecs},
		{w0VideoRange, keyVideoRange}, {w0Audio, keyAudio}, {w0Video, keyVideo},
		{w0Subtitles, keySubtitles}, {w0CC, keyCC}, {w0URI, keyURI},
	} {
		if c.w0 != c.key.w0 || variantAttr(c.key) == 0 {
			t.Errorf("key %+v: w0 constant %#x", c.key, c.w0)
		}
	}
}

// TestEntryAt: entryAt's word compares agree with the reference's
// (entryKindRef, itself checked against string compares), also for names
// one byte off at every position, with and without attributes.
func TestEntryAt(t *testing.T) {
	want := map[string]kind{"EXT-X-STREAM-INF": kindVariant, "EXT-X-MEDIA": kindMedia, "EXT-X-I-FRAME-STREAM-INF": kindIFrame}
	check := func(name string) {
		t.Helper()
		if got := entryKindRef([]byte(name)); got != want[name] {
			t.Errorf("entryKindRef(%q) = %d, want %d", name, got, want[name])
		}
		for _, rest := range []string{"", ":", ":BANDWIDTH=1", " :X", "\n"} {
			line := "#" + name + rest
			k, attrs := entryAt([]byte(line), 1, len(line))
			wantK, wantAttrs := want[name], 0
			switch {
			case wantK == 0:
			case rest == "":
				wantAttrs = len(line)
			case rest[0] == ':':
				wantAttrs = 1 + len(name) + 1
			default:
				wantK = 0
			}
			if k != wantK || attrs != wantAttrs {
				t.Errorf("entryAt(%q) = %d, %d; want %d, %d", line, k, attrs, wantK, wantAttrs)
			}
		}
	}
	for name := range want {
		check(name)
		for i := range len(name) {
			b := []byte(name)
			b[i] ^= 0x20
			check(string(b))
		}
		for _, x := range []string{name[1:], name + "X", "X" + name[1:], name[:len(name)-1]} {
			check(x)
		}
	}
}
