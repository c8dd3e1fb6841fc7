package s3local_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

// TestPersistsAcrossRestart writes through aws-sdk-go-v2, restarts the
// store on the same folder and reads the object back, whole and by range.
func TestPersistsAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	body := bytes.Repeat([]byte("0123456789"), 1000)

	open := func() (*s3local.Server, *objstore.Store) {
		srv, err := s3local.Start(dir, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		st, err := objstore.New(ctx, objstore.Config{
			Bucket: "media-test", Endpoint: srv.Endpoint(),
			AccessKeyID: s3local.AccessKeyID, SecretAccessKey: s3local.SecretAccessKey,
		})
		if err != nil {
			t.Fatal(err)
		}
		return srv, st
	}

	srv, st := open()
	if err := st.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.EnsureBucket(ctx); err != nil {
		t.Fatalf("second EnsureBucket: %v", err)
	}
	if _, err := st.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(st.Bucket), Key: aws.String("media/a/seg.m4s"), Body: bytes.NewReader(body),
	}); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	srv, st = open()
	defer srv.Close()
	tests := []struct {
		name string
		rng  *string
		want []byte
	}{
		{"whole", nil, body},
		{"range", aws.String("bytes=10-19"), body[10:20]},
		{"open end", aws.String("bytes=9995-"), body[9995:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := st.Client.GetObject(ctx, &s3.GetObjectInput{
				Bucket: aws.String(st.Bucket), Key: aws.String("media/a/seg.m4s"), Range: tc.rng,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Body.Close()
			got, err := io.ReadAll(out.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}
