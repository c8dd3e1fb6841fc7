package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/edgeflix/edgeflix/internal/benchplayer"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/origin/ingest"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/player/web"
)

type config struct {
	webDir, edgeModule, libDir string
	mysqlDSN, redisAddr        string
	traces                     []benchplayer.Trace
	players                    []benchplayer.Player
	rounds                     int
	redisPrefix                string
	progress                   io.Writer
	loadBefore                 string
}

// titleLength is the bench title's length: longer than a trace plus the
// players' forward buffers, so the end of the title never shows.
const titleLength = 60

// ladder is the bench title's: four rungs with distinct heights, so the
// height on screen names the rendition.
var ladder = []ingest.RenditionSpec{
	{Name: "720p", Height: 720, VideoBitrate: 2_500_000, AudioBitrate: 128_000},
	{Name: "540p", Height: 540, VideoBitrate: 1_400_000, AudioBitrate: 128_000},
	{Name: "360p", Height: 360, VideoBitrate: 700_000, AudioBitrate: 96_000},
	{Name: "240p", Height: 240, VideoBitrate: 300_000, AudioBitrate: 64_000},
}

func bench(ctx context.Context, cfg config) ([]benchplayer.Result, []benchplayer.Size, error) {
	if cfg.rounds < 1 {
		cfg.rounds = 1
	}
	site, err := os.MkdirTemp("", "edgeflix-bench-player-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(site)
	if err := buildSite(site, cfg); err != nil {
		return nil, nil, err
	}
	sizes, err := codeSizes(site, cfg.players)
	if err != nil {
		return nil, nil, err
	}
	st, drop, err := startStack(ctx, &cfg, site)
	if err != nil {
		return nil, nil, err
	}
	defer drop()
	defer st.Close()

	logf(cfg, "signing in through the web app")
	api, err := signIn(ctx, st)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	title := benchTitle.ID
	sess, err := api.start(ctx, title)
	if err != nil {
		return nil, nil, err
	}
	master, err := warmEdge(ctx, sess.ManifestURL)
	if err != nil {
		return nil, nil, fmt.Errorf("warming the edge: %w", err)
	}
	api.stop(ctx, sess)
	logf(cfg, "edge warm: %d renditions (%s), %d segments each", len(master.heights), master.describe(), master.segments)
	check, err := checkEmulation(ctx, st.AppURL, master.probe)
	if err != nil {
		return nil, nil, fmt.Errorf("network emulation check: %w", err)
	}
	logf(cfg, "%s", check)

	var results []benchplayer.Result
	for _, tr := range cfg.traces {
		for _, p := range cfg.players {
			var rounds []benchplayer.Result
			for i := 0; i < cfg.rounds; i++ {
				began := time.Now()
				r := playOnce(ctx, cfg, st, api, title, p, tr, master.bandwidths)
				logf(cfg, "%-11s %-8s startup %s, %d stalls (%s), %.2f Mbit/s, %d switches %v%s (%s; %s)", tr.Name, p.Name,
					benchplayer.Seconds(r.StartupMs), r.Stalls, benchplayer.Seconds(r.StallMs), r.Bitrate/1e6, r.Switches, r.Heights, errorsNote(r), r.State, time.Since(began).Round(time.Second))
				rounds = append(rounds, r)
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
			}
			results = append(results, median(rounds))
		}
	}
	return results, sizes, nil
}

func errorsNote(r benchplayer.Result) string {
	switch {
	case r.Err != "":
		return " FAILED: " + r.Err
	case len(r.Errors) > 0:
		return fmt.Sprintf(" errors %q", r.Errors)
	}
	return ""
}

// median is the rounds' per-metric median: each figure is the middle of
// its own values, so one round's slow start and another's stall are not
// read as one round. Startups that never happened count as the slowest.
// The heights, errors and state are the middle round's by stall time.
func median(rs []benchplayer.Result) benchplayer.Result {
	byStall := slices.Clone(rs)
	slices.SortStableFunc(byStall, func(a, b benchplayer.Result) int {
		return cmp.Or(cmp.Compare(a.StallMs, b.StallMs), cmp.Compare(b.Bitrate, a.Bitrate))
	})
	m := byStall[(len(byStall)-1)/2]
	startup := func(r benchplayer.Result) float64 {
		if !r.Started() {
			return math.Inf(1)
		}
		return r.StartupMs
	}
	if s := middle(rs, startup); !math.IsInf(s, 1) {
		m.StartupMs = s
	}
	m.Stalls = int(middle(rs, func(r benchplayer.Result) float64 { return float64(r.Stalls) }))
	m.StallMs = middle(rs, func(r benchplayer.Result) float64 { return r.StallMs })
	m.Bitrate = middle(rs, func(r benchplayer.Result) float64 { return r.Bitrate })
	m.PlayMs = middle(rs, func(r benchplayer.Result) float64 { return r.PlayMs })
	m.Switches = int(middle(rs, func(r benchplayer.Result) float64 { return float64(r.Switches) }))
	return m
}

// middle is the median of f over rs; of an even count, the lower middle.
func middle(rs []benchplayer.Result, f func(benchplayer.Result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

func logf(cfg config, format string, args ...any) {
	fmt.Fprintf(cfg.progress, "bench-player: "+format+"\n", args...)
}

// buildSite lays out the web app the origin serves: the build output, the
// bench pages and the JS players.
func buildSite(dir string, cfg config) error {
	for _, name := range []string{"player.wasm", "wasm_exec.js"} {
		if err := copyFile(filepath.Join(cfg.webDir, name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%w (run make wasm)", err)
		}
	}
	for name, rel := range benchplayer.Libraries {
		if err := copyFile(filepath.Join(cfg.libDir, rel), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%w (run scripts/bench-player-deps.sh)", err)
		}
	}
	return os.CopyFS(dir, benchplayer.Pages)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// codeSizes is what each player's viewer downloads, raw and gzip -9.
func codeSizes(dir string, players []benchplayer.Player) ([]benchplayer.Size, error) {
	site := web.Site(os.DirFS(dir))
	var out []benchplayer.Size
	for _, p := range players {
		s := benchplayer.Size{Player: p.Name, Files: p.Files}
		for _, f := range p.Files {
			f, err := site.Open(f)
			if err != nil {
				return nil, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, err
			}
			var z bytes.Buffer
			w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
			w.Write(b)
			w.Close()
			s.Raw += int64(len(b))
			s.Gzip += int64(z.Len())
		}
		out = append(out, s)
	}
	return out, nil
}

// startStack starts origin, edge and web app over a fresh database, with
// the bench title (demo encode cached under EDGEFLIX_CACHE_DIR). drop
// removes the database.
func startStack(ctx context.Context, cfg *config, site string) (*stack.Stack, func(), error) {
	module, err := os.ReadFile(cfg.edgeModule)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run make wasm)", err)
	}
	mc, err := mysql.ParseDSN(cfg.mysqlDSN)
	if err != nil {
		return nil, nil, err
	}
	suffix := fmt.Sprintf("%x", time.Now().UnixNano())
	mc.DBName = "edgeflix_bench_player_" + suffix
	s3dir, err := os.MkdirTemp("", "edgeflix-bench-player-s3-")
	if err != nil {
		return nil, nil, err
	}
	kek := make([]byte, keys.KEKSize)
	copy(kek, "bench-player-key-encryption-key!")
	logf(*cfg, "starting the stack (the first run encodes a %d s title in %d renditions into the media cache)", titleLength, len(ladder))
	startCtx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	dropDB := func() {
		mc2 := *mc
		mc2.DBName = ""
		if db, err := sql.Open("mysql", mc2.FormatDSN()); err == nil {
			db.Exec("DROP DATABASE IF EXISTS `" + mc.DBName + "`")
			db.Close()
		}
		os.RemoveAll(s3dir)
	}
	cfg.redisPrefix = "edgeflix-bench-player-" + suffix + ":"
	st, err := stack.Start(startCtx, stack.Config{
		MySQLDSN: mc.FormatDSN(), RedisAddr: cfg.redisAddr, RedisPrefix: cfg.redisPrefix,
		S3Dir: s3dir, S3Addr: "127.0.0.1:0", Bucket: "edgeflix-bench",
		OriginAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0",
		KeyEncryptionKey: kek, EdgeModule: module,
		WebFS:    web.Site(os.DirFS(site)),
		SkipDemo: true,
		// Sessions are not renewed (hls.js and Shaka send no
		// heartbeats): tokens outlive the whole bench.
		PlaybackTokenLifetime: time.Hour,
		Progress:              prefixWriter{cfg.progress},
		Logger:                slog.New(slog.NewTextHandler(cfg.progress, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		dropDB()
		return nil, nil, fmt.Errorf("stack: %w", err)
	}
	if err := ensureTitle(startCtx, *cfg, st, mc.FormatDSN()); err != nil {
		st.Close()
		dropDB()
		return nil, nil, fmt.Errorf("bench title: %w", err)
	}
	return st, dropDB, nil
}

type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		fmt.Fprintln(p.w, "bench-player: "+line)
	}
	return len(b), nil
}

// loadAverage is /proc/loadavg's first three fields, "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
