package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/edgeflix/edgeflix/internal/redisconn"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/origin/ingest"
	"github.com/edgeflix/edgeflix/origin/ingest/demo"
	"github.com/edgeflix/edgeflix/origin/store"
)

// benchTitle is the one title every player plays.
var benchTitle = ingest.Title{ID: "bench-signal", Name: "Bench Signal", Year: 2026, Maturity: "G",
	Synopsis: "The demo's test pattern, long enough for network traces."}

// sourceRecipe is the bench title's source: the first demo title's test
// pattern with a beep, rendered to a file first. Encoding the ladder from
// a file (not from lavfi inputs) keeps the muxed audio in step with the
// video: from lavfi inputs, ffmpeg starves the audio input until the
// thumbnail sprite's tile fills, so the first segments of demo titles
// longer than one tile carry no audio (see the bench-player report).
func sourceRecipe(seconds int) []string {
	d := strconv.Itoa(seconds)
	return []string{"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=" + d,
		"-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=" + d,
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p", "-g", "60",
		"-c:a", "aac", "-b:a", "192k", "-shortest"}
}

// ensureTitle encodes the bench title once into the media cache
// (EDGEFLIX_CACHE_DIR) and publishes it to the stack.
func ensureTitle(ctx context.Context, cfg config, st *stack.Stack, dsn string) error {
	recipe := fmt.Sprintf("%q %d %+v", sourceRecipe(titleLength), 2, ladder)
	dir := filepath.Join(demo.DefaultCacheDir(), fmt.Sprintf("bench-player-%x", sha256.Sum256([]byte(recipe)))[:40])
	enc, err := ingest.LoadEncoded(dir)
	if err != nil {
		if enc, err = encodeTitle(ctx, cfg, dir); err != nil {
			return err
		}
	} else {
		logf(cfg, "using the cached encode in %s", dir)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rdb := redisconn.New(cfg.redisAddr)
	defer rdb.Close()
	_, err = ingest.Publish(ctx, ingest.PublishConfig{DB: db, Media: st.Media, AssetID: benchTitle.ID, Dir: dir,
		Encoded: enc, Title: benchTitle, Redis: rdb, RedisPrefix: cfg.redisPrefix})
	return err
}

func encodeTitle(ctx context.Context, cfg config, dir string) (*ingest.Encoded, error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-bench-player-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "source.mp4")
	logf(cfg, "rendering the %d s source", titleLength)
	ff := exec.CommandContext(ctx, "ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}, sourceRecipe(titleLength)...), src)...)
	if out, err := ff.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ffmpeg source: %v: %s", err, out)
	}
	logf(cfg, "encoding %d renditions", len(ladder))
	out := filepath.Join(tmp, "out")
	if _, err := ingest.Encode(ctx, ingest.EncodeConfig{Source: ingest.Source{Path: src}, OutDir: out,
		Ladder: ladder, Preset: demo.DefaultPreset, SegmentSeconds: 2, Progress: prefixWriter{cfg.progress}}); err != nil {
		return nil, err
	}
	if err := os.Rename(out, dir); err != nil {
		return nil, err
	}
	return ingest.LoadEncoded(dir)
}
