package edge

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// ladder is a master with H.264, HEVC and HDR variants and an audio group.
const ladder = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",DEFAULT=YES,URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,AUDIO="aac"
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=1280x720,AUDIO="aac"
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,AUDIO="aac"
1080p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=12000000,CODECS="hvc1.2.4.L150.B0,mp4a.40.2",RESOLUTION=3840x2160,VIDEO-RANGE=PQ,AUDIO="aac"
2160p/index.m3u8
`

const mediaPlaylist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nseg_00001.m4s\n#EXT-X-ENDLIST\n"

// object is one origin object with its Cache-Control.
type object struct{ body, cacheControl string }

// countingOrigin publishes a JWKS and serves objects, counting requests
// per path; it can be slowed down, made to answer 503, or to drop
// connections.
type countingOrigin struct {
	url     string
	objects map[string]object
	mu      sync.Mutex
	hits    map[string]int
	ranges  []string // Range headers seen
	delay   atomic.Int64
	mode    atomic.Value // "", "503" or "drop"
	// gates, set before the first request, hold the second half of a
	// path's body until the channel closes (streaming tests).
	gates map[string]chan struct{}
}

func newCountingOrigin(t testing.TB, objects map[string]object) *countingOrigin {
	t.Helper()
	o := &countingOrigin{objects: objects, hits: make(map[string]int)}
	o.mode.Store("")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		x := base64.RawURLEncoding.EncodeToString(keyA.Public().(ed25519.PublicKey))
		fmt.Fprintf(w, `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"%s"}]}`, x)
	})
	mux.HandleFunc("/v1/media/", func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		if rg := r.Header.Get("Range"); rg != "" {
			o.ranges = append(o.ranges, rg)
		}
		o.mu.Unlock()
		time.Sleep(time.Duration(o.delay.Load()))
		switch o.mode.Load() {
		case "503":
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		case "drop":
			panic(http.ErrAbortHandler)
		}
		obj, ok := o.objects[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".m3u8") {
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		} else {
			w.Header().Set("Content-Type", "video/iso.segment")
		}
		w.Header().Set("ETag", `"v1"`)
		if obj.cacheControl != "" {
			w.Header().Set("Cache-Control", obj.cacheControl)
		}
		if gate, ok := o.gates[r.URL.Path]; ok {
			w.Header().Set("Content-Length", strconv.Itoa(len(obj.body)))
			half := len(obj.body) / 2
			io.WriteString(w, obj.body[:half])
			w.(http.Flusher).Flush()
			<-gate
			io.WriteString(w, obj.body[half:])
			return
		}
		http.ServeContent(w, r, "", testNow, strings.NewReader(obj.body))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	o.url = "http://" + ln.Addr().String()
	return o
}

func (o *countingOrigin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// testClock is an adjustable clock for tokens and cache freshness.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(testNow.UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// startCachingEdge starts an edge in front of o and returns it and its URL.
func startCachingEdge(t testing.TB, o *countingOrigin, clk *testClock, mutate func(*Config)) (*Server, string) {
	t.Helper()
	cfg := Config{
		OriginURL:        o.url,
		Module:           wasmbuild.Edge(t),
		CompilationCache: testCache,
		PoolSize:         2,
		Now:              clk.Now,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return serveEdge(t, cfg)
}

// device is a token's dev claim.
type device struct {
	class  string
	height int
	rate   int
	codecs []string
	hdr    bool
}

func (d device) caps() string {
	hdr := "0"
	if d.hdr {
		hdr = "1"
	}
	return fmt.Sprintf("cls=%s;mh=%d;mbr=%d;cdc=%s;hdr=%s", d.class, d.height, d.rate, strings.Join(d.codecs, ","), hdr)
}

func deviceToken(t testing.TB, pfx string, d device) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "edgeflix-origin", "aud": "edgeflix-edge", "sub": "acc_1", "sid": "ses_1",
		"iat": testNow.Add(-time.Minute).Unix(), "exp": testNow.Add(time.Hour).Unix(), "pfx": pfx,
		"dev": map[string]any{"cls": d.class, "mh": d.height, "mbr": d.rate, "cdc": d.codecs, "hdr": d.hdr, "rnd": []string{"360p", "720p", "1080p", "audio", "subs"}},
	})
	tok.Header["kid"] = "a"
	s, err := tok.SignedString(keyA)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	desktop = device{"desktop", 1080, 8_000_000, []string{"avc1", "mp4a"}, false}
	// desktopReordered is desktop's caps class written differently.
	desktopReordered = device{"desktop", 1080, 8_000_000, []string{"mp4a", "avc3", "avc1"}, false}
	phone            = device{"phone", 720, 5_000_000, []string{"avc1", "mp4a"}, false}
	tvHDR            = device{"tv", 2160, 25_000_000, []string{"avc1", "hvc1", "mp4a"}, true}
	audioOnlyVP9     = device{"phone", 720, 5_000_000, []string{"vp09", "opus"}, false}
)

func get(t testing.TB, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	return do(t, "GET", url, header)
}

func TestMasterRewrite(t *testing.T) {
	o := newCountingOrigin(t, map[string]object{
		"/v1/media/a/master.m3u8":     {ladder, "public, max-age=10"},
		"/v1/media/a/360p/index.m3u8": {mediaPlaylist, "public, max-age=2"},
		"/v1/media/m/master.m3u8":     {mediaPlaylist, "public, max-age=10"},
		"/v1/media/x/master.m3u8":     {"<html>not a playlist</html>", "public, max-age=10"},
	})
	_, edge := startCachingEdge(t, o, newTestClock(), nil)
	native := func(d device) string {
		c, err := contract.ParseHeader(d.caps())
		if err != nil {
			t.Fatal(err)
		}
		out, err := manifest.Rewrite([]byte(ladder), c)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	for _, tc := range []struct {
		name       string
		asset      string
		dev        device
		wantStatus int
		wantBody   string
		wantCache  string
		wantOrigin int // master fetches from the origin so far
	}{
		{"desktop", "a", desktop, 200, native(desktop), "MISS", 1},
		{"desktop again", "a", desktop, 200, native(desktop), "HIT", 1},
		{"same caps class written differently", "a", desktopReordered, 200, native(desktop), "HIT", 1},
		{"phone", "a", phone, 200, native(phone), "MISS", 2},
		{"phone again", "a", phone, 200, native(phone), "HIT", 2},
		{"hdr tv", "a", tvHDR, 200, native(tvHDR), "MISS", 3},
		{"nothing playable", "a", audioOnlyVP9, 422, unplayableBody, "MISS", 4},
		{"nothing playable cached", "a", audioOnlyVP9, 422, unplayableBody, "HIT", 4},
		{"media playlist named master passes unchanged", "m", desktop, 200, mediaPlaylist, "MISS", 1},
		{"not a playlist", "x", desktop, 502, "", "MISS", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := deviceToken(t, "/v1/media/"+tc.asset+"/", tc.dev)
			resp, body := get(t, edge+"/t/"+tok+"/v1/media/"+tc.asset+"/master.m3u8", nil)
			if resp.StatusCode != tc.wantStatus || tc.wantBody != "" && body != tc.wantBody {
				t.Fatalf("status %d body\n%s\nwant %d\n%s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if got := resp.Header.Get("X-Cache"); got != tc.wantCache {
				t.Errorf("X-Cache = %q, want %q", got, tc.wantCache)
			}
			if got := o.count("/v1/media/" + tc.asset + "/master.m3u8"); got != tc.wantOrigin {
				t.Fatalf("origin master fetches = %d, want %d", got, tc.wantOrigin)
			}
			if resp.StatusCode == 200 && tc.asset == "a" {
				if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/vnd.apple.mpegurl" || cc != "private, max-age=10" {
					t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
				}
				if resp.Header.Get("Vary") != "Origin" || resp.Header.Get("ETag") != "" {
					t.Errorf("Vary %q ETag %q: the cache key is internal, the origin's ETag is not the rewrite's", resp.Header.Get("Vary"), resp.Header.Get("ETag"))
				}
			}
		})
	}
	t.Run("start variant first", func(t *testing.T) {
		_, body := get(t, edge+"/t/"+deviceToken(t, "/v1/media/a/", desktop)+"/v1/media/a/master.m3u8", nil)
		lines := strings.Split(body, "\n")
		if lines[4] != "#EXT-X-STREAM-INF:BANDWIDTH=5000000,CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,AUDIO=\"aac\"" || strings.Contains(body, "2160p") {
			t.Fatalf("desktop master:\n%s", body)
		}
	})
}

func TestSharedObjects(t *testing.T) {
	seg := strings.Repeat("0123456789", 1000)
	o := newCountingOrigin(t, map[string]object{
		"/v1/media/a/720p/seg_00001.m4s": {seg, "public, max-age=31536000, immutable"},
		"/v1/media/a/720p/index.m3u8":    {mediaPlaylist, "public, max-age=2"},
		"/v1/media/a/720p/live.m3u8":     {mediaPlaylist, "no-store"},
		"/v1/media/a/720p/big.m4s":       {strings.Repeat("b", 20000), "public, max-age=60"},
	})
	clk := newTestClock()
	_, edge := startCachingEdge(t, o, clk, func(c *Config) { c.CacheObjectBytes = 16384 })
	devices := []device{desktop, phone, tvHDR, audioOnlyVP9}
	url := func(i int, file string) string {
		return edge + "/t/" + deviceToken(t, "/v1/media/a/", devices[i%len(devices)]) + "/v1/media/a/720p/" + file
	}
	for _, tc := range []struct {
		name       string
		file       string
		requests   int
		header     map[string]string
		advance    time.Duration // before the requests
		wantStatus int
		wantBody   string
		wantOrigin int // origin fetches of file after the requests
		wantHeader map[string]string
	}{
		{"segment once for many tokens", "seg_00001.m4s", 8, nil, 0, 200, seg, 1, map[string]string{"Cache-Control": "public, max-age=31536000, immutable", "ETag": `"v1"`}},
		{"segment age", "seg_00001.m4s", 1, nil, 90 * time.Second, 200, seg, 1, map[string]string{"X-Cache": "HIT", "Age": "90"}},
		{"range from cache", "seg_00001.m4s", 3, map[string]string{"Range": "bytes=9990-"}, 0, 206, seg[9990:], 1, map[string]string{"Content-Range": "bytes 9990-9999/10000"}},
		{"suffix range from cache", "seg_00001.m4s", 1, map[string]string{"Range": "bytes=-5"}, 0, 206, seg[9995:], 1, map[string]string{"Content-Range": "bytes 9995-9999/10000"}},
		{"unsatisfiable range", "seg_00001.m4s", 1, map[string]string{"Range": "bytes=20000-"}, 0, 416, "", 1, map[string]string{"Content-Range": "bytes */10000"}},
		{"multi-range ignored", "seg_00001.m4s", 1, map[string]string{"Range": "bytes=0-1,5-6"}, 0, 200, seg, 1, nil},
		{"if-range mismatch serves all", "seg_00001.m4s", 1, map[string]string{"Range": "bytes=0-1", "If-Range": `"v0"`}, 0, 200, seg, 1, nil},
		{"range of uncached object passes through", "index.m3u8", 1, map[string]string{"Range": "bytes=0-6"}, 0, 206, mediaPlaylist[:7], 1, map[string]string{"X-Cache": "MISS"}},
		{"media playlist unchanged and cached", "index.m3u8", 4, nil, 0, 200, mediaPlaylist, 2, map[string]string{"Cache-Control": "public, max-age=2"}},
		{"media playlist expires", "index.m3u8", 2, nil, 3 * time.Second, 200, mediaPlaylist, 3, nil},
		{"no-store never cached", "live.m3u8", 3, nil, 0, 200, mediaPlaylist, 3, map[string]string{"X-Cache": "MISS"}},
		{"over the object limit not cached", "big.m4s", 2, nil, 0, 200, strings.Repeat("b", 20000), 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.Advance(tc.advance)
			for i := range tc.requests {
				resp, body := get(t, url(i, tc.file), tc.header)
				if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
					t.Fatalf("request %d: %d %q, want %d %q", i, resp.StatusCode, body[:min(len(body), 80)], tc.wantStatus, tc.wantBody[:min(len(tc.wantBody), 80)])
				}
				for k, v := range tc.wantHeader {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("request %d: %s = %q, want %q", i, k, got, v)
					}
				}
			}
			if got := o.count("/v1/media/a/720p/" + tc.file); got != tc.wantOrigin {
				t.Fatalf("origin fetches = %d, want %d", got, tc.wantOrigin)
			}
		})
	}
}

func TestColdStampede(t *testing.T) {
	o := newCountingOrigin(t, map[string]object{
		"/v1/media/a/master.m3u8":        {ladder, "public, max-age=10"},
		"/v1/media/a/720p/seg_00001.m4s": {"segment", "public, max-age=60"},
	})
	o.delay.Store(int64(200 * time.Millisecond))
	_, edge := startCachingEdge(t, o, newTestClock(), nil)
	tok := deviceToken(t, "/v1/media/a/", desktop)
	for _, file := range []string{"master.m3u8", "720p/seg_00001.m4s"} {
		t.Run(file, func(t *testing.T) {
			const n = 100
			var wg sync.WaitGroup
			var bad atomic.Int64
			client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n}}
			for range n {
				wg.Go(func() {
					resp, err := client.Get(edge + "/t/" + tok + "/v1/media/a/" + file)
					if err != nil {
						bad.Add(1)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						bad.Add(1)
					}
				})
			}
			wg.Wait()
			if bad.Load() != 0 {
				t.Fatalf("%d failed requests", bad.Load())
			}
			if got := o.count("/v1/media/a/" + file); got != 1 {
				t.Fatalf("%d cold requests made %d origin fetches, want 1", n, got)
			}
		})
	}
}

func TestStaleOnError(t *testing.T) {
	o := newCountingOrigin(t, map[string]object{
		"/v1/media/a/master.m3u8":        {ladder, "public, max-age=10"},
		"/v1/media/a/720p/seg_00001.m4s": {"segment", "public, max-age=60"},
	})
	clk := newTestClock()
	_, edge := startCachingEdge(t, o, clk, func(c *Config) { c.StaleWindow = 5 * time.Minute })
	tok := deviceToken(t, "/v1/media/a/", desktop)
	fresh := map[string]string{}
	for _, file := range []string{"master.m3u8", "720p/seg_00001.m4s", "720p/never-cached.m4s"} {
		resp, body := get(t, edge+"/t/"+tok+"/v1/media/a/"+file, nil)
		if resp.StatusCode == 200 {
			fresh[file] = body
		}
	}
	for _, tc := range []struct {
		name       string
		mode       string
		advance    time.Duration
		file       string
		wantStatus int
		wantCache  string
		wantAge    string
	}{
		{"origin 503, master stale", "503", 2 * time.Minute, "master.m3u8", 200, "STALE", "120"},
		{"origin 503, segment stale", "503", 0, "720p/seg_00001.m4s", 200, "STALE", "120"},
		{"origin dropping connections", "drop", time.Minute, "720p/seg_00001.m4s", 200, "STALE", "180"},
		{"nothing stale: 503 passed on", "503", 0, "720p/never-cached.m4s", 503, "MISS", ""},
		{"nothing stale: 502", "drop", 0, "720p/never-cached.m4s", 502, "MISS", ""},
		{"beyond the stale window", "503", 5 * time.Minute, "720p/seg_00001.m4s", 503, "MISS", ""},
		{"origin back", "", 0, "720p/seg_00001.m4s", 200, "MISS", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.mode.Store(tc.mode)
			clk.Advance(tc.advance)
			resp, body := get(t, edge+"/t/"+tok+"/v1/media/a/"+tc.file, nil)
			if resp.StatusCode != tc.wantStatus || resp.Header.Get("X-Cache") != tc.wantCache {
				t.Fatalf("%d X-Cache %q, want %d %q (%s)", resp.StatusCode, resp.Header.Get("X-Cache"), tc.wantStatus, tc.wantCache, body)
			}
			if tc.wantAge != "" && resp.Header.Get("Age") != tc.wantAge {
				t.Errorf("Age = %q, want %q", resp.Header.Get("Age"), tc.wantAge)
			}
			if tc.wantCache == "STALE" {
				if body != fresh[tc.file] || !strings.HasPrefix(resp.Header.Get("Warning"), "110 ") {
					t.Fatalf("stale body %q Warning %q", body, resp.Header.Get("Warning"))
				}
			}
		})
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in         string
		size       int
		start, end int
		ok         bool
	}{
		{"bytes=0-99", 1000, 0, 99, true},
		{"bytes=900-", 1000, 900, 999, true},
		{"bytes=900-5000", 1000, 900, 999, true},
		{"bytes=-100", 1000, 900, 999, true},
		{"bytes=-5000", 1000, 0, 999, true},
		{"bytes=1000-", 1000, -1, 0, true},
		{"bytes=-0", 1000, -1, 0, true},
		{"bytes=0-0", 0, -1, 0, true},
		{"bytes=5-1", 1000, 0, 0, false},
		{"bytes=0-1,3-4", 1000, 0, 0, false},
		{"bytes=a-b", 1000, 0, 0, false},
		{"bytes=-", 1000, 0, 0, false},
		{"bytes=--1", 1000, 0, 0, false},
		{"items=0-1", 1000, 0, 0, false},
		{"bytes=0", 1000, 0, 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			start, end, ok := parseRange(tc.in, tc.size)
			if start != tc.start || end != tc.end || ok != tc.ok {
				t.Fatalf("parseRange(%q, %d) = %d, %d, %v; want %d, %d, %v", tc.in, tc.size, start, end, ok, tc.start, tc.end, tc.ok)
			}
		})
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-99", "bytes=-5", "bytes=9-", "bytes=0-1,2-3", "bytes=99999999999999999999-"} {
		f.Add(s, 100)
	}
	f.Fuzz(func(t *testing.T, s string, size int) {
		if size < 0 {
			return
		}
		start, end, ok := parseRange(s, size)
		if ok && start >= 0 && (start > end || end >= size) {
			t.Fatalf("parseRange(%q, %d) = [%d, %d] outside the object", s, size, start, end)
		}
	})
}

// BenchmarkCacheHit is a segment request answered from the cache through
// the whole edge handler (gate in the module with a remembered token,
// cache lookup, response), without the network.
func BenchmarkCacheHit(b *testing.B) {
	o := newCountingOrigin(b, map[string]object{
		"/v1/media/a/720p/seg_00001.m4s": {strings.Repeat("s", 64<<10), "public, max-age=31536000, immutable"},
	})
	s, _ := startCachingEdge(b, o, newTestClock(), func(c *Config) { c.PoolSize = 2 })
	path := "/t/" + deviceToken(b, "/v1/media/a/", desktop) + "/v1/media/a/720p/seg_00001.m4s"
	// Warm up: fill the cache and let every instance remember the token.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var ctx fasthttp.RequestCtx
			var req fasthttp.Request
			req.SetRequestURI(path)
			ctx.Init(&req, nil, nil)
			s.handle(&ctx)
		})
	}
	wg.Wait()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var req fasthttp.Request
		req.SetRequestURI(path)
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, nil, nil) // a RequestCtx with a (fake) server, as fnhost needs
		for pb.Next() {
			ctx.Response.Reset()
			s.handle(&ctx)
			if ctx.Response.StatusCode() != 200 || len(ctx.Response.Body()) != 64<<10 {
				b.Fatalf("status %d, %d bytes", ctx.Response.StatusCode(), len(ctx.Response.Body()))
			}
		}
	})
	if got := o.count("/v1/media/a/720p/seg_00001.m4s"); got != 1 {
		b.Fatalf("origin fetches = %d, want 1", got)
	}
}
