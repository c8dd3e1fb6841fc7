package progress_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/progress"
)

func TestIsWatched(t *testing.T) {
	cases := []struct {
		pos, dur int
		want     bool
	}{{0, 0, false}, {89, 100, false}, {90, 100, true}, {100, 100, true}, {5400, 6000, true}, {5399, 6000, false}}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.pos)+"/"+strconv.Itoa(c.dur), func(t *testing.T) {
			if got := progress.IsWatched(c.pos, c.dur); got != c.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestRecordUpsertsOneRow(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	res, _ := db.Exec("INSERT INTO accounts (email, password_hash) VALUES ('p@example.com', 'x')")
	aid, _ := res.LastInsertId()
	res, _ = db.Exec("INSERT INTO profiles (account_id, name) VALUES (?, 'p')", aid)
	pid, _ := res.LastInsertId()
	db.Exec("INSERT INTO titles (id, name, synopsis, year, runtime_s) VALUES ('m', 'M', '', 2024, 100)")
	s := progress.NewStore(db)
	p := strconv.FormatInt(pid, 10)
	now := time.Now().UTC().Truncate(time.Millisecond)
	steps := []struct {
		pos     int
		watched bool
	}{{10, false}, {50, false}, {95, true}, {200, true}}
	for i, st := range steps {
		if err := s.Record(ctx, progress.Entry{ProfileID: p, TitleID: "m", PositionS: st.pos, DurationS: 100, UpdatedAt: now.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
		e, ok, err := s.Get(ctx, p, "m", "")
		if err != nil || !ok || e.PositionS != min(st.pos, 100) || e.Watched != st.watched {
			t.Fatalf("step %d: %+v %v %v", i, e, ok, err)
		}
	}
	es, err := s.Recent(ctx, p, 10)
	if err != nil || len(es) != 1 {
		t.Fatalf("recent %+v %v", es, err)
	}
	if err := s.Record(ctx, progress.Entry{ProfileID: p, TitleID: "m", PositionS: -1}); !errors.Is(err, progress.ErrInvalid) {
		t.Fatalf("negative position: %v", err)
	}
}
