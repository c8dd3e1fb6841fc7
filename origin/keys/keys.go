// Package keys manages the origin's Ed25519 signing keys: it creates them,
// keeps their private halves encrypted at rest in MySQL (AES-256-GCM under a
// key-encryption key), picks the key that signs, and publishes the public
// halves as a JSON Web Key Set.
package keys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// KEKSize is the size of a key-encryption key in bytes (AES-256).
const KEKSize = 32

// DefaultActivationDelay is how long a new key is published before it signs,
// so that verifiers refreshing the key set (JWKS max-age 60 s) know it first.
const DefaultActivationDelay = 2 * time.Minute

// MaxTokenLifetime is how long any token the keys sign stays verifiable:
// the access token's 15 minutes plus the origin's 30 s leeway, rounded up
// to the minute (playback tokens live 45 s). A key that stopped signing may
// be retired only after it; origin/tokens tests that every lifetime fits.
const MaxTokenLifetime = 16 * time.Minute

// Sentinel errors, tested with errors.Is.
var (
	// ErrNoKey means no live key exists (call Ensure first).
	ErrNoKey = errors.New("no live signing key")
	// ErrUnknownKey means no key has the given kid.
	ErrUnknownKey = errors.New("unknown signing key")
	// ErrRetireTooEarly means the key may still verify tokens in flight.
	ErrRetireTooEarly = errors.New("key may still verify tokens in flight")
	// ErrBadKEK means a key-encryption key is malformed or cannot open a key.
	ErrBadKEK = errors.New("bad key-encryption key")
)

// Key is one live signing key.
type Key struct {
	// ID is the key id (RFC 7638 JWK thumbprint of the public key).
	ID string
	// Private is the private key; it never leaves the process.
	Private ed25519.PrivateKey
	// CreatedAt is when the key was made.
	CreatedAt time.Time
}

// Info describes a key without its private half, for listings.
type Info struct {
	ID        string
	CreatedAt time.Time
	RetiredAt *time.Time
	Signing   bool
}

// Store loads and manages signing keys. It is safe for concurrent use.
type Store struct {
	db              *sql.DB
	aead            cipher.AEAD
	now             func() time.Time
	activationDelay time.Duration

	mu   sync.RWMutex // guards live
	live []Key        // non-retired keys, newest first
}

// Options tune a Store. The zero value is usable.
type Options struct {
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// ActivationDelay overrides DefaultActivationDelay when positive; set it
	// negative for no delay.
	ActivationDelay time.Duration
}

// NewStore returns a Store over db's signing_keys table whose private keys
// are sealed with kek (KEKSize bytes). It reads nothing yet.
func NewStore(db *sql.DB, kek []byte, opts Options) (*Store, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("%w: want %d bytes, have %d", ErrBadKEK, KEKSize, len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	s := &Store{db: db, aead: aead, now: opts.Now, activationDelay: opts.ActivationDelay}
	if s.now == nil {
		s.now = time.Now
	}
	if s.activationDelay == 0 {
		s.activationDelay = DefaultActivationDelay
	}
	if s.activationDelay < 0 {
		s.activationDelay = 0
	}
	return s, nil
}

// Ensure creates a key if none is live, then loads the live keys. Several
// processes may call it at once: a MySQL named lock makes one of them create.
func (s *Store) Ensure(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('edgeflix_signing_keys', 10)").Scan(&got); err != nil {
		return fmt.Errorf("keys: lock: %w", err)
	}
	if got.Int64 != 1 {
		return errors.New("keys: lock: timed out")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('edgeflix_signing_keys')")
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL").Scan(&n); err != nil {
		return fmt.Errorf("keys: count: %w", err)
	}
	if n == 0 {
		if _, err := s.create(ctx, conn); err != nil {
			return err
		}
	}
	return s.Reload(ctx)
}

