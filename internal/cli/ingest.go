package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/edgeflix/edgeflix/internal/objstore"
	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin/ingest"
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
	maturity := fs.String("maturity", "PG", "maturity rating, e.g. G, PG, PG-13, R, TV-MA")
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
	titleID := *id
	if titleID == "" {
		titleID = ingest.Slug(*name)
	}
	if !ingest.ValidID(titleID) {
		return fmt.Errorf("cannot derive an id from title %q; pass --id", *name)
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
	enc, err := ingest.Ingest(ctx, ingest.Config{
		DB: db, Media: media, Source: ingest.Source{Path: source},
		Title:   ingest.Title{ID: titleID, Name: *name, Synopsis: *synopsis, Year: *year, Maturity: *maturity},
		AssetID: *assetID, WorkDir: *workDir, Preset: *preset, Progress: stdout,
	})
	if err != nil {
		return err
	}
	for _, r := range enc.Renditions {
		fmt.Fprintf(stdout, "  %-6s %4dx%-4d %8d b/s  %s\n", r.Name, r.Width, r.Height, r.Bandwidth, r.Codecs)
	}
	return nil
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
