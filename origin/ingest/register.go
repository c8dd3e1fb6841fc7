package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// idRE is the contract's asset id syntax, also used for title ids.
var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// maturityRE bounds maturity ratings such as "PG", "PG-13", "TV-MA".
var maturityRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,7}$`)

// ValidID reports whether id is a valid asset (and title) id:
// ^[a-z0-9][a-z0-9-]{0,62}$.
func ValidID(id string) bool { return idRE.MatchString(id) }

// Slug turns a title name into an id: lowercase ASCII letters and digits,
// other runs become one hyphen, at most 63 bytes. It returns "" when
// nothing usable is left.
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= 63 {
			break
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

// Title is the catalog entry an asset is published under.
type Title struct {
	// ID is the title id (same syntax as asset ids). Required.
	ID string
	// Name is the display name. Required.
	Name string
	// Synopsis is a short description; may be empty.
	Synopsis string
	// Year is the release year. If zero, the current year is used.
	Year int
	// Maturity is the rating, e.g. "PG", "PG-13", "TV-MA". If empty, "PG".
	Maturity string
}

// normalize fills defaults and validates t.
func (t Title) normalize(now time.Time) (Title, error) {
	if t.Maturity == "" {
		t.Maturity = "PG"
	}
	if t.Year == 0 {
		t.Year = now.Year()
	}
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case !ValidID(t.ID):
		return t, fmt.Errorf("%w: title id %q must match %s", ErrInvalidConfig, t.ID, idRE)
	case t.Name == "" || utf8.RuneCountInString(t.Name) > 255 || !utf8.ValidString(t.Name):
		return t, fmt.Errorf("%w: title name must be 1-255 characters", ErrInvalidConfig)
	case !utf8.ValidString(t.Synopsis) || len(t.Synopsis) > 60000:
		return t, fmt.Errorf("%w: synopsis too long or not UTF-8", ErrInvalidConfig)
	case t.Year < 1888 || t.Year > 9999:
		return t, fmt.Errorf("%w: year %d", ErrInvalidConfig, t.Year)
	case !maturityRE.MatchString(t.Maturity):
		return t, fmt.Errorf("%w: maturity %q", ErrInvalidConfig, t.Maturity)
	}
	return t, nil
}

// Register records the asset, its renditions and the title in one
// transaction and publishes the title (published_at = now, kept from an
// earlier publish if there was one). Call it only after every object is
// uploaded. Re-running it updates the rows in place.
func Register(ctx context.Context, db *sql.DB, assetID string, enc *Encoded, t Title, now time.Time) error {
	if !ValidID(assetID) {
		return fmt.Errorf("%w: asset id %q", ErrInvalidConfig, assetID)
	}
	if enc == nil || len(enc.Renditions) == 0 || enc.DurationMS <= 0 {
		return fmt.Errorf("%w: nothing encoded to register", ErrInvalidConfig)
	}
	t, err := t.normalize(now)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ingest: register: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO assets (id, duration_ms) VALUES (?, ?)
		 ON DUPLICATE KEY UPDATE duration_ms = VALUES(duration_ms)`, assetID, enc.DurationMS); err != nil {
		return fmt.Errorf("ingest: register asset: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM renditions WHERE asset_id = ?`, assetID); err != nil {
		return fmt.Errorf("ingest: register renditions: %w", err)
	}
	for _, r := range enc.Renditions {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO renditions (asset_id, name, width, height, bandwidth, codecs) VALUES (?, ?, ?, ?, ?, ?)`,
			assetID, r.Name, r.Width, r.Height, r.Bandwidth, r.Codecs); err != nil {
			return fmt.Errorf("ingest: register rendition %s: %w", r.Name, err)
		}
	}
	runtimeS := (enc.DurationMS + 999) / 1000
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO titles (id, name, synopsis, year, maturity, runtime_s, asset_id, published_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE name = VALUES(name), synopsis = VALUES(synopsis), year = VALUES(year),
		   maturity = VALUES(maturity), runtime_s = VALUES(runtime_s), asset_id = VALUES(asset_id),
		   published_at = COALESCE(published_at, VALUES(published_at))`,
		t.ID, t.Name, t.Synopsis, t.Year, t.Maturity, runtimeS, assetID, now.UTC()); err != nil {
		return fmt.Errorf("ingest: register title: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ingest: register commit: %w", err)
	}
	return nil
}

// Published reports whether title id is published with asset assetID.
func Published(ctx context.Context, db *sql.DB, titleID, assetID string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM titles WHERE id = ? AND asset_id = ? AND published_at IS NOT NULL`,
		titleID, assetID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("ingest: published: %w", err)
	}
	return n > 0, nil
}
