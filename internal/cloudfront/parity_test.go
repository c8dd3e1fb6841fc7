package cloudfront

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
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

func testJWKS() []byte {
	x := base64.RawURLEncoding.EncodeToString(keyA.Public().(ed25519.PublicKey))
	return []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"k1","x":"` + x + `"}]}`)
}

func sign(t testing.TB, kid string, k ed25519.PrivateKey, pfx string, exp time.Time) string {
	t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": contract.DefaultIssuer, "aud": contract.DefaultAudience, "sub": "acc_1", "sid": "ses_1",
		"iat": now.Add(-2 * time.Hour).Unix(), "exp": exp.Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": "desktop", "mh": 720, "mbr": 4000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false, "rnd": []string{"360p", "720p", "audio", "subs"}},
	})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// templateVars are the corpus placeholders: tokens are made now (they
// expire), the origin port is the loopback server's.
func templateVars(t testing.TB, originPort int) map[string]string {
	hour := time.Now().Add(time.Hour)
	good := sign(t, "k1", keyA, "/v1/media/a1/", hour)
	sig := good[strings.LastIndexByte(good, '.')+1:]
	tampered := good[:len(good)-len(sig)] + strings.Repeat("A", len(sig)-2) + sig[len(sig)-2:]
	vars := map[string]string{
		"{{TOKEN_A1}}":          good,
		"{{TOKEN_A2}}":          sign(t, "k1", keyA, "/v1/media/a2/", hour),
		"{{TOKEN_EXPIRED}}":     sign(t, "k1", keyA, "/v1/media/a1/", time.Now().Add(-time.Hour)),
		"{{TOKEN_TAMPERED}}":    tampered,
		"{{TOKEN_UNKNOWN_KEY}}": sign(t, "k9", keyOther, "/v1/media/a1/", hour),
		`"{{ORIGIN_PORT}}"`:     strconv.Itoa(originPort),
		"{{PROOF_FORGED}}":      edgeproof.Sign(edgeproof.Key{ID: "p1", Secret: bytes.Repeat([]byte{'f'}, 32)}, "/v1/media/a1/master.m3u8", hour),
		"{{PROOF_EXPIRED}}":     edgeproof.Sign(proofKey, "/v1/media/a1/master.m3u8", time.Now().Add(-time.Second)),
	}
	for _, p := range []string{"/v1/media/a1/master.m3u8", "/v1/media/a2/master.m3u8", "/v1/media/bad/master.m3u8", "/v1/media/nope/master.m3u8"} {
		vars["{{PROOF:"+p+"}}"] = edgeproof.Sign(proofKey, p, time.Now().Add(edgeproof.Lifetime))
	}
	return vars
}

// want is what each corpus event must produce (checked on both sides, so
// the test fails if both are wrong the same way): a response status, or
// "request" with the uri the request leaves with.
var want = map[string]struct{ status, uri string }{
	"vr_good_master":              {"request", "/v1/media/a1/master.m3u8"},
	"vr_good_segment":             {"request", "/v1/media/a1/720p/seg_00001.m4s"},
	"vr_expired":                  {"403", ""},
	"vr_rendition_1080p":          {"403", ""},
	"vr_rendition_1080p_playlist": {"403", ""},
	"vr_rendition_hevc":           {"403", ""},
	"vr_rendition_av1":            {"403", ""},
	"vr_rendition_hdr":            {"403", ""},
	"vr_audio_track":              {"request", "/v1/media/a1/audio/en/seg_00001.m4s"},
	"vr_subtitle_track":           {"request", "/v1/media/a1/subs/en/index.m3u8"},
	"vr_good_iframes":             {"request", "/v1/media/a1/720p/iframes.m3u8"},
	"vr_thumbnails":               {"request", "/v1/media/a1/thumbnails.vtt"},
	"vr_tampered":                 {"403", ""},
	"vr_wrong_prefix":             {"403", ""},
	"vr_missing_token":            {"403", ""},
	"vr_other_asset":              {"403", ""},
	"vr_unknown_key":              {"403", ""},
	"vr_dot_segments":             {"403", ""},
	"vr_encoded_dots":             {"403", ""},
	"vr_double_slash":             {"403", ""},
	"vr_empty_token":              {"403", ""},
	"vr_garbage_token":            {"403", ""},
	"vr_unicode":                  {"403", ""},
	"vr_root":                     {"403", ""},
	"vr_viewer_proof_master":      {"request", "/v1/media/a1/master.m3u8"},
	"vr_viewer_proof_segment":     {"request", "/v1/media/a1/720p/seg_00001.m4s"},
	"or_master_no_proof":          {"502", ""},
	"or_master_forged_proof":      {"502", ""},
	"or_master_other_path_proof":  {"502", ""},
	"or_master_expired_proof":     {"502", ""},
	"or_master_desktop":           {"200", ""},
	"or_master_phone":             {"200", ""},
	"or_master_tv":                {"200", ""},
	"or_master_unplayable":        {"422", ""},
	"or_master_no_caps":           {"500", ""},
	"or_master_invalid":           {"502", ""},
	"or_master_missing":           {"502", ""},
	"or_media_playlist":           {"request", "/v1/media/a1/720p/index.m3u8"},
	"or_segment":                  {"request", "/v1/media/a1/720p/seg_00001.m4s"},
}

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
	originFiles := http.FileServer(http.Dir(filepath.Join(lambdaDir, "testdata", "origin")))
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
	vars := templateVars(t, port)
	files, err := filepath.Glob(filepath.Join(lambdaDir, "testdata", "events", "*.json"))
	if err != nil || len(files) < len(want) {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ev := string(raw)
			for k, v := range vars {
				ev = strings.ReplaceAll(ev, k, v)
			}
			goOut, err := h.Handle(context.Background(), []byte(ev))
			if err != nil {
				t.Fatal(err)
			}
			nodeOut := runNode(t, dir, []byte(ev))
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
				if et := path(out, "headers", ProofHeader, 0, "value"); w.status == "request" && strings.HasPrefix(name, "vr_") {
					pv, _ := et.(string)
					if err := edgeproof.Verify([]edgeproof.Key{proofKey}, pv, w.uri, time.Now()); err != nil {
						t.Fatalf("proof %q for %s: %v", pv, w.uri, err)
					}
					delete(out["headers"].(map[string]any), ProofHeader)
				}
			}
			if !reflect.DeepEqual(g, n) {
				t.Fatalf("results differ\n go:   %s\n node: %s", goOut, nodeOut)
			}
			if status, ok := g["status"].(string); ok {
				if status != w.status {
					t.Fatalf("status %s, want %s: %s", status, w.status, goOut)
				}
				if status == "200" && !strings.HasPrefix(g["body"].(string), "#EXTM3U") {
					t.Fatalf("body is not a playlist: %s", goOut)
				}
				return
			}
			if w.status != "request" || g["uri"] != w.uri {
				t.Fatalf("got request %s, want %+v", goOut, w)
			}
		})
	}
}
