package gate

import (
	"strings"
	"testing"
)

func TestIndexByteSWAR(t *testing.T) {
	for _, tc := range []struct {
		s string
		c byte
	}{
		{"", '/'}, {"/", '/'}, {"abc", '/'}, {"abcdefg/", '/'}, {"abcdefgh/", '/'},
		{"abcdefghijklmnop/q/", '/'}, {"\x00\x00\x00\x00\x00\x00\x00\x00\x01", 1},
		{"\x80\x81\xff\x7f\x2e\x2f\x30\x2f", '/'}, {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 'y'},
		{"\x00\x01\x00\x01\x00\x01\x00\x01\x00\x01", 0}, {"\xff\xff\xff\xff\xff\xff\xff\xfe\xff", 0xfe},
	} {
		t.Run(tc.s, func(t *testing.T) {
			if got, want := indexByteSWAR(tc.s, tc.c), strings.IndexByte(tc.s, tc.c); got != want {
				t.Fatalf("indexByteSWAR(%q, %q) = %d, want %d", tc.s, tc.c, got, want)
			}
		})
	}
}

func FuzzIndexByteSWAR(f *testing.F) {
	f.Add("/t/eyJhbGciOiJFZERTQSJ9.e30.sig/v1/media/a/master.m3u8", byte('/'))
	f.Add("\x00\x01\x02\x03\x04\x05\x06\x07\x08", byte(8))
	f.Fuzz(func(t *testing.T, s string, c byte) {
		for off := 0; off < len(s) && off < 9; off++ { // every alignment
			if got, want := indexByteSWAR(s[off:], c), strings.IndexByte(s[off:], c); got != want {
				t.Fatalf("indexByteSWAR(%q, %q) = %d, want %d", s[off:], c, got, want)
			}
		}
	})
}
