// Package versions stores an edge's function versions on disk: immutable,
// numbered uploads of a module's bytes and its configuration, each with a
// content hash checked on every load, and the traffic state (which
// version is active, which is the canary and its share) beside them.
//
// Layout under the store's folder:
//
//	v/000001/module.wasm   the module bytes
//	v/000001/meta.json     Meta (number, hashes, tag, message, created, config)
//	v/000001/cases.json    the operator's self-test cases, if any (SaveCases)
//	traffic.json           Traffic
//
// A version folder is written under a temporary name and renamed into
// place, so a crash never leaves half a version; a version whose bytes or
// metadata no longer match its hash is refused with ErrCorrupt. The
// module and meta.json never change; cases.json sits beside them and is
// replaced whole (write, sync, rename) when the operator adds cases.
package versions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

var (
	// ErrNotFound reports a version number the store does not hold.
	ErrNotFound = errors.New("versions: no such version")
	// ErrCorrupt reports a stored version whose content no longer matches its hash.
	ErrCorrupt = errors.New("versions: stored version is corrupt")
	// ErrInvalid reports an upload or traffic state that is not acceptable.
	ErrInvalid = errors.New("versions: invalid")
)

// MaxModuleBytes bounds one uploaded module.
const MaxModuleBytes = 16 << 20

// Config is a version's module configuration. Empty fields follow the
// edge's own (its issuer, audience, and the key set it fetches and
// refreshes), so keys rotate without a new version.
type Config struct {
	Issuer   string          `json:"iss,omitempty"`
	Audience string          `json:"aud,omitempty"`
	JWKS     json.RawMessage `json:"jwks,omitempty"`
}

// Meta describes a stored version.
type Meta struct {
	Number int `json:"number"`
	// Hash is the SHA-256 of the module bytes and the canonical config
	// (ContentHash); it identifies the content.
	Hash       string    `json:"hash"`
	ModuleHash string    `json:"module_sha256"`
	ModuleSize int       `json:"module_bytes"`
	Tag        string    `json:"tag,omitempty"`
	Message    string    `json:"message,omitempty"`
	Created    time.Time `json:"created"`
	Config     Config    `json:"config"`
}

// Traffic is the persisted routing state: the active version takes
// every request the canary does not; the canary takes Percent percent of
// sessions (0 = reachable only by the override header). History holds
// the versions that were at 100 % before, newest last, for rollback.
type Traffic struct {
	Active  int       `json:"active"`
	Canary  int       `json:"canary,omitempty"`
	Percent float64   `json:"percent,omitempty"`
	History []int     `json:"history,omitempty"`
	Note    string    `json:"note,omitempty"` // why the state last changed (e.g. an automatic rollback)
	Changed time.Time `json:"changed"`
}

// Store is a folder of versions. It is safe for concurrent use.
type Store struct {
	dir string
	now func() time.Time
	mu  sync.Mutex
}

// Open opens (creating if needed) the store in dir; now stamps uploads
// (nil means time.Now).
func Open(dir string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(filepath.Join(dir, "v"), 0o700); err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	return &Store{dir: dir, now: now}, nil
}

// ContentHash is the SHA-256 (hex) over the module bytes and the config's
// canonical JSON, length-prefixed so no two pairs hash alike.
func ContentHash(module []byte, cfg Config) (string, error) {
	c, err := canonical(cfg)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(len(module)) + ":"))
	h.Write(module)
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// normalize checks cfg and rewrites its key set compactly with sorted
// members, so equal configs hash alike.
func normalize(cfg Config) (Config, error) {
	if len(cfg.JWKS) == 0 {
		cfg.JWKS = nil
		return cfg, nil
	}
	var keys struct {
		Keys []json.RawMessage `json:"keys"`
	}
	var v any
	if err := json.Unmarshal(cfg.JWKS, &keys); err != nil || keys.Keys == nil || json.Unmarshal(cfg.JWKS, &v) != nil {
		return Config{}, fmt.Errorf("%w: config jwks is not a JWKS document", ErrInvalid)
	}
	cfg.JWKS, _ = json.Marshal(v)
	return cfg, nil
}

func canonical(cfg Config) ([]byte, error) {
	cfg, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(cfg)
}

