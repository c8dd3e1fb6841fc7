package cloudfront

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/lambda"
)

const lambdaDir = "../../wasm/lambda"

var (
	keyA     = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'a'}, 32))
	keyOther = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'o'}, 32))
	// proofKey is the bundle's proof key (proof.json), the parity
	// origin's only one.
	proofKey = edgeproof.Key{ID: "p1", Secret: bytes.Repeat([]byte{'p'}, 32)}
	cache    = wazero.NewCompilationCache()
)

// corpusKeys mint the corpus tokens.
var corpusKeys = lambda.Keys{Signing: keyA, Unknown: keyOther, Issuer: contract.DefaultIssuer, Audience: contract.DefaultAudience, Proof: proofKey}

func testJWKS() []byte { return corpusKeys.JWKS() }

func newHost(t testing.TB, cfg []byte) *fnhost.Host {
	t.Helper()
	h, err := fnhost.New(context.Background(), fnhost.Options{Module: wasmbuild.Edge(t), Cache: cache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	if cfg != nil {
		if err := h.Configure(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// lambdaBundle lays out what `make lambda` zips: index.mjs, edge.wasm,
// config.json, plus the run.mjs runner.
func lambdaBundle(t *testing.T, cfg []byte) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"index.mjs", "run.mjs"} {
		b, err := os.ReadFile(filepath.Join(lambdaDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "edge.wasm"), wasmbuild.Edge(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteProofFile(dir, proofKey); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runNode(t *testing.T, dir string, event []byte) []byte {
	t.Helper()
	ev := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(ev, event, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "run.mjs"), ev)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node run.mjs: %v\n%s", err, stderr.String())
	}
	return out
}

// TestParity runs every corpus event through the Go handler (wazero) and
// the Node handler (node:wasi) and requires identical results.
func TestParity(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is required (scripts/setup.sh installs Node.js)")
	}
	// The origin answers only requests that carry a valid proof for their
	// path, as the production origin does for /v1/media/ (origin/media).
	originFiles := http.FileServer(http.FS(lambda.Origin))
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := edgeproof.Verify([]edgeproof.Key{proofKey}, r.Header.Get(contract.ProofHeader), r.URL.Path, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		originFiles.ServeHTTP(w, r)
	}))
	defer origin.Close()
	port := origin.Listener.Addr().(*net.TCPAddr).Port
	cfg, err := ConfigDocument(testJWKS(), contract.DefaultIssuer, contract.DefaultAudience, contract.DefaultLeewaySeconds)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Module: HostModule{Host: newHost(t, cfg)}, ProofKey: &proofKey}
	dir := lambdaBundle(t, cfg)
	vars := corpusKeys.Vars(time.Now(), port)
	for _, c := range lambda.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			ev := lambda.Render(c.Event, vars)
			goOut, err := h.Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			nodeOut := runNode(t, dir, ev)
			var g, n map[string]any
			if err := json.Unmarshal(goOut, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(nodeOut, &n); err != nil {
				t.Fatalf("node output: %v\n%s", err, nodeOut)
			}
			// A request leaving viewer-request carries a fresh proof for
			// exactly its uri (made on each side at its own second).
			for _, out := range []map[string]any{g, n} {
				if et := path(out, "headers", ProofHeader, 0, "value"); c.Status == "request" && strings.HasPrefix(c.Name, "vr_") {
					pv, _ := et.(string)
					if err := edgeproof.Verify([]edgeproof.Key{proofKey}, pv, c.URI, time.Now()); err != nil {
						t.Fatalf("proof %q for %s: %v", pv, c.URI, err)
					}
					delete(out["headers"].(map[string]any), ProofHeader)
				}
			}
			if !reflect.DeepEqual(g, n) {
				t.Fatalf("results differ\n go:   %s\n node: %s", goOut, nodeOut)
			}
			if status, ok := g["status"].(string); ok {
				if status != c.Status {
					t.Fatalf("status %s, want %s: %s", status, c.Status, goOut)
				}
				if status == "200" && !strings.HasPrefix(g["body"].(string), "#EXTM3U") {
					t.Fatalf("body is not a playlist: %s", goOut)
				}
				return
			}
			if c.Status != "request" || g["uri"] != c.URI {
				t.Fatalf("got request %s, want %s %s", goOut, c.Status, c.URI)
			}
		})
	}
}
