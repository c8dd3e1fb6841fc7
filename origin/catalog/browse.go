package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/origin/cache"
	"github.com/edgeflix/edgeflix/origin/profiles"
	"github.com/edgeflix/edgeflix/origin/progress"
)

// Browse limits and cache lifetimes.
const (
	RowLength    = 20
	TrendingDays = 7
	SharedTTL    = 60 * time.Second
	ProfileTTL   = 60 * time.Second
	DetailTTL    = 5 * time.Minute
	SearchTTL    = 60 * time.Second
)

// Summary is a title as rows, lists and search show it.
type Summary struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Year        int       `json:"year"`
	Maturity    string    `json:"maturity"`
	RuntimeS    int       `json:"runtime_s"`
	PosterURL   string    `json:"poster_url"`
	BackdropURL string    `json:"backdrop_url"`
	Genres      []string  `json:"genres"`
	Progress    *Progress `json:"progress,omitempty"`

	level int
}

// Progress is where a viewer resumes a title.
type Progress struct {
	PositionS int    `json:"position_s"`
	DurationS int    `json:"duration_s"`
	EpisodeID string `json:"episode_id"`
}

// EpisodeProgress is a viewer's progress in one episode, as title detail
// shows it for a series under "episode_progress" keyed by episode id.
type EpisodeProgress struct {
	PositionS int  `json:"position_s"`
	DurationS int  `json:"duration_s"`
	Watched   bool `json:"watched"`
}

// Row is one home row.
type Row struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Items []Summary `json:"items"`
}

// Detail is GET /v1/titles/{id} without the viewer's own fields.
type Detail struct {
	Summary
	Synopsis string   `json:"synopsis"`
	Cast     []string `json:"cast"`
	Seasons  []Season `json:"seasons"`
}

// Season is a season of a series with its episodes.
type Season struct {
	Number   int       `json:"number"`
	Name     string    `json:"name"`
	Episodes []Episode `json:"episodes"`
}

// Episode is an episode of a series.
type Episode struct {
	ID       string `json:"id"`
	Season   int    `json:"season"`
	Number   int    `json:"number"`
	Name     string `json:"name"`
	Synopsis string `json:"synopsis"`
	RuntimeS int    `json:"runtime_s"`
	Playable bool   `json:"playable"`
}

// browsable restricts to titles viewers may see: published by now, and a
// movie with an asset or a series (whose episodes carry assets).
const browsable = "t.published_at IS NOT NULL AND t.published_at <= ? AND (t.asset_id IS NOT NULL OR t.kind = 'series')"

const summaryColumns = "t.id, t.kind, t.name, t.year, t.maturity, t.maturity_level, t.runtime_s, t.asset_id, t.poster_path, t.backdrop_path"

func (s *Store) artURL(p sql.NullString, asset sql.NullString, file string) string {
	switch {
	case p.Valid && p.String != "":
		return s.publicURL + "/v1/art/" + strings.TrimPrefix(p.String, "/")
	case asset.Valid && file != "":
		return s.publicURL + "/v1/art/" + asset.String + "/" + file
	}
	return ""
}

