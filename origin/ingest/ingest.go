// Package ingest turns a video into a published edgeflix title: it probes
// the source with ffprobe, encodes an H.264 + AAC fMP4 HLS ladder with
// ffmpeg, writes the master playlist from measured facts, uploads every
// object to S3 (media/<asset>/…, docs/CONTRACTS.md), and only then
// registers the asset, renditions and title in MySQL in one transaction
// that publishes the title.
package ingest

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/origin/objstore"
)

// CatalogGenerationKey is the Redis key (under the configured prefix) whose
// increment invalidates cached catalog reads (docs/CONTRACTS.md).
const CatalogGenerationKey = "catalog:v"

// PublishConfig says where an encoded asset goes.
type PublishConfig struct {
	// DB is the origin's MySQL database. Required.
	DB *sql.DB
	// Media is the media bucket. Required.
	Media *objstore.Store
	// AssetID names the asset (media/<AssetID>/…). Required.
	AssetID string
	// Dir holds the encoded files (Encode's OutDir). Required.
	Dir string
	// Encoded describes the files in Dir. Required.
	Encoded *Encoded
	// Title is the catalog entry to publish.
	Title Title
	// Now is the clock for published_at. If nil, time.Now.
	Now func() time.Time
	// Concurrency bounds parallel uploads. If zero,
	// DefaultUploadConcurrency.
	Concurrency int
	// Progress receives progress lines. If nil, nothing is written.
	Progress io.Writer
	// Redis, if set, gets INCR <RedisPrefix>catalog:v after publishing so
	// cached catalog reads see the new title.
	Redis       redis.UniversalClient
	RedisPrefix string
}

// Publish uploads every object of the encoded asset, then registers and
// publishes the title. If the upload fails nothing is written to MySQL, so
// the title stays unpublished; running Publish again completes it.
func Publish(ctx context.Context, cfg PublishConfig) (UploadStats, error) {
	if cfg.DB == nil || cfg.Media == nil || cfg.Encoded == nil || cfg.Dir == "" {
		return UploadStats{}, fmt.Errorf("%w: publish needs DB, Media, Dir and Encoded", ErrInvalidConfig)
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	t, err := cfg.Title.normalize(now())
	if err != nil {
		return UploadStats{}, err
	}
	stats, err := Upload(ctx, cfg.Media, cfg.AssetID, cfg.Dir, cfg.Encoded.Files(), cfg.Concurrency, cfg.Progress)
	if err != nil {
		return stats, err
	}
	if err := Register(ctx, cfg.DB, cfg.AssetID, cfg.Encoded, cfg.Title, now()); err != nil {
		return stats, err
	}
	logf(cfg.Progress, "ingest: published title %q (%s) with asset %s\n", t.Name, t.ID, cfg.AssetID)
	if cfg.Redis != nil {
		if err := cfg.Redis.Incr(ctx, cfg.RedisPrefix+CatalogGenerationKey).Err(); err != nil {
			// Published already; cached reads only lag until they expire.
			logf(cfg.Progress, "ingest: warning: catalog cache generation not bumped: %v\n", err)
		}
	}
	return stats, nil
}

// Config is one whole ingest: source, encode options and destination.
type Config struct {
	// DB and Media are where the title is published. Required.
	DB    *sql.DB
	Media *objstore.Store
	// Source is the video to ingest. Required.
	Source Source
	// Title is the catalog entry. If Title.ID is empty it is derived from
	// Title.Name with Slug.
	Title Title
	// AssetID names the media. If empty, the title id is used.
	AssetID string
	// WorkDir receives the encoded files. If empty, a temporary folder is
	// used and removed afterwards.
	WorkDir string
	// Ladder, SegmentSeconds and Preset are passed to Encode; zero values
	// mean its defaults.
	Ladder         []RenditionSpec
	SegmentSeconds int
	Preset         string
	// Codecs, AltCodecRungs, SourceAudioLang, Audio and Subtitles are
	// passed to Encode (see EncodeConfig).
	Codecs          []string
	AltCodecRungs   int
	SourceAudioLang string
	Audio           []AudioInput
	Subtitles       []SubtitleInput
	// Redis and RedisPrefix are passed to Publish.
	Redis       redis.UniversalClient
	RedisPrefix string
	// Now is the clock for published_at. If nil, time.Now.
	Now func() time.Time
	// Progress receives progress lines. If nil, nothing is written.
	Progress io.Writer
}

// Ingest probes, encodes, uploads and publishes one source. Bad input
// fails before anything is written to S3 or MySQL, with a wrapped sentinel
// error (ErrSourceNotFound, ErrSourceEmpty, ErrNotMedia, ErrNoVideo, …).
func Ingest(ctx context.Context, cfg Config) (*Encoded, error) {
	if cfg.DB == nil || cfg.Media == nil {
		return nil, fmt.Errorf("%w: ingest needs DB and Media", ErrInvalidConfig)
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	if cfg.Title.ID == "" && cfg.Title.Series == nil {
		cfg.Title.ID = Slug(cfg.Title.Name)
	}
	t, err := cfg.Title.normalize(now())
	if err != nil {
		return nil, err
	}
	cfg.Title.ID = t.ID
	if cfg.AssetID == "" {
		cfg.AssetID = cfg.Title.ID
	}
	// Check every input before the (long) encode: bad tracks fail fast.
	if _, err := ParseCodecs(strings.Join(cfg.Codecs, ",")); err != nil {
		return nil, err
	}
	if _, err := CheckSubtitles(cfg.Subtitles); err != nil {
		return nil, err
	}
	if !ValidID(cfg.AssetID) {
		return nil, fmt.Errorf("%w: asset id %q must match %s", ErrInvalidConfig, cfg.AssetID, idRE)
	}
	if err := CheckAudio(ctx, cfg.Audio, cmp.Or(cfg.SourceAudioLang, "en")); err != nil {
		return nil, err
	}
	info, err := Probe(ctx, cfg.Source)
	if err != nil {
		return nil, err
	}
	logf(cfg.Progress, "ingest: %s: %dx%d, %.1fs, audio=%v\n", cfg.Source, info.Width, info.Height, info.DurationS, info.HasAudio)
	dir := cfg.WorkDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "edgeflix-ingest-")
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	enc, err := Encode(ctx, EncodeConfig{
		Source: cfg.Source, Info: info, OutDir: dir, Ladder: cfg.Ladder,
		SegmentSeconds: cfg.SegmentSeconds, Preset: cfg.Preset,
		Codecs: cfg.Codecs, AltCodecRungs: cfg.AltCodecRungs, SourceAudioLang: cfg.SourceAudioLang,
		Audio: cfg.Audio, Subtitles: cfg.Subtitles,
		PosterText: posterText(cfg.Title), Progress: cfg.Progress,
	})
	if err != nil {
		return nil, err
	}
	if _, err := Publish(ctx, PublishConfig{
		DB: cfg.DB, Media: cfg.Media, AssetID: cfg.AssetID, Dir: dir, Encoded: enc,
		Title: cfg.Title, Now: now, Progress: cfg.Progress, Redis: cfg.Redis, RedisPrefix: cfg.RedisPrefix,
	}); err != nil {
		return enc, err
	}
	return enc, nil
}

// posterText is what the poster shows: the title, or for an episode the
// series name and episode number.
func posterText(t Title) string {
	if t.Series != nil {
		return fmt.Sprintf("%s S%dE%d", t.Series.Name, t.Series.Season, t.Series.Episode)
	}
	return t.Name
}
