// Package progress records how far each profile has watched each title
// (and episode) in MySQL. A write is acknowledged only after its upsert
// commits, so an acknowledged position survives a database restart.
package progress

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// WatchedFraction is the share of a title's duration after which it counts
// as watched.
const WatchedFraction = 0.9

// Entry is a profile's progress in one title or episode.
type Entry struct {
	ProfileID string
	TitleID   string
	// EpisodeID is empty for a movie.
	EpisodeID string
	PositionS int
	DurationS int
	Watched   bool
	UpdatedAt time.Time
}

// IsWatched reports whether positionS of durationS counts as watched.
func IsWatched(positionS, durationS int) bool {
	return durationS > 0 && float64(positionS) >= WatchedFraction*float64(durationS)
}

// ErrInvalid means an entry's fields are out of range.
var ErrInvalid = errors.New("invalid progress")

// Store reads and writes progress.
type Store struct{ db *sql.DB }

// NewStore returns a Store over db.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// Record upserts e (one primary-key write) and returns once it committed.
// Watched is computed from the position and duration.
func (s *Store) Record(ctx context.Context, e Entry) error {
	if e.ProfileID == "" || e.TitleID == "" || e.PositionS < 0 || e.DurationS < 0 {
		return ErrInvalid
	}
	if e.DurationS > 0 && e.PositionS > e.DurationS {
		e.PositionS = e.DurationS
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO watch_progress
		(profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE position_s = VALUES(position_s), duration_s = VALUES(duration_s),
			watched = VALUES(watched), updated_at = VALUES(updated_at)`,
		e.ProfileID, e.TitleID, e.EpisodeID, e.PositionS, e.DurationS, IsWatched(e.PositionS, e.DurationS), e.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("progress: record: %w", err)
	}
	return nil
}

func scan(rows *sql.Rows) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ProfileID, &e.TitleID, &e.EpisodeID, &e.PositionS, &e.DurationS, &e.Watched, &e.UpdatedAt); err != nil {
			return nil, fmt.Errorf("progress: scan: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("progress: scan: %w", err)
	}
	return out, nil
}

const columns = "profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at"

// Recent returns up to limit of the profile's entries, most recently
// updated first (index watch_progress_recent).
func (s *Store) Recent(ctx context.Context, profileID string, limit int) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+columns+" FROM watch_progress WHERE profile_id = ? ORDER BY updated_at DESC LIMIT ?", profileID, limit)
	if err != nil {
		return nil, fmt.Errorf("progress: recent: %w", err)
	}
	return scan(rows)
}

// ForTitle returns the profile's entries of one title (every episode of a
// series), most recently updated first (primary key prefix).
func (s *Store) ForTitle(ctx context.Context, profileID, titleID string) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+columns+" FROM watch_progress WHERE profile_id = ? AND title_id = ? ORDER BY updated_at DESC", profileID, titleID)
	if err != nil {
		return nil, fmt.Errorf("progress: for title: %w", err)
	}
	return scan(rows)
}

// Get returns the profile's entry of a title and episode ("" for a movie).
func (s *Store) Get(ctx context.Context, profileID, titleID, episodeID string) (Entry, bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+columns+" FROM watch_progress WHERE profile_id = ? AND title_id = ? AND episode_id = ?", profileID, titleID, episodeID)
	if err != nil {
		return Entry{}, false, fmt.Errorf("progress: get: %w", err)
	}
	es, err := scan(rows)
	if err != nil || len(es) == 0 {
		return Entry{}, false, err
	}
	return es[0], true, nil
}
