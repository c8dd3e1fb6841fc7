package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP's current minimum: m=19 MiB, t=2, p=1).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// ErrBadHash means an encoded password hash cannot be read.
var ErrBadHash = errors.New("malformed password hash")

// HashPassword returns the Argon2id hash of password in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("accounts: salt: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum)), nil
}

// phc is a parsed Argon2id PHC string.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, hash   []byte
}

// parsePHC reads $argon2id$v=19$m=<KiB>,t=<n>,p=<n>$<salt>$<hash>, bounding
// the cost parameters so a bad row cannot make a check run away.
func parsePHC(encoded string) (phc, error) {
	var p phc
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return p, ErrBadHash
	}
	var m, t, threads uint64
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return p, ErrBadHash
	}
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return p, ErrBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, ErrBadHash
		}
		switch i {
		case 0:
			m = n
		case 1:
			t = n
		default:
			threads = n
		}
	}
	if m < 8 || m > 256<<10 || t < 1 || t > 16 || threads < 1 || threads > 16 {
		return p, ErrBadHash
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 || len(p.salt) > 64 {
		return p, ErrBadHash
	}
	if p.hash, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.hash) < 16 || len(p.hash) > 64 {
		return p, ErrBadHash
	}
	p.memory, p.time, p.threads = uint32(m), uint32(t), uint8(threads)
	return p, nil
}

// CheckPassword reports whether password matches the PHC-encoded Argon2id
// hash, using the parameters recorded in the hash.
func CheckPassword(encoded, password string) (bool, error) {
	p, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	return p.matches(password), nil
}

// matches reports whether password hashes to p.
func (p phc) matches(password string) bool {
	got := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.hash)))
	return subtle.ConstantTimeCompare(got, p.hash) == 1
}
