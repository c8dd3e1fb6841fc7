package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/edgeflix/edgeflix/origin/oauth"
)

// Maturity labels by level (docs/CONTRACTS.md).
var maturityLabels = []string{"G", "PG", "PG-13", "R", "NC-17"}

// KidsCeiling is the maturity ceiling of a kids profile.
const KidsCeiling = 1

// MaxMaturity is the highest maturity level.
const MaxMaturity = 4

// MaturityLevel returns the level of a maturity label, false if unknown.
func MaturityLevel(label string) (int, bool) {
	for i, l := range maturityLabels {
		if l == label {
			return i, true
		}
	}
	return 0, false
}

// MaturityLabel returns the label of a level ("" when out of range).
func MaturityLabel(level int) string {
	if level < 0 || level >= len(maturityLabels) {
		return ""
	}
	return maturityLabels[level]
}

// Sentinel errors of profile resolution.
var (
	// ErrProfileNotFound means the profile does not exist or belongs to
	// another account.
	ErrProfileNotFound = errors.New("profile not found")
	// ErrProfileLocked means the profile has a PIN and was not selected
	// with it.
	ErrProfileLocked = errors.New("profile is locked by a pin")
	// ErrInsufficientScope means the access token was not granted the
	// catalog scope.
	ErrInsufficientScope = errors.New("access token lacks the catalog scope")
)

// Viewer is who browses: an account and one of its profiles.
type Viewer struct {
	AccountID string
	// ProfileID is empty when the account has no profile yet (then there
	// is no list or progress, and the ceiling is the highest level).
	ProfileID string
	// DeviceID is the principal's device, empty when the token has none.
	DeviceID string
	// Ceiling is the highest maturity level the viewer may see.
	Ceiling int
	// Kids is set for a kids profile.
	Kids bool
}

// ViewerOf resolves the viewer of a request from the principal and the
// requested profile id (a query or body parameter, may be empty): the
// requested profile, else the principal's ProfileID, else the account's
// first profile. A profile with a PIN is usable only when it is the
// principal's ProfileID.
func ViewerOf(ctx context.Context, db *sql.DB, p oauth.Principal, requested string) (Viewer, error) {
	v := Viewer{AccountID: p.AccountID, DeviceID: p.DeviceID, Ceiling: MaxMaturity}
	selected := p.ProfileID
	id := requested
	if id == "" {
		id = selected
	}
	var (
		pid    uint64
		kids   bool
		level  int
		hasPIN bool
		err    error
	)
	if id != "" {
		n, perr := strconv.ParseUint(id, 10, 64)
		if perr != nil {
			return Viewer{}, ErrProfileNotFound
		}
		err = db.QueryRowContext(ctx, "SELECT id, kids, maturity_level, pin_hash IS NOT NULL FROM profiles WHERE id = ? AND account_id = ?",
			n, p.AccountID).Scan(&pid, &kids, &level, &hasPIN)
	} else {
		err = db.QueryRowContext(ctx, "SELECT id, kids, maturity_level, pin_hash IS NOT NULL FROM profiles WHERE account_id = ? ORDER BY id LIMIT 1",
			p.AccountID).Scan(&pid, &kids, &level, &hasPIN)
		if errors.Is(err, sql.ErrNoRows) {
			return v, nil // no profile yet: account-wide browsing
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Viewer{}, ErrProfileNotFound
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("catalog: profile: %w", err)
	}
	v.ProfileID = strconv.FormatUint(pid, 10)
	if hasPIN && v.ProfileID != selected {
		return Viewer{}, ErrProfileLocked
	}
	v.Kids = kids
	v.Ceiling = min(max(level, 0), MaxMaturity)
	if kids {
		v.Ceiling = min(v.Ceiling, KidsCeiling)
	}
	return v, nil
}

// ViewerTTL is how long Store.Viewer remembers a resolved viewer: a
// profile's maturity, kids or PIN change reaches browsing within it.
const ViewerTTL = time.Second

// maxViewers bounds the remembered viewers.
const maxViewers = 10_000

type viewerKey struct{ account, device, selected, requested string }

type viewerEntry struct {
	v  Viewer
	at time.Time
}

// viewers remembers resolved viewers for ViewerTTL.
type viewers struct {
	mu sync.Mutex
	m  map[viewerKey]viewerEntry
}

// Viewer is ViewerOf over the store's database, remembering each
// resolution for ViewerTTL (by the store's clock) so a burst of requests
// of one profile costs one profile lookup. Errors are not remembered. A
// token without the catalog scope gets ErrInsufficientScope.
func (s *Store) Viewer(ctx context.Context, p oauth.Principal, requested string) (Viewer, error) {
	if !p.HasScope(oauth.ScopeCatalog) {
		return Viewer{}, ErrInsufficientScope
	}
	k := viewerKey{p.AccountID, p.DeviceID, p.ProfileID, requested}
	now := s.now()
	s.viewers.mu.Lock()
	e, ok := s.viewers.m[k]
	s.viewers.mu.Unlock()
	if ok && now.Sub(e.at) < ViewerTTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := ViewerOf(ctx, s.db, p, requested)
	if err != nil {
		return Viewer{}, err
	}
	s.viewers.mu.Lock()
	if s.viewers.m == nil || len(s.viewers.m) >= maxViewers {
		s.viewers.m = make(map[viewerKey]viewerEntry) // drop all: cheap, bounded
	}
	s.viewers.m[k] = viewerEntry{v, now}
	s.viewers.mu.Unlock()
	return v, nil
}
