package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/profiles"
)

// seedBench fills the world with n titles over 12 genres, a profile with
// 20 titles in progress and 20 in its list, and plays for trending.
func seedBench(w *world, n int) (account, profile string) {
	genres := []string{"action", "comedy", "drama", "horror", "scifi", "family", "crime", "docs", "anime", "romance", "thriller", "war"}
	for i := range n {
		w.add(title{id: fmt.Sprintf("t%04d", i), name: fmt.Sprintf("Title number %d", i), synopsis: "A story.",
			level: i % 5, genres: []string{genres[i%len(genres)], genres[(i+5)%len(genres)]}, age: time.Duration(i) * time.Minute})
	}
	account, pids := w.account([]int{4}, []bool{false})
	profile = pids[0]
	for i := range 20 {
		w.exec("INSERT INTO watch_progress (profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at) VALUES (?, ?, '', 100, 600, 0, ?)",
			profile, fmt.Sprintf("t%04d", i*3), w.now.Add(-time.Duration(i)*time.Minute))
		w.exec("INSERT INTO my_list (profile_id, title_id, position, added_at) VALUES (?, ?, ?, ?)", profile, fmt.Sprintf("t%04d", i*7), i+1, w.now)
		w.exec("INSERT INTO play_counts (day, title_id, plays) VALUES (?, ?, ?)", w.now.Format("2006-01-02"), fmt.Sprintf("t%04d", i*11), 100-i)
	}
	return account, profile
}

// BenchmarkHomeCached is the cached GET /v1/browse/home handler path after
// the access token: viewer resolution, the cached rows, ETag and the
// response write.
func BenchmarkHomeCached(b *testing.B) {
	w := newWorld(b, true)
	account, profile := seedBench(w, 600)
	p := principal(account)
	p.ProfileID = profile
	ctx := context.Background()
	viewers := profiles.NewStore(w.rdb, nil)
	v, err := viewers.Viewer(ctx, p, "")
	if err != nil {
		b.Fatal(err)
	}
	body, err := w.store.Home(ctx, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var (
			rc  fasthttp.RequestCtx
			req fasthttp.Request
		)
		req.SetRequestURI("/v1/browse/home")
		rc.Init(&req, nil, nil)
		for pb.Next() {
			rc.Response.Reset()
			v, err := viewers.Viewer(&rc, p, "")
			if err != nil {
				b.Error(err)
				return
			}
			w.store.HandleHome(&rc, nil, v)
			if rc.Response.StatusCode() != fasthttp.StatusOK {
				b.Errorf("status %d", rc.Response.StatusCode())
				return
			}
		}
	})
}
