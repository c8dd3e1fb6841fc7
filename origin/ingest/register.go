package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgeflix/edgeflix/origin/maturity"
)

// idRE is the contract's asset id syntax, also used for title ids.
var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

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
	// ID is the title id (same syntax as asset ids); for an episode, the
	// episode id. Required.
	ID string
	// Name is the display name (for an episode, the episode's). Required.
	Name string
	// Synopsis is a short description; may be empty.
	Synopsis string
	// Year is the release year. If zero, the current year is used.
	Year int
	// Maturity is the rating: G, PG, PG-13, R or NC-17. If empty, "PG".
	Maturity string
	// Genres are display names such as "Sci-Fi"; each gets a genre row
	// (slug from Slug). If empty, the title's genres are left as they are.
	Genres []string
	// Cast are cast member names.
	Cast []string
	// Series, if set, makes this title an episode of that series.
	Series *SeriesRef
}

// SeriesRef places an episode in a series.
type SeriesRef struct {
	// ID is the series title id. If empty, Slug(Name).
	ID string
	// Name is the series name. Required.
	Name string
	// Synopsis describes the series; if empty the series keeps its own.
	Synopsis string
	// Season and Episode number the episode, from 1.
	Season, Episode int
}

// EpisodeID is the default id of an episode: <series>-sNNeMM.
func EpisodeID(seriesID string, season, episode int) string {
	return fmt.Sprintf("%s-s%02de%02d", seriesID, season, episode)
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
	if t.Series != nil {
		s := *t.Series
		s.Name = strings.TrimSpace(s.Name)
		if s.ID == "" {
			s.ID = Slug(s.Name)
		}
		t.Series = &s
		switch {
		case s.Name == "" || utf8.RuneCountInString(s.Name) > 255 || !utf8.ValidString(s.Name):
			return t, fmt.Errorf("%w: series name must be 1-255 characters", ErrInvalidConfig)
		case !ValidID(s.ID):
			return t, fmt.Errorf("%w: series id %q must match %s", ErrInvalidConfig, s.ID, idRE)
		case s.Season < 1 || s.Season > 999 || s.Episode < 1 || s.Episode > 9999:
			return t, fmt.Errorf("%w: season %d episode %d", ErrInvalidConfig, s.Season, s.Episode)
		case len(s.Synopsis) > 60000 || !utf8.ValidString(s.Synopsis):
			return t, fmt.Errorf("%w: series synopsis too long or not UTF-8", ErrInvalidConfig)
		}
		if t.ID == "" {
			t.ID = EpisodeID(s.ID, s.Season, s.Episode)
		}
	}
	if _, ok := maturity.Level(t.Maturity); !ok {
		return t, fmt.Errorf("%w: maturity %q (want G, PG, PG-13, R or NC-17)", ErrInvalidConfig, t.Maturity)
	}
	for _, g := range t.Genres {
		if Slug(g) == "" || len(Slug(g)) > 32 || utf8.RuneCountInString(g) > 64 {
			return t, fmt.Errorf("%w: genre %q", ErrInvalidConfig, g)
		}
	}
	if len(strings.Join(t.Cast, ", ")) > 1024 {
		return t, fmt.Errorf("%w: cast list longer than 1024 bytes", ErrInvalidConfig)
	}
	switch {
	case !ValidID(t.ID):
		return t, fmt.Errorf("%w: title id %q must match %s", ErrInvalidConfig, t.ID, idRE)
	case t.Name == "" || utf8.RuneCountInString(t.Name) > 255 || !utf8.ValidString(t.Name):
		return t, fmt.Errorf("%w: title name must be 1-255 characters", ErrInvalidConfig)
	case !utf8.ValidString(t.Synopsis) || len(t.Synopsis) > 60000:
		return t, fmt.Errorf("%w: synopsis too long or not UTF-8", ErrInvalidConfig)
	case t.Year < 1888 || t.Year > 9999:
		return t, fmt.Errorf("%w: year %d", ErrInvalidConfig, t.Year)
	}
	return t, nil
}

