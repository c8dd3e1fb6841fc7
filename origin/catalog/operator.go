package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/edgeflix/edgeflix/origin/maturity"
)

// Sentinel errors of operator writes.
var (
	// ErrNotOperator means the account may not edit the catalog.
	ErrNotOperator = errors.New("operator role required")
	// ErrInvalidTitle means a title write has bad fields.
	ErrInvalidTitle = errors.New("invalid title")
	// ErrExists means the id is taken.
	ErrExists = errors.New("already exists")
	// ErrAssetNotFound means no asset has the id.
	ErrAssetNotFound = errors.New("asset not found")
)

// IsOperator reports whether accountID has the operator role.
func (s *Store) IsOperator(ctx context.Context, accountID string) (bool, error) {
	var role string
	err := s.db.QueryRowContext(ctx, "SELECT role FROM accounts WHERE id = ?", accountID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("catalog: role: %w", err)
	}
	return role == "operator", nil
}

// TitleInput is the body of an operator title create (all of Name, Year,
// Maturity, RuntimeS required) or edit (only the fields present change).
type TitleInput struct {
	ID           string    `json:"id,omitempty"`
	Kind         *string   `json:"kind,omitempty"`
	Name         *string   `json:"name,omitempty"`
	Synopsis     *string   `json:"synopsis,omitempty"`
	Year         *int      `json:"year,omitempty"`
	Maturity     *string   `json:"maturity,omitempty"`
	RuntimeS     *int      `json:"runtime_s,omitempty"`
	Genres       *[]string `json:"genres,omitempty"`
	Cast         *[]string `json:"cast,omitempty"`
	PosterPath   *string   `json:"poster_path,omitempty"`
	BackdropPath *string   `json:"backdrop_path,omitempty"`
}

// validToken reports whether s matches ^[a-z0-9][a-z0-9-]{0,max-1}$.
func validToken(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || (b == '-' && i > 0)) {
			return false
		}
	}
	return true
}

func validSlug(s string) bool { return validToken(s, 32) }

// validID reports whether id is a title or episode id.
func validID(id string) bool { return validToken(id, 64) }

func (in TitleInput) check(create bool) error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidTitle, msg) }
	if create && (in.Name == nil || in.Year == nil || in.Maturity == nil || in.RuntimeS == nil) {
		return bad("name, year, maturity and runtime_s are required")
	}
	if in.Kind != nil && *in.Kind != "movie" && *in.Kind != "series" {
		return bad("kind must be movie or series")
	}
	if in.Name != nil && (strings.TrimSpace(*in.Name) == "" || len(*in.Name) > 255) {
		return bad("name must have 1..255 bytes")
	}
	if in.Synopsis != nil && len(*in.Synopsis) > 4000 {
		return bad("synopsis is too long")
	}
	if in.Year != nil && (*in.Year < 1880 || *in.Year > 2200) {
		return bad("year out of range")
	}
	if in.Maturity != nil {
		if _, ok := maturity.Level(*in.Maturity); !ok {
			return bad("maturity must be G, PG, PG-13, R or NC-17")
		}
	}
	if in.RuntimeS != nil && (*in.RuntimeS < 0 || *in.RuntimeS > 100000) {
		return bad("runtime_s out of range")
	}
	if in.Genres != nil {
		for _, g := range *in.Genres {
			if !validSlug(g) {
				return bad("genre slugs are [a-z0-9-]")
			}
		}
	}
	if in.Cast != nil && len(strings.Join(*in.Cast, ", ")) > 1024 {
		return bad("cast is too long")
	}
	for _, p := range []*string{in.PosterPath, in.BackdropPath} {
		if p != nil && *p != "" && (len(*p) > 255 || strings.Contains(*p, "..") || strings.HasPrefix(*p, "/")) {
			return bad("artwork paths are relative media paths")
		}
	}
	return nil
}

// bump starts a new cache generation after a committed write.
func (s *Store) bump(ctx context.Context) {
	if s.cache != nil {
		s.cache.Bump(ctx) // on failure the cache logged it; TTLs bound staleness
	}
}

// CreateTitle creates an unpublished title.
func (s *Store) CreateTitle(ctx context.Context, in TitleInput) error {
	if !validID(in.ID) {
		return fmt.Errorf("%w: id must match [a-z0-9][a-z0-9-]{0,63}", ErrInvalidTitle)
	}
	if err := in.check(true); err != nil {
		return err
	}
	kind := "movie"
	if in.Kind != nil {
		kind = *in.Kind
	}
	level, _ := maturity.Level(*in.Maturity)
	syn := ""
	if in.Synopsis != nil {
		syn = *in.Synopsis
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: create title: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, "INSERT INTO titles (id, kind, name, synopsis, year, maturity, maturity_level, runtime_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		in.ID, kind, *in.Name, syn, *in.Year, *in.Maturity, level, *in.RuntimeS)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("catalog: create title: %w", err)
	}
	in.Kind, in.Name, in.Synopsis, in.Year, in.Maturity, in.RuntimeS = nil, nil, nil, nil, nil, nil
	if err := s.applyEdit(ctx, tx, in.ID, in); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: create title: %w", err)
	}
	s.bump(ctx)
	return nil
}

// EditTitle changes the fields of in that are set.
func (s *Store) EditTitle(ctx context.Context, id string, in TitleInput) error {
	if err := in.check(false); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: edit title: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM titles WHERE id = ? FOR UPDATE", id).Scan(new(int)); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("catalog: edit title: %w", err)
	}
	if err := s.applyEdit(ctx, tx, id, in); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: edit title: %w", err)
	}
	s.bump(ctx)
	return nil
}

