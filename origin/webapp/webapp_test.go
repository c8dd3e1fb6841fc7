package webapp

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

const indexHTML = `<!doctype html><link rel="stylesheet" href="app.css">` +
	`<script src="loader.js" data-wasm="player.wasm" data-size-of="player.wasm"></script>`

// testFiles are an app with a compressible module of wasmSize bytes.
func testFiles(wasm []byte) fstest.MapFS {
	return fstest.MapFS{
		"index.html":   {Data: []byte(indexHTML), ModTime: time.Unix(1e9, 0)},
		"app.css":      {Data: []byte(strings.Repeat("body { color: red }\n", 50))},
		"loader.js":    {Data: []byte("// tiny")},
		"player.wasm":  {Data: wasm},
		"logo.png":     {Data: bytes.Repeat([]byte{0x89}, 1000)},
		"sub/page.css": {Data: []byte("p{}")},
	}
}

// module is compressible but not trivially: text-like noise.
func module(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefgh\x00\x01"[r.IntN(10)]
	}
	return append([]byte("\x00asm\x01\x00\x00\x00"), b...)
}

// serve starts h on loopback and returns its base URL.
func serve(t *testing.T, h *Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h.ServeHTTP}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	select {
	case <-h.Ready():
	case <-time.After(2 * time.Minute):
		t.Fatal("compression did not finish")
	}
	return "http://" + ln.Addr().String()
}

func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	switch coding {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var hashedWasm = regexp.MustCompile(`data-wasm="(player\.[0-9a-f]{16}\.wasm)" data-size="(\d+)"`)

func TestServeEncodings(t *testing.T) {
	wasm := module(64 << 10)
	base := serve(t, &Handler{FS: testFiles(wasm), EdgeURL: "http://edge.test"})

	_, html := testenv.Do(t, "GET", base+"/app/", nil)
	m := hashedWasm.FindStringSubmatch(string(html))
	if m == nil || m[2] != "65544" || !regexp.MustCompile(`href="app\.[0-9a-f]{16}\.css"`).Match(html) {
		t.Fatalf("index.html does not name hashed assets:\n%s", html)
	}
	hashed := base + "/app/" + m[1]

	tests := []struct {
		name, path, accept string
		status             int
		coding             string // Content-Encoding, "" none
		cache              string
	}{
		{"br preferred", hashed, "gzip, deflate, br", 200, "br", cacheImmutable},
		{"gzip only", hashed, "gzip", 200, "gzip", cacheImmutable},
		{"x-gzip alias", hashed, "x-gzip", 200, "gzip", cacheImmutable},
		{"no header: identity", hashed, "", 200, "", cacheImmutable},
		{"q-values pick gzip", hashed, "br;q=0.5, gzip;q=0.8", 200, "gzip", cacheImmutable},
		{"br refused by q=0", hashed, "br;q=0, gzip", 200, "gzip", cacheImmutable},
		{"all refused but identity", hashed, "br;q=0, gzip;q=0", 200, "", cacheImmutable},
		{"star rates unnamed", hashed, "*;q=0.5, gzip;q=0.1", 200, "br", cacheImmutable},
		{"star q=0 leaves gzip", hashed, "gzip, *;q=0", 200, "gzip", cacheImmutable},
		{"nothing acceptable", hashed, "identity;q=0", 406, "", ""},
		{"malformed q is ignored", hashed, "br;q=2, gzip", 200, "gzip", cacheImmutable},
		{"unknown coding: identity", hashed, "zstd", 200, "", cacheImmutable},
		{"plain name revalidates", base + "/app/player.wasm", "br", 200, "br", cacheRevalidate},
		{"html revalidates", base + "/app/", "gzip", 200, "", cacheRevalidate},
		{"client route gets html", base + "/app/callback", "", 200, "", cacheRevalidate},
		{"stale hash", base + "/app/player.0000000000000000.wasm", "br", 404, "", ""},
		{"already compressed type", base + "/app/logo.png", "br, gzip", 200, "", cacheRevalidate},
		{"nested", base + "/app/sub/page.css", "", 200, "", cacheRevalidate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := testenv.Do(t, "GET", tc.path, map[string]string{"Accept-Encoding": tc.accept})
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.coding {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.coding)
			}
			if got := resp.Header.Get("Cache-Control"); got != tc.cache {
				t.Fatalf("Cache-Control %q, want %q", got, tc.cache)
			}
			if resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("ETag") == "" {
				t.Fatalf("Vary %q ETag %q", resp.Header.Get("Vary"), resp.Header.Get("ETag"))
			}
			if strings.Contains(tc.path, "wasm") {
				if got := decode(t, tc.coding, body); !bytes.Equal(got, wasm) {
					t.Fatalf("decoded body is %d bytes, not the module's %d", len(got), len(wasm))
				}
				if tc.coding != "" && len(body) >= len(wasm) {
					t.Fatalf("%s body %d bytes is not smaller than %d", tc.coding, len(body), len(wasm))
				}
			}
		})
	}
}