// Register records the asset, its renditions and tracks, and the title (or
// the episode with its series and season) with genres, in one transaction
// that publishes it (published_at = now, kept from an earlier publish if
// there was one). Call it only after every object is uploaded. Re-running
// it updates the rows in place.
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
		vr := r.VideoRange
		if vr == "" {
			vr = "SDR"
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO renditions (asset_id, name, width, height, bandwidth, average_bandwidth, codecs, frame_rate, video_range)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			assetID, r.Name, r.Width, r.Height, r.Bandwidth, r.AverageBandwidth, r.Codecs, r.FrameRate, vr); err != nil {
			return fmt.Errorf("ingest: register rendition %s: %w", r.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM tracks WHERE asset_id = ?`, assetID); err != nil {
		return fmt.Errorf("ingest: register tracks: %w", err)
	}
	for kind, tracks := range map[string][]EncodedTrack{"audio": enc.Audio, "subtitles": enc.Subtitles} {
		for _, tr := range tracks {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO tracks (asset_id, kind, lang, name, codecs, is_default) VALUES (?, ?, ?, ?, ?, ?)`,
				assetID, kind, tr.Lang, tr.Name, tr.Codecs, tr.Default); err != nil {
				return fmt.Errorf("ingest: register track %s %s: %w", kind, tr.Lang, err)
			}
		}
	}
	runtimeS := (enc.DurationMS + 999) / 1000
	level, _ := maturity.Level(t.Maturity)
	cast := strings.Join(t.Cast, ", ")
	poster, backdrop := assetID+"/poster.jpg", assetID+"/backdrop.jpg"
	genreTitle := t.ID
	if s := t.Series; s != nil {
		genreTitle = s.ID
		// The series row: published with its first episode; its rating is
		// the highest of its episodes'; its artwork the first episode's.
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO titles (id, kind, name, synopsis, cast_names, year, maturity, maturity_level, runtime_s,
			   asset_id, poster_path, backdrop_path, published_at)
			 VALUES (?, 'series', ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)
			 ON DUPLICATE KEY UPDATE kind = 'series', name = VALUES(name),
			   synopsis = IF(VALUES(synopsis) = '', synopsis, VALUES(synopsis)),
			   cast_names = IF(VALUES(cast_names) = '', cast_names, VALUES(cast_names)),
			   year = LEAST(year, VALUES(year)),
			   maturity = IF(VALUES(maturity_level) > maturity_level, VALUES(maturity), maturity),
			   maturity_level = GREATEST(maturity_level, VALUES(maturity_level)),
			   poster_path = COALESCE(poster_path, VALUES(poster_path)),
			   backdrop_path = COALESCE(backdrop_path, VALUES(backdrop_path)),
			   published_at = COALESCE(published_at, VALUES(published_at))`,
			s.ID, s.Name, s.Synopsis, cast, t.Year, t.Maturity, level, poster, backdrop, now.UTC()); err != nil {
			return fmt.Errorf("ingest: register series: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO seasons (title_id, number, name) VALUES (?, ?, ?)
			 ON DUPLICATE KEY UPDATE number = number`, s.ID, s.Season, fmt.Sprintf("Season %d", s.Season)); err != nil {
			return fmt.Errorf("ingest: register season: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO episodes (id, title_id, season_number, episode_number, name, synopsis, runtime_s, asset_id)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			 ON DUPLICATE KEY UPDATE title_id = VALUES(title_id), season_number = VALUES(season_number),
			   episode_number = VALUES(episode_number), name = VALUES(name), synopsis = VALUES(synopsis),
			   runtime_s = VALUES(runtime_s), asset_id = VALUES(asset_id)`,
			t.ID, s.ID, s.Season, s.Episode, t.Name, t.Synopsis, runtimeS, assetID); err != nil {
			return fmt.Errorf("ingest: register episode: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE titles SET runtime_s = (SELECT COALESCE(SUM(runtime_s), 0) FROM episodes WHERE title_id = ?) WHERE id = ?`,
			s.ID, s.ID); err != nil {
			return fmt.Errorf("ingest: register series runtime: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx,
		`INSERT INTO titles (id, kind, name, synopsis, cast_names, year, maturity, maturity_level, runtime_s,
		   asset_id, poster_path, backdrop_path, published_at)
		 VALUES (?, 'movie', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON DUPLICATE KEY UPDATE kind = 'movie', name = VALUES(name), synopsis = VALUES(synopsis),
		   cast_names = VALUES(cast_names), year = VALUES(year), maturity = VALUES(maturity),
		   maturity_level = VALUES(maturity_level), runtime_s = VALUES(runtime_s), asset_id = VALUES(asset_id),
		   poster_path = VALUES(poster_path), backdrop_path = VALUES(backdrop_path),
		   published_at = COALESCE(published_at, VALUES(published_at))`,
		t.ID, t.Name, t.Synopsis, cast, t.Year, t.Maturity, level, runtimeS, assetID, poster, backdrop, now.UTC()); err != nil {
		return fmt.Errorf("ingest: register title: %w", err)
	}
	if len(t.Genres) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM title_genres WHERE title_id = ?`, genreTitle); err != nil {
			return fmt.Errorf("ingest: register genres: %w", err)
		}
		for _, g := range t.Genres {
			slug := Slug(g)
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO genres (slug, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE id = id`, slug, strings.TrimSpace(g)); err != nil {
				return fmt.Errorf("ingest: register genre %s: %w", slug, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT IGNORE INTO title_genres (title_id, genre_id) SELECT ?, id FROM genres WHERE slug = ?`,
				genreTitle, slug); err != nil {
				return fmt.Errorf("ingest: register genre %s: %w", slug, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ingest: register commit: %w", err)
	}
	return nil
}

// Published reports whether title (or episode) id is published with asset
// assetID.
func Published(ctx context.Context, db *sql.DB, titleID, assetID string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx,
		`SELECT (SELECT COUNT(*) FROM titles WHERE id = ? AND asset_id = ? AND published_at IS NOT NULL) +
		        (SELECT COUNT(*) FROM episodes e JOIN titles t ON t.id = e.title_id
		          WHERE e.id = ? AND e.asset_id = ? AND t.published_at IS NOT NULL)`,
		titleID, assetID, titleID, assetID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("ingest: published: %w", err)
	}
	return n > 0, nil
}
