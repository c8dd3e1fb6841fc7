package token

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"testing"
)

func TestSHA512Sum(t *testing.T) {
	// FIPS 180-4 examples.
	for _, tc := range []struct{ in, want string }{
		{"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
	} {
		if got := sha512Sum([]byte(tc.in)); hex.EncodeToString(got[:]) != tc.want {
			t.Errorf("sha512Sum(%q) = %x, want %s", tc.in, got, tc.want)
		}
	}
	// Every length around the block and padding edges, split anywhere.
	msg := make([]byte, 400)
	for i := range msg {
		msg[i] = byte(i*7 + 1)
	}
	for n := range msg {
		want := sha512.Sum512(msg[:n])
		for _, cut := range []int{0, n / 3, n / 2, n} {
			if got := sha512Sum(msg[:cut], msg[cut:n]); got != want {
				t.Fatalf("len %d cut %d: sha512Sum = %x, want %x", n, cut, got, want)
			}
		}
	}
}

func FuzzSHA512Sum(f *testing.F) {
	f.Add([]byte("abc"), []byte("def"))
	f.Add(bytes.Repeat([]byte{0xff}, 111), bytes.Repeat([]byte{1}, 129))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if got, want := sha512Sum(a, b), sha512.Sum512(append(append([]byte(nil), a...), b...)); got != want {
			t.Fatalf("sha512Sum = %x, want %x", got, want)
		}
	})
}

// TestVerifySignatureAgreesWithStdlib signs with crypto/ed25519 and checks
// that verifySignature and ed25519.Verify agree on the signature and on
// every single-bit change of key, message and signature (TestWycheproof
// covers the edge cases).
func TestVerifySignatureAgreesWithStdlib(t *testing.T) {
	msg := []byte("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0")
	sig := ed25519.Sign(testPriv, msg)
	if !verifySignature(testPub, msg, sig) {
		t.Fatal("valid signature rejected")
	}
	for _, which := range []string{"key", "msg", "sig"} {
		for i := 0; i < 64; i++ {
			for bit := 0; bit < 8; bit++ {
				k, m, s := bytes.Clone(testPub), bytes.Clone(msg), bytes.Clone(sig)
				b := map[string][]byte{"key": k, "msg": m, "sig": s}[which]
				if i >= len(b) {
					continue
				}
				b[i] ^= 1 << bit
				if got, want := verifySignature(k, m, s), ed25519.Verify(k, m, s); got != want {
					t.Fatalf("%s byte %d bit %d: verifySignature = %v, ed25519.Verify = %v", which, i, bit, got, want)
				}
			}
		}
	}
}

func FuzzVerifySignature(f *testing.F) {
	msg := []byte("msg")
	f.Add([]byte(testPub), msg, ed25519.Sign(testPriv, msg))
	f.Add(make([]byte, 32), []byte{}, make([]byte, 64))
	f.Fuzz(func(t *testing.T, key, msg, sig []byte) {
		got := verifySignature(key, msg, sig)
		if len(key) != ed25519.PublicKeySize { // ed25519.Verify panics
			if got {
				t.Fatal("accepted a key that is not 32 bytes")
			}
			return
		}
		if want := ed25519.Verify(key, msg, sig); got != want {
			t.Fatalf("verifySignature = %v, ed25519.Verify = %v", got, want)
		}
	})
}
