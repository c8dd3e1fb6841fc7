package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/internal/redisconn"
	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin/ingest"
	"github.com/edgeflix/edgeflix/origin/objstore"
	"github.com/edgeflix/edgeflix/origin/store"
)

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", "SOURCE --title NAME [flags]", stderr)
	dsn := fs.String("mysql-dsn", envOr("EDGEFLIX_MYSQL_DSN", defaultMySQLDSN), "MySQL DSN (env EDGEFLIX_MYSQL_DSN)")
	endpoint := fs.String("s3-endpoint", envOr("EDGEFLIX_S3_ENDPOINT", ""), "S3-compatible endpoint URL; empty for AWS S3 (env EDGEFLIX_S3_ENDPOINT)")
	bucket := fs.String("s3-bucket", envOr("EDGEFLIX_S3_BUCKET", defaultBucket), "media bucket (env EDGEFLIX_S3_BUCKET)")
	region := fs.String("s3-region", envOr("EDGEFLIX_S3_REGION", "us-east-1"), "S3 region (env EDGEFLIX_S3_REGION)")
	accessKey := fs.String("s3-access-key-id", envOr("EDGEFLIX_S3_ACCESS_KEY_ID", s3local.AccessKeyID), "static access key for --s3-endpoint (env EDGEFLIX_S3_ACCESS_KEY_ID)")
	secretKey := envOr("EDGEFLIX_S3_SECRET_ACCESS_KEY", s3local.SecretAccessKey) // never a flag: flags show in ps
	name := fs.String("title", "", "title name (required)")
	id := fs.String("id", "", "title and asset id, ^[a-z0-9][a-z0-9-]{0,62}$ (default: derived from --title)")
	assetID := fs.String("asset-id", "", "asset id if different from the title id")
	synopsis := fs.String("synopsis", "", "short description")
	year := fs.Int("year", 0, "release year (default: this year)")
	maturity := fs.String("maturity", "PG", "maturity rating: G, PG, PG-13, R or NC-17")
	series := fs.String("series", "", "series name: the title is an episode of it (with --season and --episode)")
	season := fs.Int("season", 0, "season number of the episode (with --series)")
	episode := fs.Int("episode", 0, "episode number within the season (with --series)")
	genres := fs.String("genres", "", "comma-separated genres, e.g. sci-fi,drama")
	cast := fs.String("cast", "", "comma-separated cast names")
	codecs := fs.String("codecs", "h264", "comma-separated video codecs: h264 (always), hevc, av1")
	audioLang := fs.String("audio-lang", "en", "language of the source's own audio")
	var subs, audios pairList
	fs.Var(&subs, "subtitles", "LANG=FILE.vtt subtitle track (repeatable)")
	fs.Var(&audios, "audio", "LANG=FILE alternate audio track (repeatable)")
	redisAddr := fs.String("redis-addr", envOr("EDGEFLIX_REDIS_ADDR", ""), "Redis address; if set, bump the catalog cache generation after publishing (env EDGEFLIX_REDIS_ADDR)")
	redisPrefix := fs.String("redis-prefix", envOr("EDGEFLIX_REDIS_PREFIX", ""), "Redis key prefix (env EDGEFLIX_REDIS_PREFIX)")
	preset := fs.String("preset", ingest.DefaultPreset, "libx264 preset")
	workDir := fs.String("work-dir", "", "keep the encoded files here (default: a temporary folder, removed afterwards)")
	source, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if source == "" || strings.TrimSpace(*name) == "" {
		fs.Usage()
		return errUsage
	}
	title := ingest.Title{ID: *id, Name: *name, Synopsis: *synopsis, Year: *year, Maturity: *maturity,
		Genres: splitList(*genres), Cast: splitList(*cast)}
	if *series != "" {
		title.Series = &ingest.SeriesRef{Name: *series, Season: *season, Episode: *episode}
	} else if *season != 0 || *episode != 0 {
		return fmt.Errorf("--season and --episode need --series")
	}
	if title.ID == "" && title.Series == nil {
		title.ID = ingest.Slug(*name)
		if !ingest.ValidID(title.ID) {
			return fmt.Errorf("cannot derive an id from title %q; pass --id", *name)
		}
	}
	codecList, err := ingest.ParseCodecs(*codecs)
	if err != nil {
		return err
	}
	var subInputs []ingest.SubtitleInput
	for _, p := range subs {
		subInputs = append(subInputs, ingest.SubtitleInput{Lang: p[0], Path: p[1]})
	}
	var audioInputs []ingest.AudioInput
	for _, p := range audios {
		audioInputs = append(audioInputs, ingest.AudioInput{Lang: p[0], Path: p[1]})
	}
	if _, err := ingest.CheckSubtitles(subInputs); err != nil {
		return err
	}
	if err := ingest.CheckAudio(ctx, audioInputs, *audioLang); err != nil {
		return err
	}
	// Probe before connecting anywhere: bad input fails fast and clearly.
	if _, err := ingest.Probe(ctx, ingest.Source{Path: source}); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	oc := objstore.Config{Bucket: *bucket, Region: *region, Endpoint: *endpoint}
	if *endpoint != "" {
		oc.AccessKeyID, oc.SecretAccessKey = *accessKey, secretKey
	}
	media, err := objstore.New(ctx, oc)
	if err != nil {
		return err
	}
	if *endpoint != "" {
		if err := media.EnsureBucket(ctx); err != nil {
			return err
		}
	}
	var rdb *redis.Client
	if *redisAddr != "" {
		rdb = redisconn.New(*redisAddr)
		defer rdb.Close()
	}
	cfg := ingest.Config{
		DB: db, Media: media, Source: ingest.Source{Path: source}, Title: title,
		AssetID: *assetID, WorkDir: *workDir, Preset: *preset, Progress: stdout,
		Codecs: codecList, SourceAudioLang: *audioLang, Audio: audioInputs, Subtitles: subInputs,
		RedisPrefix: *redisPrefix,
	}
	if rdb != nil {
		cfg.Redis = rdb
	}
	enc, err := ingest.Ingest(ctx, cfg)
	if err != nil {
		return err
	}
	for _, r := range enc.Renditions {
		fmt.Fprintf(stdout, "  %-6s %4dx%-4d %8d b/s  %s\n", r.Name, r.Width, r.Height, r.Bandwidth, r.Codecs)
	}
	return nil
}

// pairList is a repeatable LANG=FILE flag.
type pairList [][2]string

func (p *pairList) String() string {
	var parts []string
	for _, kv := range *p {
		parts = append(parts, kv[0]+"="+kv[1])
	}
	return strings.Join(parts, " ")
}

func (p *pairList) Set(v string) error {
	lang, file, ok := strings.Cut(v, "=")
	if !ok || lang == "" || file == "" {
		return fmt.Errorf("want LANG=FILE, got %q", v)
	}
	*p = append(*p, [2]string{lang, file})
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseWithPositional parses flags that may come before or after one
// positional argument (edgeflix ingest SOURCE --title NAME) and returns
// the positional argument, or "" if there is none.
func parseWithPositional(fs *flag.FlagSet, args []string) (string, error) {
	var positional []string
	for {
		if err := parse(fs, args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(positional) {
	case 0:
		return "", nil
	case 1:
		return positional[0], nil
	default:
		fs.Usage()
		return "", errUsage
	}
}