// Rotate adds a new key and returns its kid. It signs once the activation
// delay has passed; older keys stay published until retired.
func (s *Store) Rotate(ctx context.Context) (string, error) {
	kid, err := s.create(ctx, s.db)
	if err != nil {
		return "", err
	}
	return kid, s.Reload(ctx)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) create(ctx context.Context, db execer) (string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("keys: generate: %w", err)
	}
	kid := Thumbprint(pub)
	sealed, err := s.seal(kid, priv.Seed())
	if err != nil {
		return "", err
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO signing_keys (kid, private_key, created_at) VALUES (?, ?, ?)",
		kid, sealed, s.now().UTC()); err != nil {
		return "", fmt.Errorf("keys: insert: %w", err)
	}
	return kid, nil
}

// sealed layout: version byte 1 | 12-byte nonce | AES-256-GCM(seed), with
// the kid as additional data so a sealed key cannot be moved to another kid.
func (s *Store) seal(kid string, seed []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(seed)+s.aead.Overhead())
	out[0] = 1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], seed, []byte(kid)), nil
}

func (s *Store) open(kid string, sealed []byte) (ed25519.PrivateKey, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns || sealed[0] != 1 {
		return nil, fmt.Errorf("%w: key %s: unknown format", ErrBadKEK, kid)
	}
	seed, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(kid))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: key %s cannot be decrypted", ErrBadKEK, kid)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Reload reads the live keys from MySQL; call it periodically so keys
// rotated by another process are published and used.
func (s *Store) Reload(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx,
		"SELECT kid, private_key, created_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid")
	if err != nil {
		return fmt.Errorf("keys: load: %w", err)
	}
	defer rows.Close()
	var live []Key
	for rows.Next() {
		var k Key
		var sealed []byte
		if err := rows.Scan(&k.ID, &sealed, &k.CreatedAt); err != nil {
			return fmt.Errorf("keys: load: %w", err)
		}
		if k.Private, err = s.open(k.ID, sealed); err != nil {
			return err
		}
		live = append(live, k)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("keys: load: %w", err)
	}
	s.mu.Lock()
	s.live = live
	s.mu.Unlock()
	return nil
}

// signingIndex picks the newest live key older than the activation delay,
// or the oldest key when none is that old (a fresh installation, where it
// is the only one or the one published longest).
func signingIndex(live []Key, now time.Time, delay time.Duration) int {
	for i, k := range live {
		if !k.CreatedAt.After(now.Add(-delay)) {
			return i
		}
	}
	return len(live) - 1
}

// Signer returns the key that signs now.
func (s *Store) Signer() (Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.live) == 0 {
		return Key{}, ErrNoKey
	}
	return s.live[signingIndex(s.live, s.now(), s.activationDelay)], nil
}

// PublicKey returns the public half of the live key kid.
func (s *Store) PublicKey(kid string) (ed25519.PublicKey, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, k := range s.live {
		if k.ID == kid {
			return k.Private.Public().(ed25519.PublicKey), true
		}
	}
	return nil, false
}

// JWK is one public key in JSON Web Key form (RFC 8037 OKP).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns every live public key.
func (s *Store) JWKS() JWKS {
	s.mu.RLock()
	defer s.mu.RUnlock()
	set := JWKS{Keys: make([]JWK, 0, len(s.live))}
	for _, k := range s.live {
		pub := k.Private.Public().(ed25519.PublicKey)
		set.Keys = append(set.Keys, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
			Kid: k.ID, Use: "sig", Alg: "EdDSA"})
	}
	return set
}

