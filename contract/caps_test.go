package contract

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// headerCases drive both directions: a value that parses gives want, and
// want formats as canonical (the value itself when it is canonical).
var headerCases = []struct {
	in        string
	want      Caps
	canonical string // "" when in is canonical
	wantErr   bool
}{
	{in: "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0", want: Caps{Class: "desktop", MaxHeight: 1080, MaxBitrate: 8000000, Codecs: []string{"avc1", "mp4a"}}},
	{in: "cls=tv;mh=2160;mbr=16000000;cdc=hvc1;hdr=1", want: Caps{Class: "tv", MaxHeight: 2160, MaxBitrate: 16000000, Codecs: []string{"hvc1"}, HDR: true}},
	{in: "cls=phone;mh=0;mbr=0;cdc=;hdr=0", want: Caps{Class: "phone"}},
	{in: "cls=tv;mh=2160;mbr=25000000;cdc=mp4a,hev1,avc3,avc1,DVH1,dvh1;hdr=1",
		want:      Caps{Class: "tv", MaxHeight: 2160, MaxBitrate: 25000000, Codecs: []string{"mp4a", "hev1", "avc3", "avc1", "DVH1", "dvh1"}, HDR: true},
		canonical: "cls=tv;mh=2160;mbr=25000000;cdc=avc1,hvc1,mp4a,dvh1;hdr=1"},
	{in: "hdr=1;cdc=;mbr=1;mh=2;cls=phone", want: Caps{Class: "phone", MaxHeight: 2, MaxBitrate: 1, HDR: true},
		canonical: "cls=phone;mh=2;mbr=1;cdc=;hdr=1"},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=zz9,ac-3,xx1,Opus", want: Caps{Class: "phone", MaxHeight: 720, MaxBitrate: 5000000, Codecs: []string{"zz9", "ac-3", "xx1", "Opus"}},
		canonical: "cls=phone;mh=720;mbr=5000000;cdc=ac-3,opus,zz9,xx1;hdr=0"},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1", want: Caps{Class: "phone", MaxHeight: 720, MaxBitrate: 5000000, Codecs: []string{"avc1"}},
		canonical: "cls=phone;mh=720;mbr=5000000;cdc=avc1;hdr=0"},
	{in: "cls=fridge;mh=1;mbr=1;cdc=;hdr=0", want: Caps{Class: "fridge", MaxHeight: 1, MaxBitrate: 1}},
	{in: "", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1;hdr=2", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1;hdr=0;x=1", wantErr: true},
	{in: "cls=phone;mh=720;mh=1080;mbr=5000000;cdc=avc1", wantErr: true},
	{in: "cls=phone;mh=-1;mbr=5000000;cdc=avc1", wantErr: true},
	{in: "cls=phone;mh=720;mbr=99999999999999999999;cdc=avc1", wantErr: true},
	{in: "cls=phone;mh=720;mbr=1000000000000000001;cdc=avc1", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1,", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1,,mp4a", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=av c1", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=" + strings.Repeat("a", MaxCodecLength+1), wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=" + strings.Repeat("x,", MaxCodecs) + "x", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1;", wantErr: true},
	{in: "cls=;mh=720;mbr=5000000;cdc=avc1", wantErr: true},
	{in: "cls=ph;one;mh=720;mbr=5000000;cdc=avc1", wantErr: true},
	{in: "cls=phone;mh=720;mbr=5000000;cdc=avc1;hdr=0" + strings.Repeat(";", MaxHeaderLength), wantErr: true},
}

func TestHeader(t *testing.T) {
	for _, tc := range headerCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHeader(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrCaps) {
					t.Fatalf("ParseHeader = %+v, %v; want ErrCaps", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalCaps(got, tc.want) {
				t.Fatalf("ParseHeader = %+v, want %+v", got, tc.want)
			}
			want := tc.canonical
			if want == "" {
				want = tc.in
			}
			if h := tc.want.Header(); h != want {
				t.Fatalf("Header = %q, want %q", h, want)
			}
		})
	}
}

// TestHeaderCanonical: the formatter collapses aliases, case, order and
// repeats the same way the parser does, for caps that were never parsed.
func TestHeaderCanonical(t *testing.T) {
	c := Caps{Class: "tv", MaxHeight: 1, MaxBitrate: 2, Codecs: []string{"MP4A", "zz", "avc3", "hev1", "avc1", "aa", "zz"}}
	if got, want := c.Header(), "cls=tv;mh=1;mbr=2;cdc=avc1,hvc1,mp4a,zz,aa;hdr=0"; got != want {
		t.Fatalf("Header = %q, want %q", got, want)
	}
	if !slices.Equal(c.Codecs, []string{"MP4A", "zz", "avc3", "hev1", "avc1", "aa", "zz"}) {
		t.Fatalf("Header changed its receiver: %q", c.Codecs)
	}
}

func equalCaps(a, b Caps) bool {
	return a.Class == b.Class && a.MaxHeight == b.MaxHeight && a.MaxBitrate == b.MaxBitrate && a.HDR == b.HDR &&
		slices.Equal(a.Codecs, b.Codecs)
}

// FuzzHeader: anything that parses formats to a canonical value that
// parses back to the same class, numbers and HDR and formats the same
// (round trip); errors wrap ErrCaps.
func FuzzHeader(f *testing.F) {
	for _, tc := range headerCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseHeader(s)
		if err != nil {
			if !errors.Is(err, ErrCaps) {
				t.Fatalf("error %v does not wrap ErrCaps", err)
			}
			return
		}
		h := c.Header()
		again, err := ParseHeader(h)
		if err != nil {
			t.Fatalf("ParseHeader(%q) = %v; it is the Header of %+v", h, err, c)
		}
		if again.Class != c.Class || again.MaxHeight != c.MaxHeight || again.MaxBitrate != c.MaxBitrate || again.HDR != c.HDR ||
			again.Header() != h {
			t.Fatalf("round trip: %+v -> %q -> %+v", c, h, again)
		}
	})
}

