package manifest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
)

const (
	capsPhone   = "cls=phone;mh=720;mbr=5000000;cdc=avc1,mp4a;hdr=0"
	capsDesktop = "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0"
	capsTV      = "cls=tv;mh=2160;mbr=25000000;cdc=avc1,hvc1,av01,mp4a,ec-3;hdr=1"
)

func mustCaps(t testing.TB, s string) *contract.Caps {
	t.Helper()
	c, err := contract.ParseHeader(s)
	if err != nil {
		t.Fatalf("ParseHeader(%q): %v", s, err)
	}
	return &c
}

// v renders a variant block.
func v(attrs, uri string) string { return "#EXT-X-STREAM-INF:" + attrs + "\n" + uri + "\n" }

func TestRewrite(t *testing.T) {
	const (
		avc360  = `BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360`
		avc720  = `BANDWIDTH=2500000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=1280x720`
		avc1080 = `BANDWIDTH=5000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080`
		hevc4k  = `BANDWIDTH=16000000,CODECS="hvc1.2.4.L150.B0,mp4a.40.2",RESOLUTION=3840x2160`
	)
	head := "#EXTM3U\n#EXT-X-VERSION:7\n"
	for _, tc := range []struct {
		name, caps, in string
		want           string // expected output if wantErr is nil
		wantErr        error
	}{
		{"height cap", capsPhone, head + v(avc360, "a") + v(avc1080, "c") + v(avc720, "b"),
			head + v(avc360, "a") + v(avc720, "b"), nil},
		{"bandwidth cap and start first", "cls=tv;mh=2160;mbr=3000000;cdc=avc1,mp4a;hdr=0", head + v(avc360, "a") + v(avc720, "b") + v(avc1080, "c"),
			head + v(avc720, "b") + v(avc360, "a"), nil},
		{"start within class budget", capsDesktop, head + v(avc360, "a") + v(avc720, "b") + v(avc1080, "c"),
			head + v(avc1080, "c") + v(avc360, "a") + v(avc720, "b"), nil},
		{"phone starts low", capsPhone, head + v(avc720, "b") + v(avc360, "a"),
			head + v(avc360, "a") + v(avc720, "b"), nil},
		{"nothing within budget: lowest first", "cls=phone;mh=2160;mbr=25000000;cdc=avc1,mp4a;hdr=0", head + v(avc1080, "c") + v(avc720, "b"),
			head + v(avc720, "b") + v(avc1080, "c"), nil},
		{"codec family", capsTV, head + v(hevc4k, "h") + v(`BANDWIDTH=900000,CODECS="vp09.00.10.08,opus"`, "vp9"),
			head + v(hevc4k, "h"), nil},
		{"avc3 and hev1 aliases", "cls=tv;mh=2160;mbr=25000000;cdc=avc3,hev1,mp4a;hdr=0",
			head + v(`BANDWIDTH=900000,CODECS="avc3.4d401e,mp4a.40.2"`, "a") + v(`BANDWIDTH=1900000,CODECS="hvc1.1.6.L93.B0,mp4a.40.2"`, "h"),
			head + v(`BANDWIDTH=1900000,CODECS="hvc1.1.6.L93.B0,mp4a.40.2"`, "h") + v(`BANDWIDTH=900000,CODECS="avc3.4d401e,mp4a.40.2"`, "a"), nil},
		{"codec names ignore case", capsPhone, head + v(`BANDWIDTH=900000,CODECS="AVC1.4D401E,MP4A.40.2"`, "a"),
			head + v(`BANDWIDTH=900000,CODECS="AVC1.4D401E,MP4A.40.2"`, "a"), nil},
		{"unknown family listed in caps", "cls=tv;mh=2160;mbr=25000000;cdc=dvh1,ec-3;hdr=1", head + v(`BANDWIDTH=9000000,CODECS="dvh1.05.06,ec-3"`, "dv") + v(avc360, "a"),
			head + v(`BANDWIDTH=9000000,CODECS="dvh1.05.06,ec-3"`, "dv"), nil},
		{"HDR needs hdr=1", capsDesktop, head + v(avc360+",VIDEO-RANGE=SDR", "s") + v(avc720+",VIDEO-RANGE=PQ", "pq") + v(avc720+",VIDEO-RANGE=HLG", "hlg") + v(avc720+",VIDEO-RANGE=XYZ", "x"),
			head + v(avc360+",VIDEO-RANGE=SDR", "s"), nil},
		{"HDR allowed", capsTV, head + v(avc720+",VIDEO-RANGE=PQ", "pq"), head + v(avc720+",VIDEO-RANGE=PQ", "pq"), nil},
		{"missing CODECS kept for avc1+mp4a", capsPhone, head + v(`BANDWIDTH=700000,RESOLUTION=640x360`, "n"), head + v(`BANDWIDTH=700000,RESOLUTION=640x360`, "n"), nil},
		{"missing CODECS dropped without avc1", "cls=tv;mh=2160;mbr=25000000;cdc=hvc1,mp4a;hdr=0", head + v(`BANDWIDTH=700000,RESOLUTION=640x360`, "n") + v(hevc4k, "h"), head + v(hevc4k, "h"), nil},
		{"missing RESOLUTION judged by bandwidth", capsPhone, head + v(`BANDWIDTH=64000,CODECS="mp4a.40.2"`, "aud") + v(`BANDWIDTH=6000000,CODECS="mp4a.40.2"`, "big"),
			head + v(`BANDWIDTH=64000,CODECS="mp4a.40.2"`, "aud"), nil},
		{"missing BANDWIDTH dropped", capsPhone, head + v(`CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360`, "x") + v(avc360, "a"), head + v(avc360, "a"), nil},
		{"tabs and control bytes inside lines", capsPhone, head + "# \x01\x0b\x0c\t comment\n" + v("BANDWIDTH=800000,\tRESOLUTION=640x360\t", "a\tb") + v(avc360, "a"),
			head + "# \x01\x0b\x0c\t comment\n" + v("BANDWIDTH=800000,\tRESOLUTION=640x360\t", "a\tb") + v(avc360, "a"), nil},
		{"one variant's attributes do not carry over to the next", capsPhone,
			head + v(`BANDWIDTH=800000,CODECS="hvc1.1.6.L93.B0,mp4a.40.2",RESOLUTION=3840x2160,VIDEO-RANGE=PQ,AUDIO="a"`, "x") + v(`BANDWIDTH=700000`, "n"),
			head + v(`BANDWIDTH=700000`, "n"), nil},
		{"a name near BANDWIDTH is not it", capsPhone, head + v(`AANDWIDTK=800000,RESOLUTION=640x360`, "x") + v(avc360, "a"), head + v(avc360, "a"), nil},
		{"repeated attribute dropped", capsPhone, head + v(`BANDWIDTH=800000,RESOLUTION=640x360,RESOLUTION=3840x2160`, "x") + v(avc360, "a"), head + v(avc360, "a"), nil},
		{"unterminated quote dropped", capsPhone, head + v(`BANDWIDTH=800000,CODECS="avc1.4d401e`, "x") + v(avc360, "a"), head + v(avc360, "a"), nil},
		{"quoted commas", capsPhone, head + v(avc360+`,NAME="a, b, c"`, "a"), head + v(avc360+`,NAME="a, b, c"`, "a"), nil},
		{"stream-inf without URI dropped", capsPhone, head + "#EXT-X-STREAM-INF:" + avc360 + "\n#EXT-X-FOO\n" + v(avc360, "a"), head + "#EXT-X-FOO\n" + v(avc360, "a"), nil},
		{"stream-inf at end without URI", capsPhone, head + v(avc360, "a") + "#EXT-X-STREAM-INF:" + avc360 + "\n", head + v(avc360, "a"), nil},
		{"comment inside block moves with it", capsDesktop, head + v(avc360, "a") + "#EXT-X-STREAM-INF:" + avc1080 + "\n# hi\n\nc\n",
			head + "#EXT-X-STREAM-INF:" + avc1080 + "\n# hi\n\nc\n" + v(avc360, "a"), nil},
		{"moved last block without newline", capsDesktop, head + v(avc360, "a") + "#EXT-X-STREAM-INF:" + avc1080 + "\nc",
			head + v(avc1080, "c") + "#EXT-X-STREAM-INF:" + avc360 + "\na\n", nil},
		{"unmoved last block without newline", capsDesktop, head + v(avc1080, "c") + "#EXT-X-STREAM-INF:" + avc360 + "\na",
			head + v(avc1080, "c") + "#EXT-X-STREAM-INF:" + avc360 + "\na", nil},
		{"CRLF kept and used for a moved block", capsDesktop, "#EXTM3U\r\n#EXT-X-STREAM-INF:" + avc360 + "\r\na\r\n#EXT-X-STREAM-INF:" + avc1080 + "\r\nc",
			"#EXTM3U\r\n#EXT-X-STREAM-INF:" + avc1080 + "\r\nc\r\n#EXT-X-STREAM-INF:" + avc360 + "\r\na\r\n", nil},
		{"BOM kept", capsPhone, "\xef\xbb\xbf" + head + v(avc360, "a"), "\xef\xbb\xbf" + head + v(avc360, "a"), nil},
		{"media groups by reference", capsPhone,
			head + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",URI="aac.m3u8"` + "\n" + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="ec3",URI="ec3.m3u8"` + "\n" +
				`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="aac",URI="subs.m3u8"` + "\n" +
				v(avc360+`,AUDIO="aac"`, "a") + v(`BANDWIDTH=900000,CODECS="avc1.4d401e,ec-3",AUDIO="ec3"`, "e"),
			head + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",URI="aac.m3u8"` + "\n" + v(avc360+`,AUDIO="aac"`, "a"), nil},
		{"audio rendition codecs pruned when the group keeps one", capsPhone,
			head + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="g",CODECS="ec-3",URI="ec3.m3u8"` + "\n" + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="g",CODECS="mp4a.40.2",URI="aac.m3u8"` + "\n" + v(avc360+`,AUDIO="g"`, "a"),
			head + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="g",CODECS="mp4a.40.2",URI="aac.m3u8"` + "\n" + v(avc360+`,AUDIO="g"`, "a"), nil},
		{"audio rendition kept when the group has nothing better", capsPhone,
			head + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="g",CODECS="ec-3",URI="ec3.m3u8"` + "\n" + v(avc360+`,AUDIO="g"`, "a"),
			head + `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="g",CODECS="ec-3",URI="ec3.m3u8"` + "\n" + v(avc360+`,AUDIO="g"`, "a"), nil},
		{"closed captions NONE", capsPhone, head + `#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",INSTREAM-ID="CC1"` + "\n" + v(avc360+",CLOSED-CAPTIONS=NONE", "a"),
			head + v(avc360+",CLOSED-CAPTIONS=NONE", "a"), nil},
		{"i-frame variants filtered", capsPhone, head + v(avc360, "a") + `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,CODECS="avc1.640028",RESOLUTION=1920x1080,URI="i1080.m3u8"` + "\n" +
			`#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=50000,CODECS="avc1.4d401e",RESOLUTION=640x360,URI="i360.m3u8"` + "\n" + `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=50000,CODECS="avc1.4d401e"` + "\n",
			head + v(avc360, "a") + `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=50000,CODECS="avc1.4d401e",RESOLUTION=640x360,URI="i360.m3u8"` + "\n", nil},
		{"other tags untouched", capsPhone, head + "#EXT-X-SESSION-DATA:DATA-ID=\"x\",VALUE=\"1,2\"\n#EXT-X-START:TIME-OFFSET=3\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"b\"\n\n#vendor\n" + v(avc360, "a"),
			head + "#EXT-X-SESSION-DATA:DATA-ID=\"x\",VALUE=\"1,2\"\n#EXT-X-START:TIME-OFFSET=3\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"b\"\n\n#vendor\n" + v(avc360, "a"), nil},
		{"nothing playable", capsPhone, head + v(hevc4k, "h"), "", ErrNothingPlayable},
		{"only i-frames playable", capsPhone, head + v(hevc4k, "h") + `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=50000,CODECS="avc1.4d401e",URI="i.m3u8"` + "\n", "", ErrNothingPlayable},
		{"media playlist", capsPhone, head + "#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nseg1.m4s\n", "", ErrNotMaster},
		{"no variants", capsPhone, "#EXTM3U\n", "", ErrNotMaster},
		{"mixed master and media", capsPhone, head + v(avc360, "a") + "#EXTINF:4,\nseg1.m4s\n", "", ErrInvalid},
		{"no header", capsPhone, v(avc360, "a"), "", ErrInvalid},
		{"empty", capsPhone, "", "", ErrInvalid},
		{"hidden tag", capsPhone, head + "#EXT-X-VENDOR:x#EXT-X-STREAM-INF:BANDWIDTH=1\n" + v(avc360, "a"), "", ErrInvalid},
		{"bare CR", capsPhone, head + "#EXT-X-FOO\r#EXT-X-STREAM-INF:BANDWIDTH=1\n" + v(avc360, "a"), "", ErrInvalid},
		{"too large", capsPhone, head + v(avc360, "a") + "#" + strings.Repeat("x", MaxSize) + "\n", "", ErrInvalid},
		{"too many entries", capsPhone, head + strings.Repeat(v(avc360, "a"), MaxEntries+1), "", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Rewriter
			prefix := []byte("keep:")
			out, err := r.Rewrite(prefix, []byte(tc.in), mustCaps(t, tc.caps))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || string(out) != "keep:" {
					t.Fatalf("Rewrite = %q, %v; want dst unchanged and %v", out, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Rewrite: %v", err)
			}
			if got := strings.TrimPrefix(string(out), "keep:"); got != tc.want || !strings.HasPrefix(string(out), "keep:") {
				t.Fatalf("Rewrite =\n%s\nwant\n%s", out, tc.want)
			}
			checkOutput(t, []byte(tc.in), out[len(prefix):])
		})
	}
}

func TestStartBudget(t *testing.T) {
	for _, tc := range []struct {
		caps string
		want int64
	}{
		{"cls=phone;mh=1;mbr=8000000;cdc=", 1_500_000},
		{"cls=tablet;mh=1;mbr=8000000;cdc=", 3_000_000},
		{"cls=desktop;mh=1;mbr=8000000;cdc=", 5_000_000},
		{"cls=tv;mh=1;mbr=25000000;cdc=", 8_000_000},
		{"cls=tv;mh=1;mbr=2000000;cdc=", 2000000},
		{"cls=fridge;mh=1;mbr=8000000;cdc=", 1_500_000},
	} {
		t.Run(tc.caps, func(t *testing.T) {
			if got := mustCaps(t, tc.caps).StartBudget(); got != tc.want {
				t.Fatalf("StartBudget = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAttrScanner(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string // name=value|... with quoted values in quotes
		wantBad bool
	}{
		{`A=1,B="x,y",C=z`, `A=1|B="x,y"|C=z`, false},
		{` A=1 , B="q" ,`, `A=1|B="q"`, false},
		{`A=`, `A=`, false},
		{``, ``, false},
		{`A="open`, ``, true},
		{`A="x"y`, ``, true},
		{`=1`, ``, true},
		{`A`, ``, true},
		{`A=1,,B=2`, `A=1`, true},
		{`A=x"y`, ``, true},
		{`A B=1`, ``, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			sc := attrScanner{s: []byte(tc.in)}
			var parts []string
			for {
				name, value, quoted, ok := sc.next()
				if !ok {
					break
				}
				if quoted {
					parts = append(parts, string(name)+`="`+string(value)+`"`)
				} else {
					parts = append(parts, string(name)+"="+string(value))
				}
			}
			if got := strings.Join(parts, "|"); got != tc.want || sc.bad != tc.wantBad {
				t.Fatalf("scan = %q bad=%v, want %q bad=%v", got, sc.bad, tc.want, tc.wantBad)
			}
		})
	}
}

func TestCallAndResult(t *testing.T) {
	master, err := os.ReadFile(filepath.Join("testdata", "ladder8.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	media, _ := os.ReadFile(filepath.Join("testdata", "media.m3u8"))
	want, err := Rewrite(master, *mustCaps(t, capsDesktop))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		input      []byte
		wantStatus string
		wantBody   string // "" with StatusOK means want
		wantErr    error
	}{
		{"ok", AppendInput(nil, capsDesktop, master), StatusOK, string(want), nil},
		{"not master", AppendInput(nil, capsDesktop, media), StatusNotMaster, "", ErrNotMaster},
		{"unplayable", AppendInput(nil, "cls=phone;mh=100;mbr=1;cdc=;hdr=0", master), StatusUnplayable, "", ErrNothingPlayable},
		{"invalid", AppendInput(nil, capsDesktop, []byte("<html>")), StatusInvalid, "no #EXTM3U header", ErrInvalid},
		{"bad caps", AppendInput(nil, "cls=phone", master), StatusError, "caps: missing field", ErrCall},
		{"no caps line", []byte("cls=phone"), StatusError, "no caps line", ErrCall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Rewriter
			out := r.Call([]byte("junk"), tc.input)
			if !bytes.HasPrefix(out, []byte("junk")) {
				t.Fatal("Call did not append to dst")
			}
			res, err := ParseResult(out[len("junk"):])
			if err != nil {
				t.Fatalf("ParseResult(%q): %v", out, err)
			}
			if res.Status != tc.wantStatus || string(res.Body) != tc.wantBody {
				t.Fatalf("result = %s %q, want %s %q", res.Status, res.Body, tc.wantStatus, tc.wantBody)
			}
			if err := res.Err(); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Err() = %v, want %v", err, tc.wantErr)
			}
		})
	}
	t.Run("malformed results", func(t *testing.T) {
		for _, b := range []string{"", "ok", "maybe\n", "not_master\nx", "unplayable\nx"} {
			if _, err := ParseResult([]byte(b)); !errors.Is(err, ErrResult) {
				t.Errorf("ParseResult(%q) = %v, want ErrResult", b, err)
			}
		}
	})
}

// checkOutput checks the invariants of a rewrite of in: out is a master
// (#EXTM3U first, every EXT-X-STREAM-INF followed by its URI line), and out
// is in with lines removed and variant blocks reordered, nothing added.
func checkOutput(t testing.TB, in, out []byte) {
	t.Helper()
	inUnits, _ := units(in)
	outUnits, ok := units(out)
	if !ok {
		t.Fatalf("output has an EXT-X-STREAM-INF without URI:\n%s", out)
	}
	if len(outUnits) == 0 || strings.TrimPrefix(outUnits[0], "\ufeff") != "#EXTM3U" {
		t.Fatalf("output does not start with #EXTM3U:\n%s", out)
	}
	split := func(us []string) (lines, blocks []string) {
		for _, u := range us {
			if strings.HasPrefix(strings.TrimLeft(u, " \t"), "#EXT-X-STREAM-INF") && strings.Contains(u, "\n") {
				blocks = append(blocks, u)
			} else {
				lines = append(lines, u)
			}
		}
		return lines, blocks
	}
	inLines, inBlocks := split(inUnits)
	outLines, outBlocks := split(outUnits)
	if len(outBlocks) == 0 {
		t.Fatalf("output has no variant:\n%s", out)
	}
	if !subsequence(outLines, inLines) {
		t.Fatalf("output lines are not a subsequence of the input's:\n%s", out)
	}
	// One block (the start variant) may have moved to the front.
	if !subsequence(outBlocks[1:], inBlocks) || !subsequence(outBlocks[:1], inBlocks) {
		t.Fatalf("output variants are not the input's, reordered only by the start variant:\n%s", out)
	}
}

// units splits a playlist into lines (without line endings), joining each
// EXT-X-STREAM-INF with the blank and comment lines and the URI line after
// it; ok is false if an EXT-X-STREAM-INF has no URI line.
func units(b []byte) (us []string, ok bool) {
	lines := strings.Split(string(b), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	ok = true
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(strings.TrimLeft(l, " \t"), "#EXT-X-STREAM-INF") {
			us = append(us, l)
			continue
		}
		j := i + 1
		for j < len(lines) {
			t := strings.TrimLeft(lines[j], " \t")
			if t == "" || strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "#EXT") {
				j++
				continue
			}
			break
		}
		if j < len(lines) && !strings.HasPrefix(strings.TrimLeft(lines[j], " \t"), "#") {
			us = append(us, strings.Join(lines[i:j+1], "\n"))
			i = j
			continue
		}
		ok = false
		us = append(us, l)
	}
	return us, ok
}

// subsequence reports whether sub is a subsequence of s.
func subsequence(sub, s []string) bool {
	i := 0
	for _, x := range s {
		if i < len(sub) && sub[i] == x {
			i++
		}
	}
	return i == len(sub)
}
