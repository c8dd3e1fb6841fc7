// Package devices keeps the devices an account signed in on: each sign-in
// (authorization code or device grant) registers one with a class (phone,
// tablet, desktop, tv), a name, first and last seen times and the profile
// last selected on it. Revoking a device deletes its refresh token family;
// the caller (origin/oauth) also refuses its access tokens and stops its
// streams.
package devices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/origin/names"

	"github.com/edgeflix/edgeflix/origin/tokens"
)

// Device classes.
const (
	ClassPhone   = "phone"
	ClassTablet  = "tablet"
	ClassDesktop = "desktop"
	ClassTV      = "tv"
)

// MaxNameLen is the longest device name in characters.
const MaxNameLen = 64

// Sentinel errors, tested with errors.Is.
var (
	// ErrNotFound means the account has no live device with that id.
	ErrNotFound = errors.New("device not found")
	// ErrInvalidName means a device name is empty, too long or has controls.
	ErrInvalidName = errors.New("invalid device name")
	// ErrInvalidClass means a device class is not one of the known ones.
	ErrInvalidClass = errors.New("invalid device class")
)

// Device is one signed-in device of an account.
type Device struct {
	ID        string    `json:"id"`
	Class     string    `json:"class"`
	Name      string    `json:"name"`
	ClientID  string    `json:"client_id"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// ProfileID is the profile last selected on the device; "" for none.
	ProfileID string `json:"profile_id,omitempty"`
	// Current marks the device the request comes from (set by handlers).
	Current bool `json:"current"`
}

// ValidClass reports whether c is a known device class.
func ValidClass(c string) bool {
	return c == ClassPhone || c == ClassTablet || c == ClassDesktop || c == ClassTV
}

// ClassFromUserAgent guesses a device class from a User-Agent header:
// TVs and consoles, tablets, phones, else desktop.
func ClassFromUserAgent(ua string) string {
	u := strings.ToLower(ua)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(u, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("smart-tv", "smarttv", "googletv", "android tv", "appletv", "apple tv", "tizen", "webos", "web0s", "roku", "bravia", "crkey", "hbbtv", "playstation", "xbox") || fireTV(ua):
		return ClassTV
	case has("ipad", "tablet", "kindle", "silk/") || (has("android") && !has("mobile")):
		return ClassTablet
	case has("iphone", "ipod", "mobile", "windows phone"):
		return ClassPhone
	}
	return ClassDesktop
}

// fireTV reports whether ua names an Amazon Fire TV model: a whole token
// of AFT and upper-case letters or digits, as in "Android 9; AFTMM
// Build/PS7233" (matched case-sensitively, as Amazon sends it, so words
// such as "aftermath" do not count).
func fireTV(ua string) bool {
	for _, tok := range strings.FieldsFunc(ua, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}) {
		model, ok := strings.CutPrefix(tok, "AFT")
		if ok && model != "" && strings.Trim(model, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
			return true
		}
	}
	return false
}

// DefaultName returns a readable default name for a device of class
// seen with User-Agent ua, e.g. "Firefox on Linux".
func DefaultName(class, ua string) string {
	u := strings.ToLower(ua)
	browser := ""
	for _, b := range [][2]string{{"edg/", "Edge"}, {"opr/", "Opera"}, {"firefox/", "Firefox"}, {"chrome/", "Chrome"}, {"chromium/", "Chromium"}, {"safari/", "Safari"}} {
		if strings.Contains(u, b[0]) {
			browser = b[1]
			break
		}
	}
	system := ""
	for _, o := range [][2]string{{"iphone", "iPhone"}, {"ipad", "iPad"}, {"android", "Android"}, {"windows", "Windows"}, {"mac os", "macOS"}, {"cros", "ChromeOS"}, {"linux", "Linux"}} {
		if strings.Contains(u, o[0]) {
			system = o[1]
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	switch class {
	case ClassTV:
		return "TV"
	case ClassPhone:
		return "Phone"
	case ClassTablet:
		return "Tablet"
	}
	return "Computer"
}

// CleanName trims a device name and checks it: 1..MaxNameLen characters of
// valid UTF-8 without control characters.
func CleanName(name string) (string, error) {
	clean, ok := names.Clean(name, MaxNameLen)
	if !ok {
		return "", ErrInvalidName
	}
	return clean, nil
}

// Execer runs a statement; *sql.DB and *sql.Tx are Execers.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Store reads and writes devices in MySQL.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store over db. If now is nil, time.Now is used.
func NewStore(db *sql.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// Register records a new device of accountID, signed in with clientID,
// through ex (a transaction or the database). class must be valid; name
// is cleaned, or replaced by a default when empty or invalid.
func (s *Store) Register(ctx context.Context, ex Execer, accountID, clientID, class, name, userAgent string) (Device, error) {
	if !ValidClass(class) {
		return Device{}, ErrInvalidClass
	}
	n, err := CleanName(name)
	if err != nil {
		n = DefaultName(class, userAgent)
	}
	if ex == nil {
		ex = s.db
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	d := Device{ID: tokens.RandomID(16), Class: class, Name: n, ClientID: clientID, FirstSeen: now, LastSeen: now}
	if _, err := ex.ExecContext(ctx,
		"INSERT INTO devices (id, account_id, client_id, class, name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
		d.ID, accountID, clientID, class, n, now, now); err != nil {
		return Device{}, fmt.Errorf("devices: register: %w", err)
	}
	return d, nil
}

// Touch updates a live device's last_seen through ex and returns the
// profile selected on it ("" for none). A revoked or unknown device gives
// ErrNotFound.
func (s *Store) Touch(ctx context.Context, ex interface {
	Execer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, accountID, id string) (profileID string, err error) {
	res, err := ex.ExecContext(ctx, "UPDATE devices SET last_seen = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
		s.now().UTC(), id, accountID)
	if err != nil {
		return "", fmt.Errorf("devices: touch: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// MySQL reports 0 rows when last_seen did not change; check it exists.
		var ok int
		if err := ex.QueryRowContext(ctx, "SELECT 1 FROM devices WHERE id = ? AND account_id = ? AND revoked_at IS NULL", id, accountID).Scan(&ok); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return "", ErrNotFound
			}
			return "", fmt.Errorf("devices: touch: %w", err)
		}
	}
	var pid sql.NullInt64
	if err := ex.QueryRowContext(ctx, "SELECT profile_id FROM devices WHERE id = ?", id).Scan(&pid); err != nil {
		return "", fmt.Errorf("devices: touch: %w", err)
	}
	if !pid.Valid {
		return "", nil
	}
	return strconv.FormatInt(pid.Int64, 10), nil
}

// SelectProfile records profileID ("" to clear) as the profile selected on
// the account's live device id.
func (s *Store) SelectProfile(ctx context.Context, accountID, id, profileID string) error {
	var pid any
	if profileID != "" {
		pid = profileID
	}
	res, err := s.db.ExecContext(ctx, "UPDATE devices SET profile_id = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL", pid, id, accountID)
	if err != nil {
		return fmt.Errorf("devices: select profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var ok int
		if err := s.db.QueryRowContext(ctx, "SELECT 1 FROM devices WHERE id = ? AND account_id = ? AND revoked_at IS NULL", id, accountID).Scan(&ok); err != nil {
			return ErrNotFound
		}
	}
	return nil
}

// List returns the account's live devices, most recently seen first.
func (s *Store) List(ctx context.Context, accountID string) ([]Device, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, class, name, client_id, first_seen, last_seen, profile_id FROM devices WHERE account_id = ? AND revoked_at IS NULL ORDER BY last_seen DESC, id",
		accountID)
	if err != nil {
		return nil, fmt.Errorf("devices: list: %w", err)
	}
	defer rows.Close()
	out := []Device{}
	for rows.Next() {
		var d Device
		var pid sql.NullInt64
		if err := rows.Scan(&d.ID, &d.Class, &d.Name, &d.ClientID, &d.FirstSeen, &d.LastSeen, &pid); err != nil {
			return nil, fmt.Errorf("devices: list: %w", err)
		}
		if pid.Valid {
			d.ProfileID = strconv.FormatInt(pid.Int64, 10)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("devices: list: %w", err)
	}
	return out, nil
}

// Count returns how many live devices the account has.
func (s *Store) Count(ctx context.Context, accountID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM devices WHERE account_id = ? AND revoked_at IS NULL", accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("devices: count: %w", err)
	}
	return n, nil
}

// Rename sets the name of the account's live device id.
func (s *Store) Rename(ctx context.Context, accountID, id, name string) (Device, error) {
	n, err := CleanName(name)
	if err != nil {
		return Device{}, err
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE devices SET name = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL", n, id, accountID); err != nil {
		return Device{}, fmt.Errorf("devices: rename: %w", err)
	}
	return s.Get(ctx, accountID, id)
}

// Get returns the account's live device id.
func (s *Store) Get(ctx context.Context, accountID, id string) (Device, error) {
	var d Device
	var pid sql.NullInt64
	err := s.db.QueryRowContext(ctx,
		"SELECT id, class, name, client_id, first_seen, last_seen, profile_id FROM devices WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
		id, accountID).Scan(&d.ID, &d.Class, &d.Name, &d.ClientID, &d.FirstSeen, &d.LastSeen, &pid)
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrNotFound
	}
	if err != nil {
		return Device{}, fmt.Errorf("devices: get: %w", err)
	}
	if pid.Valid {
		d.ProfileID = strconv.FormatInt(pid.Int64, 10)
	}
	return d, nil
}

// Revoke marks the account's device id revoked and deletes its refresh
// tokens, in one transaction. Revoking a revoked or unknown device gives
// ErrNotFound.
func (s *Store) Revoke(ctx context.Context, accountID, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("devices: revoke: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE devices SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL", s.now().UTC(), id, accountID)
	if err != nil {
		return fmt.Errorf("devices: revoke: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM refresh_tokens WHERE device_id = ?", id); err != nil {
		return fmt.Errorf("devices: revoke tokens: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("devices: revoke: %w", err)
	}
	return nil
}
