// Package catalog lists and describes the titles viewers can see, from
// MySQL behind a Redis cache-aside: home rows per profile, title detail
// with seasons and episodes, full-text search, my list, and the operator's
// writes, with keyset pagination behind opaque cursors, everything filtered
// by the profile's maturity ceiling.
package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/cache"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/profiles"
	"github.com/edgeflix/edgeflix/origin/progress"
)

// Page size bounds of GET /v1/titles.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Sentinel errors, tested with errors.Is.
var (
	// ErrBadCursor means a cursor is not one this package made.
	ErrBadCursor = errors.New("invalid cursor")
	// ErrNotFound means no playable title has the id.
	ErrNotFound = errors.New("title not found")
)

// Title is a playable title as the API shows it.
type Title struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Synopsis    string    `json:"synopsis"`
	Year        int       `json:"year"`
	Maturity    string    `json:"maturity"`
	RuntimeS    int       `json:"runtime_s"`
	PosterURL   string    `json:"poster_url"`
	AssetID     string    `json:"-"`
	PublishedAt time.Time `json:"-"`
}

// Page is one page of titles; Next is nil on the last page.
type Page struct {
	Items []Title `json:"items"`
	Next  *string `json:"next"`
}

// Cursor is the position after the last title of a page.
type Cursor struct {
	// PublishedAt is the last title's publication time in Unix microseconds.
	PublishedAt int64 `json:"p"`
	// ID is the last title's id.
	ID string `json:"i"`
}

// Encode returns c as an opaque URL-safe string.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a cursor made by Encode.
func DecodeCursor(s string) (Cursor, error) {
	if len(s) == 0 || len(s) > 256 {
		return Cursor{}, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Cursor
	if err := dec.Decode(&c); err != nil || dec.More() {
		return Cursor{}, ErrBadCursor
	}
	if c.ID == "" || len(c.ID) > 64 || c.PublishedAt <= 0 {
		return Cursor{}, ErrBadCursor
	}
	return c, nil
}

// Store reads and writes the catalog.
type Store struct {
	db        *sql.DB
	publicURL string
	now       func() time.Time
	cache     *cache.Cache
	progress  *progress.Store
}

// NewStore returns a Store over db; publicURL builds poster URLs and now is
// the clock deciding what is published (time.Now if nil).
func NewStore(db *sql.DB, publicURL string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, publicURL: strings.TrimRight(publicURL, "/"), now: now, progress: progress.NewStore(db)}
}

// SetCache makes the store read through c and bump its generation on
// writes; without one every read goes to MySQL.
func (s *Store) SetCache(c *cache.Cache) { s.cache = c }

const titleColumns = "id, name, synopsis, year, maturity, runtime_s, asset_id, published_at"

// playable restricts to titles published by now that have an asset.
const playable = "published_at IS NOT NULL AND published_at <= ? AND asset_id IS NOT NULL"

func (s *Store) scan(row interface{ Scan(...any) error }) (Title, error) {
	var t Title
	err := row.Scan(&t.ID, &t.Title, &t.Synopsis, &t.Year, &t.Maturity, &t.RuntimeS, &t.AssetID, &t.PublishedAt)
	if err != nil {
		return Title{}, err
	}
	t.PosterURL = s.publicURL + "/v1/art/" + t.AssetID + "/poster.jpg"
	return t, nil
}

// List returns up to limit playable titles at or below maturity level
// ceiling after cursor (nil for the first page), newest first.
func (s *Store) List(ctx context.Context, ceiling, limit int, after *Cursor) (Page, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	q := "SELECT " + titleColumns + " FROM titles WHERE " + playable + " AND maturity_level <= ?"
	args := []any{s.now().UTC(), ceiling}
	if after != nil {
		at := time.UnixMicro(after.PublishedAt).UTC()
		q += " AND (published_at < ? OR (published_at = ? AND id > ?))"
		args = append(args, at, at, after.ID)
	}
	q += " ORDER BY published_at DESC, id ASC LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("catalog: list: %w", err)
	}
	defer rows.Close()
	page := Page{Items: make([]Title, 0, limit)}
	for rows.Next() {
		t, err := s.scan(rows)
		if err != nil {
			return Page{}, fmt.Errorf("catalog: list: %w", err)
		}
		page.Items = append(page.Items, t)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("catalog: list: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		next := Cursor{PublishedAt: last.PublishedAt.UnixMicro(), ID: last.ID}.Encode()
		page.Next = &next
	}
	return page, nil
}

// Get returns the playable title id.
func (s *Store) Get(ctx context.Context, id string) (Title, error) {
	if id == "" || len(id) > 64 {
		return Title{}, ErrNotFound
	}
	t, err := s.scan(s.db.QueryRowContext(ctx, "SELECT "+titleColumns+" FROM titles WHERE id = ? AND "+playable, id, s.now().UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return Title{}, ErrNotFound
	}
	if err != nil {
		return Title{}, fmt.Errorf("catalog: get: %w", err)
	}
	return t, nil
}

// ParseListQuery reads limit and cursor from a query string's values.
func ParseListQuery(limit, cursor []byte) (int, *Cursor, error) {
	n := DefaultLimit
	if len(limit) > 0 {
		v, err := strconv.Atoi(string(limit))
		if err != nil || v < 1 || v > MaxLimit {
			return 0, nil, fmt.Errorf("limit must be an integer from 1 to %d", MaxLimit)
		}
		n = v
	}
	if len(cursor) == 0 {
		return n, nil, nil
	}
	c, err := DecodeCursor(string(cursor))
	if err != nil {
		return 0, nil, err
	}
	return n, &c, nil
}

// HandleList serves GET /v1/titles for v.
func (s *Store) HandleList(ctx *fasthttp.RequestCtx, v profiles.Viewer) {
	q := ctx.QueryArgs()
	limit, cur, err := ParseListQuery(q.Peek("limit"), q.Peek("cursor"))
	if err != nil {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-query", err.Error())
		return
	}
	page, err := s.List(ctx, v.Ceiling, limit, cur)
	if err != nil {
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
		return
	}
	ctx.Response.Header.Set("Cache-Control", "private, max-age=30")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, page)
}
