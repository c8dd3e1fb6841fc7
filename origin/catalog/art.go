package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ArtPublished reports whether rel ("<asset>/<file>", the path after
// /v1/art/) is the poster or backdrop of a title published now: its
// poster_path or backdrop_path, or, for a title without one, its asset's
// poster.jpg or backdrop.jpg (the URLs artURL makes).
func (s *Store) ArtPublished(ctx context.Context, rel string) (bool, error) {
	asset, file, _ := strings.Cut(rel, "/")
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM titles t
		WHERE t.published_at IS NOT NULL AND t.published_at <= ?
		  AND (t.poster_path IN (?, ?) OR t.backdrop_path IN (?, ?)
		       OR (t.asset_id = ? AND ((? = 'poster.jpg' AND COALESCE(t.poster_path, '') = '')
		                            OR (? = 'backdrop.jpg' AND COALESCE(t.backdrop_path, '') = ''))))
		LIMIT 1`, s.now().UTC(), rel, "/"+rel, rel, "/"+rel, asset, file, file).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("catalog: artwork: %w", err)
	}
	return true, nil
}
