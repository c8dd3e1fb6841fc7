package media

import (
	"errors"
	"strings"
	"testing"
)

var pathCases = []struct {
	in, asset, file string
	ok              bool
}{
	{"asset-1/master.m3u8", "asset-1", "master.m3u8", true},
	{"a/720p/seg_00001.m4s", "a", "720p/seg_00001.m4s", true},
	{"0abc/poster.jpg", "0abc", "poster.jpg", true},
	{strings.Repeat("a", 63) + "/x", strings.Repeat("a", 63), "x", true},
	{strings.Repeat("a", 64) + "/x", "", "", false},
	{"asset-1/../x", "", "", false},
	{"../x/y", "", "", false},
	{"asset-1/./x", "", "", false},
	{"asset-1//x", "", "", false},
	{"asset-1/", "", "", false},
	{"asset-1", "", "", false},
	{"asset-1/x/", "", "", false},
	{"-a/x", "", "", false},
	{"A/x", "", "", false},
	{"a_b/x", "", "", false},
	{"a/%2e%2e", "", "", false},
	{"a/x y", "", "", false},
	{"a/x\\y", "", "", false},
	{"/a/x", "", "", false},
	{"", "", "", false},
}

func TestParsePath(t *testing.T) {
	for _, c := range pathCases {
		t.Run(c.in, func(t *testing.T) {
			asset, file, err := ParsePath(c.in)
			if (err == nil) != c.ok || asset != c.asset || file != c.file {
				t.Fatalf("%q %q %v", asset, file, err)
			}
			if err != nil && !errors.Is(err, ErrBadPath) {
				t.Fatalf("error %v is not ErrBadPath", err)
			}
		})
	}
}

func FuzzParsePath(f *testing.F) {
	for _, c := range pathCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		asset, file, err := ParsePath(in)
		if err != nil {
			return
		}
		if !ValidAssetID(asset) || asset+"/"+file != in {
			t.Fatalf("accepted %q as %q + %q", in, asset, file)
		}
		for _, seg := range strings.Split(file, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "%\\ ?#") {
				t.Fatalf("accepted segment %q in %q", seg, in)
			}
		}
	})
}

func TestEtagMatches(t *testing.T) {
	cases := []struct {
		header, etag string
		want         bool
	}{{`"a"`, `"a"`, true}, {`W/"a"`, `"a"`, true}, {`"b", "a"`, `"a"`, true}, {`*`, `"a"`, true}, {`"b"`, `"a"`, false}, {``, `"a"`, false}}
	for _, c := range cases {
		if got := etagMatches(c.header, c.etag); got != c.want {
			t.Errorf("%q %q: %v", c.header, c.etag, got)
		}
	}
}
