package cmcd

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// player is what edgeflix's player sends on a segment request.
func player() Data {
	d := Data{ObjectType: ObjectVideo, ContentID: "t-42", SessionID: "6f1c0b2a9d3e4f50",
		StreamingFormat: FormatHLS, StreamType: StreamVOD, NextObject: "seg_00005.m4s", Startup: true, BufferStarvation: true}
	d.SetBitrate(3200)
	d.SetBufferLength(21_340)
	d.SetMeasuredThroughput(25_432)
	d.SetDuration(4004)
	d.SetTopBitrate(6000)
	return d
}

// codecCases drive both directions: Data → payload and payload → Data.
var codecCases = []struct {
	name    string
	data    Data
	payload string
	headers [][2]string
}{
	{"empty", Data{}, "", nil},
	{"player segment", player(),
		`bl=21300,br=3200,bs,cid="t-42",d=4004,mtp=25400,nor="seg_00005.m4s",ot=v,sf=h,sid="6f1c0b2a9d3e4f50",st=v,su,tb=6000`,
		[][2]string{
			{HeaderObject, `br=3200,d=4004,ot=v,tb=6000`},
			{HeaderRequest, `bl=21300,mtp=25400,nor="seg_00005.m4s",su`},
			{HeaderSession, `cid="t-42",sf=h,sid="6f1c0b2a9d3e4f50",st=v`},
			{HeaderStatus, `bs`},
		}},
	{"zero buffer is sent", func() Data { var d Data; d.SetBufferLength(0); return d }(), `bl=0`,
		[][2]string{{HeaderRequest, `bl=0`}}},
	{"escaped string", Data{ContentID: `a"b\c`}, `cid="a\"b\\c"`, [][2]string{{HeaderSession, `cid="a\"b\\c"`}}},
	{"status and rates", func() Data {
		d := Data{NextRange: "100-199"}
		d.SetRequestedThroughput(1549)
		d.SetPlaybackRate(1.5)
		d.SetDeadline(349)
		d.SetVersion(1)
		return d
	}(), `dl=300,nrr="100-199",pr=1.5,rtp=1500,v=1`, [][2]string{
		{HeaderRequest, `dl=300,nrr="100-199"`},
		{HeaderSession, `pr=1.5,v=1`},
		{HeaderStatus, `rtp=1500`},
	}},
}

func TestCodec(t *testing.T) {
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.data.String(); got != tc.payload {
				t.Errorf("encode:\n got %s\nwant %s", got, tc.payload)
			}
			got, err := Parse(tc.payload)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if want := roundTripped(tc.data); got != want {
				t.Errorf("parse:\n got %+v\nwant %+v", got, want)
			}
			h := tc.data.Headers()
			if len(h) != len(tc.headers) {
				t.Fatalf("headers: got %q, want %q", h, tc.headers)
			}
			for i := range h {
				if h[i] != tc.headers[i] {
					t.Errorf("header %d: got %q, want %q", i, h[i], tc.headers[i])
				}
			}
			fromHeaders, err := ParseHeaders(headerGetter(h))
			if err != nil || fromHeaders != got {
				t.Errorf("parse headers: %+v, %v; want %+v", fromHeaders, err, got)
			}
			// The query form decodes, with net/url as the edge's HTTP stack would, to the payload.
			u := tc.data.AppendQuery("https://edge/t/x/seg.m4s")
			parsed, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			if v := parsed.Query().Get(QueryKey); v != tc.payload {
				t.Errorf("query form %s decodes to %q, want %q", u, v, tc.payload)
			}
		})
	}
}

// roundTripped is d as the wire carries it: rounded.
func roundTripped(d Data) Data {
	p, err := Parse(d.String())
	if err != nil {
		panic(err)
	}
	return p
}

func headerGetter(h [][2]string) func(string) string {
	return func(name string) string {
		for _, kv := range h {
			if strings.EqualFold(kv[0], name) {
				return kv[1]
			}
		}
		return ""
	}
}

