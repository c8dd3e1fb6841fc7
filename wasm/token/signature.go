package token

import (
	"bytes"

	"filippo.io/edwards25519"
)

// Ed25519 sizes (RFC 8032).
const (
	publicKeySize = 32
	signatureSize = 64
)

// VerifySignature reports whether sig is a valid Ed25519 signature of msg
// by key: the one signature check Verify uses, exported so the module's
// verify_ed25519 test export (wasm/ABI.md) runs exactly it.
func VerifySignature(key, msg, sig []byte) bool { return verifySignature(key, msg, sig) }

// verifySignature is the only place signatures are checked. It makes
// exactly crypto/ed25519.Verify's checks, in the same group arithmetic:
// filippo.io/edwards25519 is the package crypto/ed25519's internal copy was
// taken from. A signature holds R (32 bytes) and S (32 bytes, little-endian);
// it is valid iff S is canonical (below the group order), the key decodes
// to a curve point (a non-canonical y is accepted, as Go does), and
// [S]B = R + [k]A with k = SHA-512(R || A || msg), compared by encoding
// [k](-A) + [S]B and matching it byte for byte against R.
//
// Neither crypto/ed25519 nor crypto/sha512 is used: importing either links
// Go's FIPS 140 module (self-tests, DRBG, AES, SHA-3, HMAC) and with it os,
// syscall and time into the edge module, ~140 KB of the zipped Lambda@Edge
// bundle (time alone is ~58 KB of it, which is why this package and
// wasm/gate count Unix milliseconds instead of importing time). TestWycheproof,
// the module's verify_ed25519 export and FuzzVerifySignature (against
// crypto/ed25519) check that the result is the same.
func verifySignature(key, msg, sig []byte) bool {
	if len(key) != publicKeySize || len(sig) != signatureSize || sig[63]&224 != 0 {
		return false
	}
	a, err := new(edwards25519.Point).SetBytes(key)
	if err != nil {
		return false
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	digest := sha512Sum(sig[:32], key, msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(digest[:])
	if err != nil {
		return false // unreachable: the digest is 64 bytes
	}
	minusA := new(edwards25519.Point).Negate(a)
	r := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(k, minusA, s)
	return bytes.Equal(sig[:32], r.Bytes())
}
