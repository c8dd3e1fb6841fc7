// Command bench measures the origin's browse latency, playback heartbeats
// and media throughput in one run (make bench-origin): home rows and title
// detail p50/p99 at 50 and 200 connections, with and without the Redis
// cache, beside redis-benchmark's GET p99 and a MySQL point-select p99
// measured in the same run; heartbeats of live playback sessions at the
// same connection counts, with the viewers one origin carries at one
// heartbeat per viewer per playback.HeartbeatInterval; then 100 concurrent
// segment streams with the process RSS.
//
// It creates its own database (dropped at the end), a local S3 store in a
// temporary folder and two origins on loopback (cached and uncached).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/redisconn"
	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/objstore"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
	"github.com/edgeflix/edgeflix/origin/store"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var (
	dsnFlag   = flag.String("mysql-dsn", envOr("EDGEFLIX_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/"), "MariaDB server (database name ignored)")
	redisFlag = flag.String("redis", envOr("EDGEFLIX_TEST_REDIS_ADDR", "127.0.0.1:6379"), "Redis address")
	duration  = flag.Duration("duration", 4*time.Second, "length of each load phase")
	titlesN   = flag.Int("titles", 2000, "titles to seed")
	cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the cached load phases to this file")
	only      = flag.String("only", "", "run only the load phases whose name contains this, e.g. heartbeat (and skip media)")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run() error {
	flag.Parse()
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(*dsnFlag)
	if err != nil {
		return err
	}
	cfg.DBName = "edgeflix_bench_" + strings.ToLower(rand.Text()[:8])
	dsn := cfg.FormatDSN()
	if err := store.EnsureDatabase(ctx, dsn); err != nil {
		return err
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		db.ExecContext(context.Background(), "DROP DATABASE `"+cfg.DBName+"`")
		db.Close()
	}()
	if err := store.Migrate(ctx, db); err != nil {
		return err
	}
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(64)
	account, profile, err := seed(ctx, db, *titlesN)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "edgeflix-bench-s3-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s3srv, err := s3local.Start(dir, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer s3srv.Close()
	st, err := objstore.New(ctx, objstore.Config{Bucket: "edgeflix-bench", Endpoint: s3srv.Endpoint(),
		AccessKeyID: s3local.AccessKeyID, SecretAccessKey: s3local.SecretAccessKey})
	if err != nil {
		return err
	}
	if err := st.EnsureBucket(ctx); err != nil {
		return err
	}
	opts := redisconn.Options(*redisFlag)
	opts.PoolSize = 256 // the load generator's 200 connections
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	prefix := "edgeflix-bench-" + strings.ToLower(rand.Text()[:8]) + ":"
	defer func() {
		iter := rdb.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			rdb.Del(context.Background(), iter.Val())
		}
	}()
	kek := make([]byte, 32)
	rand.Read(kek)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The load comes from one account: lift its per-account rate limit.
	limits := oauth.DefaultLimits()
	limits.Account = ratelimit.PerSecond(1_000_000, 1_000_000)
	start := func(noCache bool) (string, func(), *origin.Server, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, nil, err
		}
		base := "http://" + ln.Addr().String()
		srv, err := origin.New(ctx, origin.Config{PublicURL: base, EdgeURL: "http://edge.invalid", DB: db, Redis: rdb, RedisPrefix: prefix,
			Media: st, KeyEncryptionKey: kek, Logger: quiet, NoCatalogCache: noCache, KeyActivationDelay: -1, RateLimits: limits})
		if err != nil {
			return "", nil, nil, err
		}
		go srv.Serve(ln)
		return base, func() { srv.Close() }, srv, nil
	}
	cachedURL, stopCached, srv, err := start(false)
	if err != nil {
		return err
	}
	defer stopCached()
	uncachedURL, stopUncached, _, err := start(true)
	if err != nil {
		return err
	}
	defer stopUncached()
	issuer := &tokens.Issuer{Keys: srv.Keys(), Issuer: contract.DefaultIssuer, Audience: origin.DefaultAPIAudience}
	tok, _, err := issuer.IssueAccess(account, "edgeflix-web", "catalog playback")
	if err != nil {
		return err
	}

	fmt.Printf("edgeflix bench-origin: %d titles, %d CPUs, %s per phase\n\n", *titlesN, numCPU(), *duration)
	redisP99, err := redisBenchmark()
	if err != nil {
		return err
	}
	psP99, psP50 := pointSelect(ctx, db, 50, *duration)
	fmt.Printf("redis-benchmark -t get -c 50 -n 200000:  p99 %.3f ms\n", redisP99)
	fmt.Printf("MySQL point-select (50 conns, Go):      p50 %.3f ms  p99 %.3f ms\n\n", psP50, psP99)

	ids := make([]string, 0, *titlesN)
	for i := range *titlesN {
		ids = append(ids, fmt.Sprintf("vol-%05d", i))
	}
	type phase struct {
		name string
		url  func() string
	}
	home := func(base string) func() string {
		return func() string { return base + "/v1/browse/home?profile_id=" + profile }
	}
	detail := func(base string) func() string {
		return func() string { return base + "/v1/titles/" + ids[mrand.IntN(len(ids))] + "?profile_id=" + profile }
	}
	phases := []phase{
		{"home rows, cached", home(cachedURL)},
		{"title detail, cached", detail(cachedURL)},
		{"home rows, uncached", home(uncachedURL)},
		{"title detail, uncached", detail(uncachedURL)},
	}
	fmt.Printf("%-24s %6s %10s %10s %10s %8s\n", "phase", "conns", "req/s", "p50 ms", "p99 ms", "errors")
	var cachedHomeP99 float64
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, p := range phases {
		if !strings.Contains(p.name, *only) {
			continue
		}
		for _, conns := range []int{50, 200} {
			r := load(getter(p.url, tok), conns, *duration)
			fmt.Printf("%-24s %6d %10.0f %10.3f %10.3f %8d\n", p.name, conns, r.rps, r.p50, r.p99, r.errors)
			if p.name == "home rows, cached" && conns == 50 {
				cachedHomeP99 = r.p99
			}
		}
	}
	if cachedHomeP99 > 0 {
		goal := 2 * (redisP99 + psP99)
		verdict := "met"
		if cachedHomeP99 > goal {
			verdict = "NOT met"
		}
		fmt.Printf("\ngoal: cached home p99 (50 conns) %.3f ms <= 2 x (Redis p99 + point-select p99) = %.3f ms: %s\n", cachedHomeP99, goal, verdict)
	}
	fmt.Println()
	if strings.Contains("playback heartbeat", *only) {
		if err := heartbeatPhase(ctx, db, srv, cachedURL); err != nil {
			return err
		}
	}
	if *only != "" {
		return nil
	}

	return mediaPhase(ctx, st, cachedURL)
}

