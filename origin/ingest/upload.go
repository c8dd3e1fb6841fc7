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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

// DefaultUploadConcurrency bounds parallel object uploads.
const DefaultUploadConcurrency = 8

// MultipartThreshold is the object size from which uploads are multipart
// (manager.Uploader, MultipartPartSize parts, uploaded in parallel).
const MultipartThreshold = 16 << 20

// MultipartPartSize is the part size of multipart uploads.
const MultipartPartSize = 8 << 20

// md5MetaKey is the user metadata holding an object's content MD5, so a
// rerun can skip multipart objects whose ETag is not a plain MD5.
const md5MetaKey = "content-md5-hex"

// ContentType returns the Content-Type ingest stores a media object with
// (contract.ContentType), or "" for a kind ingest does not publish.
func ContentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".m3u8", ".m4s", ".mp4", ".jpg", ".jpeg", ".vtt":
		return contract.ContentType(name)
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
	// Bytes is the number of bytes written.
	Bytes int64
	// Elapsed is the upload's wall time.
	Elapsed time.Duration
}

// Upload copies files (relative to dir, slash-separated) to
// media/<assetID>/ in parallel (at most concurrency at once; if zero,
// DefaultUploadConcurrency; objects from MultipartThreshold up go in
// parallel parts), skipping objects already present with the same size and
// MD5. The master playlist, if listed, goes last, so its presence marks a
// complete asset. Progress reports bytes done of the total.
func Upload(ctx context.Context, st *objstore.Store, assetID, dir string, files []string, concurrency int, progress io.Writer) (UploadStats, error) {
	if !ValidID(assetID) {
		return UploadStats{}, fmt.Errorf("%w: asset id %q", ErrInvalidConfig, assetID)
	}
	if concurrency <= 0 {
		concurrency = DefaultUploadConcurrency
	}
	start := time.Now()
	var rest []string
	master := ""
	var totalBytes int64
	for _, f := range files {
		if !IsRelativeMediaURI(f) || ContentType(f) == "" {
			return UploadStats{}, fmt.Errorf("%w: cannot publish %q", ErrInvalidConfig, f)
		}
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return UploadStats{}, fmt.Errorf("ingest: upload: %w", err)
		}
		totalBytes += fi.Size()
		if f == "master.m3u8" {
			master = f
			continue
		}
		rest = append(rest, f)
	}
	if progress != nil {
		progress = &lockedWriter{w: progress}
	}
	logf(progress, "ingest: uploading %d objects (%.1f MB) to s3://%s/media/%s/\n",
		len(files), float64(totalBytes)/1e6, st.Bucket, assetID)
	//lint:ignore SA1019 the brief pins feature/s3/manager; transfermanager is a later migration.
	uploader := manager.NewUploader(st.Client, func(u *manager.Uploader) {
		u.PartSize = MultipartPartSize
		u.Concurrency = 4
	})
	var uploaded, skipped, done atomic.Int64
	var doneBytes, wroteBytes atomic.Int64
	var nextPct atomic.Int64
	nextPct.Store(25)
	total := int64(len(files))
	one := func(ctx context.Context, f string) error {
		n, wrote, err := uploadFile(ctx, st, uploader, MediaKey(assetID, f), filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		if wrote {
			uploaded.Add(1)
			wroteBytes.Add(n)
		} else {
			skipped.Add(1)
		}
		d := done.Add(1)
		b := doneBytes.Add(n)
		if totalBytes > 0 && d < total {
			pct := b * 100 / totalBytes
			for np := nextPct.Load(); pct >= np && np < 100; np = nextPct.Load() {
				if nextPct.CompareAndSwap(np, np+25) {
					logf(progress, "ingest: uploaded %d/%d objects, %.1f/%.1f MB (%d%%)\n",
						d, total, float64(b)/1e6, float64(totalBytes)/1e6, np)
				}
			}
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
	stats := UploadStats{Uploaded: int(uploaded.Load()), Skipped: int(skipped.Load()), Bytes: wroteBytes.Load(), Elapsed: time.Since(start)}
	if err != nil {
		return stats, err
	}
	logf(progress, "ingest: uploaded %d objects (%.1f MB, %.1f MB/s), %d already present\n", stats.Uploaded,
		float64(stats.Bytes)/1e6, float64(stats.Bytes)/1e6/max(stats.Elapsed.Seconds(), 1e-3), stats.Skipped)
	return stats, nil
}

// uploadFile puts one file unless an object of the same size and MD5
// already exists; it returns the file's size and whether it wrote.
//
//lint:ignore SA1019 the brief pins feature/s3/manager; transfermanager is a later migration.
func uploadFile(ctx context.Context, st *objstore.Store, up *manager.Uploader, key, file string) (int64, bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, false, fmt.Errorf("ingest: upload: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, false, fmt.Errorf("ingest: upload: %w", err)
	}
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return 0, false, fmt.Errorf("ingest: upload: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	head, err := st.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(key)})
	if err == nil && aws.ToInt64(head.ContentLength) == fi.Size() &&
		(strings.Trim(aws.ToString(head.ETag), `"`) == sum || head.Metadata[md5MetaKey] == sum) &&
		aws.ToString(head.ContentType) == ContentType(key) {
		return fi.Size(), false, nil
	}
	if err != nil && ctx.Err() != nil {
		return 0, false, fmt.Errorf("ingest: upload %s: %w", key, ctx.Err())
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, false, fmt.Errorf("ingest: upload: %w", err)
	}
	in := &s3.PutObjectInput{
		Bucket:       aws.String(st.Bucket),
		Key:          aws.String(key),
		Body:         f,
		ContentType:  aws.String(ContentType(key)),
		CacheControl: aws.String(cacheControl(key)),
		Metadata:     map[string]string{md5MetaKey: sum},
	}
	if fi.Size() >= MultipartThreshold {
		//lint:ignore SA1019 the brief pins feature/s3/manager; transfermanager is a later migration.
		_, err = up.Upload(ctx, in)
	} else {
		in.ContentLength = aws.Int64(fi.Size())
		_, err = st.Client.PutObject(ctx, in)
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return 0, false, fmt.Errorf("ingest: upload %s: %w", key, err)
	}
	return fi.Size(), true, nil
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
