package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/stack"
)

// renewLifetime is the playback token lifetime of TestPlayAcrossRenewals:
// short, so several renewals happen within a short title; the edge allows
// no leeway, so a token the player failed to replace is refused the
// moment it expires.
const renewLifetime = 4 * time.Second

// mediaFetch is one media request the page made through the edge.
type mediaFetch struct {
	Token  string `json:"token"`
	Status int    `json:"status"`
	At     int    `json:"at"`
}

// renewStateJS reads the player state and every /t/<token>/ request the
// page made: its token (the last 8 characters of the signature), HTTP status and start time (ms since navigation).
const renewStateJS = `(() => {
  const v = document.getElementById("player");
  const p = window.edgeflixPlayer || {};
  const fetches = performance.getEntriesByType("resource")
    .filter((r) => r.name.includes("/t/"))
    .map((r) => ({token: r.name.split("/t/")[1].split("/")[0].slice(-8), status: r.responseStatus || 0, at: Math.round(r.startTime)}));
  return {
    state: {currentTime: v ? v.currentTime : -1, frames: 0, masterURL: p.masterURL || "",
      status: (document.getElementById("status") || {}).textContent || "", errors: p.errors || []},
    fetches,
    video: {engine: p.state || "", readyState: v ? v.readyState : -1, paused: v ? v.paused : true},
  };
})()`

type renewState struct {
	State   playState    `json:"state"`
	Fetches []mediaFetch `json:"fetches"`
	// Video is for failure messages: the engine's state and the element's.
	Video struct {
		Engine     string `json:"engine"`
		ReadyState int    `json:"readyState"`
		Paused     bool   `json:"paused"`
	} `json:"video"`
}

// mediaDelay slows every media response of slowMedia.
const mediaDelay = 600 * time.Millisecond

// slowMedia is a reverse proxy to originURL that answers media requests
// mediaDelay late.
func slowMedia(t *testing.T, originURL string) string {
	target, err := url.Parse(originURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/media/") {
			time.Sleep(mediaDelay)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPlayAcrossRenewals plays a title in real Chromium with playback
// tokens living renewLifetime (heartbeat every second) for more than
// three lifetimes, its media fetched slowly enough to need renewed tokens: the player swaps each renewed token into its later
// fetches, so playback never stops, no media request fails, and requests
// made after the first token expired carry later tokens.
func TestPlayAcrossRenewals(t *testing.T) {
	st, _ := startStack(t, func(c *stack.Config) {
		c.PlaybackTokenLifetime = renewLifetime
		c.EdgeLeeway = -1
		// The player buffers 30 s ahead, the whole demo title: slow
		// each media fetch at the origin so that fetching spans more
		// than one token lifetime and later requests need renewed tokens.
		c.EdgeUpstream = func(originURL string) (string, error) { return slowMedia(t, originURL), nil }
	})
	ctx := browser.New(t)
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	signUpAndPlay(ctx, t, st)

	// More than three lifetimes, within the 16 s demo title.
	const playFor = 3*renewLifetime + time.Second
	var rs renewState
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var err error
		rs, err = chromedp.Run(ctx, chromedp.Evaluate[renewState](renewStateJS))
		if err != nil {
			t.Fatalf("reading player state: %v", err)
		}
		if strings.Contains(rs.State.Status, "stopped") || len(rs.State.Errors) > 0 {
			t.Fatalf("playback failed: status %q, errors %q", rs.State.Status, rs.State.Errors)
		}
		if rs.State.CurrentTime > playFor.Seconds() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("video did not play past %v: at %.1fs, status %q, video %+v (media requests %+v)", playFor, rs.State.CurrentTime, rs.State.Status, rs.Video, rs.Fetches)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(rs.Fetches) == 0 {
		t.Fatal("no media request seen")
	}
	tokens := map[string]bool{}
	first := rs.Fetches[0]
	late := 0
	for _, f := range rs.Fetches {
		if f.Status >= 400 {
			t.Fatalf("a media request failed: %+v", f)
		}
		tokens[f.Token] = true
		if f.At > first.At+int(renewLifetime.Milliseconds()) {
			late++
			if f.Token == first.Token {
				t.Fatalf("a request %d ms after the first token expired still used it", f.At-first.At)
			}
		}
	}
	if late == 0 || len(tokens) < 3 {
		t.Fatalf("%d requests after the first lifetime, %d distinct tokens: renewal was not exercised", late, len(tokens))
	}
	t.Logf("played %.1fs over %d tokens; %d of %d media requests after the first token expired", rs.State.CurrentTime, len(tokens), late, len(rs.Fetches))
}