// summaries runs a query selecting summaryColumns (plus extra columns
// scanned into extra per row, may be nil) and fills in genres.
func (s *Store) summaries(ctx context.Context, q string, args ...any) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: summaries: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var (
			t                     Summary
			asset, poster, backdr sql.NullString
		)
		if err := rows.Scan(&t.ID, &t.Kind, &t.Title, &t.Year, &t.Maturity, &t.level, &t.RuntimeS, &asset, &poster, &backdr); err != nil {
			return nil, fmt.Errorf("catalog: summaries: %w", err)
		}
		t.PosterURL = s.artURL(poster, asset, "poster.jpg")
		t.BackdropURL = s.artURL(backdr, sql.NullString{}, "")
		t.Genres = []string{}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: summaries: %w", err)
	}
	rows.Close()
	return out, s.fillGenres(ctx, out)
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s *Store) fillGenres(ctx context.Context, items []Summary) error {
	if len(items) == 0 {
		return nil
	}
	idx := make(map[string][]int, len(items))
	args := make([]any, 0, len(items))
	for i, it := range items {
		if _, ok := idx[it.ID]; !ok {
			args = append(args, it.ID)
		}
		idx[it.ID] = append(idx[it.ID], i)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT tg.title_id, g.slug FROM title_genres tg JOIN genres g ON g.id = tg.genre_id WHERE tg.title_id IN ("+placeholders(len(args))+") ORDER BY tg.title_id, g.slug", args...)
	if err != nil {
		return fmt.Errorf("catalog: genres: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, slug string
		if err := rows.Scan(&id, &slug); err != nil {
			return fmt.Errorf("catalog: genres: %w", err)
		}
		for _, i := range idx[id] {
			items[i].Genres = append(items[i].Genres, slug)
		}
	}
	return rows.Err()
}

// byIDs returns the browsable summaries of ids within ceiling in the order
// of ids.
func (s *Store) byIDs(ctx context.Context, ids []string, ceiling int) ([]Summary, error) {
	if len(ids) == 0 {
		return []Summary{}, nil
	}
	args := []any{s.now().UTC()}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, ceiling)
	got, err := s.summaries(ctx, "SELECT "+summaryColumns+" FROM titles t WHERE "+browsable+" AND t.id IN ("+placeholders(len(ids))+") AND t.maturity_level <= ?", args...)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Summary, len(got))
	for _, t := range got {
		m[t.ID] = t
	}
	out := make([]Summary, 0, len(ids))
	for _, id := range ids {
		if t, ok := m[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// NewRow returns the newest titles within ceiling.
func (s *Store) NewRow(ctx context.Context, ceiling int) (Row, error) {
	items, err := s.summaries(ctx, "SELECT "+summaryColumns+" FROM titles t WHERE "+browsable+" AND t.maturity_level <= ? ORDER BY t.published_at DESC, t.id LIMIT ?",
		s.now().UTC(), ceiling, RowLength)
	return Row{ID: "new", Title: "New on edgeflix", Items: items}, err
}

// TrendingRow returns the titles played most in the last TrendingDays.
func (s *Store) TrendingRow(ctx context.Context, ceiling int) (Row, error) {
	since := s.now().UTC().AddDate(0, 0, -TrendingDays+1).Format(time.DateOnly)
	rows, err := s.db.QueryContext(ctx, "SELECT pc.title_id, SUM(pc.plays) AS n FROM play_counts pc WHERE pc.day >= ? GROUP BY pc.title_id ORDER BY n DESC, pc.title_id LIMIT ?", since, 10*RowLength)
	if err != nil {
		return Row{}, fmt.Errorf("catalog: trending: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return Row{}, fmt.Errorf("catalog: trending: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Row{}, fmt.Errorf("catalog: trending: %w", err)
	}
	items, err := s.byIDs(ctx, ids, ceiling)
	if len(items) > RowLength {
		items = items[:RowLength]
	}
	return Row{ID: "trending", Title: "Trending now", Items: items}, err
}

// Genre is a catalog genre.
type Genre struct {
	ID   int    `json:"-"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Genres lists the genres by name (a small lookup table).
func (s *Store) Genres(ctx context.Context) ([]Genre, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, slug, name FROM genres ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("catalog: genres: %w", err)
	}
	defer rows.Close()
	var out []Genre
	for rows.Next() {
		var g Genre
		if err := rows.Scan(&g.ID, &g.Slug, &g.Name); err != nil {
			return nil, fmt.Errorf("catalog: genres: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GenreRow returns the newest titles of genre g within ceiling.
func (s *Store) GenreRow(ctx context.Context, g Genre, ceiling int) (Row, error) {
	items, err := s.summaries(ctx, "SELECT "+summaryColumns+" FROM title_genres tg JOIN titles t ON t.id = tg.title_id WHERE tg.genre_id = ? AND "+browsable+" AND t.maturity_level <= ? ORDER BY t.published_at DESC, t.id LIMIT ?",
		g.ID, s.now().UTC(), ceiling, RowLength)
	return Row{ID: "genre-" + g.Slug, Title: g.Name, Items: items}, err
}

// SharedRows returns the rows every profile with this ceiling sees:
// trending, new, then one per genre (empty rows left out).
func (s *Store) SharedRows(ctx context.Context, ceiling int) ([]Row, error) {
	var out []Row
	tr, err := s.TrendingRow(ctx, ceiling)
	if err != nil {
		return nil, err
	}
	nw, err := s.NewRow(ctx, ceiling)
	if err != nil {
		return nil, err
	}
	out = append(out, tr, nw)
	gs, err := s.Genres(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		r, err := s.GenreRow(ctx, g, ceiling)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	kept := out[:0]
	for _, r := range out {
		if len(r.Items) > 0 {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// nextEpisode returns the playable episode after episodeID in its series.
func (s *Store) nextEpisode(ctx context.Context, episodeID string) (id string, runtimeS int, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT e2.id, e2.runtime_s FROM episodes e1
		JOIN episodes e2 ON e2.title_id = e1.title_id
			AND (e2.season_number > e1.season_number OR (e2.season_number = e1.season_number AND e2.episode_number > e1.episode_number))
		WHERE e1.id = ? AND e2.asset_id IS NOT NULL
		ORDER BY e2.season_number, e2.episode_number LIMIT 1`, episodeID).Scan(&id, &runtimeS)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("catalog: next episode: %w", err)
	}
	return id, runtimeS, true, nil
}

// resume turns a title's latest progress entry into where to resume: the
// entry itself if unwatched, else the next episode of a series; ok is
// false when there is nothing left to watch.
func (s *Store) resume(ctx context.Context, e progress.Entry) (Progress, bool, error) {
	if !e.Watched {
		return Progress{PositionS: e.PositionS, DurationS: e.DurationS, EpisodeID: e.EpisodeID}, true, nil
	}
	if e.EpisodeID == "" {
		return Progress{}, false, nil
	}
	id, rt, ok, err := s.nextEpisode(ctx, e.EpisodeID)
	if err != nil || !ok {
		return Progress{}, false, err
	}
	return Progress{DurationS: rt, EpisodeID: id}, true, nil
}

// ContinueWatchingRow returns the viewer's titles in progress (the
// latest entry per title, unwatched or with a next episode), most recent
// first.
func (s *Store) ContinueWatchingRow(ctx context.Context, v profiles.Viewer) (Row, error) {
	row := Row{ID: "continue-watching", Title: "Continue watching", Items: []Summary{}}
	if v.ProfileID == "" {
		return row, nil
	}
	entries, err := s.progress.Recent(ctx, v.ProfileID, 5*RowLength)
	if err != nil {
		return Row{}, err
	}
	seen := map[string]bool{}
	var ids []string
	res := map[string]Progress{}
	for _, e := range entries {
		if seen[e.TitleID] || len(ids) >= RowLength {
			continue
		}
		seen[e.TitleID] = true
		p, ok, err := s.resume(ctx, e)
		if err != nil {
			return Row{}, err
		}
		if ok {
			ids = append(ids, e.TitleID)
			res[e.TitleID] = p
		}
	}
	items, err := s.byIDs(ctx, ids, v.Ceiling)
	if err != nil {
		return Row{}, err
	}
	for i := range items {
		p := res[items[i].ID]
		items[i].Progress = &p
	}
	row.Items = items
	return row, nil
}

// MyListRow returns the first RowLength titles of the viewer's list.
func (s *Store) MyListRow(ctx context.Context, v profiles.Viewer) (Row, error) {
	row := Row{ID: "my-list", Title: "My list", Items: []Summary{}}
	if v.ProfileID == "" {
		return row, nil
	}
	page, err := s.MyList(ctx, v, RowLength, "")
	row.Items = page.Items
	return row, err
}

// joinRows appends the JSON of the non-empty rows to buf, comma separated.
func joinRows(buf []byte, rows []Row) ([]byte, error) {
	for _, r := range rows {
		if len(r.Items) == 0 {
			continue
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		if len(buf) > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	return buf, nil
}

func profileKey(v profiles.Viewer) string { return "home:p" + v.ProfileID }

// profileScope is the cache scope of a profile's own entries: its list and
// progress writes bump it (ForgetProfile).
func profileScope(profileID string) string { return "p" + profileID }

// HomeBody is the body of GET /v1/browse/home in parts, written out
// without copying them together: `{"rows":[` Own `,` Shared `]}`.
type HomeBody struct {
	Own, Shared []byte
	// ETag is the strong entity tag of the assembled body.
	ETag string
}

// Bytes assembles the body.
func (h HomeBody) Bytes() []byte {
	b := make([]byte, 0, len(h.Own)+len(h.Shared)+16)
	return h.AppendTo(b)
}

// AppendTo appends the assembled body to b.
func (h HomeBody) AppendTo(b []byte) []byte {
	b = append(b, `{"rows":[`...)
	b = append(b, h.Own...)
	if len(h.Own) > 0 && len(h.Shared) > 0 {
		b = append(b, ',')
	}
	b = append(b, h.Shared...)
	return append(b, `]}`...)
}

// Home returns the body of GET /v1/browse/home for v.
func (s *Store) Home(ctx context.Context, v profiles.Viewer) ([]byte, error) {
	h, err := s.HomeParts(ctx, v)
	if err != nil {
		return nil, err
	}
	return h.Bytes(), nil
}

// HomeParts returns the parts of v's home body: continue watching and my
// list (cached per profile and versioned by the profile's write stamp),
// then the shared rows of v's ceiling (cached per ceiling), both read in
// one Redis round trip, with ETags computed when the bytes were cached.
func (s *Store) HomeParts(ctx context.Context, v profiles.Viewer) (HomeBody, error) {
	shared := cache.Entry{Key: "home:m" + strconv.Itoa(v.Ceiling), TTL: SharedTTL, Load: func(ctx context.Context) ([]byte, error) {
		rows, err := s.SharedRows(ctx, v.Ceiling)
		if err != nil {
			return nil, err
		}
		return joinRows([]byte{}, rows)
	}}
	entries := []cache.Entry{shared}
	if v.ProfileID != "" {
		entries = append(entries, cache.Entry{Key: profileKey(v), Scope: profileScope(v.ProfileID), TTL: ProfileTTL,
			Load: func(ctx context.Context) ([]byte, error) {
				cw, err := s.ContinueWatchingRow(ctx, v)
				if err != nil {
					return nil, err
				}
				ml, err := s.MyListRow(ctx, v)
				if err != nil {
					return nil, err
				}
				return joinRows([]byte{}, []Row{cw, ml})
			}})
	}
	var vals []cache.Value
	if s.cache != nil {
		var err error
		if vals, err = s.cache.GetAll(ctx, entries); err != nil {
			return HomeBody{}, err
		}
	} else {
		for _, e := range entries {
			b, err := e.Load(ctx)
			if err != nil {
				return HomeBody{}, err
			}
			vals = append(vals, cache.Value{Bytes: b, ETag: cache.ETag(b)})
		}
	}
	h := HomeBody{Shared: vals[0].Bytes}
	tag := sha256.New()
	tag.Write([]byte(vals[0].ETag))
	if len(vals) > 1 {
		h.Own = vals[1].Bytes
		tag.Write([]byte(vals[1].ETag))
	}
	h.ETag = `"h` + base64.RawURLEncoding.EncodeToString(tag.Sum(nil)[:12]) + `"`
	return h, nil
}

// ForgetProfile makes the viewer's cached rows reload after a write of
// theirs: it bumps the profile's write stamp, so a loader that read the
// rows before the write cannot serve them after it.
func (s *Store) ForgetProfile(ctx context.Context, profileID string) {
	if s.cache != nil && profileID != "" {
		s.cache.BumpScope(ctx, profileScope(profileID))
	}
}

// detail loads a title's detail (any maturity) and its level.
func (s *Store) detail(ctx context.Context, id string) (Detail, error) {
	items, err := s.summaries(ctx, "SELECT "+summaryColumns+" FROM titles t WHERE t.id = ? AND "+browsable, id, s.now().UTC())
	if err != nil {
		return Detail{}, err
	}
	if len(items) == 0 {
		return Detail{}, ErrNotFound
	}
	d := Detail{Summary: items[0], Cast: []string{}, Seasons: []Season{}}
	var cast string
	if err := s.db.QueryRowContext(ctx, "SELECT synopsis, cast_names FROM titles WHERE id = ?", id).Scan(&d.Synopsis, &cast); err != nil {
		return Detail{}, fmt.Errorf("catalog: detail: %w", err)
	}
	for c := range strings.SplitSeq(cast, ",") {
		if c = strings.TrimSpace(c); c != "" {
			d.Cast = append(d.Cast, c)
		}
	}
	if d.Kind != "series" {
		return d, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT number, name FROM seasons WHERE title_id = ? ORDER BY number", id)
	if err != nil {
		return Detail{}, fmt.Errorf("catalog: seasons: %w", err)
	}
	bySeason := map[int]int{}
	for rows.Next() {
		var se Season
		if err := rows.Scan(&se.Number, &se.Name); err != nil {
			rows.Close()
			return Detail{}, fmt.Errorf("catalog: seasons: %w", err)
		}
		se.Episodes = []Episode{}
		bySeason[se.Number] = len(d.Seasons)
		d.Seasons = append(d.Seasons, se)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, "SELECT id, season_number, episode_number, name, synopsis, runtime_s, asset_id IS NOT NULL FROM episodes WHERE title_id = ? ORDER BY season_number, episode_number", id)
	if err != nil {
		return Detail{}, fmt.Errorf("catalog: episodes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Episode
		if err := rows.Scan(&e.ID, &e.Season, &e.Number, &e.Name, &e.Synopsis, &e.RuntimeS, &e.Playable); err != nil {
			return Detail{}, fmt.Errorf("catalog: episodes: %w", err)
		}
		if i, ok := bySeason[e.Season]; ok {
			d.Seasons[i].Episodes = append(d.Seasons[i].Episodes, e)
		}
	}
	return d, rows.Err()
}

// TitleDetail returns the body of GET /v1/titles/{id} for v: the cached
// detail plus v's progress and whether the title is in v's list.
// ErrNotFound when the title is not browsable or above v's ceiling.
func (s *Store) TitleDetail(ctx context.Context, v profiles.Viewer, id string) ([]byte, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrNotFound
	}
	// The value is the title's maturity level digit, its kind ('s' for a
	// series, 'm' for a movie), then the detail's JSON; '-' when the title
	// is not browsable.
	cached, err := s.cached(ctx, "detail:"+id, DetailTTL, func(ctx context.Context) ([]byte, error) {
		d, err := s.detail(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return []byte{'-'}, nil // cached negative answer
		}
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		kind := byte('m')
		if d.Kind == "series" {
			kind = 's'
		}
		return append([]byte{byte('0' + d.level), kind}, b...), nil
	})
	if err != nil {
		return nil, err
	}
	if len(cached) < 4 || int(cached[0]-'0') > v.Ceiling {
		return nil, ErrNotFound
	}
	series, body := cached[1] == 's', cached[2:]
	var (
		prog     *Progress
		episodes map[string]EpisodeProgress
	)
	if series {
		episodes = map[string]EpisodeProgress{}
	}
	inList := false
	if v.ProfileID != "" {
		es, err := s.progress.ForTitle(ctx, v.ProfileID, id)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if series && e.EpisodeID != "" {
				episodes[e.EpisodeID] = EpisodeProgress{PositionS: e.PositionS, DurationS: e.DurationS, Watched: e.Watched}
			}
		}
		if len(es) > 0 {
			if p, ok, err := s.resume(ctx, es[0]); err != nil {
				return nil, err
			} else if ok {
				prog = &p
			}
		}
		err = s.db.QueryRowContext(ctx, "SELECT 1 FROM my_list WHERE profile_id = ? AND title_id = ?", v.ProfileID, id).Scan(new(int))
		switch {
		case err == nil:
			inList = true
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("catalog: in my list: %w", err)
		}
	}
	own := struct {
		Progress *Progress                   `json:"progress"`
		InMyList bool                        `json:"in_my_list"`
		Episodes *map[string]EpisodeProgress `json:"episode_progress,omitempty"`
	}{prog, inList, nil}
	if series {
		own.Episodes = &episodes
	}
	extra, err := json.Marshal(own)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(extra))
	out = append(out, body[:len(body)-1]...)
	out = append(out, ',')
	out = append(out, extra[1:]...)
	return out, nil
}

// cached reads key through the cache (or straight from load without one).
func (s *Store) cached(ctx context.Context, key string, ttl time.Duration, load func(context.Context) ([]byte, error)) ([]byte, error) {
	if s.cache == nil {
		return load(ctx)
	}
	return s.cache.Get(ctx, key, ttl, load)
}
