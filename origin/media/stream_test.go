package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

// countingBody counts the bytes the handler pulled from S3.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestLargeObjectStreamsWithoutBuffering sends a 64 MiB object through the
// handler to a client that reads slowly: while the client has taken only
// the first MiB, the handler must not have pulled the object from S3 (it
// holds at most socket and copy buffers), and the whole body arrives
// intact.
func TestLargeObjectStreamsWithoutBuffering(t *testing.T) {
	const size = 64 << 20
	st := testenv.S3(t)
	obj := make([]byte, size)
	for i := range obj {
		obj[i] = byte(i * 7 >> 3)
	}
	want := sha256.Sum256(obj)
	if _, err := st.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String("media/big/720p/seg_00001.m4s"),
		Body: bytes.NewReader(obj)}); err != nil {
		t.Fatal(err)
	}
	obj = nil
	var pulled atomic.Int64
	h := &Handler{Store: st, wrapBody: func(rc io.ReadCloser) io.ReadCloser { return countingBody{rc, &pulled} }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h.ServeHTTP}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })

	cases := []struct {
		name    string
		rng     string
		total   int64
		maxPull int64
	}{
		// Socket buffers on a loaded loopback can hold several MiB; a
		// handler that buffers the object pulls all of it.
		{"whole object", "", size, size / 2},
		{"open range", "bytes=1048576-", size - 1<<20, size / 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pulled.Store(0)
			req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/media/big/720p/seg_00001.m4s", nil)
			if c.rng != "" {
				req.Header.Set("Range", c.rng)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			hash := sha256.New()
			if _, err := io.CopyN(hash, resp.Body, 1<<20); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // let a buffering handler run ahead
			if p := pulled.Load(); p > c.maxPull {
				t.Fatalf("handler pulled %d MiB from S3 while the client read 1 MiB", p>>20)
			}
			t.Logf("pulled %.1f MiB from S3 while the client had read 1 MiB", float64(pulled.Load())/(1<<20))
			n, err := io.Copy(hash, resp.Body)
			if err != nil || n+1<<20 != c.total || resp.ContentLength != c.total {
				t.Fatalf("read %d of %d (content-length %d): %v", n+1<<20, c.total, resp.ContentLength, err)
			}
			if c.rng == "" && !bytes.Equal(hash.Sum(nil), want[:]) {
				t.Fatal("body differs from the object")
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	cases := map[string]string{
		"a.m3u8": "application/vnd.apple.mpegurl", "a.m4s": "video/iso.segment", "a.mp4": "video/mp4",
		"a.vtt": "text/vtt; charset=utf-8", "a.jpg": "image/jpeg", "a.webp": "image/webp", "a.png": "image/png", "a.bin": "application/octet-stream",
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ContentType(name); got != want {
				t.Fatalf("%q", got)
			}
		})
	}
}
