//go:build !js

package browsertest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
)

// TestStartFetchesInitAndSegmentTogether holds the first initialization
// section's response until a media segment is asked for: the player must
// ask for its first segment while the init section is still on its way
// (Engine.prefetchStart), not one round trip after it.
func TestStartFetchesInitAndSegmentTogether(t *testing.T) {
	setup(t)
	appURL := serve(t, appHandler())
	media := &mediaHandler{hits: map[string]int{}}
	var (
		once       sync.Once
		segmentAsk = make(chan struct{})
		mu         sync.Mutex
		overlapped bool
	)
	mediaURL := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".m4s"):
			once.Do(func() { close(segmentAsk) })
		case strings.HasSuffix(r.URL.Path, "/init.mp4") && r.Method == http.MethodGet:
			select {
			case <-segmentAsk:
				mu.Lock()
				overlapped = true
				mu.Unlock()
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		media.ServeHTTP(w, r)
	}))
	masterURL := mediaURL + "/t/test-token/v1/media/demo/master.m3u8"
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/?play="+url.QueryEscape(masterURL))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 45*time.Second, "currentTime > 1 with decoded frames", func(s playerState) bool {
		return s.CurrentTime > 1 && s.Frames > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if !overlapped {
		t.Error("the first segment was asked for only after the init section arrived (held 5 s), want both at once")
	}
}
