// Package accounts owns viewer accounts: e-mail normalisation, password
// rules and Argon2id hashing, creating accounts and checking credentials
// against MySQL.
package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/text/unicode/norm"

	"github.com/edgeflix/edgeflix/origin/plans"
)

// Password length bounds in characters (NIST SP 800-63B: length, not
// composition rules).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// Plans an account can have (the table is origin/plans).
const (
	PlanBasic    = plans.Basic
	PlanStandard = plans.Standard
	PlanPremium  = plans.Premium
)

// DefaultProfileName is the profile every new account gets.
const DefaultProfileName = "Main"

// Sentinel errors, tested with errors.Is.
var (
	// ErrInvalidEmail means an e-mail address fails the syntax check.
	ErrInvalidEmail = errors.New("invalid email address")
	// ErrInvalidPassword means a password is too short, too long or too
	// common.
	ErrInvalidPassword = errors.New("invalid password")
	// ErrEmailTaken means another account has the e-mail address.
	ErrEmailTaken = errors.New("email already registered")
	// ErrBadCredentials means the e-mail or password is wrong.
	ErrBadCredentials = errors.New("email or password is wrong")
	// ErrNotFound means no account has the id.
	ErrNotFound = errors.New("account not found")
)

// Account is a viewer account without its credentials.
type Account struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Plan  string `json:"-"`
}

// NormalizeEmail trims and lower-cases the address and checks a
// simple syntax: one @, a non-empty local part of at most 64 bytes, a domain
// of dot-separated labels with at least one dot, no spaces or controls, at
// most 254 bytes in all.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", ErrInvalidEmail
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || strings.IndexByte(s[:at], '@') >= 0 {
		return "", ErrInvalidEmail
	}
	// The whole address is lower-cased: RFC 5321 lets a local part be case
	// sensitive, but virtually no provider treats it so, and two accounts
	// that differ only in case would confuse people.
	s = strings.ToLower(s)
	local, domain := s[:at], s[at+1:]
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' || r == ';' || r == '"' || r == '\\' {
			return "", ErrInvalidEmail
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", ErrInvalidEmail
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", ErrInvalidEmail
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", ErrInvalidEmail
	}
	return local + "@" + domain, nil
}

// NormalizePassword returns p in Unicode NFKC form, so the same password
// typed on keyboards that compose characters differently matches (NIST SP
// 800-63B §5.1.1.2). Invalid UTF-8 is returned unchanged.
func NormalizePassword(p string) string {
	if !utf8.ValidString(p) {
		return p
	}
	return norm.NFKC.String(p)
}

// CheckPasswordRules reports whether a new password is acceptable: valid
// UTF-8, MinPasswordLen to MaxPasswordLen characters after NFKC
// normalisation, and not on the list of most common passwords. There are
// no composition rules (NIST SP 800-63B).
func CheckPasswordRules(p string) error {
	if !utf8.ValidString(p) {
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidPassword)
	}
	p = NormalizePassword(p)
	n := utf8.RuneCountInString(p)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return fmt.Errorf("%w: must be %d to %d characters", ErrInvalidPassword, MinPasswordLen, MaxPasswordLen)
	}
	if isCommonPassword(p) {
		return fmt.Errorf("%w: this password is too common; choose another", ErrInvalidPassword)
	}
	return nil
}

// Store reads and writes accounts in MySQL.
type Store struct {
	db   *sql.DB
	gate *HashGate // bounds the memory of concurrent Argon2id work

	dummyOnce sync.Once // makes dummy
	dummy     string    // a hash checked for unknown e-mails to even out timing
}

// NewStore returns a Store over db whose password hashing runs through
// gate. If gate is nil, NewHashGate(DefaultHashMemoryBudget,
// DefaultHashWait) is used.
func NewStore(db *sql.DB, gate *HashGate) *Store {
	if gate == nil {
		gate = NewHashGate(DefaultHashMemoryBudget, DefaultHashWait)
	}
	return &Store{db: db, gate: gate}
}

// HashGate returns the gate that bounds the store's Argon2id work.
func (s *Store) HashGate() *HashGate { return s.gate }

// Create validates and stores a new account on the default plan, with one
// profile called DefaultProfileName.
func (s *Store) Create(ctx context.Context, email, password string) (Account, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return Account{}, err
	}
	if err := CheckPasswordRules(password); err != nil {
		return Account{}, err
	}
	hash, err := s.gate.hash(ctx, NormalizePassword(password))
	if err != nil {
		return Account{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Account{}, fmt.Errorf("accounts: begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "INSERT INTO accounts (email, password_hash, plan) VALUES (?, ?, ?)", email, hash, plans.Default)
	if err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1062 {
			return Account{}, ErrEmailTaken
		}
		return Account{}, fmt.Errorf("accounts: insert: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Account{}, fmt.Errorf("accounts: insert id: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO profiles (account_id, name) VALUES (?, ?)", id, DefaultProfileName); err != nil {
		return Account{}, fmt.Errorf("accounts: first profile: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Account{}, fmt.Errorf("accounts: commit: %w", err)
	}
	return Account{ID: strconv.FormatInt(id, 10), Email: email, Plan: plans.Default}, nil
}

// Authenticate returns the account whose e-mail and password match, or
// ErrBadCredentials. An unknown e-mail costs one hash check too, so the two
// failures take similar time. When the hash gate stays full it returns
// ErrBusy without checking the password.
func (s *Store) Authenticate(ctx context.Context, email, password string) (Account, error) {
	norm, err := NormalizeEmail(email)
	if err != nil || len(password) > 4*MaxPasswordLen {
		return Account{}, s.checkDummy(ctx, password)
	}
	var a Account
	var id int64
	var hash string
	err = s.db.QueryRowContext(ctx, "SELECT id, email, password_hash, plan FROM accounts WHERE email = ?", norm).
		Scan(&id, &a.Email, &hash, &a.Plan)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, s.checkDummy(ctx, password)
	}
	if err != nil {
		return Account{}, fmt.Errorf("accounts: lookup: %w", err)
	}
	ok, err := s.gate.check(ctx, hash, NormalizePassword(password))
	if errors.Is(err, ErrBusy) {
		return Account{}, err
	}
	if err != nil {
		return Account{}, fmt.Errorf("accounts: account %d: %w", id, err)
	}
	if !ok {
		return Account{}, ErrBadCredentials
	}
	a.ID = strconv.FormatInt(id, 10)
	return a, nil
}

// checkDummy spends one hash check on a failure that needs none, and
// returns ErrBadCredentials (or ErrBusy, or the context's error, when the
// gate had no room).
func (s *Store) checkDummy(ctx context.Context, password string) error {
	s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("edgeflix-dummy-password") })
	if _, err := s.gate.check(ctx, s.dummy, NormalizePassword(password)); err != nil {
		return err
	}
	return ErrBadCredentials
}

// Get returns the account with id.
func (s *Store) Get(ctx context.Context, id string) (Account, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return Account{}, ErrNotFound
	}
	a := Account{ID: id}
	err = s.db.QueryRowContext(ctx, "SELECT email, plan FROM accounts WHERE id = ?", n).Scan(&a.Email, &a.Plan)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("accounts: get: %w", err)
	}
	return a, nil
}
