package catalog

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/edgeflix/edgeflix/origin/profiles"
)

// MaxListLen bounds a profile's list.
const MaxListLen = 500

// Sentinel errors of my list.
var (
	// ErrNoProfile means the account has no profile to keep a list for.
	ErrNoProfile = errors.New("no profile")
	// ErrListFull means the list holds MaxListLen titles.
	ErrListFull = errors.New("my list is full")
	// ErrBadOrder means a reorder does not name exactly the list's titles.
	ErrBadOrder = errors.New("order must name every title of the list once")
)

// listCursor is the position after the last item of a my-list page.
type listCursor struct {
	Pos int    `json:"p"`
	ID  string `json:"i"`
}

func decodeListCursor(s string) (*listCursor, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > 256 {
		return nil, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	var c listCursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || len(c.ID) > 64 {
		return nil, ErrBadCursor
	}
	return &c, nil
}

// ListPage is a page of the viewer's list.
type ListPage struct {
	Items []Summary `json:"items"`
	Next  *string   `json:"next"`
}

// MyList returns a page of v's list after cursor ("" for the first) in the viewer's order (index
// my_list_order), titles above the ceiling or unpublished left out.
func (s *Store) MyList(ctx context.Context, v profiles.Viewer, limit int, cursor string) (ListPage, error) {
	after, err := decodeListCursor(cursor)
	if err != nil {
		return ListPage{}, err
	}
	if v.ProfileID == "" {
		return ListPage{Items: []Summary{}}, nil
	}
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	q := "SELECT " + summaryColumns + ", m.position FROM my_list m JOIN titles t ON t.id = m.title_id WHERE m.profile_id = ?"
	args := []any{v.ProfileID}
	if after != nil {
		q += " AND (m.position > ? OR (m.position = ? AND m.title_id > ?))"
		args = append(args, after.Pos, after.Pos, after.ID)
	}
	q += " AND " + browsable + " AND t.maturity_level <= ? ORDER BY m.position, m.title_id LIMIT ?"
	args = append(args, s.now().UTC(), v.Ceiling, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return ListPage{}, fmt.Errorf("catalog: my list: %w", err)
	}
	defer rows.Close()
	page := ListPage{Items: []Summary{}}
	var positions []int
	for rows.Next() {
		var (
			t                     Summary
			asset, poster, backdr sql.NullString
			pos                   int
		)
		if err := rows.Scan(&t.ID, &t.Kind, &t.Title, &t.Year, &t.Maturity, &t.level, &t.RuntimeS, &asset, &poster, &backdr, &pos); err != nil {
			return ListPage{}, fmt.Errorf("catalog: my list: %w", err)
		}
		t.PosterURL = s.artURL(poster, asset, "poster.jpg")
		t.BackdropURL = s.artURL(backdr, sql.NullString{}, "")
		t.Genres = []string{}
		page.Items = append(page.Items, t)
		positions = append(positions, pos)
	}
	if err := rows.Err(); err != nil {
		return ListPage{}, fmt.Errorf("catalog: my list: %w", err)
	}
	rows.Close()
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		b, _ := json.Marshal(listCursor{Pos: positions[limit-1], ID: page.Items[limit-1].ID})
		n := base64.RawURLEncoding.EncodeToString(b)
		page.Next = &n
	}
	return page, s.fillGenres(ctx, page.Items)
}

// AddToList puts a browsable title within v's ceiling at the end of v's
// list (no change if it is there already).
func (s *Store) AddToList(ctx context.Context, v profiles.Viewer, titleID string) error {
	if v.ProfileID == "" {
		return ErrNoProfile
	}
	var level int
	err := s.db.QueryRowContext(ctx, "SELECT t.maturity_level FROM titles t WHERE t.id = ? AND "+browsable, titleID, s.now().UTC()).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && level > v.Ceiling) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("catalog: add to list: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: add to list: %w", err)
	}
	defer tx.Rollback()
	var n, maxPos int
	// Locks the profile's list rows so concurrent adds number in turn.
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(position), 0) FROM my_list WHERE profile_id = ? FOR UPDATE", v.ProfileID).Scan(&n, &maxPos); err != nil {
		return fmt.Errorf("catalog: add to list: %w", err)
	}
	if n >= MaxListLen {
		return ErrListFull
	}
	if _, err := tx.ExecContext(ctx, "INSERT IGNORE INTO my_list (profile_id, title_id, position, added_at) VALUES (?, ?, ?, ?)",
		v.ProfileID, titleID, maxPos+1, s.now().UTC()); err != nil {
		return fmt.Errorf("catalog: add to list: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: add to list: %w", err)
	}
	s.ForgetProfile(ctx, v.ProfileID)
	return nil
}

// RemoveFromList drops a title from v's list (no error if absent).
func (s *Store) RemoveFromList(ctx context.Context, v profiles.Viewer, titleID string) error {
	if v.ProfileID == "" {
		return ErrNoProfile
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM my_list WHERE profile_id = ? AND title_id = ?", v.ProfileID, titleID); err != nil {
		return fmt.Errorf("catalog: remove from list: %w", err)
	}
	s.ForgetProfile(ctx, v.ProfileID)
	return nil
}

// ReorderList sets v's list order to ids, which must name every title of
// the list exactly once.
func (s *Store) ReorderList(ctx context.Context, v profiles.Viewer, ids []string) error {
	if v.ProfileID == "" {
		return ErrNoProfile
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: reorder list: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT title_id FROM my_list WHERE profile_id = ? FOR UPDATE", v.ProfileID)
	if err != nil {
		return fmt.Errorf("catalog: reorder list: %w", err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("catalog: reorder list: %w", err)
		}
		have[id] = true
	}
	rows.Close()
	if len(ids) != len(have) {
		return ErrBadOrder
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !have[id] || seen[id] {
			return ErrBadOrder
		}
		seen[id] = true
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, "UPDATE my_list SET position = ? WHERE profile_id = ? AND title_id = ?", i+1, v.ProfileID, id); err != nil {
			return fmt.Errorf("catalog: reorder list: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: reorder list: %w", err)
	}
	s.ForgetProfile(ctx, v.ProfileID)
	return nil
}