// heartbeatConns are the connection counts of every load phase.
var heartbeatConns = []int{50, 200}

// heartbeatPhase starts one playback session for each of as many viewers
// (own account, own profile) as the largest phase has connections, then
// sends their heartbeats (POST /v1/playback/{sid}/heartbeat: lease
// renewal, progress write, token signing), one viewer per connection, and
// prints the viewers that rate carries at one heartbeat per
// playback.HeartbeatInterval.
func heartbeatPhase(ctx context.Context, db *sql.DB, srv *origin.Server, base string) error {
	viewers := slices.Max(heartbeatConns)
	issuer := &tokens.Issuer{Keys: srv.Keys(), Issuer: contract.DefaultIssuer, Audience: origin.DefaultAPIAudience}
	type session struct{ tok, sid string }
	sessions := make([]session, viewers)
	client := &http.Client{Timeout: 30 * time.Second}
	for i := range sessions {
		res, err := db.ExecContext(ctx, "INSERT INTO accounts (email, password_hash, plan) VALUES (?, 'x', 'premium')", fmt.Sprintf("hb-%d@example.com", i))
		if err != nil {
			return err
		}
		aid, _ := res.LastInsertId()
		if _, err := db.ExecContext(ctx, "INSERT INTO profiles (account_id, name, maturity_level) VALUES (?, 'Viewer', 4)", aid); err != nil {
			return err
		}
		tok, _, err := issuer.IssueAccess(strconv.FormatInt(aid, 10), "edgeflix-web", "catalog playback")
		if err != nil {
			return err
		}
		body := fmt.Sprintf(`{"title_id":"vol-%05d","device":{"class":"desktop","max_height":1080,"codecs":["avc1.64001f","mp4a.40.2"]}}`, i%*titlesN)
		req, _ := http.NewRequest("POST", base+"/v1/playback", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("start playback: %d %s", resp.StatusCode, b)
		}
		var sess struct {
			SessionID string `json:"session_id"`
		}
		if err := json.Unmarshal(b, &sess); err != nil {
			return err
		}
		sessions[i] = session{tok, sess.SessionID}
	}
	var position atomic.Int64
	beat := func(worker int) *http.Request {
		s := sessions[worker]
		body := `{"position_s":` + strconv.FormatInt(position.Add(1)%600, 10) + `}`
		req, _ := http.NewRequest("POST", base+"/v1/playback/"+s.sid+"/heartbeat", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.tok)
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	fmt.Printf("%-24s %6s %10s %10s %10s %8s %22s\n", "phase", "conns", "req/s", "p50 ms", "p99 ms", "errors",
		fmt.Sprintf("viewers @ 1/%s", playback.HeartbeatInterval))
	for _, conns := range heartbeatConns {
		r := load(beat, conns, *duration)
		fmt.Printf("%-24s %6d %10.0f %10.3f %10.3f %8d %22.0f\n", "playback heartbeat", conns, r.rps, r.p50, r.p99, r.errors,
			r.rps*playback.HeartbeatInterval.Seconds())
	}
	fmt.Println()
	return nil
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, bytes.Count(b, []byte("processor\t:")))
}

