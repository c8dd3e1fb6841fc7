package ingest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/edgeflix/edgeflix/internal/objstore"
)

// DefaultUploadConcurrency bounds parallel object uploads.
const DefaultUploadConcurrency = 8

// ContentType returns the Content-Type ingest stores a media object with,
// chosen by extension, or "" for a kind ingest does not publish.
func ContentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".m4s":
		return "video/iso.segment"
	case ".mp4":
		return "video/mp4"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	}
	return ""
}

// MediaKey is the S3 key of file (relative to the asset) of asset, per
// docs/CONTRACTS.md: media/<asset>/<file>.
func MediaKey(assetID, file string) string { return "media/" + assetID + "/" + file }

// UploadStats counts what Upload did.
type UploadStats struct {
	// Uploaded is the number of objects written.
	Uploaded int
	// Skipped is the number already present with the same size and MD5.
	Skipped int
}

// Upload copies files (relative to dir, slash-separated) to
// media/<assetID>/ in parallel (at most concurrency at once; if zero,
// DefaultUploadConcurrency), skipping objects already present with the same
// size and MD5 ETag. The master playlist, if listed, goes last, so its
// presence marks a complete asset.
func Upload(ctx context.Context, st *objstore.Store, assetID, dir string, files []string, concurrency int, progress io.Writer) (UploadStats, error) {
	if !ValidID(assetID) {
		return UploadStats{}, fmt.Errorf("%w: asset id %q", ErrInvalidConfig, assetID)
	}
	if concurrency <= 0 {
		concurrency = DefaultUploadConcurrency
	}
	var rest []string
	master := ""
	for _, f := range files {
		if !IsRelativeMediaURI(f) || ContentType(f) == "" {
			return UploadStats{}, fmt.Errorf("%w: cannot publish %q", ErrInvalidConfig, f)
		}
		if f == "master.m3u8" {
			master = f
			continue
		}
		rest = append(rest, f)
	}
	if progress != nil {
		progress = &lockedWriter{w: progress}
	}
	logf(progress, "ingest: uploading %d objects to s3://%s/media/%s/\n", len(files), st.Bucket, assetID)
	var uploaded, skipped, done atomic.Int64
	total := int64(len(files))
	one := func(ctx context.Context, f string) error {
		wrote, err := uploadFile(ctx, st, MediaKey(assetID, f), filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		if wrote {
			uploaded.Add(1)
		} else {
			skipped.Add(1)
		}
		n := done.Add(1)
		if total >= 4 && n%(total/4) == 0 && n < total {
			logf(progress, "ingest: uploaded %d/%d\n", n, total)
		}
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for _, f := range rest {
		g.Go(func() error { return one(gctx, f) })
	}
	err := g.Wait()
	if err == nil && master != "" {
		err = one(ctx, master)
	}
	stats := UploadStats{Uploaded: int(uploaded.Load()), Skipped: int(skipped.Load())}
	if err != nil {
		return stats, err
	}
	logf(progress, "ingest: uploaded %d objects, %d already present\n", stats.Uploaded, stats.Skipped)
	return stats, nil
}

// uploadFile puts one file unless an object of the same size and MD5
// already exists; it reports whether it wrote.
func uploadFile(ctx context.Context, st *objstore.Store, key, file string) (bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return false, fmt.Errorf("ingest: upload: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("ingest: upload: %w", err)
	}
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, fmt.Errorf("ingest: upload: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	head, err := st.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(key)})
	if err == nil && aws.ToInt64(head.ContentLength) == fi.Size() &&
		strings.Trim(aws.ToString(head.ETag), `"`) == sum &&
		aws.ToString(head.ContentType) == ContentType(key) {
		return false, nil
	}
	if err != nil && ctx.Err() != nil {
		return false, fmt.Errorf("ingest: upload %s: %w", key, ctx.Err())
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("ingest: upload: %w", err)
	}
	_, err = st.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(st.Bucket),
		Key:           aws.String(key),
		Body:          f,
		ContentLength: aws.Int64(fi.Size()),
		ContentType:   aws.String(ContentType(key)),
		CacheControl:  aws.String(cacheControl(key)),
	})
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return false, fmt.Errorf("ingest: upload %s: %w", key, err)
	}
	return true, nil
}

// cacheControl marks published VOD objects immutable; asset ids are never
// reused for different media.
func cacheControl(string) string { return "public, max-age=31536000, immutable" }

// lockedWriter serializes writes from parallel uploads to one writer.
type lockedWriter struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