func (s *Store) applyEdit(ctx context.Context, tx *sql.Tx, id string, in TitleInput) error {
	var sets []string
	var args []any
	set := func(col string, v any) { sets = append(sets, col+" = ?"); args = append(args, v) }
	if in.Kind != nil {
		set("kind", *in.Kind)
	}
	if in.Name != nil {
		set("name", *in.Name)
	}
	if in.Synopsis != nil {
		set("synopsis", *in.Synopsis)
	}
	if in.Year != nil {
		set("year", *in.Year)
	}
	if in.Maturity != nil {
		level, _ := maturity.Level(*in.Maturity)
		set("maturity", *in.Maturity)
		set("maturity_level", level)
	}
	if in.RuntimeS != nil {
		set("runtime_s", *in.RuntimeS)
	}
	if in.Cast != nil {
		set("cast_names", strings.Join(*in.Cast, ", "))
	}
	nullable := func(p *string) any {
		if *p == "" {
			return nil
		}
		return *p
	}
	if in.PosterPath != nil {
		set("poster_path", nullable(in.PosterPath))
	}
	if in.BackdropPath != nil {
		set("backdrop_path", nullable(in.BackdropPath))
	}
	if len(sets) > 0 {
		args = append(args, id)
		if _, err := tx.ExecContext(ctx, "UPDATE titles SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
			return fmt.Errorf("catalog: edit title: %w", err)
		}
	}
	if in.Genres != nil {
		if _, err := tx.ExecContext(ctx, "DELETE FROM title_genres WHERE title_id = ?", id); err != nil {
			return fmt.Errorf("catalog: genres: %w", err)
		}
		for _, g := range *in.Genres {
			name := strings.ToUpper(g[:1]) + strings.ReplaceAll(g[1:], "-", " ")
			if _, err := tx.ExecContext(ctx, "INSERT IGNORE INTO genres (slug, name) VALUES (?, ?)", g, name); err != nil {
				return fmt.Errorf("catalog: genres: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT IGNORE INTO title_genres (title_id, genre_id) SELECT ?, id FROM genres WHERE slug = ?", id, g); err != nil {
				return fmt.Errorf("catalog: genres: %w", err)
			}
		}
	}
	return nil
}

// exec runs one statement changing one title and bumps the generation;
// ErrNotFound when no row matched the title.
func (s *Store) exec(ctx context.Context, q string, args ...any) error {
	res, err := s.db.ExecContext(ctx, q, args...)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1452 { // foreign key: no such asset
		return ErrAssetNotFound
	}
	if errors.As(err, &me) && me.Number == 1062 {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("catalog: operator write: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := s.db.QueryRowContext(ctx, "SELECT 1 FROM titles WHERE id = ?", args[len(args)-1]).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
	}
	s.bump(ctx)
	return nil
}

// AttachAsset sets a title's media to an existing asset ("" detaches).
func (s *Store) AttachAsset(ctx context.Context, id, assetID string) error {
	var a any
	if assetID != "" {
		a = assetID
	}
	return s.exec(ctx, "UPDATE titles SET asset_id = ? WHERE id = ?", a, id)
}

// Publish makes a title visible from at (now if zero).
func (s *Store) Publish(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	return s.exec(ctx, "UPDATE titles SET published_at = ? WHERE id = ?", at.UTC(), id)
}

// Unpublish hides a title.
func (s *Store) Unpublish(ctx context.Context, id string) error {
	return s.exec(ctx, "UPDATE titles SET published_at = NULL WHERE id = ?", id)
}

// SeasonInput is the body of an operator season create.
type SeasonInput struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
}

// AddSeason creates a season of a series.
func (s *Store) AddSeason(ctx context.Context, titleID string, in SeasonInput) error {
	if in.Number < 1 || in.Number > 1000 || in.Name == "" || len(in.Name) > 255 {
		return fmt.Errorf("%w: season needs a number 1..1000 and a name", ErrInvalidTitle)
	}
	var kind string
	if err := s.db.QueryRowContext(ctx, "SELECT kind FROM titles WHERE id = ?", titleID).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("catalog: add season: %w", err)
	}
	if kind != "series" {
		return fmt.Errorf("%w: only a series has seasons", ErrInvalidTitle)
	}
	return s.exec(ctx, "INSERT INTO seasons (number, name, title_id) VALUES (?, ?, ?)", in.Number, in.Name, titleID)
}

// EpisodeInput is the body of an operator episode create.
type EpisodeInput struct {
	ID       string `json:"id"`
	Season   int    `json:"season"`
	Number   int    `json:"number"`
	Name     string `json:"name"`
	Synopsis string `json:"synopsis"`
	RuntimeS int    `json:"runtime_s"`
	AssetID  string `json:"asset_id,omitempty"`
}

// AddEpisode creates an episode in an existing season.
func (s *Store) AddEpisode(ctx context.Context, titleID string, in EpisodeInput) error {
	if !validID(in.ID) || in.Number < 1 || in.Number > 10000 || in.Name == "" || len(in.Name) > 255 || in.RuntimeS < 0 || len(in.Synopsis) > 4000 {
		return fmt.Errorf("%w: episode needs an id, a number, a name and a runtime", ErrInvalidTitle)
	}
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1 FROM seasons WHERE title_id = ? AND number = ?", titleID, in.Season).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("catalog: add episode: %w", err)
	}
	var asset any
	if in.AssetID != "" {
		asset = in.AssetID
	}
	return s.exec(ctx, "INSERT INTO episodes (id, season_number, episode_number, name, synopsis, runtime_s, asset_id, title_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		in.ID, in.Season, in.Number, in.Name, in.Synopsis, in.RuntimeS, asset, titleID)
}
