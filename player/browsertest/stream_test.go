//go:build !js

package browsertest

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
)

// firstVideoSegment serves the demuxed stream and hands the first video
// segment request to first, which gets the segment's bytes; every other
// request is served whole by media.
func firstVideoSegment(media *mediaHandler, first func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.Method != http.MethodGet || !strings.HasPrefix(p, demuxedPrefix) || !strings.HasSuffix(p, ".m4s") || strings.Contains(p, "/audio/") {
			media.ServeHTTP(w, r)
			return
		}
		taken := false
		once.Do(func() { taken = true })
		if !taken {
			media.ServeHTTP(w, r)
			return
		}
		media.mu.Lock()
		media.hits[p]++
		media.mu.Unlock()
		body, err := os.ReadFile(filepath.Join(demuxedDir, filepath.FromSlash(strings.TrimPrefix(p, demuxedPrefix))))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "Content-Range, Content-Length")
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		first(w, r, body)
	})
}

// TestFirstSegmentPlaysAsItArrives sends the first video segment's first
// half and holds the rest: the player appends the segment as it arrives
// (Engine.appendStream), so the first frames play while the rest is on
// its way, instead of the start waiting for the whole segment.
func TestFirstSegmentPlaysAsItArrives(t *testing.T) {
	setup(t)
	appURL := serve(t, appHandler())
	media := &mediaHandler{hits: map[string]int{}}
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	held := make(chan string, 1)
	mediaURL := serve(t, firstVideoSegment(media, func(w http.ResponseWriter, r *http.Request, body []byte) {
		half := len(body) / 2
		_, _ = w.Write(body[:half])
		w.(http.Flusher).Flush()
		held <- r.URL.Path
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write(body[half:])
	}))
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/?play="+url.QueryEscape(mediaURL+demuxedPrefix+"master.m3u8"))); err != nil {
		t.Fatal(err)
	}
	var path string
	select {
	case path = <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("no video segment asked for")
	}
	// Held for 20 s: the first frames must play from the first half alone.
	st := waitDemuxed(t, ctx, 15*time.Second, "frames playing from the first half of "+path, func(s demuxedState) bool {
		return s.CurrentTime > 0.2 && s.Frames > 0 && !s.Paused
	})
	releaseOnce.Do(func() { close(release) })
	t.Logf("playing at %.2f s (%d frames) from half of %s", st.CurrentTime, st.Frames, path)
	waitDemuxed(t, ctx, 30*time.Second, "playback past the first segment", func(s demuxedState) bool {
		return s.CurrentTime > 3 && s.Segments >= 2
	})
	if n := media.count(path); n != 1 {
		t.Errorf("%s fetched %d times, want once", path, n)
	}
}

// TestFirstSegmentBrokenMidwayIsFetchedAgain cuts the connection half way
// through the first video segment: the player resets the SourceBuffer's
// parser, fetches the segment again whole and plays on.
func TestFirstSegmentBrokenMidwayIsFetchedAgain(t *testing.T) {
	setup(t)
	appURL := serve(t, appHandler())
	media := &mediaHandler{hits: map[string]int{}}
	broken := make(chan string, 1)
	mediaURL := serve(t, firstVideoSegment(media, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		time.Sleep(300 * time.Millisecond) // let the first half be appended
		broken <- r.URL.Path
		panic(http.ErrAbortHandler) // the connection drops mid-body
	}))
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/?play="+url.QueryEscape(mediaURL+demuxedPrefix+"master.m3u8"))); err != nil {
		t.Fatal(err)
	}
	var path string
	select {
	case path = <-broken:
	case <-time.After(30 * time.Second):
		t.Fatal("no video segment asked for")
	}
	st := waitDemuxed(t, ctx, 30*time.Second, "playback past the broken first segment", func(s demuxedState) bool {
		return s.CurrentTime > 3 && s.Frames > 0
	})
	if n := media.count(path); n != 2 {
		t.Errorf("%s fetched %d times, want twice (broken, then whole)", path, n)
	}
	if !strings.Contains(strings.Join(st.Errors, "\n"), "broke off") {
		t.Errorf("errors %q, want the broken download reported", st.Errors)
	}
	if st.State == "error" {
		t.Errorf("state %q after the broken download", st.State)
	}
}
