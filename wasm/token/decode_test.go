package token

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// stdDecodeSegment is decodeSegment as it was on encoding/base64, the
// reference for its results and error messages.
func stdDecodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, errdetail.Wrap(ErrMalformed, "invalid base64url character")
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errdetail.Wrap(ErrMalformed, err.Error())
	}
	return b, nil
}

func checkDecodeSegment(t *testing.T, s string) {
	t.Helper()
	got, err := decodeSegment(s)
	want, wantErr := stdDecodeSegment(s)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() || !bytes.Equal(got, want) {
		t.Fatalf("decodeSegment(%q) = %x, %v; want %x, %v", s, got, err, want, wantErr)
	}
}

func TestDecodeSegment(t *testing.T) {
	for _, s := range []string{
		"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "_-_-", "eyJhbGciOiJFZERTQSJ9", "AQ", "AQA", "AQAB",
		"AAAAA", "AAAAAB", "AAAAAAB", "AA==", "AA=", "A A", "AA\n", "AA\r\nAA", "+/", "é", "AAAA\x00",
	} {
		checkDecodeSegment(t, s)
	}
	// Every last character after groups of every length mod 4.
	for _, prefix := range []string{"", "Q", "QU", "QUI", "QUJD"} {
		for c := 0; c < 256; c++ {
			checkDecodeSegment(t, prefix+string(rune(c)))
			checkDecodeSegment(t, prefix+string([]byte{byte(c)}))
		}
	}
	for n := 0; n < 64; n++ {
		checkDecodeSegment(t, base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xa5}, n)))
	}
}

func FuzzDecodeSegment(f *testing.F) {
	f.Add("eyJhbGciOiJFZERTQSJ9")
	f.Add("AB")
	f.Add("AA==")
	f.Fuzz(checkDecodeSegment)
}

// TestFoldName checks foldName against Unicode simple folding (what
// encoding/json v1 matches field names with) for every rune: where the fold
// is ASCII, foldName gives the same rune; where it is not, neither is
// foldName's, so no name matches an ASCII name under one and not the other.
func TestFoldName(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		want := r
		if r < utf8.RuneSelf {
			want = unicode.ToUpper(r)
		} else {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				want = min(want, f)
			}
		}
		got, _ := utf8.DecodeRuneInString(foldName(string(r)))
		if want < utf8.RuneSelf && got != want || want >= utf8.RuneSelf && got < utf8.RuneSelf {
			t.Fatalf("foldName(%q) = %q, simple fold gives %q", r, got, want)
		}
	}
	if got := foldName("ſub-\u212aid"); got != strings.ToUpper("sub-kid") {
		t.Fatalf("foldName = %q", got)
	}
}
