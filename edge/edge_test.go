package edge

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

var (
	testCache = wazero.NewCompilationCache()
	keyA      = ed25519.NewKeyFromSeed([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	keyB      = ed25519.NewKeyFromSeed([]byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"))
	testNow   = time.Unix(1_700_000_000, 0)
	media     = map[string]string{
		"/v1/media/a/master.m3u8":        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"hvc1.1.6.L93.B0,mp4a.40.2\",RESOLUTION=1280x720\n720p/index.m3u8\n",
		"/v1/media/a/720p/seg_00001.m4s": strings.Repeat("0123456789", 1000),
		"/v1/media/b/master.m3u8":        "#EXTM3U\n",
	}
)

// testOrigin is an origin stand-in that publishes a JWKS and serves media,
// counting media requests and remembering the caps header it saw.
type testOrigin struct {
	url        string
	mediaHits  atomic.Int64
	jwksFail   atomic.Bool
	mu         sync.Mutex
	keys       map[string]ed25519.PrivateKey
	lastCaps   string
	lastHeader http.Header
	lastQuery  string
	close      func() // stops the origin: its port refuses
}

func newTestOrigin(t *testing.T, keys map[string]ed25519.PrivateKey) *testOrigin {
	t.Helper()
	o := &testOrigin{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		if o.jwksFail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		o.mu.Lock()
		var parts []string
		for kid, k := range o.keys {
			x := base64.RawURLEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
			parts = append(parts, `{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"`+kid+`","x":"`+x+`"}`)
		}
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"keys":[%s]}`, strings.Join(parts, ","))
	})
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/v1/media/", func(w http.ResponseWriter, r *http.Request) {
		o.mediaHits.Add(1)
		o.mu.Lock()
		o.lastCaps = r.Header.Get("X-Edgeflix-Caps")
		o.lastHeader = r.Header.Clone()
		o.lastQuery = r.URL.RawQuery
		o.mu.Unlock()
		body, ok := media[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := "video/iso.segment"
		if strings.HasSuffix(r.URL.Path, ".m3u8") {
			ct = "application/vnd.apple.mpegurl"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("ETag", `"e1"`)
		w.Header().Set("Cache-Control", "public, max-age=60")
		http.ServeContent(w, r, "", testNow, strings.NewReader(body))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	o.close = func() { srv.Close() }
	t.Cleanup(o.close)
	o.url = "http://" + ln.Addr().String()
	return o
}

func (o *testOrigin) setKeys(keys map[string]ed25519.PrivateKey) {
	o.mu.Lock()
	o.keys = keys
	o.mu.Unlock()
}

func startEdge(t *testing.T, o *testOrigin, mutate func(*Config)) string {
	t.Helper()
	cfg := Config{
		OriginURL:        o.url,
		Module:           wasmbuild.Edge(t),
		CompilationCache: testCache,
		PoolSize:         2,
		AllowedOrigins:   []string{"http://app.example"},
		Now:              func() time.Time { return testNow },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	_, url := serveEdge(t, cfg)
	return url
}

// serveEdge starts an edge with cfg on a loopback port, closed when the
// test ends, and returns it and its URL.
func serveEdge(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	// Generous: compiling the module under -race on a busy machine is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, "http://" + ln.Addr().String()
}

func signToken(t *testing.T, kid string, k ed25519.PrivateKey, pfx string, exp time.Time) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "edgeflix-origin", "aud": "edgeflix-edge", "sub": "acc_1", "sid": "ses_1",
		"iat": testNow.Add(-time.Minute).Unix(), "exp": exp.Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": "tv", "mh": 2160, "mbr": 16000000, "cdc": []string{"hvc1", "mp4a"}, "hdr": true, "rnd": []string{"720p", "1080p", "audio", "subs"}},
	})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do is testenv.Do with the body as a string, which edge tests compare.
func do(t testing.TB, method, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	resp, body := testenv.Do(t, method, url, header)
	return resp, string(body)
}

func TestMedia(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	edge := startEdge(t, o, nil)
	tok := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))
	seg := media["/v1/media/a/720p/seg_00001.m4s"]
	// The cases share one edge: later ones are answered from the cache the
	// earlier ones filled (wantOrigin is the origin requests each makes).
	for _, tc := range []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
		wantOrigin int64
	}{
		{"master", "GET", "/t/" + tok + "/v1/media/a/master.m3u8", nil, 200, media["/v1/media/a/master.m3u8"],
			map[string]string{"Content-Type": "application/vnd.apple.mpegurl", "ETag": "", "Cache-Control": "private, max-age=10", "X-Cache": "MISS", "Vary": "Origin"}, 1},
		{"segment", "GET", "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s", nil, 200, seg,
			map[string]string{"Content-Length": "10000", "Accept-Ranges": "bytes", "ETag": `"e1"`, "Cache-Control": "public, max-age=60", "X-Cache": "MISS"}, 1},
		{"range from cache", "GET", "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s", map[string]string{"Range": "bytes=100-199"}, 206, seg[100:200],
			map[string]string{"Content-Range": "bytes 100-199/10000", "Content-Length": "100", "X-Cache": "HIT"}, 0},
		{"if-none-match", "GET", "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s", map[string]string{"If-None-Match": `"e1"`}, 304, "", nil, 0},
		{"head", "HEAD", "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s", nil, 200, "", map[string]string{"Content-Length": "10000", "X-Cache": "HIT"}, 0},
		{"query ignored", "GET", "/t/" + tok + "/v1/media/a/master.m3u8?x=1", nil, 200, media["/v1/media/a/master.m3u8"], map[string]string{"X-Cache": "HIT"}, 0},
		{"origin 404", "GET", "/t/" + tok + "/v1/media/a/missing.m4s", nil, 404, "404 page not found\n", nil, 1},
		{"origin 404 not cached", "GET", "/t/" + tok + "/v1/media/a/missing.m4s", nil, 404, "404 page not found\n", nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := o.mediaHits.Load()
			resp, body := do(t, tc.method, edge+tc.path, tc.header)
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("%s %s = %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if got := o.mediaHits.Load() - before; got != tc.wantOrigin {
				t.Fatalf("origin media requests: %d, want %d", got, tc.wantOrigin)
			}
			if tc.wantOrigin == 0 {
				return
			}
			o.mu.Lock()
			defer o.mu.Unlock()
			// No request carries caps: the edge rewrites masters itself and
			// must not ask the origin to rewrite them too.
			if o.lastCaps != "" {
				t.Fatalf("origin saw caps %q, want none", o.lastCaps)
			}
			if strings.Contains(fmt.Sprint(o.lastHeader), tok) {
				t.Fatal("token forwarded to the origin")
			}
		})
	}
}

func TestDenied(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	edge := startEdge(t, o, nil)
	tok := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))
	expired := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(-time.Hour))
	otherKey := signToken(t, "b", keyB, "/v1/media/a/", testNow.Add(time.Hour))
	for _, tc := range []struct {
		name, method, path string
		wantStatus         int
		wantReason         string
	}{
		{"tampered", "GET", "/t/" + tok[:len(tok)-3] + "AAA/v1/media/a/master.m3u8", 403, "signature"},
		{"expired", "GET", "/t/" + expired + "/v1/media/a/master.m3u8", 403, "expired"},
		{"wrong prefix", "GET", "/t/" + tok + "/v1/media/b/master.m3u8", 403, "prefix"},
		{"sibling prefix", "GET", "/t/" + tok + "/v1/media/ab/master.m3u8", 403, "prefix"},
		{"dot segments", "GET", "/t/" + tok + "/v1/media/a/../b/master.m3u8", 403, "path"},
		{"encoded dot segments", "GET", "/t/" + tok + "/v1/media/a/%2e%2e/b/master.m3u8", 403, "path"},
		{"unknown key", "GET", "/t/" + otherKey + "/v1/media/a/master.m3u8", 403, "unknown_key"},
		{"garbage token", "GET", "/t/nope/v1/media/a/master.m3u8", 403, "malformed"},
		{"empty token", "GET", "/t//v1/media/a/master.m3u8", 403, "path"},
		{"head denied", "HEAD", "/t/" + expired + "/v1/media/a/master.m3u8", 403, ""},
		{"missing token", "GET", "/v1/media/a/master.m3u8", 403, ""},
		{"root", "GET", "/", 404, ""},
		{"post", "POST", "/t/" + tok + "/v1/media/a/master.m3u8", 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := o.mediaHits.Load()
			resp, body := do(t, tc.method, edge+tc.path, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tc.wantStatus)
			}
			if tc.wantReason != "" && !strings.Contains(body, `"reason":"`+tc.wantReason+`"`) {
				t.Fatalf("body = %s, want reason %s", body, tc.wantReason)
			}
			if got := o.mediaHits.Load(); got != before {
				t.Fatalf("origin contacted: media requests %d → %d", before, got)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	edge := startEdge(t, o, nil)
	tok := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))
	url := edge + "/t/" + tok + "/v1/media/a/master.m3u8"
	preflight := map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"}
	for _, tc := range []struct {
		name       string
		method     string
		url        string
		header     map[string]string
		wantStatus int
		want       map[string]string // "" = header absent
	}{
		{"preflight", "OPTIONS", url, preflight, 204, map[string]string{
			"Access-Control-Allow-Origin": "http://app.example", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
			"Access-Control-Allow-Headers": "Range, CMCD-Object, CMCD-Request, CMCD-Session, CMCD-Status", "Vary": "Origin"}},
		{"preflight other origin", "OPTIONS", url, map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}, 403, map[string]string{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"get allowed origin", "GET", url, map[string]string{"Origin": "http://app.example"}, 200, map[string]string{
			"Access-Control-Allow-Origin": "http://app.example", "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, X-Edgeflix-Fn-Version", "Vary": "Origin"}},
		{"get other origin", "GET", url, map[string]string{"Origin": "http://evil.example"}, 200, map[string]string{
			"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
		{"403 readable by app", "GET", edge + "/t/x/v1/media/a/master.m3u8", map[string]string{"Origin": "http://app.example"}, 403, map[string]string{
			"Access-Control-Allow-Origin": "http://app.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := o.mediaHits.Load()
			resp, _ := do(t, tc.method, tc.url, tc.header)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			for k, v := range tc.want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.method == "OPTIONS" && o.mediaHits.Load() != before {
				t.Fatal("preflight reached the origin")
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	edge := startEdge(t, o, func(c *Config) { c.JWKSRefresh = 50 * time.Millisecond })
	tokA := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))
	tokB := signToken(t, "b", keyB, "/v1/media/a/", testNow.Add(time.Hour))
	status := func(tok string) int {
		resp, _ := do(t, "GET", edge+"/t/"+tok+"/v1/media/a/master.m3u8", nil)
		return resp.StatusCode
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if status(tokA) != 200 || status(tokB) != 403 {
		t.Fatal("initial keys wrong")
	}
	o.setKeys(map[string]ed25519.PrivateKey{"a": keyA, "b": keyB})
	waitFor("key b to be accepted", func() bool { return status(tokB) == 200 })
	// Every instance picked up the new key set.
	for range 6 {
		if status(tokA) != 200 || status(tokB) != 200 {
			t.Fatal("rotation: both keys should be live")
		}
	}
	// The origin's JWKS failing keeps the last good keys.
	o.jwksFail.Store(true)
	time.Sleep(200 * time.Millisecond)
	if status(tokA) != 200 || status(tokB) != 200 {
		t.Fatal("keys dropped while the JWKS was unavailable")
	}
	o.jwksFail.Store(false)
	o.setKeys(map[string]ed25519.PrivateKey{"b": keyB})
	waitFor("key a to be retired", func() bool { return status(tokA) == 403 })
	for range 6 {
		if status(tokA) != 403 || status(tokB) != 200 {
			t.Fatal("retired key still accepted somewhere")
		}
	}
}

func TestStartup(t *testing.T) {
	t.Run("waits for the key set", func(t *testing.T) {
		o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
		o.jwksFail.Store(true)
		time.AfterFunc(300*time.Millisecond, func() { o.jwksFail.Store(false) })
		edge := startEdge(t, o, nil)
		if resp, _ := do(t, "GET", edge+"/t/"+signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))+"/v1/media/a/master.m3u8", nil); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("gives up at the deadline", func(t *testing.T) {
		o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
		startEdge(t, o, nil) // fills the compilation cache, so only the key set can be late
		o.jwksFail.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err := New(ctx, Config{OriginURL: o.url, Module: wasmbuild.Edge(t), CompilationCache: testCache, PoolSize: 1})
		if err == nil || !strings.Contains(err.Error(), "no key set") {
			t.Fatalf("New = %v, want a key set error", err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []Config{{OriginURL: "http://x"}, {OriginURL: "ftp://x", Module: []byte{0}}, {Module: []byte{0}}} {
			if _, err := New(context.Background(), cfg); err == nil {
				t.Fatalf("New(%+v) succeeded", cfg)
			}
		}
	})
}

func TestOriginDown(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	edge := startEdge(t, o, func(c *Config) { c.JWKSURL = o.url + "/.well-known/jwks.json"; c.OriginURL = dead })
	resp, body := do(t, "GET", edge+"/t/"+signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))+"/v1/media/a/master.m3u8", nil)
	if resp.StatusCode != http.StatusBadGateway || !bytes.Contains([]byte(body), []byte("origin")) {
		t.Fatalf("status %d %s, want 502", resp.StatusCode, body)
	}
}

func TestParallel(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	edge := startEdge(t, o, nil)
	tok := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 10 {
				resp, err := http.Get(edge + "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s")
				if err != nil {
					bad.Add(1)
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n != 10000 {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d failed requests", bad.Load())
	}
}