// List describes every key, retired ones included, newest first.
func (s *Store) List(ctx context.Context) ([]Info, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT kid, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid")
	if err != nil {
		return nil, fmt.Errorf("keys: list: %w", err)
	}
	defer rows.Close()
	var out []Info
	var live []Key
	for rows.Next() {
		var in Info
		var retired sql.NullTime
		if err := rows.Scan(&in.ID, &in.CreatedAt, &retired); err != nil {
			return nil, fmt.Errorf("keys: list: %w", err)
		}
		if retired.Valid {
			in.RetiredAt = &retired.Time
		} else {
			live = append(live, Key{ID: in.ID, CreatedAt: in.CreatedAt})
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keys: list: %w", err)
	}
	if len(live) > 0 {
		signing := live[signingIndex(live, s.now(), s.activationDelay)].ID
		for i := range out {
			out[i].Signing = out[i].ID == signing
		}
	}
	return out, nil
}

// Retire stops publishing key kid. It refuses the signing key, and a key
// that stopped signing less than MaxTokenLifetime ago unless force is set.
func (s *Store) Retire(ctx context.Context, kid string, force bool) error {
	infos, err := s.List(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for i, in := range infos {
		if in.ID != kid {
			continue
		}
		if in.RetiredAt != nil {
			return nil
		}
		if in.Signing {
			return fmt.Errorf("%w: %s is the signing key; rotate first", ErrRetireTooEarly, kid)
		}
		// The key stopped signing when the next newer key activated.
		if i > 0 && !force {
			stopped := infos[i-1].CreatedAt.Add(s.activationDelay)
			if now.Before(stopped.Add(MaxTokenLifetime)) {
				return fmt.Errorf("%w: %s may verify tokens until %s (use force to override)",
					ErrRetireTooEarly, kid, stopped.Add(MaxTokenLifetime).UTC().Format(time.RFC3339))
			}
		}
		if _, err := s.db.ExecContext(ctx, "UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL", now.UTC(), kid); err != nil {
			return fmt.Errorf("keys: retire: %w", err)
		}
		return s.Reload(ctx)
	}
	return fmt.Errorf("%w: %s", ErrUnknownKey, kid)
}

// RetireAt returns when key kid may be retired: MaxTokenLifetime after it
// stops signing (when the next newer key activates). ok is false for the
// newest key, a retired key and an unknown kid.
func (s *Store) RetireAt(ctx context.Context, kid string) (at time.Time, ok bool, err error) {
	infos, err := s.List(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	for i, in := range infos {
		if in.ID != kid {
			continue
		}
		if in.RetiredAt != nil || i == 0 {
			return time.Time{}, false, nil
		}
		return infos[i-1].CreatedAt.Add(s.activationDelay).Add(MaxTokenLifetime), true, nil
	}
	return time.Time{}, false, nil
}

// RetireDue retires every key whose retirement time (RetireAt) has passed,
// so a rotation schedules the old key's retirement without a second
// command. The origin calls it from its key reloader. It returns the kids
// retired.
func (s *Store) RetireDue(ctx context.Context) ([]string, error) {
	infos, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var done []string
	for _, in := range infos {
		at, ok, err := s.RetireAt(ctx, in.ID)
		if err != nil {
			return done, err
		}
		if !ok || now.Before(at) {
			continue
		}
		if err := s.Retire(ctx, in.ID, false); err != nil {
			return done, err
		}
		done = append(done, in.ID)
	}
	return done, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of an Ed25519 public key,
// base64url without padding; edgeflix uses it as the kid.
func Thumbprint(pub ed25519.PublicKey) string {
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ParseKEK decodes a key-encryption key written as 64 hex digits or as
// standard or URL-safe base64 (padded or not) of KEKSize bytes.
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KEKSize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KEKSize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: want %d bytes as hex or base64", ErrBadKEK, KEKSize)
}

// LoadOrCreateKEKFile reads the key-encryption key from path, creating the
// file (mode 0600, its folder 0700) with a fresh random key if it is missing.
func LoadOrCreateKEKFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKEK(string(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("keys: read kek: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keys: kek folder: %w", err)
	}
	kek := make([]byte, KEKSize)
	if _, err := rand.Read(kek); err != nil {
		return nil, fmt.Errorf("keys: kek: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadOrCreateKEKFile(path)
		}
		return nil, fmt.Errorf("keys: create kek: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(kek) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("keys: write kek: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("keys: write kek: %w", err)
	}
	return kek, nil
}

// MarshalJWKS is JWKS encoded as JSON.
func (s *Store) MarshalJWKS() []byte {
	b, _ := json.Marshal(s.JWKS())
	return b
}
