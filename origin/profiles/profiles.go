// Package profiles keeps the viewing profiles of an account: up to
// MaxPerAccount, each with a name, a maturity ceiling on the scale of
// package maturity, a kids flag (ceiling at most maturity.KidsMax) and an
// optional 4-digit PIN stored as an Argon2id hash. It resolves the viewer
// of every request (viewer.go) and serves the /v1/profiles routes
// (http.go), where parental controls are guarded.
package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/maturity"
	"github.com/edgeflix/edgeflix/origin/names"
)

// Limits of profiles.
const (
	// MaxPerAccount is how many profiles an account may have.
	MaxPerAccount = 5
	// MaxNameLen is the longest profile name in characters.
	MaxNameLen = 50
	// DefaultName is the name of the profile every account starts with.
	DefaultName = "Main"
)

// Sentinel errors, tested with errors.Is.
var (
	// ErrNotFound means the account has no profile with that id.
	ErrNotFound = errors.New("profile not found")
	// ErrTooMany means the account already has MaxPerAccount profiles.
	ErrTooMany = errors.New("too many profiles")
	// ErrLastProfile means the account's only profile cannot be deleted.
	ErrLastProfile = errors.New("the last profile cannot be deleted")
	// ErrInvalidName means a profile name is empty, too long or has controls.
	ErrInvalidName = errors.New("invalid profile name")
	// ErrInvalidLevel means a maturity level is out of range, or above
	// maturity.KidsMax for a kids profile.
	ErrInvalidLevel = errors.New("invalid maturity level")
	// ErrInvalidPIN means a PIN is not exactly 4 ASCII digits.
	ErrInvalidPIN = errors.New("invalid pin: want 4 digits")
	// ErrWrongPIN means the PIN does not match, or is required and missing.
	ErrWrongPIN = errors.New("wrong pin")
)

// Profile is one viewing profile.
type Profile struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Kids          bool   `json:"kids"`
	MaturityLevel int    `json:"maturity_level"`
	Maturity      string `json:"maturity"`
	HasPIN        bool   `json:"has_pin"`
	pinHash       string
}

// Changes are the fields of a create or update; nil fields are left as
// they are (or take their defaults on create). PIN "" removes the PIN.
type Changes struct {
	Name          *string `json:"name"`
	Kids          *bool   `json:"kids"`
	MaturityLevel *int    `json:"maturity_level"`
	PIN           *string `json:"pin"`
}

// CheckPIN reports whether pin is exactly 4 ASCII digits.
func CheckPIN(pin string) error {
	if len(pin) != 4 {
		return ErrInvalidPIN
	}
	for i := 0; i < 4; i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ErrInvalidPIN
		}
	}
	return nil
}

// CleanName trims a profile name and checks it.
func CleanName(name string) (string, error) {
	clean, ok := names.Clean(name, MaxNameLen)
	if !ok {
		return "", ErrInvalidName
	}
	return clean, nil
}

// Store reads and writes profiles in MySQL.
type Store struct {
	db      *sql.DB
	now     func() time.Time
	viewers viewers
	// gate bounds the memory of concurrent PIN checks (Argon2id) together
	// with the password checks; nil runs them unbounded.
	gate *accounts.HashGate
}

// SetHashGate makes PIN checks hold their Argon2id memory in g, the budget
// the password checks share, so a flood of PIN guesses cannot exhaust
// memory either.
func (s *Store) SetHashGate(g *accounts.HashGate) { s.gate = g }

// NewStore returns a Store over db; now is the clock of the viewer cache
// (time.Now if nil).
func NewStore(db *sql.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

const columns = "id, name, kids, maturity_level, pin_hash"

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner) (Profile, error) {
	var p Profile
	var id int64
	var pin sql.NullString
	if err := r.Scan(&id, &p.Name, &p.Kids, &p.MaturityLevel, &pin); err != nil {
		return Profile{}, err
	}
	p.ID = strconv.FormatInt(id, 10)
	p.pinHash = pin.String
	p.HasPIN = pin.Valid && pin.String != ""
	p.Maturity = maturity.Label(p.MaturityLevel)
	return p, nil
}

