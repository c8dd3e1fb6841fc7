package catalog

import (
	"context"
	"fmt"
)

// Rendition is one row of an asset's renditions table: a video variant of
// its master playlist, in the folder Name.
type Rendition struct {
	Name          string
	Width, Height int
	Bandwidth     int64
	Codecs        string
	VideoRange    string
}

// Renditions returns assetID's video renditions, by name.
func (s *Store) Renditions(ctx context.Context, assetID string) ([]Rendition, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT name, width, height, bandwidth, codecs, video_range FROM renditions WHERE asset_id = ? ORDER BY name", assetID)
	if err != nil {
		return nil, fmt.Errorf("catalog: renditions: %w", err)
	}
	defer rows.Close()
	var out []Rendition
	for rows.Next() {
		var r Rendition
		if err := rows.Scan(&r.Name, &r.Width, &r.Height, &r.Bandwidth, &r.Codecs, &r.VideoRange); err != nil {
			return nil, fmt.Errorf("catalog: renditions: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: renditions: %w", err)
	}
	return out, nil
}
