//go:build !js

package browsertest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
)

// earlyState is what the page shows while player.wasm is on its way.
type earlyState struct {
	View        string `json:"view"`
	SignUp      bool   `json:"signUp"`
	ModuleReady bool   `json:"moduleReady"`
	PlayHook    bool   `json:"playHook"`
	LoadText    string `json:"loadText"`
}

const earlyStateJS = `(() => {
  const view = [...document.querySelectorAll("main > .view")].find((s) => !s.hidden);
  const form = document.getElementById("signup-form");
  return {
    view: view ? view.id : "",
    signUp: !!form && form.offsetParent !== null,
    moduleReady: !!(window.edgeflixLoad && window.edgeflixLoad.ready),
    playHook: typeof window.edgeflixPlay === "function",
    loadText: document.getElementById("load-text").textContent,
  };
})()`

// TestViewsBeforeModule holds player.wasm's response: the app's views
// must render and work without it, a play must wait for it on the
// loading view, and releasing the module must start that play.
func TestViewsBeforeModule(t *testing.T) {
	setup(t)
	release := make(chan struct{})
	app := appHandler()
	appURL := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		app.ServeHTTP(w, r)
	}))
	masterURL := serve(t, &mediaHandler{hits: map[string]int{}}) + "/t/test-token/v1/media/demo/master.m3u8"
	ctx := browser.New(t)
	wait := func(what string, ok func(earlyState) bool) earlyState {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			st, err := chromedp.Run(ctx, chromedp.Evaluate[earlyState](earlyStateJS))
			if err != nil {
				t.Fatalf("reading the page: %v", err)
			}
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; last state %+v", what, st)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/")); err != nil {
		t.Fatal(err)
	}
	st := wait("the welcome view", func(s earlyState) bool { return s.View == "view-welcome" })
	if !st.SignUp || st.ModuleReady || st.PlayHook {
		t.Fatalf("welcome view without the module: %+v; want the sign-up form shown, the module not ready, no edgeflixPlay yet", st)
	}
	// The form works without the module: an empty submit is refused in place.
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
  document.getElementById("signup-submit").click();
  return document.getElementById("signup-message").textContent;
})()`))
	if err != nil || msg != "Enter an email and a password." {
		t.Fatalf("sign-up message %q (%v)", msg, err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(appURL+"/app/?play="+url.QueryEscape(masterURL))); err != nil {
		t.Fatal(err)
	}
	st = wait("the loading view", func(s earlyState) bool { return s.View == "view-loading" })
	if st.ModuleReady || !strings.HasPrefix(st.LoadText, "Loading the player") {
		t.Fatalf("a play before the module: %+v; want the loading view waiting for it", st)
	}
	time.Sleep(500 * time.Millisecond)
	if st := wait("state", func(earlyState) bool { return true }); st.View != "view-loading" {
		t.Fatalf("left the loading view while the module was held: %+v", st)
	}
	close(release)
	wait("the module", func(s earlyState) bool { return s.ModuleReady && s.PlayHook && s.View == "view-player" })
	waitFor(t, ctx, 30*time.Second, "playback once the module arrived", func(s playerState) bool {
		return s.CurrentTime > 1 && s.Frames > 0
	})
}
