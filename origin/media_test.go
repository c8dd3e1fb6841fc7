package origin_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMedia(t *testing.T) {
	e := newEnv(t)
	master := []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n720p/index.m3u8\n")
	segment := bytes.Repeat([]byte("0123456789"), 10000)
	e.putObject("media/asset-1/master.m3u8", "application/octet-stream", master)
	e.putObject("media/asset-1/720p/seg_00001.m4s", "application/octet-stream", segment)
	e.putObject("media/asset-1/720p/init.mp4", "application/octet-stream", []byte("init"))
	e.putObject("media/asset-1/720p/index.m3u8", "application/octet-stream", []byte("#EXTM3U\n"))
	e.putObject("media/asset-1/poster.jpg", "application/octet-stream", []byte("\xff\xd8\xff"))
	e.putObject("media/asset-1/en.vtt", "application/octet-stream", []byte("WEBVTT\n"))

	t.Run("content types and caching", func(t *testing.T) {
		cases := []struct{ path, ctype, cache string }{
			{"master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=10"},
			{"720p/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"},
			{"720p/seg_00001.m4s", "video/iso.segment", "public, max-age=31536000, immutable"},
			{"720p/init.mp4", "video/mp4", "public, max-age=31536000, immutable"},
			{"poster.jpg", "image/jpeg", "public, max-age=31536000, immutable"},
			{"en.vtt", "text/vtt; charset=utf-8", "public, max-age=31536000, immutable"},
		}
		for _, c := range cases {
			t.Run(c.path, func(t *testing.T) {
				resp, _ := e.get("/v1/media/asset-1/"+c.path, "")
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ctype || resp.Header.Get("Cache-Control") != c.cache {
					t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
				}
			})
		}
	})
	var etag string
	t.Run("whole GET", func(t *testing.T) {
		resp, b := e.get("/v1/media/asset-1/720p/seg_00001.m4s", "")
		etag = resp.Header.Get("ETag")
		if resp.StatusCode != 200 || !bytes.Equal(b, segment) || resp.ContentLength != int64(len(segment)) || etag == "" ||
			resp.Header.Get("Accept-Ranges") != "bytes" {
			t.Fatalf("%d len %d cl %d etag %q", resp.StatusCode, len(b), resp.ContentLength, etag)
		}
	})
	t.Run("ranges", func(t *testing.T) {
		cases := []struct {
			rng      string
			from, to int
		}{{"bytes=0-9", 0, 9}, {"bytes=100-199", 100, 199}, {"bytes=99990-", 99990, 99999}, {"bytes=-5", 99995, 99999}}
		for _, c := range cases {
			t.Run(c.rng, func(t *testing.T) {
				resp, b := e.do("GET", "/v1/media/asset-1/720p/seg_00001.m4s", http.Header{"Range": {c.rng}}, nil)
				want := fmt.Sprintf("bytes %d-%d/%d", c.from, c.to, len(segment))
				if resp.StatusCode != 206 || resp.Header.Get("Content-Range") != want || !bytes.Equal(b, segment[c.from:c.to+1]) ||
					resp.ContentLength != int64(c.to-c.from+1) {
					t.Fatalf("%d %q len %d", resp.StatusCode, resp.Header.Get("Content-Range"), len(b))
				}
			})
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		resp, b := e.do("HEAD", "/v1/media/asset-1/720p/seg_00001.m4s", nil, nil)
		if resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Length") != fmt.Sprint(len(segment)) ||
			resp.Header.Get("Content-Type") != "video/iso.segment" || resp.Header.Get("ETag") != etag {
			t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Length"), resp.Header.Get("ETag"))
		}
		if resp, _ := e.do("HEAD", "/v1/media/asset-1/nope.m4s", nil, nil); resp.StatusCode != 404 {
			t.Fatalf("missing HEAD %d", resp.StatusCode)
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		resp, b := e.do("GET", "/v1/media/asset-1/720p/seg_00001.m4s", http.Header{"If-None-Match": {etag}}, nil)
		if resp.StatusCode != 304 || len(b) != 0 {
			t.Fatalf("%d len %d", resp.StatusCode, len(b))
		}
		resp, _ = e.do("GET", "/v1/media/asset-1/720p/seg_00001.m4s", http.Header{"If-None-Match": {`"other"`}}, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("other etag: %d", resp.StatusCode)
		}
	})
	t.Run("missing object", func(t *testing.T) {
		for _, p := range []string{"asset-1/none.m4s", "asset-2/master.m3u8"} {
			if resp, _ := e.get("/v1/media/"+p, ""); resp.StatusCode != 404 {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
	})
	t.Run("bad paths", func(t *testing.T) {
		// Sent raw so no client cleans them first.
		for _, p := range []string{
			"/v1/media/asset-1/../asset-2/master.m3u8", "/v1/media/../store/secret", "/v1/media/asset-1/%2e%2e/x",
			"/v1/media/asset-1//master.m3u8", "/v1/media/asset-1/", "/v1/media/asset-1", "/v1/media/Asset/master.m3u8",
			"/v1/media/-asset/master.m3u8", "/v1/media/asset-1/./master.m3u8", "/v1/media/asset-1/a%2Fb",
			"/v1/media/asset-1/sp ace", "/v1/media/" + strings.Repeat("a", 64) + "/master.m3u8",
		} {
			if st := rawStatus(t, e.url, "GET", p); st != 400 {
				t.Errorf("%s: %d", p, st)
			}
		}
	})
	t.Run("method", func(t *testing.T) {
		if resp, _ := e.do("DELETE", "/v1/media/asset-1/master.m3u8", nil, nil); resp.StatusCode != 405 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// rawStatus sends a request line exactly as given and returns the status.
func rawStatus(t *testing.T, base, method, target string) int {
	t.Helper()
	st, _ := rawResponse(t, base, method, target)
	return st
}

func TestWebAppAndMisc(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		path, ctype string
		status      int
		html        bool
	}{
		{"/app/", "text/html; charset=utf-8", 200, true},
		{"/app/callback", "text/html; charset=utf-8", 200, true},
		{"/app/player.wasm", "application/wasm", 200, false},
		{"/app/wasm_exec.js", "text/javascript; charset=utf-8", 200, false},
		{"/app/app.css", "text/css; charset=utf-8", 200, false},
		{"/app/missing.js", "", 404, false},
		{"/livez", "text/plain; charset=utf-8", 200, false},
		{"/healthz", "application/json", 200, false},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			resp, _ := e.get(c.path, "")
			if resp.StatusCode != c.status || (c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype) {
				t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if c.html {
				for _, want := range []string{"'wasm-unsafe-eval'", "media-src 'self' blob: " + edgeURL, "connect-src 'self' " + edgeURL} {
					if !strings.Contains(csp, want) {
						t.Errorf("CSP %q lacks %q", csp, want)
					}
				}
				if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
					t.Errorf("security headers %v", resp.Header)
				}
			}
		})
	}
	t.Run("root redirects to the app", func(t *testing.T) {
		resp, _ := e.get("/", "")
		if resp.StatusCode != 302 || !strings.HasSuffix(resp.Header.Get("Location"), "/app/") {
			t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		if resp, _ := e.get("/nope", ""); resp.StatusCode != 404 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// TestArtwork: /v1/art serves the posters and backdrops of published
// titles only; an unpublished title's artwork and any sprite are 404 there.
func TestArtwork(t *testing.T) {
	e := newEnv(t)
	past := time.Now().Add(-time.Hour)
	e.addTitle("pub", "asset-pub", &past)
	e.addTitle("draft", "asset-draft", nil)
	for _, a := range []string{"asset-pub", "asset-draft"} {
		e.putObject("media/"+a+"/poster.jpg", "application/octet-stream", []byte("\xff\xd8\xff"))
		e.putObject("media/"+a+"/backdrop.jpg", "application/octet-stream", []byte("\xff\xd8\xff"))
		e.putObject("media/"+a+"/sprite.jpg", "application/octet-stream", []byte("\xff\xd8\xff"))
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/v1/art/asset-pub/poster.jpg", 200},
		{"/v1/art/asset-pub/backdrop.jpg", 200},
		{"/v1/art/asset-pub/sprite.jpg", 404},
		{"/v1/art/asset-pub/master.m3u8", 404},
		{"/v1/art/asset-draft/poster.jpg", 404},
		{"/v1/art/asset-draft/backdrop.jpg", 404},
		{"/v1/art/asset-draft/sprite.jpg", 404},
		{"/v1/art/asset-none/poster.jpg", 404},
		{"/v1/art/asset-pub/../asset-draft/poster.jpg", 400},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, _ := e.get(tc.path, "")
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}
