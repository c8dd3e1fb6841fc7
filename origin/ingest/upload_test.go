package ingest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

func TestUploadMultipartAndSkip(t *testing.T) {
	base := testenv.S3(t)
	ctx := context.Background()
	// Count the S3 operations the upload makes.
	var mu sync.Mutex
	ops := map[string]int{}
	client := s3.New(base.Client.Options(), func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("count-ops",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					mu.Lock()
					ops[awsmiddleware.GetOperationName(ctx)]++
					mu.Unlock()
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	})
	st := &objstore.Store{Client: client, Bucket: base.Bucket}
	dir := t.TempDir()
	big := make([]byte, MultipartThreshold+MultipartPartSize/2) // three parts
	r := rand.NewChaCha8([32]byte{1})
	r.Read(big)
	files := map[string][]byte{"big/init.mp4": big, "small.m4s": []byte("tiny segment"), "master.m3u8": []byte("#EXTM3U\n")}
	var names []string
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	tests := []struct {
		name              string
		uploaded, skipped int
	}{
		{"first upload", 3, 0},
		{"rerun skips everything", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var progress testenv.Buffer
			stats, err := Upload(ctx, st, "multi", dir, names, 2, &progress)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Uploaded != tt.uploaded || stats.Skipped != tt.skipped {
				t.Fatalf("stats %+v", stats)
			}
			if !strings.Contains(progress.String(), "MB/s") {
				t.Errorf("progress:\n%s", progress.String())
			}
		})
	}
	head, err := st.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String("media/multi/big/init.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(big)
	if ops["CreateMultipartUpload"] != 1 || ops["UploadPart"] != 3 || ops["CompleteMultipartUpload"] != 1 || ops["PutObject"] != 2 {
		t.Errorf("operations %v, want one 3-part multipart upload and 2 puts", ops)
	}
	if head.Metadata[md5MetaKey] != hex.EncodeToString(sum[:]) ||
		aws.ToInt64(head.ContentLength) != int64(len(big)) || aws.ToString(head.ContentType) != "video/mp4" {
		t.Fatalf("big object: etag %s, metadata %v, length %d", aws.ToString(head.ETag), head.Metadata, aws.ToInt64(head.ContentLength))
	}
	got, _ := getObject(t, st, "media/multi/big/init.mp4")
	if md5.Sum(got) != sum {
		t.Fatal("multipart object differs from the file")
	}
}
