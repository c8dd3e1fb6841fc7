package catalog_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/origin/catalog"
)

// seedVolume inserts n titles (one in ten a series with 2 seasons of 5
// episodes), 12 genres, plays, progress and a list for one profile.
func seedVolume(w *world, n int) (account, profile string) {
	w.t.Helper()
	for g := range 12 {
		w.exec("INSERT INTO genres (slug, name) VALUES (?, ?)", fmt.Sprint("g", g), fmt.Sprint("Genre ", g))
	}
	words := []string{"ocean", "star", "night", "river", "storm", "garden", "empire", "shadow", "winter", "engine"}
	var vals, assets, tg, seasons, eps []string
	var args, aargs, targs, sargs, eargs []any
	for i := range n {
		id := fmt.Sprintf("vol-%05d", i)
		kind := "movie"
		var asset any = "va-" + id
		if i%10 == 0 {
			kind, asset = "series", nil
			for s := 1; s <= 2; s++ {
				seasons = append(seasons, "(?, ?, ?)")
				sargs = append(sargs, id, s, fmt.Sprint("Season ", s))
				for e := 1; e <= 5; e++ {
					eid := fmt.Sprintf("%s-%d-%d", id, s, e)
					assets = append(assets, "(?, 1000)")
					aargs = append(aargs, "va-"+eid)
					eps = append(eps, "(?, ?, ?, ?, 'Ep', '', 100, ?)")
					eargs = append(eargs, eid, id, s, e, "va-"+eid)
				}
			}
		} else {
			assets = append(assets, "(?, 1000)")
			aargs = append(aargs, asset)
		}
		name := strings.ToUpper(words[i%10][:1]) + words[i%10][1:] + " " + words[(i/10)%10] + fmt.Sprint(" ", i)
		vals = append(vals, "(?, ?, ?, ?, ?, 2020, ?, ?, 600, ?, ?)")
		args = append(args, id, kind, name, "A tale of "+words[(i/7)%10]+" and "+words[(i/3)%10]+".", "Actor "+fmt.Sprint(i%50),
			labels[i%5], i%5, asset, w.now.Add(-time.Duration(i)*time.Minute))
		tg = append(tg, "(?, ?)")
		targs = append(targs, id, i%12+1)
	}
	chunk := func(q string, rows []string, args []any, per int) {
		for len(rows) > 0 {
			k := min(500, len(rows))
			w.exec(q+strings.Join(rows[:k], ","), args[:k*per]...)
			rows, args = rows[k:], args[k*per:]
		}
	}
	chunk("INSERT INTO assets (id, duration_ms) VALUES ", assets, aargs, 1)
	chunk("INSERT INTO titles (id, kind, name, synopsis, cast_names, year, maturity, maturity_level, runtime_s, asset_id, published_at) VALUES ", vals, args, 9)
	chunk("INSERT INTO title_genres (title_id, genre_id) VALUES ", tg, targs, 2)
	chunk("INSERT INTO seasons (title_id, number, name) VALUES ", seasons, sargs, 3)
	chunk("INSERT INTO episodes (id, title_id, season_number, episode_number, name, synopsis, runtime_s, asset_id) VALUES ", eps, eargs, 5)
	account, pids := w.account([]int{3}, []bool{false})
	day := w.now.Format("2006-01-02")
	for i := 1; i < n; i += 37 {
		id := fmt.Sprintf("vol-%05d", i)
		w.exec("INSERT INTO play_counts (day, title_id, plays) VALUES (?, ?, ?)", day, id, i%13+1)
		w.exec("INSERT INTO my_list (profile_id, title_id, position, added_at) VALUES (?, ?, ?, ?)", pids[0], id, i, w.now)
		w.exec("INSERT INTO watch_progress (profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at) VALUES (?, ?, '', 10, 600, 0, ?)", pids[0], id, w.now.Add(-time.Duration(i)*time.Second))
	}
	w.exec("INSERT INTO watch_progress (profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at) VALUES (?, 'vol-00010', 'vol-00010-1-5', 100, 100, 1, ?)", pids[0], w.now)
	w.exec("ANALYZE TABLE titles, episodes, seasons, title_genres, my_list, watch_progress, play_counts")
	return account, pids[0]
}

// smallTables may be scanned: lookup tables with a handful of rows.
var smallTables = map[string]bool{"genres": true, "g": true}

func TestEveryQueryUsesAnIndex(t *testing.T) {
	w := newWorld(t, false) // no cache: every read reaches MySQL
	account, profile := seedVolume(w, 2000)
	ctx := context.Background()
	v := w.viewer(account, profile)
	reads := []struct {
		name string
		do   func() error
	}{
		{"home", func() error { _, err := w.store.Home(ctx, v); return err }},
		{"detail movie", func() error { _, err := w.store.TitleDetail(ctx, v, "vol-00001"); return err }},
		{"detail series", func() error { _, err := w.store.TitleDetail(ctx, v, "vol-00010"); return err }},
		{"search fulltext", func() error {
			q, _ := catalog.ParseQuery("ocean sta")
			_, err := w.store.Search(ctx, v.Ceiling, q, 20, 20)
			return err
		}},
		{"search prefix", func() error {
			q, _ := catalog.ParseQuery("oc")
			_, err := w.store.Search(ctx, v.Ceiling, q, 20, 0)
			return err
		}},
		{"my list", func() error {
			p, err := w.store.MyList(ctx, v, 5, "")
			if err == nil && p.Next != nil {
				_, err = w.store.MyList(ctx, v, 5, *p.Next)
			}
			return err
		}},
		{"titles list", func() error {
			p, err := w.store.List(ctx, v.Ceiling, 5, nil)
			if err == nil && p.Next != nil {
				c, _ := catalog.DecodeCursor(*p.Next)
				_, err = w.store.List(ctx, v.Ceiling, 5, &c)
			}
			return err
		}},
		{"playback target series", func() error { _, err := w.store.PlaybackTarget(ctx, v, "vol-00010", ""); return err }},
		{"playback target episode", func() error { _, err := w.store.PlaybackTarget(ctx, v, "vol-00020", "vol-00020-2-3"); return err }},
		{"playback target movie", func() error { _, err := w.store.PlaybackTarget(ctx, v, "vol-00001", ""); return err }},
	}
	for _, r := range reads {
		if err := r.do(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	seen := map[string]bool{}
	for _, q := range w.rec.snapshot() {
		if seen[q.q] || !strings.HasPrefix(strings.TrimSpace(q.q), "SELECT") {
			continue
		}
		seen[q.q] = true
		t.Run(strings.Join(strings.Fields(q.q), " ")[:min(60, len(strings.Join(strings.Fields(q.q), " ")))], func(t *testing.T) {
			rows, err := w.db.QueryContext(ctx, "EXPLAIN "+q.q, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]sql.NullString, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				row := map[string]string{}
				for i, c := range cols {
					row[c] = vals[i].String
				}
				if row["type"] == "ALL" && !smallTables[row["table"]] {
					t.Errorf("full scan of %s (rows %s) in\n%s", row["table"], row["rows"], q.q)
				}
			}
		})
	}
	if len(seen) < 15 {
		t.Fatalf("only %d distinct queries recorded", len(seen))
	}
}
