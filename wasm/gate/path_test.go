package gate

import (
	"strings"
	"testing"
)

// refCleanPath is the first, obviously correct cleanPath (strings.Split per
// call); the one-pass version must agree with it on every input.
func refCleanPath(p string) bool {
	if len(p) < 2 || p[0] != '/' {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

var pathSeeds = []string{
	"/v1/media/a/1080p/seg_00001.m4s", "/v1/media/a/master.m3u8", "/", "", "a", "//", "/a//b",
	"/a/", "/.", "/..", "/a/./b", "/a/../b", "/a/.b", "/a/..b", "/a/b..", "/...", "/a/%2e%2e/b",
	"/a b", "/a\x00", "/a/\xff", "/A-Z_0.9", "/a/b/.", "/a/b/..", "/./", "/x/..", "/x/.../y",
}

func TestCleanPath(t *testing.T) {
	for _, p := range pathSeeds {
		t.Run(p, func(t *testing.T) {
			if got, want := cleanPath(p), refCleanPath(p); got != want {
				t.Fatalf("cleanPath(%q) = %v, want %v", p, got, want)
			}
		})
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, p := range pathSeeds {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := cleanPath(p), refCleanPath(p); got != want {
			t.Fatalf("cleanPath(%q) = %v, want %v", p, got, want)
		}
	})
}
