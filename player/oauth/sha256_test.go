package oauth

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestSum256(t *testing.T) {
	for _, n := range []int{0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 128, 1000} {
		msg := []byte(strings.Repeat("a", n))
		if got, want := sum256(msg), sha256.Sum256(msg); got != want {
			t.Errorf("len %d: %x, want %x", n, got, want)
		}
	}
}

func FuzzSum256(f *testing.F) {
	f.Add([]byte("abc"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if got, want := sum256(msg), sha256.Sum256(msg); got != want {
			t.Fatalf("%x: %x, want %x", msg, got, want)
		}
	})
}