func TestRounding(t *testing.T) {
	var d Data
	d.SetBufferLength(149)
	d.SetMeasuredThroughput(150)
	d.SetDeadline(-5)
	if got, want := d.String(), "bl=100,dl=0,mtp=200"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestAppendQuery(t *testing.T) {
	d := Data{Startup: true, SessionID: "s 1"}
	for in, want := range map[string]string{
		"/t/x/a.m4s":      `/t/x/a.m4s?CMCD=sid%3D%22s%201%22%2Csu`,
		"/t/x/a.m4s?k=v":  `/t/x/a.m4s?k=v&CMCD=sid%3D%22s%201%22%2Csu`,
		"/t/x/master.m3u": "",
	} {
		if want == "" {
			if got := (&Data{}).AppendQuery(in); got != in {
				t.Errorf("empty data changed %s to %s", in, got)
			}
			continue
		}
		if got := d.AppendQuery(in); got != want {
			t.Errorf("AppendQuery(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, payload := range []string{
		"bl",                                    // integer without value
		"bl=",                                   // empty integer
		"bl=150",                                // not rounded
		"mtp=25432",                             // not rounded
		"rtp=1",                                 // not rounded
		"br=-1",                                 // negative
		"br=+1",                                 // sign
		"br=01",                                 // leading zero
		"br=1.5",                                // not an integer
		"br=1e3",                                // exponent
		"br=9999999999999",                      // too many digits
		`br="1"`,                                // quoted integer
		"su=true",                               // flag with a value
		"bs=1",                                  // flag with a value
		"ot=x",                                  // unknown token
		"sf=H",                                  // tokens are case-sensitive
		`ot="v"`,                                // quoted token
		"sid=abc",                               // unquoted string
		`sid=""`,                                // empty string
		`sid="` + strings.Repeat("a", 65) + `"`, // longer than 64
		`cid="abc`,                              // unterminated
		`cid="a"b"`,                             // junk after the string
		`cid="a\nb"`,                            // bad escape
		"cid=\"a\x01\"",                         // control character
		`nrr="5-1"`,                             // backwards range
		`nrr="abc"`,                             // not a range
		"pr=1.50",                               // not in shortest form
		"pr=101",                                // out of range
		"pr=.5",                                 // no integer part
		"v=2",                                   // unknown version
		"xyz=1",                                 // unknown reserved key
		"br=1,br=2",                             // duplicate
		"su,su",                                 // duplicate flag
		"BR=1",                                  // keys are lowercase
		"br=1,",                                 // trailing comma
		",br=1",                                 // leading comma
		"br=1,,d=2",                             // empty pair
		"br=1;d=2",                              // wrong separator
		"br = 1",                                // spaces
		"=1",                                    // no key
		strings.Repeat("a-b,", MaxLen/4+1),      // too long
	} {
		d, err := Parse(payload)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrInvalid", payload, d, err)
		}
		if err != nil && d != (Data{}) {
			t.Errorf("Parse(%q) returned data with its error: %+v", payload, d)
		}
	}
}

func TestParseCustomKeysSkipped(t *testing.T) {
	d, err := Parse(`com.example-x=1,br=100,com.example-y="z",com.example-flag`)
	if err != nil {
		t.Fatal(err)
	}
	if d.Bitrate != 100 || d.String() != "br=100" {
		t.Fatalf("got %+v", d)
	}
}

func TestParseHeadersWrongGroup(t *testing.T) {
	for _, h := range [][2]string{
		{HeaderObject, "bl=100"},
		{HeaderRequest, "br=100"},
		{HeaderSession, "su"},
		{HeaderStatus, `sid="a"`},
	} {
		if _, err := ParseHeaders(headerGetter([][2]string{h})); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %s: err = %v, want ErrInvalid", h[0], h[1], err)
		}
	}
	// A key given in two headers is a duplicate.
	_, err := ParseHeaders(headerGetter([][2]string{{HeaderObject, "br=1"}, {HeaderRequest, "su"}, {HeaderSession, "sf=h"}, {HeaderStatus, "bs"}}))
	if err != nil {
		t.Fatalf("valid headers: %v", err)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{"a%2Cb": "a,b", "%22x%22": `"x"`, "plain": "plain", "a+b": "a+b"} {
		if got, err := Unescape(in); err != nil || got != want {
			t.Errorf("Unescape(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"%", "%2", "%zz", "a%2"} {
		if _, err := Unescape(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Unescape(%q): err = %v, want ErrInvalid", in, err)
		}
	}
}

// FuzzParse checks that whatever parses encodes to a payload that parses to
// the same data (and, split into headers, to the same data again).
func FuzzParse(f *testing.F) {
	for _, tc := range codecCases {
		f.Add(tc.payload)
	}
	f.Add(`com.example-x=1,br=100`)
	f.Add(`cid="a\"b",pr=0.25,nrr="-5"`)
	f.Fuzz(func(t *testing.T, payload string) {
		d, err := Parse(payload)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		again, err := Parse(d.String())
		if err != nil {
			t.Fatalf("%q parsed to %+v, which encodes to %q that does not parse: %v", payload, d, d.String(), err)
		}
		if again != d {
			t.Fatalf("%q: %+v encodes to %q, parsed back as %+v", payload, d, d.String(), again)
		}
		fromHeaders, err := ParseHeaders(headerGetter(d.Headers()))
		if err != nil || fromHeaders != d {
			t.Fatalf("%q: headers %q parse to %+v, %v", payload, d.Headers(), fromHeaders, err)
		}
	})
}