// Upload stores module and cfg as a new version and returns its
// metadata. The same content uploaded again returns the existing version
// (created false) instead of a duplicate.
func (s *Store) Upload(module []byte, cfg Config, tag, message string) (m Meta, created bool, err error) {
	switch {
	case len(module) == 0:
		return Meta{}, false, fmt.Errorf("%w: empty module", ErrInvalid)
	case len(module) > MaxModuleBytes:
		return Meta{}, false, fmt.Errorf("%w: module is %d bytes, over %d", ErrInvalid, len(module), MaxModuleBytes)
	case len(tag) > 200 || len(message) > 2000:
		return Meta{}, false, fmt.Errorf("%w: tag or message too long", ErrInvalid)
	}
	hash, err := ContentHash(module, cfg)
	if err != nil {
		return Meta{}, false, err
	}
	if cfg, err = normalize(cfg); err != nil {
		return Meta{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nums, err := s.numbers()
	if err != nil {
		return Meta{}, false, err
	}
	for _, n := range nums {
		old, err := s.readMeta(n)
		if err == nil && old.Hash == hash {
			return old, false, nil
		}
	}
	next := 1
	if len(nums) > 0 {
		next = nums[len(nums)-1] + 1
	}
	sum := sha256.Sum256(module)
	m = Meta{
		Number: next, Hash: hash, ModuleHash: hex.EncodeToString(sum[:]), ModuleSize: len(module),
		Tag: tag, Message: message, Created: s.now().UTC().Truncate(time.Second), Config: cfg,
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "v"), ".upload-")
	if err != nil {
		return Meta{}, false, fmt.Errorf("versions: %w", err)
	}
	defer os.RemoveAll(tmp)
	meta, _ := json.Marshal(m)
	if err := writeSynced(filepath.Join(tmp, "module.wasm"), module); err != nil {
		return Meta{}, false, err
	}
	if err := writeSynced(filepath.Join(tmp, "meta.json"), meta); err != nil {
		return Meta{}, false, err
	}
	if err := os.Rename(tmp, s.versionDir(next)); err != nil {
		return Meta{}, false, fmt.Errorf("versions: %w", err)
	}
	return m, true, nil
}

// List returns every version's metadata, by number. A corrupt version is
// listed with its number and a Hash of "corrupt" rather than hidden.
func (s *Store) List() ([]Meta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nums, err := s.numbers()
	if err != nil {
		return nil, err
	}
	out := make([]Meta, 0, len(nums))
	for _, n := range nums {
		m, err := s.readMeta(n)
		if err != nil {
			m = Meta{Number: n, Hash: "corrupt"}
		}
		out = append(out, m)
	}
	return out, nil
}

// Load returns version n's metadata and module bytes after checking both
// against the stored hash.
func (s *Store) Load(n int) (Meta, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.readMeta(n)
	if err != nil {
		return Meta{}, nil, err
	}
	module, err := os.ReadFile(filepath.Join(s.versionDir(n), "module.wasm"))
	if err != nil {
		return Meta{}, nil, fmt.Errorf("%w: version %d: %w", ErrCorrupt, n, err)
	}
	hash, err := ContentHash(module, m.Config)
	if err != nil || hash != m.Hash {
		return Meta{}, nil, fmt.Errorf("%w: version %d: content hash %s, recorded %s", ErrCorrupt, n, hash, m.Hash)
	}
	return m, module, nil
}

// MaxCases bounds the operator cases stored with one version.
const MaxCases = 1000

// SaveCases stores cases (each one JSON object) as version n's operator
// self-test cases, replacing the stored set.
func (s *Store) SaveCases(n int, cases []json.RawMessage) error {
	if len(cases) > MaxCases {
		return fmt.Errorf("%w: %d cases, at most %d", ErrInvalid, len(cases), MaxCases)
	}
	for i, c := range cases {
		var obj map[string]json.RawMessage
		if json.Unmarshal(c, &obj) != nil {
			return fmt.Errorf("%w: case %d is not a JSON object", ErrInvalid, i+1)
		}
	}
	b, err := json.Marshal(cases)
	if err != nil {
		return fmt.Errorf("%w: cases: %w", ErrInvalid, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.readMeta(n); err != nil {
		return err
	}
	tmp := filepath.Join(s.versionDir(n), ".cases.json.tmp")
	if err := writeSynced(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.versionDir(n), "cases.json")); err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	return nil
}

// Cases returns version n's stored operator cases; none is nil. Cases
// that cannot be read are ErrCorrupt.
func (s *Store) Cases(n int) ([]json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readCases(n)
}

func (s *Store) readCases(n int) ([]json.RawMessage, error) {
	b, err := os.ReadFile(filepath.Join(s.versionDir(n), "cases.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	var cases []json.RawMessage
	if err := json.Unmarshal(b, &cases); err != nil {
		return nil, fmt.Errorf("%w: version %d: cases.json: %w", ErrCorrupt, n, err)
	}
	return cases, nil
}

func (s *Store) readMeta(n int) (Meta, error) {
	b, err := os.ReadFile(filepath.Join(s.versionDir(n), "meta.json"))
	if errors.Is(err, os.ErrNotExist) {
		return Meta{}, fmt.Errorf("%w: %d", ErrNotFound, n)
	}
	if err != nil {
		return Meta{}, fmt.Errorf("versions: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil || m.Number != n || len(m.Hash) != 64 {
		return Meta{}, fmt.Errorf("%w: version %d: unreadable metadata", ErrCorrupt, n)
	}
	return m, nil
}

func (s *Store) versionDir(n int) string {
	return filepath.Join(s.dir, "v", fmt.Sprintf("%06d", n))
}

// numbers lists the stored version numbers in order.
func (s *Store) numbers() ([]int, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, "v"))
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	var nums []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() && n > 0 {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	return nums, nil
}

// Traffic returns the persisted traffic state; a store that never had
// one returns the zero Traffic (no active version).
func (s *Store) Traffic() (Traffic, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(filepath.Join(s.dir, "traffic.json"))
	if errors.Is(err, os.ErrNotExist) {
		return Traffic{}, nil
	}
	if err != nil {
		return Traffic{}, fmt.Errorf("versions: %w", err)
	}
	var t Traffic
	if err := json.Unmarshal(b, &t); err != nil {
		return Traffic{}, fmt.Errorf("%w: traffic.json: %w", ErrCorrupt, err)
	}
	return t, nil
}

// SetTraffic persists t atomically (write, sync, rename).
func (s *Store) SetTraffic(t Traffic) error {
	if t.Active < 0 || t.Canary < 0 || t.Percent < 0 || t.Percent > 100 || (t.Canary != 0 && t.Canary == t.Active) {
		return fmt.Errorf("%w: traffic state %+v", ErrInvalid, t)
	}
	b, _ := json.MarshalIndent(t, "", "  ")
	s.mu.Lock()
	defer s.mu.Unlock()
	tmp := filepath.Join(s.dir, ".traffic.json.tmp")
	if err := writeSynced(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, "traffic.json")); err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	return nil
}

func writeSynced(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("versions: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("versions: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	return nil
}
