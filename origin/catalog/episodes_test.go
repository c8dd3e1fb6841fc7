package catalog_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/origin/catalog"
)

// TestTitleDetailEpisodeProgress: a series' detail carries the profile's
// progress per episode (position, duration, watched), another profile sees
// none, and a movie has no episode_progress at all.
func TestTitleDetailEpisodeProgress(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(map[bool]string{false: "mysql", true: "cached"}[cached], func(t *testing.T) {
			w := newWorld(t, cached)
			ctx := context.Background()
			w.add(title{id: "show", name: "Show", level: 0, genres: []string{"drama"}, kind: "series"},
				title{id: "film", name: "Film", level: 0, genres: []string{"drama"}})
			w.exec("INSERT INTO assets (id, duration_ms) VALUES ('e1', 1000), ('e2', 1000), ('e3', 1000)")
			w.exec("INSERT INTO seasons (title_id, number, name) VALUES ('show', 1, 'One')")
			w.exec("INSERT INTO episodes (id, title_id, season_number, episode_number, name, synopsis, runtime_s, asset_id) VALUES ('show-1', 'show', 1, 1, 'A', '', 100, 'e1'), ('show-2', 'show', 1, 2, 'B', '', 100, 'e2'), ('show-3', 'show', 1, 3, 'C', '', 100, 'e3')")
			account, pids := w.account([]int{4, 4}, []bool{false, false})
			w.exec("INSERT INTO watch_progress (profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at) VALUES (?, 'show', 'show-1', 95, 100, 1, ?), (?, 'show', 'show-2', 30, 100, 0, ?), (?, 'film', '', 10, 600, 0, ?)",
				pids[0], w.now.Add(-time.Minute), pids[0], w.now, pids[0], w.now)
			cases := []struct {
				name, profile, id string
				want              *map[string]catalog.EpisodeProgress
			}{
				{"series with progress", pids[0], "show", &map[string]catalog.EpisodeProgress{
					"show-1": {PositionS: 95, DurationS: 100, Watched: true},
					"show-2": {PositionS: 30, DurationS: 100},
				}},
				{"series, other profile", pids[1], "show", &map[string]catalog.EpisodeProgress{}},
				{"movie", pids[0], "film", nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					for range 2 { // cold, then from the cache
						b, err := w.store.TitleDetail(ctx, w.viewer(account, c.profile), c.id)
						if err != nil {
							t.Fatal(err)
						}
						var d struct {
							Seasons  []catalog.Season                    `json:"seasons"`
							Progress *catalog.Progress                   `json:"progress"`
							Episodes *map[string]catalog.EpisodeProgress `json:"episode_progress"`
						}
						if err := json.Unmarshal(b, &d); err != nil {
							t.Fatalf("%v: %s", err, b)
						}
						if !reflect.DeepEqual(d.Episodes, c.want) {
							t.Fatalf("episode_progress = %v, want %v: %s", d.Episodes, c.want, b)
						}
					}
				})
			}
		})
	}
}