func TestServeValidatorsHeadRange(t *testing.T) {
	wasm := module(32 << 10)
	base := serve(t, &Handler{FS: testFiles(wasm)})
	_, html := testenv.Do(t, "GET", base+"/app/", nil)
	url := base + "/app/" + hashedWasm.FindStringSubmatch(string(html))[1]

	br, brBody := testenv.Do(t, "GET", url, map[string]string{"Accept-Encoding": "br"})
	id, _ := testenv.Do(t, "GET", url, nil)
	if br.Header.Get("ETag") == id.Header.Get("ETag") {
		t.Fatalf("br and identity share ETag %s", br.Header.Get("ETag"))
	}

	t.Run("304 for the matching coding", func(t *testing.T) {
		resp, body := testenv.Do(t, "GET", url, map[string]string{"Accept-Encoding": "br", "If-None-Match": `"x", W/` + br.Header.Get("ETag")})
		if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != br.Header.Get("ETag") ||
			resp.Header.Get("Cache-Control") != cacheImmutable || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%d %v %d bytes", resp.StatusCode, resp.Header, len(body))
		}
	})
	t.Run("200 when the coding differs", func(t *testing.T) {
		resp, _ := testenv.Do(t, "GET", url, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": br.Header.Get("ETag")})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("HEAD has the GET headers and no body", func(t *testing.T) {
		resp, body := testenv.Do(t, "HEAD", url, map[string]string{"Accept-Encoding": "br"})
		if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Encoding") != "br" ||
			resp.ContentLength != int64(len(brBody)) || resp.Header.Get("ETag") != br.Header.Get("ETag") {
			t.Fatalf("%d %v length %d want %d", resp.StatusCode, resp.Header, resp.ContentLength, len(brBody))
		}
	})
	rangeTests := []struct {
		name, rng, ifRange string
		status             int
		from, to           int // inclusive, for 206
	}{
		{"first bytes, identity though br is accepted", "bytes=0-99", "", 206, 0, 99},
		{"open end", "bytes=32000-", "", 206, 32000, len(wasm) - 1},
		{"suffix", "bytes=-10", "", 206, len(wasm) - 10, len(wasm) - 1},
		{"end past the size", "bytes=100-999999", "", 206, 100, len(wasm) - 1},
		{"start past the size", "bytes=999999-", "", 416, 0, 0},
		{"several ranges: the whole", "bytes=0-1,5-6", "", 200, 0, 0},
		{"malformed: the whole", "bytes=abc", "", 200, 0, 0},
		{"If-Range matches", "bytes=0-9", id.Header.Get("ETag"), 206, 0, 9},
		{"If-Range stale: the whole", "bytes=0-9", `"old"`, 200, 0, 0},
	}
	for _, tc := range rangeTests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Accept-Encoding": "br", "Range": tc.rng}
			if tc.ifRange != "" {
				hdr["If-Range"] = tc.ifRange
			}
			resp, body := testenv.Do(t, "GET", url, hdr)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			switch tc.status {
			case 206:
				if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, wasm[tc.from:tc.to+1]) ||
					resp.Header.Get("Content-Range") == "" || resp.Header.Get("ETag") != id.Header.Get("ETag") {
					t.Fatalf("206: %v, %d bytes", resp.Header, len(body))
				}
			case 416:
				if resp.Header.Get("Content-Range") != "bytes */"+itoa(len(wasm)) {
					t.Fatalf("416 Content-Range %q", resp.Header.Get("Content-Range"))
				}
			case 200:
				if resp.Header.Get("Content-Encoding") != "br" || !bytes.Equal(decode(t, "br", body), wasm) {
					t.Fatalf("200: %v", resp.Header)
				}
			}
		})
	}
	t.Run("POST is refused", func(t *testing.T) {
		if resp, _ := testenv.Do(t, "POST", url, nil); resp.StatusCode != 405 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestNoFiles(t *testing.T) {
	base := serve(t, &Handler{})
	if resp, _ := testenv.Do(t, "GET", base+"/app/", nil); resp.StatusCode != 404 {
		t.Fatalf("%d", resp.StatusCode)
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "br", "gzip;q=0.5, br;q=0", "*;q=0", "identity;q=0, *;q=0", "br;q=1.000;x=y", ",,;q=", "gzip;q=0.0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, ok := negotiate(header, []string{codingBrotli, codingGzip})
		if ok != (c != "") {
			t.Fatalf("negotiate(%q) = %q, %v", header, c, ok)
		}
		if ok && c != codingBrotli && c != codingGzip && c != codingIdentity {
			t.Fatalf("negotiate(%q) = %q", header, c)
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=-5", "bytes=5-", "bytes=9-1", "bytes=0-1,2-3", "items=0-1", "bytes=-0"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			size = -size
		}
		r, ok, sat := parseRange(header, size)
		if ok && sat && (r.start < 0 || r.end >= size || r.start > r.end) {
			t.Fatalf("parseRange(%q, %d) = %+v", header, size, r)
		}
	})
}

func TestPrecompressedSiblings(t *testing.T) {
	dir := t.TempDir()
	wasm := module(16 << 10)
	for name, data := range map[string][]byte{"index.html": []byte(indexHTML), "player.wasm": wasm, "app.css": []byte(strings.Repeat("p{}\n", 100))} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Precompress(dir); err != nil {
		t.Fatal(err)
	}
	br, err := os.ReadFile(filepath.Join(dir, "player.wasm.br"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html.br")); !os.IsNotExist(err) {
		t.Fatalf("HTML was precompressed: %v", err)
	}
	// A stale gzip sibling (another file's bytes) is not served.
	if err := os.WriteFile(filepath.Join(dir, "app.css.gz"), []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := serve(t, &Handler{FS: os.DirFS(dir)})
	tests := []struct {
		path, accept string
		status       int
		check        func(*http.Response, []byte) bool
	}{
		{"/app/player.wasm", "br", 200, func(r *http.Response, b []byte) bool {
			return r.Header.Get("Content-Encoding") == "br" && bytes.Equal(b, br)
		}},
		{"/app/app.css", "gzip", 200, func(r *http.Response, b []byte) bool {
			return r.Header.Get("Content-Encoding") == "gzip" && bytes.Equal(decode(t, "gzip", b), []byte(strings.Repeat("p{}\n", 100)))
		}},
		{"/app/player.wasm.br", "", 404, nil},
	}
	for _, tc := range tests {
		resp, body := testenv.Do(t, "GET", base+tc.path, map[string]string{"Accept-Encoding": tc.accept})
		if resp.StatusCode != tc.status || (tc.check != nil && !tc.check(resp, body)) {
			t.Errorf("%s: %d %v", tc.path, resp.StatusCode, resp.Header)
		}
	}
}
