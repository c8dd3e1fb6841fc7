package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/edgeflix/edgeflix/origin/profiles"
)

// Sentinel errors of playback entitlement.
var (
	// ErrMaturity means the title is above the viewer's ceiling.
	ErrMaturity = errors.New("title is above the profile's maturity ceiling")
	// ErrEpisodeNotFound means the episode is not one of the series'
	// playable episodes.
	ErrEpisodeNotFound = errors.New("episode not found")
	// ErrNoAsset means the title or episode has no media yet.
	ErrNoAsset = errors.New("no media for this title")
)

// Target is what a playback session plays.
type Target struct {
	TitleID string
	// EpisodeID is empty for a movie.
	EpisodeID string
	AssetID   string
	DurationS int
	Kind      string
}

// PlaybackTarget checks that v may play titleID (published, within the
// ceiling, with media) and, for a series, picks the episode: episodeID if
// given, else where v resumes (an unfinished episode or the one after the
// last watched), else the first.
func (s *Store) PlaybackTarget(ctx context.Context, v profiles.Viewer, titleID, episodeID string) (Target, error) {
	if titleID == "" || len(titleID) > 64 || len(episodeID) > 64 {
		return Target{}, ErrNotFound
	}
	var (
		t     = Target{TitleID: titleID}
		level int
		asset sql.NullString
	)
	err := s.db.QueryRowContext(ctx, "SELECT t.kind, t.maturity_level, t.asset_id, t.runtime_s FROM titles t WHERE t.id = ? AND "+browsable,
		titleID, s.now().UTC()).Scan(&t.Kind, &level, &asset, &t.DurationS)
	if errors.Is(err, sql.ErrNoRows) {
		return Target{}, ErrNotFound
	}
	if err != nil {
		return Target{}, fmt.Errorf("catalog: playback target: %w", err)
	}
	if level > v.Ceiling {
		return Target{}, ErrMaturity
	}
	if t.Kind != "series" {
		if episodeID != "" {
			return Target{}, ErrEpisodeNotFound
		}
		if !asset.Valid {
			return Target{}, ErrNoAsset
		}
		t.AssetID = asset.String
		return t, nil
	}
	if episodeID == "" && v.ProfileID != "" {
		es, err := s.progress.ForTitle(ctx, v.ProfileID, titleID)
		if err != nil {
			return Target{}, err
		}
		if len(es) > 0 {
			p, ok, err := s.resume(ctx, es[0])
			if err != nil {
				return Target{}, err
			}
			if ok {
				episodeID = p.EpisodeID
			}
		}
	}
	var q string
	args := []any{titleID}
	if episodeID != "" {
		q = "SELECT id, asset_id, runtime_s FROM episodes WHERE title_id = ? AND id = ?"
		args = append(args, episodeID)
	} else {
		q = "SELECT id, asset_id, runtime_s FROM episodes WHERE title_id = ? AND asset_id IS NOT NULL ORDER BY season_number, episode_number LIMIT 1"
	}
	var ea sql.NullString
	err = s.db.QueryRowContext(ctx, q, args...).Scan(&t.EpisodeID, &ea, &t.DurationS)
	if errors.Is(err, sql.ErrNoRows) {
		if episodeID == "" {
			return Target{}, ErrNoAsset
		}
		return Target{}, ErrEpisodeNotFound
	}
	if err != nil {
		return Target{}, fmt.Errorf("catalog: playback target: %w", err)
	}
	if !ea.Valid {
		return Target{}, ErrNoAsset
	}
	t.AssetID = ea.String
	return t, nil
}

// RecordPlay counts a play of titleID today for trending.
func (s *Store) RecordPlay(ctx context.Context, titleID string) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO play_counts (day, title_id, plays) VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE plays = plays + 1",
		s.now().UTC().Format("2006-01-02"), titleID)
	if err != nil {
		return fmt.Errorf("catalog: record play: %w", err)
	}
	return nil
}
