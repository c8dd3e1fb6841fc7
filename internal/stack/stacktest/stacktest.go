// Package stacktest starts the local stack (internal/stack) for tests: on
// loopback ports, a fresh test database and Redis prefix, a temporary S3
// folder and the edge module built for the test.
package stacktest

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

// Config returns a stack configuration for the test with the given bucket
// and key-encryption key, and the open handle of its database.
func Config(t *testing.T, bucket string, kek []byte) (stack.Config, *sql.DB) {
	t.Helper()
	db, dsn := testenv.MySQL(t)
	_, prefix := testenv.Redis(t)
	return stack.Config{
		MySQLDSN: dsn, RedisAddr: testenv.RedisAddr(), RedisPrefix: prefix,
		S3Dir: t.TempDir(), S3Addr: "127.0.0.1:0", Bucket: bucket,
		OriginAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0",
		KeyEncryptionKey: kek, EdgeModule: wasmbuild.Edge(t),
	}, db
}

// Start starts the stack (within 10 minutes) and closes it when the test
// ends.
func Start(t *testing.T, cfg stack.Config) *stack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("stack: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Upstream returns a stack.Config.EdgeUpstream that puts a reverse proxy
// between the edge and the origin; it calls seen with each request before
// forwarding it and closes when the test ends.
func Upstream(t *testing.T, seen func(*http.Request)) func(originURL string) (string, error) {
	return func(originURL string) (string, error) {
		target, err := url.Parse(originURL)
		if err != nil {
			return "", err
		}
		rp := httputil.NewSingleHostReverseProxy(target)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen(r)
			rp.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		return srv.URL, nil
	}
}
