package e2e

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/stack/stacktest"
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

func (p *countingProxy) seen(r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1/media/") {
		p.mu.Lock()
		p.media[r.URL.Path]++
		p.mu.Unlock()
	}
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
	kek := make([]byte, keys.KEKSize)
	copy(kek, "e2e-test-key-encryption-key-0001")
	proxy := &countingProxy{media: map[string]int{}}
	cfg, _ := stacktest.Config(t, "edgeflix-e2e", kek)
	cfg.EdgeUpstream = stacktest.Upstream(t, proxy.seen)
	cfg.WebFS = web.Site(os.DirFS(wasmbuild.Player(t)))
	cfg.Demo = demo.Config{Count: 1}
	cfg.Progress = testWriter{t}
	if mod != nil {
		mod(&cfg)
	}
	return stacktest.Start(t, cfg), proxy
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