func parseID(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

// List returns the account's profiles, oldest first.
func (s *Store) List(ctx context.Context, accountID string) ([]Profile, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+columns+" FROM profiles WHERE account_id = ? ORDER BY id", accountID)
	if err != nil {
		return nil, fmt.Errorf("profiles: list: %w", err)
	}
	defer rows.Close()
	out := []Profile{}
	for rows.Next() {
		p, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("profiles: list: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("profiles: list: %w", err)
	}
	return out, nil
}

// Get returns the account's profile id.
func (s *Store) Get(ctx context.Context, accountID, id string) (Profile, error) {
	n, ok := parseID(id)
	if !ok {
		return Profile{}, ErrNotFound
	}
	p, err := scan(s.db.QueryRowContext(ctx, "SELECT "+columns+" FROM profiles WHERE id = ? AND account_id = ?", n, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, ErrNotFound
	}
	if err != nil {
		return Profile{}, fmt.Errorf("profiles: get: %w", err)
	}
	return p, nil
}

// apply validates c over p (the current state, or the defaults) and
// returns the new state and the new PIN hash (nil: unchanged).
func apply(p Profile, c Changes) (Profile, *string, error) {
	if c.Name != nil {
		n, err := CleanName(*c.Name)
		if err != nil {
			return p, nil, err
		}
		p.Name = n
	}
	if c.Kids != nil {
		p.Kids = *c.Kids
		if p.Kids && c.MaturityLevel == nil && p.MaturityLevel > maturity.KidsMax {
			p.MaturityLevel = maturity.KidsMax
		}
	}
	if c.MaturityLevel != nil {
		p.MaturityLevel = *c.MaturityLevel
	}
	if p.MaturityLevel < 0 || p.MaturityLevel > maturity.Max || (p.Kids && p.MaturityLevel > maturity.KidsMax) {
		return p, nil, ErrInvalidLevel
	}
	p.Maturity = maturity.Label(p.MaturityLevel)
	var hash *string
	if c.PIN != nil {
		h := ""
		if *c.PIN != "" {
			if err := CheckPIN(*c.PIN); err != nil {
				return p, nil, err
			}
			var err error
			if h, err = accounts.HashPassword(*c.PIN); err != nil {
				return p, nil, err
			}
		}
		hash = &h
		p.HasPIN = h != ""
	}
	return p, hash, nil
}

// Create adds a profile to the account; a missing name is an error, a
// missing maturity level is maturity.Max (maturity.KidsMax for kids).
func (s *Store) Create(ctx context.Context, accountID string, c Changes) (Profile, error) {
	if c.Name == nil {
		return Profile{}, ErrInvalidName
	}
	p, hash, err := apply(Profile{MaturityLevel: maturity.Max}, c)
	if err != nil {
		return Profile{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Profile{}, fmt.Errorf("profiles: create: %w", err)
	}
	defer tx.Rollback()
	// Lock the account row so concurrent creates cannot pass the limit.
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM accounts WHERE id = ? FOR UPDATE", accountID).Scan(&one); err != nil {
		return Profile{}, fmt.Errorf("profiles: create: account: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM profiles WHERE account_id = ?", accountID).Scan(&n); err != nil {
		return Profile{}, fmt.Errorf("profiles: create: %w", err)
	}
	if n >= MaxPerAccount {
		return Profile{}, ErrTooMany
	}
	var pin any
	if hash != nil && *hash != "" {
		pin = *hash
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO profiles (account_id, name, kids, maturity_level, pin_hash) VALUES (?, ?, ?, ?, ?)",
		accountID, p.Name, p.Kids, p.MaturityLevel, pin)
	if err != nil {
		return Profile{}, fmt.Errorf("profiles: create: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Profile{}, fmt.Errorf("profiles: create: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Profile{}, fmt.Errorf("profiles: create: %w", err)
	}
	s.forget(accountID)
	p.ID = strconv.FormatInt(id, 10)
	return p, nil
}

// Update changes the account's profile id. Turning kids on lowers the
// ceiling to maturity.KidsMax; a kids profile's ceiling cannot be raised above
// it without clearing kids in the same change.
func (s *Store) Update(ctx context.Context, accountID, id string, c Changes) (Profile, error) {
	cur, err := s.Get(ctx, accountID, id)
	if err != nil {
		return Profile{}, err
	}
	p, hash, err := apply(cur, c)
	if err != nil {
		return Profile{}, err
	}
	q := "UPDATE profiles SET name = ?, kids = ?, maturity_level = ? WHERE id = ? AND account_id = ?"
	args := []any{p.Name, p.Kids, p.MaturityLevel, cur.ID, accountID}
	if hash != nil {
		var pin any
		if *hash != "" {
			pin = *hash
		}
		q = "UPDATE profiles SET name = ?, kids = ?, maturity_level = ?, pin_hash = ? WHERE id = ? AND account_id = ?"
		args = []any{p.Name, p.Kids, p.MaturityLevel, pin, cur.ID, accountID}
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return Profile{}, fmt.Errorf("profiles: update: %w", err)
	}
	s.forget(accountID)
	return s.Get(ctx, accountID, id)
}

// Delete removes the account's profile id, unless it is the last one.
func (s *Store) Delete(ctx context.Context, accountID, id string) error {
	n, ok := parseID(id)
	if !ok {
		return ErrNotFound
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("profiles: delete: %w", err)
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM accounts WHERE id = ? FOR UPDATE", accountID).Scan(&one); err != nil {
		return ErrNotFound
	}
	var count int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM profiles WHERE account_id = ?", accountID).Scan(&count); err != nil {
		return fmt.Errorf("profiles: delete: %w", err)
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM profiles WHERE id = ? AND account_id = ?", n, accountID)
	if err != nil {
		return fmt.Errorf("profiles: delete: %w", err)
	}
	if rows, _ := res.RowsAffected(); rows == 0 {
		return ErrNotFound
	}
	if count <= 1 {
		return ErrLastProfile
	}
	if _, err := tx.ExecContext(ctx, "UPDATE devices SET profile_id = NULL WHERE account_id = ? AND profile_id = ?", accountID, n); err != nil {
		return fmt.Errorf("profiles: delete: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("profiles: delete: %w", err)
	}
	s.forget(accountID)
	return nil
}

// CheckPIN returns the account's profile id if it has no PIN or pin
// matches; otherwise ErrWrongPIN, or accounts.ErrBusy when the hash
// budget (SetHashGate) had no room. Callers rate-limit attempts.
func (s *Store) CheckPIN(ctx context.Context, accountID, id, pin string) (Profile, error) {
	p, err := s.Get(ctx, accountID, id)
	if err != nil {
		return Profile{}, err
	}
	if !p.HasPIN {
		return p, nil
	}
	if CheckPIN(pin) != nil {
		return Profile{}, ErrWrongPIN
	}
	var ok bool
	check := func() { ok, err = accounts.CheckPassword(p.pinHash, pin) }
	if s.gate == nil {
		check()
	} else if gerr := s.gate.Run(ctx, check); gerr != nil {
		return Profile{}, gerr
	}
	if err != nil {
		return Profile{}, fmt.Errorf("profiles: pin: %w", err)
	}
	if !ok {
		return Profile{}, ErrWrongPIN
	}
	return p, nil
}

// Count returns how many profiles the account has.
func (s *Store) Count(ctx context.Context, accountID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM profiles WHERE account_id = ?", accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("profiles: count: %w", err)
	}
	return n, nil
}
