package token

import (
	"strings"
	"testing"
)

// TestEqualTokenEveryByte flips every bit of every byte of tokens of many
// lengths: equalToken must agree with == on each (it once OR-ed XORs without
// parentheses, which let single-bit flips compare equal).
func TestEqualTokenEveryByte(t *testing.T) {
	for n := 0; n <= 100; n++ {
		a := strings.Repeat("eyJhbGciOiJFZERTQSJ9-_", 5)[:n]
		if !equalToken(a, strings.Clone(a)) {
			t.Fatalf("len %d: equal strings compare unequal", n)
		}
		for i := 0; i < n; i++ {
			for bit := 0; bit < 8; bit++ {
				b := []byte(a)
				b[i] ^= 1 << bit
				if equalToken(a, string(b)) {
					t.Fatalf("len %d: flipping bit %d of byte %d compares equal", n, bit, i)
				}
			}
		}
	}
}

func FuzzEqualToken(f *testing.F) {
	f.Add("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.sig", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.siG")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := equalToken(a, b), a == b; got != want {
			t.Fatalf("equalToken(%q, %q) = %v, want %v", a, b, got, want)
		}
	})
}