func TestValidate(t *testing.T) {
	ok := Caps{Class: ClassTV, MaxHeight: 2160, MaxBitrate: 25_000_000, Codecs: []string{"avc1", "dvh1.05"}}
	for _, tc := range []struct {
		name string
		edit func(*Caps)
		ok   bool
	}{
		{"good", func(*Caps) {}, true},
		{"unknown class", func(c *Caps) { c.Class = "fridge" }, false},
		{"negative height", func(c *Caps) { c.MaxHeight = -1 }, false},
		{"huge bitrate", func(c *Caps) { c.MaxBitrate = MaxNumber + 1 }, false},
		{"bad codec", func(c *Caps) { c.Codecs = []string{"avc1;x"} }, false},
		{"empty codec", func(c *Caps) { c.Codecs = []string{""} }, false},
		{"long codec", func(c *Caps) { c.Codecs = []string{strings.Repeat("a", MaxCodecLength+1)} }, false},
		{"too many codecs", func(c *Caps) { c.Codecs = slices.Repeat([]string{"a"}, MaxCodecs+1) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrCaps) {
				t.Fatalf("Validate(%+v) = %v", c, err)
			}
		})
	}
}

func TestFamilies(t *testing.T) {
	for _, tc := range []struct{ codec, family string }{
		{"avc1.64001f", "avc1"}, {"AVC3.64001F", "avc1"}, {"hvc1.2.4.L153.B0", "hvc1"}, {"hev1.1.6.L93.B0", "hvc1"},
		{"av01.0.08M.08", "av01"}, {"vp09.00.40.08", "vp09"}, {"mp4a.40.2", "mp4a"}, {"ec-3", "ec-3"}, {"ac-3", "ac-3"},
		{"Opus", "opus"}, {"fLaC", "flac"}, {"wvtt", "wvtt"}, {"stpp.ttml.im1t", "stpp"},
		// Not aliases (RATIONALE.md): Dolby Vision, and names that are no codec string.
		{"dvh1.05.06", "dvh1"}, {"dvhe.05.06", "dvhe"}, {"vp9", "vp9"}, {"ec3", "ec3"}, {"eac3", "eac3"}, {"ac3", "ac3"},
	} {
		if got := FamilyName(tc.codec); got != tc.family {
			t.Errorf("FamilyName(%q) = %q, want %q", tc.codec, got, tc.family)
		}
	}
	for i, n := range familyNames {
		if f := FamilyOf(n); f != 1<<i || f.String() != n || FamilyOf(strings.ToUpper(n)) != f {
			t.Errorf("FamilyOf(%q) = %v", n, f)
		}
	}
	if VideoFamilies&AudioFamilies != 0 || VideoFamilies&TextFamilies != 0 || AudioFamilies&TextFamilies != 0 ||
		VideoFamilies|AudioFamilies|TextFamilies != 1<<len(familyNames)-1 {
		t.Fatal("family kinds overlap or miss a family")
	}
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct {
		class  string
		height int64
		start  int64
	}{{ClassPhone, 720, 1_500_000}, {ClassTablet, 1080, 3_000_000}, {ClassDesktop, 2160, 5_000_000}, {ClassTV, 2160, 8_000_000}} {
		c, ok := ClassDefaults(tc.class)
		if !ok || c.MaxHeight != tc.height || c.Validate() != nil || StartBitrate(tc.class) != tc.start {
			t.Errorf("%s: %+v, %v, start %d", tc.class, c, ok, StartBitrate(tc.class))
		}
		c.MaxBitrate = 1
		if c.StartBudget() != 1 {
			t.Errorf("%s: StartBudget over MaxBitrate", tc.class)
		}
	}
	if _, ok := ClassDefaults("fridge"); ok || StartBitrate("fridge") != 1_500_000 {
		t.Fatal("unknown class")
	}
	if len(Classes) != 4 {
		t.Fatal(Classes)
	}
	for _, c := range Classes {
		if !ValidClass(c) {
			t.Fatal(c)
		}
	}
}

func TestMayFetch(t *testing.T) {
	c := Caps{Class: "desktop", Renditions: []string{"360p", "720p", AudioFolder, SubtitleFolder}}
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"master.m3u8", true},
		{"thumbnails.vtt", true},
		{"720p/seg_00001.m4s", true},
		{"audio/en/init.mp4", true},
		{"subs/pt-BR/index.m3u8", true},
		{"1080p/seg_00001.m4s", false},
		{"1080p_hevc/init.mp4", false},
		{"720/index.m3u8", false},
		{"720p_hdr/index.m3u8", false},
		{"/720p/index.m3u8", false},
	} {
		if got := c.MayFetch(tc.rel); got != tc.want {
			t.Errorf("MayFetch(%q) = %v, want %v", tc.rel, got, tc.want)
		}
	}
	if (&Caps{Class: "tv"}).MayFetch("720p/index.m3u8") {
		t.Error("caps without rnd open a folder")
	}
	for _, bad := range [][]string{{""}, {"../x"}, {"a/b"}, {"a.b"}, {strings.Repeat("x", 33)}, make([]string, MaxRenditions+1)} {
		c := Caps{Class: "tv", Renditions: bad}
		if err := c.Validate(); err == nil {
			t.Errorf("Validate() accepts rnd %q", bad)
		}
	}
}