// seed inserts n titles over 12 genres (one in ten a series), plays, a
// list and progress for one profile; it returns the account and profile.
func seed(ctx context.Context, db *sql.DB, n int) (string, string, error) {
	exec := func(q string, args ...any) error { _, err := db.ExecContext(ctx, q, args...); return err }
	for g := range 12 {
		if err := exec("INSERT INTO genres (slug, name) VALUES (?, ?)", fmt.Sprint("g", g), fmt.Sprint("Genre ", g)); err != nil {
			return "", "", err
		}
	}
	words := []string{"ocean", "star", "night", "river", "storm", "garden", "empire", "shadow", "winter", "engine"}
	now := time.Now().UTC()
	for lo := 0; lo < n; lo += 200 {
		var assets, titles, tg []string
		var aa, ta, ga []any
		for i := lo; i < min(n, lo+200); i++ {
			id := fmt.Sprintf("vol-%05d", i)
			assets = append(assets, "(?, 1000)")
			aa = append(aa, "va-"+id)
			titles = append(titles, "(?, 'movie', ?, ?, ?, 2020, ?, ?, 600, ?, ?)")
			ta = append(ta, id, fmt.Sprintf("%s %s %d", words[i%10], words[(i/10)%10], i), "A tale of "+words[(i/7)%10]+".", "Actor "+strconv.Itoa(i%50),
				[]string{"G", "PG", "PG-13", "R", "NC-17"}[i%5], i%5, "va-"+id, now.Add(-time.Duration(i)*time.Minute))
			tg = append(tg, "(?, ?)")
			ga = append(ga, id, i%12+1)
		}
		if err := exec("INSERT INTO assets (id, duration_ms) VALUES "+strings.Join(assets, ","), aa...); err != nil {
			return "", "", err
		}
		if err := exec("INSERT INTO titles (id, kind, name, synopsis, cast_names, year, maturity, maturity_level, runtime_s, asset_id, published_at) VALUES "+strings.Join(titles, ","), ta...); err != nil {
			return "", "", err
		}
		if err := exec("INSERT INTO title_genres (title_id, genre_id) VALUES "+strings.Join(tg, ","), ga...); err != nil {
			return "", "", err
		}
	}
	res, err := db.ExecContext(ctx, "INSERT INTO accounts (email, password_hash, plan) VALUES ('bench@example.com', 'x', 'premium')")
	if err != nil {
		return "", "", err
	}
	aid, _ := res.LastInsertId()
	res, err = db.ExecContext(ctx, "INSERT INTO profiles (account_id, name, maturity_level) VALUES (?, 'Bench', 4)", aid)
	if err != nil {
		return "", "", err
	}
	pid, _ := res.LastInsertId()
	day := now.Format("2006-01-02")
	for i := 1; i < n; i += 37 {
		id := fmt.Sprintf("vol-%05d", i)
		if err := exec("INSERT INTO play_counts (day, title_id, plays) VALUES (?, ?, ?)", day, id, i%13+1); err != nil {
			return "", "", err
		}
		if i < 800 {
			if err := exec("INSERT INTO my_list (profile_id, title_id, position, added_at) VALUES (?, ?, ?, ?)", pid, id, i, now); err != nil {
				return "", "", err
			}
			if err := exec("INSERT INTO watch_progress (profile_id, title_id, episode_id, position_s, duration_s, watched, updated_at) VALUES (?, ?, '', 10, 600, 0, ?)", pid, id, now); err != nil {
				return "", "", err
			}
		}
	}
	return strconv.FormatInt(aid, 10), strconv.FormatInt(pid, 10), exec("ANALYZE TABLE titles, title_genres, my_list, watch_progress, play_counts")
}

