package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/origin/ingest/demo"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/player/web"
)

// countingProxy sits between the edge and the origin and counts the media
// requests that reach the origin, so the test can tell that a refused
// token never caused one.
type countingProxy struct {
	mu    sync.Mutex
	media map[string]int // path → requests
}

func (p *countingProxy) start(t *testing.T, originURL string) string {
	target, err := url.Parse(originURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/media/") {
			p.mu.Lock()
			p.media[r.URL.Path]++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (p *countingProxy) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.media {
		n += c
	}
	return n
}

// startStack starts the local stack; mod, if not nil, changes its
// configuration first.
func startStack(t *testing.T, mod func(*stack.Config)) (*stack.Stack, *countingProxy) {
	t.Helper()
	_, dsn := testenv.MySQL(t)
	_, prefix := testenv.Redis(t)
	kek := make([]byte, keys.KEKSize)
	copy(kek, "e2e-test-key-encryption-key-0001")
	proxy := &countingProxy{media: map[string]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cfg := stack.Config{
		MySQLDSN: dsn, RedisAddr: testenv.RedisAddr(), RedisPrefix: prefix,
		S3Dir: t.TempDir(), S3Addr: "127.0.0.1:0", Bucket: "edgeflix-e2e",
		OriginAddr: "127.0.0.1:0", EdgeAddr: "127.0.0.1:0",
		EdgeUpstream:     func(originURL string) (string, error) { return proxy.start(t, originURL), nil },
		KeyEncryptionKey: kek,
		EdgeModule:       wasmbuild.Edge(t),
		WebFS:            web.Site(os.DirFS(wasmbuild.Player(t))),
		Demo:             demo.Config{Count: 1},
		Progress:         testWriter{t},
	}
	if mod != nil {
		mod(&cfg)
	}
	st, err := stack.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("stack: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, proxy
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
