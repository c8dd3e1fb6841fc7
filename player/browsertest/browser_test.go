//go:build !js

package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/player/web"
)

// rendition is one variant the test encodes.
type rendition struct {
	name          string
	width, height int
	bitrate       string // ffmpeg -b:v
	bandwidth     int    // BANDWIDTH in the master
	codecs        string
}

var renditions = []rendition{
	{name: "180p", width: 320, height: 180, bitrate: "250k", bandwidth: 400_000, codecs: "avc1.4d400d,mp4a.40.2"},
	{name: "360p", width: 640, height: 360, bitrate: "700k", bandwidth: 900_000, codecs: "avc1.4d401e,mp4a.40.2"},
}

var (
	setupOnce sync.Once
	setupErr  error
	appFS     http.FileSystem // the app as the origin serves it
	mediaDir  string          // master.m3u8 and one folder per rendition
	// demuxedDir holds the demuxed stream (see demuxed_test.go).
	demuxedDir string
)

// setup builds player.wasm and encodes the test stream once per run.
func setup(t *testing.T) {
	t.Helper()
	playerDir := wasmbuild.Player(t)
	setupOnce.Do(func() {
		appFS = http.FS(web.Site(os.DirFS(playerDir)))
		setupErr = doSetup()
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

func doSetup() error {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return fmt.Errorf("ffmpeg is required for the browser test but was not found (run scripts/setup.sh): %v", err)
	}
	root, err := os.MkdirTemp("", "edgeflix-browsertest-")
	if err != nil {
		return err
	}
	mediaDir = filepath.Join(root, "media")
	demuxedDir = filepath.Join(root, "demuxed")
	if err := makeDemuxed(demuxedDir); err != nil {
		return err
	}
	// The stream: two muxed H.264/AAC renditions of 8 s in 2 s fMP4 segments.
	var master strings.Builder
	master.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, r := range renditions {
		dir := filepath.Join(mediaDir, r.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		ff := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=30", r.width, r.height),
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
			"-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "main", "-b:v", r.bitrate,
			"-g", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
			"-c:a", "aac", "-b:a", "64k", "-t", "8",
			"-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", "2", "-hls_playlist_type", "vod",
			"-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "seg_%05d.m4s", "index.m3u8")
		ff.Dir = dir
		if out, err := ff.CombinedOutput(); err != nil {
			return fmt.Errorf("ffmpeg %s: %v\n%s", r.name, err, out)
		}
		fmt.Fprintf(&master, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=\"%s\",RESOLUTION=%dx%d,FRAME-RATE=30.000\n%s/index.m3u8\n",
			r.bandwidth, r.bandwidth*8/10, r.codecs, r.width, r.height, r.name)
	}
	return os.WriteFile(filepath.Join(mediaDir, "master.m3u8"), []byte(master.String()), 0o644)
}

// serve starts an HTTP server on loopback and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// appHandler serves the web app under /app/ like the origin does.
func appHandler() http.Handler {
	files := http.StripPrefix("/app/", http.FileServer(appFS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/app/") {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// mediaHandler serves the stream from another origin with CORS, like the
// edge; it counts requests per path.
type mediaHandler struct {
	mu   sync.Mutex
	hits map[string]int
}

func (m *mediaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.hits[r.URL.Path]++
	m.mu.Unlock()
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "Range")
	w.Header().Set("Access-Control-Expose-Headers", "Content-Range, Content-Length")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch filepath.Ext(r.URL.Path) {
	case ".m3u8":
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	case ".mp4", ".m4s":
		w.Header().Set("Content-Type", "video/mp4")
	case ".vtt":
		w.Header().Set("Content-Type", "text/vtt")
	}
	if strings.HasPrefix(r.URL.Path, demuxedPrefix) {
		http.StripPrefix(demuxedPrefix, http.FileServer(http.Dir(demuxedDir))).ServeHTTP(w, r)
		return
	}
	http.StripPrefix("/t/test-token/v1/media/demo/", http.FileServer(http.Dir(mediaDir))).ServeHTTP(w, r)
}

func (m *mediaHandler) count(prefix string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for p, c := range m.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// playerState is what the test reads from the page.
type playerState struct {
	CurrentTime  float64  `json:"currentTime"`
	Frames       int      `json:"frames"`
	Paused       bool     `json:"paused"`
	ReadyState   int      `json:"readyState"`
	State        string   `json:"state"`
	VariantH     int      `json:"variantHeight"`
	Segments     int      `json:"segments"`
	Bandwidth    float64  `json:"bandwidthEstimate"`
	BufferAhead  float64  `json:"bufferAhead"`
	Errors       []string `json:"errors"`
	Status       string   `json:"status"`
	VideoError   string   `json:"videoError"`
	MaxHeight    int      `json:"maxHeight"`
	VariantCount int      `json:"variantCount"`
	Switches     int      `json:"switches"`
}

const stateJS = `(() => {
  const v = document.getElementById("player");
  const p = window.edgeflixPlayer || {};
  const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {totalVideoFrames: 0};
  return {
    currentTime: v ? v.currentTime : -1,
    frames: q.totalVideoFrames,
    paused: v ? v.paused : true,
    readyState: v ? v.readyState : 0,
    state: p.state || "",
    variantHeight: p.variant ? p.variant.height : 0,
    segments: p.segments || 0,
    bandwidthEstimate: p.bandwidthEstimate || 0,
    bufferAhead: p.bufferAhead || 0,
    errors: p.errors || [],
    status: (document.getElementById("status") || {}).textContent || "",
    videoError: v && v.error ? v.error.code + ": " + v.error.message : "",
    maxHeight: p.maxHeight || 0,
    variantCount: p.variantCount || 0,
    switches: p.switches || 0,
  };
})()`

// waitFor polls the page until ok accepts the state or timeout passes.
func waitFor(t *testing.T, ctx context.Context, timeout time.Duration, what string, ok func(playerState) bool) playerState {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last playerState
	for {
		st, err := chromedp.Run(ctx, chromedp.Evaluate[playerState](stateJS))
		if err != nil {
			t.Fatalf("reading player state: %v", err)
		}
		last = st
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last state %+v", timeout, what, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestPlayback(t *testing.T) {
	setup(t)
	appURL := serve(t, appHandler())
	media := &mediaHandler{hits: map[string]int{}}
	mediaURL := serve(t, media)
	masterURL := mediaURL + "/t/test-token/v1/media/demo/master.m3u8"

	tests := []struct {
		name  string
		start func(ctx context.Context) error
	}{
		{
			name: "play query hook",
			start: func(ctx context.Context) error {
				return chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/?play="+url.QueryEscape(masterURL)))
			},
		},
		{
			name: "edgeflixPlay from JS",
			start: func(ctx context.Context) error {
				if err := chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/")); err != nil {
					return err
				}
				// Wait for the Wasm app to export its entry point.
				deadline := time.Now().Add(20 * time.Second)
				for {
					ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.edgeflixPlay === "function"`))
					if err != nil {
						return err
					}
					if ok {
						break
					}
					if time.Now().After(deadline) {
						return fmt.Errorf("window.edgeflixPlay never appeared")
					}
					time.Sleep(100 * time.Millisecond)
				}
				_, err := chromedp.Run(ctx, chromedp.Evaluate[any](
					`document.getElementById("player").muted = true; window.edgeflixPlay(`+jsString(masterURL)+`)`))
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browser.New(t)
			before := media.count("/t/test-token/v1/media/demo/")
			if err := tt.start(ctx); err != nil {
				t.Fatal(err)
			}
			st := waitFor(t, ctx, 45*time.Second, "currentTime > 3 with decoded frames", func(s playerState) bool {
				return s.CurrentTime > 3 && s.Frames > 0
			})
			if st.VariantH != 180 && st.VariantH != 360 {
				t.Errorf("debug object reports variant height %d, want 180 or 360", st.VariantH)
			}
			if st.Segments < 2 || st.Bandwidth <= 0 || st.VariantCount != 2 {
				t.Errorf("debug object: %+v", st)
			}
			if st.VideoError != "" {
				t.Errorf("video error: %s", st.VideoError)
			}
			if got := media.count("/t/test-token/v1/media/demo/") - before; got < 4 {
				t.Errorf("media server saw %d requests, want master + playlist + init + segments", got)
			}
			// Play to the end: the engine must call endOfStream.
			st = waitFor(t, ctx, 30*time.Second, "the stream to end", func(s playerState) bool {
				return s.State == "ended" || s.State == "ended-stream" && s.CurrentTime > 7.5
			})
			// Loopback is fast: by the end ABR fetches 360p, the best the
			// 600 px headless screen allows, whether it started there (from
			// the browser's downlink figure) or climbed from 180p. How fast
			// it climbs is a matter of load, so the climb itself is tested
			// on the host (player/abr TestTraceShapes).
			if st.VariantH != 360 {
				t.Errorf("ABR ended on %dp after %d switches, want 360p", st.VariantH, st.Switches)
			}
			if len(st.Errors) > 0 {
				t.Errorf("player errors: %q", st.Errors)
			}
			// Seek back into the stream and play again.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](
				`(() => { const v = document.getElementById("player"); v.currentTime = 1; v.play(); })()`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, 30*time.Second, "playback after seeking to 1 s", func(s playerState) bool {
				return s.CurrentTime > 2 && s.CurrentTime < 7.9 && !s.Paused
			})
		})
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}
