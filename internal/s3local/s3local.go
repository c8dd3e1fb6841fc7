// Package s3local runs an S3-compatible object store on loopback with its
// objects persisted on disk, for local runs and tests. The rest of edgeflix
// talks to it only through the S3 protocol (aws-sdk-go-v2), exactly as it
// talks to AWS S3 in production.
package s3local

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/spf13/afero"
)

// Credentials the local store expects; they protect nothing and exist
// because the S3 protocol signs every request.
const (
	AccessKeyID     = "edgeflix-local"
	SecretAccessKey = "edgeflix-local-secret"
)

// Server is a running local S3 endpoint.
type Server struct {
	http *http.Server
	ln   net.Listener
}

// Start serves the S3 protocol on addr (for example "127.0.0.1:9000", or
// "127.0.0.1:0" for any free port), keeping buckets and objects under dir.
func Start(dir, addr string) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("s3local: %w", err)
	}
	backend, err := s3afero.MultiBucket(afero.NewBasePathFs(afero.NewOsFs(), dir))
	if err != nil {
		return nil, fmt.Errorf("s3local: backend: %w", err)
	}
	faker := gofakes3.New(backend, gofakes3.WithoutVersioning(), gofakes3.WithTimeSkewLimit(15*time.Minute))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("s3local: listen: %w", err)
	}
	s := &Server{
		http: &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second},
		ln:   ln,
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(os.Stderr, "s3local: serve: %v\n", err)
		}
	}()
	return s, nil
}

// Endpoint is the URL clients use as their S3 endpoint.
func (s *Server) Endpoint() string { return "http://" + s.ln.Addr().String() }

// Close stops the server; objects stay on disk.
func (s *Server) Close() error { return s.http.Close() }