// redisBenchmark runs redis-benchmark GET and returns its p99 in ms.
func redisBenchmark() (float64, error) {
	host, port, _ := net.SplitHostPort(*redisFlag)
	out, err := exec.Command("redis-benchmark", "-h", host, "-p", port, "-t", "get", "-c", "50", "-n", "200000", "--csv").Output()
	if err != nil {
		return 0, fmt.Errorf("redis-benchmark: %w", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		return 0, fmt.Errorf("redis-benchmark output %q: %v", out, err)
	}
	col := slices.Index(recs[0], "p99_latency_ms")
	if col < 0 {
		return 0, fmt.Errorf("redis-benchmark: no p99 column in %q", out)
	}
	return strconv.ParseFloat(recs[1][col], 64)
}

// pointSelect measures primary-key selects from conns goroutines.
func pointSelect(ctx context.Context, db *sql.DB, conns int, d time.Duration) (p99, p50 float64) {
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			var name string
			for time.Now().Before(deadline) {
				t0 := time.Now()
				db.QueryRowContext(ctx, "SELECT name FROM titles WHERE id = ?", fmt.Sprintf("vol-%05d", mrand.IntN(*titlesN))).Scan(&name)
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return pct(lat, 0.99), pct(lat, 0.50)
}

func pct(lat []time.Duration, q float64) float64 {
	if len(lat) == 0 {
		return math.NaN()
	}
	slices.Sort(lat)
	return float64(lat[min(len(lat)-1, int(float64(len(lat))*q))].Microseconds()) / 1000
}

type result struct {
	rps, p50, p99 float64
	errors        int64
}

// load sends the requests newReq makes (worker is the goroutine's index,
// 0..conns-1) from conns goroutines over conns keep-alive connections for
// d, after a short warm-up; an answer other than 200 is an error.
func load(newReq func(worker int) *http.Request, conns int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	do := func(worker int) (time.Duration, bool) {
		req := newReq(worker)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0), resp.StatusCode == 200
	}
	for i := range 20 {
		do(i % conns)
	}
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				l, ok := do(w)
				if !ok {
					errs.Add(1)
					continue
				}
				mine = append(mine, l)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return result{rps: float64(len(lat)) / d.Seconds(), p50: pct(lat, 0.5), p99: pct(lat, 0.99), errors: errs.Load()}
}

// getter makes GETs of url() with the access token tok.
func getter(url func() string, tok string) func(int) *http.Request {
	return func(int) *http.Request {
		req, _ := http.NewRequest("GET", url(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return req
	}
}

func rssKiB(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// mediaPhase streams 4 MiB segments to 100 concurrent clients and reports
// throughput and the process RSS (origin, local S3 and clients together).
func mediaPhase(ctx context.Context, st *objstore.Store, base string) error {
	const segs, size, streams = 10, 4 << 20, 100
	seg := make([]byte, size)
	rand.Read(seg)
	for i := range segs {
		if _, err := st.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(st.Bucket),
			Key: aws.String(fmt.Sprintf("media/bench/720p/seg_%05d.m4s", i)), Body: bytes.NewReader(seg)}); err != nil {
			return err
		}
	}
	seg = nil
	before := rssKiB("VmRSS")
	tr := &http.Transport{MaxIdleConnsPerHost: streams, MaxConnsPerHost: streams}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var bytesRead, errs atomic.Int64
	var peak atomic.Int64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if r := rssKiB("VmRSS"); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	deadline := time.Now().Add(*duration)
	t0 := time.Now()
	var wg sync.WaitGroup
	for s := range streams {
		wg.Go(func() {
			for i := s; time.Now().Before(deadline); i++ {
				resp, err := client.Get(fmt.Sprintf("%s/v1/media/bench/720p/seg_%05d.m4s", base, i%segs))
				if err != nil {
					errs.Add(1)
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n != size {
					errs.Add(1)
				}
				bytesRead.Add(n)
			}
		})
	}
	wg.Wait()
	close(stop)
	el := time.Since(t0).Seconds()
	fmt.Printf("media: %d concurrent streams of 4 MiB segments for %s: %.0f MiB/s, %d errors\n", streams, *duration, float64(bytesRead.Load())/(1<<20)/el, errs.Load())
	fmt.Printf("media: RSS before %d MiB, peak during %d MiB (one process: origin + local S3 + clients)\n", before>>10, peak.Load()>>10)
	return nil
}
