// Package edgeproof is the proof the token gate forwards to the origin
// with every media request it admits (contract.ProofHeader): an
// HMAC-SHA-512/256 over the request path and an expiry, under a key the
// gate and the origin share and named by a key id, so keys rotate with an
// overlap (the gate signs with the first key, the origin accepts any key
// it holds). The origin serves /v1/media/ only with a valid, unexpired
// proof for exactly the requested path, so no route to the origin that
// skips the gate (a CloudFront behaviour, a direct ALB request) can read
// media, and a proof for one path opens no other.
//
// Wire form: "v1.<kid>.<exp>.<mac>", exp in Unix seconds, mac the
// unpadded base64url HMAC-SHA-512/256 of "edgeflix-proof-v1\n<kid>\n<exp>\n<path>".
// wasm/lambda/index.mjs computes the same with node:crypto.
package edgeproof

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lifetime is how long a proof the gate makes stays valid: long enough
// for the origin fetch that follows it, short enough that a leaked proof
// (it travels in a request header, for one path) is worthless soon.
const Lifetime = 60 * time.Second

// MaxAhead bounds how far in the future a proof's expiry may lie at the
// origin (Lifetime plus clock skew): a proof made for longer is refused.
const MaxAhead = Lifetime + 30*time.Second

// MinSecret is the shortest key secret accepted, in bytes.
const MinSecret = 32

// Key is one proof key.
type Key struct {
	// ID names the key in proofs: 1..16 bytes of [A-Za-z0-9_-].
	ID string
	// Secret is the HMAC key, at least MinSecret bytes.
	Secret []byte
}

// Errors; Verify's wrap ErrProof.
var (
	ErrKeys  = errors.New("edgeproof: invalid proof keys")
	ErrProof = errors.New("edgeproof: invalid proof")
)

// ParseKeys reads a key list, the form of EDGEFLIX_EDGE_PROOF_KEYS and of
// the edge's --proof-keys: comma-separated "<kid>:<base64url secret>"
// entries, the signing key first; ids are unique.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for _, entry := range strings.Split(strings.TrimSpace(s), ",") {
		id, secret, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok || !validID(id) {
			return nil, fmt.Errorf("%w: an entry is not <kid>:<base64url secret> with a kid of 1..16 [A-Za-z0-9_-]", ErrKeys)
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(secret, "="))
		if err != nil || len(b) < MinSecret {
			return nil, fmt.Errorf("%w: key %s: secret must be base64url of at least %d bytes", ErrKeys, id, MinSecret)
		}
		for _, k := range keys {
			if k.ID == id {
				return nil, fmt.Errorf("%w: key %s is listed twice", ErrKeys, id)
			}
		}
		keys = append(keys, Key{ID: id, Secret: b})
	}
	return keys, nil
}

// FormatKeys is the inverse of ParseKeys.
func FormatKeys(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + ":" + base64.RawURLEncoding.EncodeToString(k.Secret)
	}
	return strings.Join(parts, ",")
}

// NewKey returns a key with a fresh random 32-byte secret.
func NewKey(id string) (Key, error) {
	if !validID(id) {
		return Key{}, fmt.Errorf("%w: bad kid", ErrKeys)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Key{}, fmt.Errorf("edgeproof: new key: %w", err)
	}
	return Key{ID: id, Secret: b}, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 16 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func mac(k Key, exp, path string) []byte {
	m := hmac.New(sha512.New512_256, k.Secret)
	m.Write([]byte("edgeflix-proof-v1\n" + k.ID + "\n" + exp + "\n" + path))
	return m.Sum(nil)
}

// Sign returns the proof for path valid until exp, under k.
func Sign(k Key, path string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "v1." + k.ID + "." + e + "." + base64.RawURLEncoding.EncodeToString(mac(k, e, path))
}

// Verify checks proof for path at now against keys: a known key id, an
// expiry after now and no more than MaxAhead away, and a MAC compared in
// constant time. Its errors wrap ErrProof and say which check failed
// (never the proof or a key).
func Verify(keys []Key, proof, path string, now time.Time) error {
	parts := strings.Split(proof, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return fmt.Errorf("%w: malformed", ErrProof)
	}
	var key *Key
	for i := range keys {
		if keys[i].ID == parts[1] {
			key = &keys[i]
		}
	}
	if key == nil {
		return fmt.Errorf("%w: unknown key", ErrProof)
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || exp < 0 || parts[2] != strconv.FormatInt(exp, 10) {
		return fmt.Errorf("%w: malformed expiry", ErrProof)
	}
	got, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || !hmac.Equal(got, mac(*key, parts[2], path)) {
		return fmt.Errorf("%w: bad mac", ErrProof)
	}
	switch at := time.Unix(exp, 0); {
	case !now.Before(at):
		return fmt.Errorf("%w: expired", ErrProof)
	case at.Sub(now) > MaxAhead:
		return fmt.Errorf("%w: expiry too far ahead", ErrProof)
	}
	return nil
}
