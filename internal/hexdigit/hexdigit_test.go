package hexdigit

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestDecode tries every pair of bytes against encoding/hex.
func TestDecode(t *testing.T) {
	for hi := range 256 {
		for lo := range 256 {
			pair := []byte{byte(hi), byte(lo)}
			want, err := hex.DecodeString(string(pair))
			got, ok := Decode(byte(hi), byte(lo))
			if ok != (err == nil) || ok && got != want[0] {
				t.Fatalf("Decode(%q) = %#x, %v; encoding/hex: %x, %v", pair, got, ok, want, err)
			}
		}
	}
}

// TestUpper: Upper[v] is v's digit and decodes back to v.
func TestUpper(t *testing.T) {
	if Upper != strings.ToUpper(hex.EncodeToString([]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef})) {
		t.Fatalf("Upper is %q", Upper)
	}
	for v := range byte(16) {
		if got, ok := Decode('0', Upper[v]); !ok || got != v {
			t.Errorf("Decode('0', %q) = %d, %v", Upper[v], got, ok)
		}
	}
}
