package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgeflix/edgeflix/internal/redisconn"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/origin/ingest"
	"github.com/edgeflix/edgeflix/origin/ingest/demo"
	"github.com/edgeflix/edgeflix/origin/store"
)

// benchTitle is the one title every player plays.
var benchTitle = ingest.Title{ID: "bench-signal", Name: "Bench Signal", Year: 2026, Maturity: "G",
	Synopsis: "The demo's test pattern, long enough for network traces."}

// recipeVersion changes the bench title's cache key when the way it is
// encoded changes meaning. 2: encoded straight from lavfi (version 1
// rendered the source to a file first, for muxed audio ingest then
// misplaced).
const recipeVersion = 2

// benchSource is the bench title's source: the first demo title's test
// pattern with a beep, under the bench title's name, encoded straight from
// lavfi as the demo catalog is (ingest opens the video and audio graphs as
// one input, so the muxed audio stays in step with the video).
func benchSource() ingest.Source {
	e := demo.Catalog[0]
	e.Name = benchTitle.Name
	return e.Source(titleLength)
}

// ensureTitle encodes the bench title once into the media cache
// (EDGEFLIX_CACHE_DIR) and publishes it to the stack.
func ensureTitle(ctx context.Context, cfg config, st *stack.Stack, dsn string) error {
	recipe := fmt.Sprintf("v%d %+v %d %+v %s", recipeVersion, benchSource(), 2, ladder, demo.DefaultPreset)
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
	logf(cfg, "encoding %d renditions of a %d s title", len(ladder), titleLength)
	out := filepath.Join(tmp, "out")
	if _, err := ingest.Encode(ctx, ingest.EncodeConfig{Source: benchSource(), OutDir: out,
		Ladder: ladder, Preset: demo.DefaultPreset, SegmentSeconds: 2, Progress: prefixWriter{cfg.progress}}); err != nil {
		return nil, err
	}
	if err := os.Rename(out, dir); err != nil {
		return nil, err
	}
	return ingest.LoadEncoded(dir)
}
