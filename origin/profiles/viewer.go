package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/edgeflix/edgeflix/origin/maturity"
	"github.com/edgeflix/edgeflix/origin/oauth"
)

// ErrLocked means the profile has a PIN and the token did not select it
// with that PIN.
var ErrLocked = errors.New("profile is locked by a pin")

// Viewer is who browses or plays: an account and one of its profiles.
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

// ViewerTTL is how long Store.Viewer remembers a resolved viewer. Writes
// through the same Store forget the account's viewers at once; a change
// made through another origin process reaches this one within ViewerTTL.
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
	mu sync.Mutex // guards m
	m  map[viewerKey]viewerEntry
}

// Viewer resolves the viewer of a request from the principal and the
// requested profile id (a query or body parameter, may be empty): the
// requested profile, else the principal's ProfileID, else the account's
// first profile. A profile with a PIN is usable only when it is the
// principal's ProfileID (selected with the PIN), else ErrLocked; an id of
// no profile of the account is ErrNotFound. This is the only place a
// request's profile is resolved: browsing, playback and profile management
// all ask it. Each resolution is remembered for ViewerTTL (by the store's
// clock) so a burst of requests of one profile costs one lookup; errors
// are not remembered.
func (s *Store) Viewer(ctx context.Context, p oauth.Principal, requested string) (Viewer, error) {
	k := viewerKey{p.AccountID, p.DeviceID, p.ProfileID, requested}
	now := s.now()
	s.viewers.mu.Lock()
	e, ok := s.viewers.m[k]
	s.viewers.mu.Unlock()
	if ok && now.Sub(e.at) < ViewerTTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := s.resolve(ctx, p, requested)
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

// forget drops the remembered viewers of accountID (after a write).
func (s *Store) forget(accountID string) {
	s.viewers.mu.Lock()
	for k := range s.viewers.m {
		if k.account == accountID {
			delete(s.viewers.m, k)
		}
	}
	s.viewers.mu.Unlock()
}

func (s *Store) resolve(ctx context.Context, p oauth.Principal, requested string) (Viewer, error) {
	v := Viewer{AccountID: p.AccountID, DeviceID: p.DeviceID, Ceiling: maturity.Max}
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
			return Viewer{}, ErrNotFound
		}
		err = s.db.QueryRowContext(ctx, "SELECT id, kids, maturity_level, pin_hash IS NOT NULL FROM profiles WHERE id = ? AND account_id = ?",
			n, p.AccountID).Scan(&pid, &kids, &level, &hasPIN)
	} else {
		err = s.db.QueryRowContext(ctx, "SELECT id, kids, maturity_level, pin_hash IS NOT NULL FROM profiles WHERE account_id = ? ORDER BY id LIMIT 1",
			p.AccountID).Scan(&pid, &kids, &level, &hasPIN)
		if errors.Is(err, sql.ErrNoRows) {
			return v, nil // no profile yet: account-wide browsing
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Viewer{}, ErrNotFound
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("profiles: viewer: %w", err)
	}
	v.ProfileID = strconv.FormatUint(pid, 10)
	if hasPIN && v.ProfileID != selected {
		return Viewer{}, ErrLocked
	}
	v.Kids = kids
	v.Ceiling = min(max(level, 0), maturity.Max)
	if kids {
		v.Ceiling = min(v.Ceiling, maturity.KidsMax)
	}
	return v, nil
}
