//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// pageState is what the app test reads between steps.
type pageState struct {
	View        string   `json:"view"`
	Status      string   `json:"status"`
	CurrentTime float64  `json:"currentTime"`
	Frames      int      `json:"frames"`
	Errors      []string `json:"errors"`
	URL         string   `json:"url"`
	Text        string   `json:"text"`
}

const pageStateJS = `(() => {
  const v = document.getElementById("player");
  const view = [...document.querySelectorAll("main > .view")].find((s) => !s.hidden);
  const p = window.edgeflixPlayer || {};
  const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {totalVideoFrames: 0};
  return {
    view: view ? view.id : "",
    status: (document.getElementById("status") || {}).textContent || "",
    currentTime: v ? v.currentTime : -1,
    frames: q.totalVideoFrames,
    errors: p.errors || [],
    url: location.href,
    text: document.body ? document.body.innerText.slice(0, 300) : "",
  };
})()`

// TestAppAgainstStack drives the web app against the real origin and edge:
// sign-up, sign-in, the profile picker, home rows, title detail, playback,
// continue watching, keyboard navigation, the devices page and approving a
// TV's device code on /app/activate.
func TestAppAgainstStack(t *testing.T) {
	st, _ := startStack(t, nil)
	ctx := browser.New(t)
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()

	email := testenv.Name("app-") + "@example.com"
	password := "correct horse battery staple"
	run := func(t *testing.T, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, a := range actions {
			actx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := chromedp.Do(actx, a)
			cancel()
			if err != nil {
				state, _ := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
				t.Fatalf("%s, action %d: %v (page %+v)", name, i, err, state)
			}
		}
	}
	eval := func(t *testing.T, js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	waitJS := func(t *testing.T, what, js string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				state, _ := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
				t.Fatalf("timed out waiting for %s (page %+v)", what, state)
			}
			time.Sleep(150 * time.Millisecond)
		}
	}
	step := func(t *testing.T, name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow() // later steps depend on this one
		}
	}
	key := func(t *testing.T, k string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
	}

	step(t, "sign up and sign in", func(t *testing.T) {
		// One profile without a PIN is chosen without asking.
		run(t, "sign up", browser.Actions(browser.SignUpSteps(st.AppURL, email, password))...)
	})

	step(t, "profile picker", func(t *testing.T) {
		run(t, "add a kids profile",
			chromedp.Click("#nav-profile"),
			chromedp.WaitVisible("#view-profiles"),
			chromedp.WaitVisible("#profile-add"),
			chromedp.Click("#profile-add"),
			chromedp.WaitVisible("#profile-form"),
			chromedp.SendKeys("#profile-name", "Little ones"),
			chromedp.Click("#profile-kids"),
			chromedp.Click("#profile-save"),
		)
		waitJS(t, "two profiles", `document.querySelectorAll("#profile-list .profile-tile:not(.add)").length === 2`)
		if got := eval(t, `[...document.querySelectorAll("#profile-list .profile-tile:not(.add) .profile-name")].map((e) => e.textContent).join("|")`); !strings.Contains(got, "Little ones") {
			t.Fatalf("profiles shown: %q", got)
		}
		// Choose the account's first profile.
		run(t, "select", chromedp.Click("#profile-list .profile-tile:first-child"), chromedp.WaitVisible("#view-browse"))
	})

	var titleID string
	step(t, "home rows", func(t *testing.T) {
		waitJS(t, "browse rows", `document.querySelectorAll("#rows .row .title-card").length > 0`)
		rows := eval(t, `[...document.querySelectorAll("#rows .row")].map((r) => r.dataset.rowId).join(",")`)
		if !strings.Contains(rows, "new") && !strings.Contains(rows, "trending") {
			t.Fatalf("rows %q: want new or trending", rows)
		}
		if eval(t, `String(!document.getElementById("hero").hidden && document.getElementById("hero-title").textContent !== "")`) != "true" {
			t.Fatal("no featured title")
		}
		titleID = eval(t, `document.querySelector("#rows .title-card").dataset.titleId`)
	})

	step(t, "keyboard", func(t *testing.T) {
		// The first card has the focus: Enter opens it, Escape goes back.
		waitJS(t, "a focused card", `document.activeElement && document.activeElement.classList.contains("title-card")`)
		key(t, kb.Enter)
		waitJS(t, "the detail view", `!document.getElementById("view-detail").hidden`)
		waitJS(t, "Play focused", `document.activeElement === document.getElementById("detail-play")`)
		key(t, kb.ArrowRight)
		waitJS(t, "My List focused", `document.activeElement === document.getElementById("detail-mylist")`)
		key(t, kb.Escape)
		waitJS(t, "home again", `!document.getElementById("view-browse").hidden`)
		waitJS(t, "a focused card again", `document.activeElement && document.activeElement.classList.contains("title-card")`)
		// ArrowUp from the rows reaches the featured title's buttons.
		key(t, kb.ArrowUp)
		waitJS(t, "the hero's Play focused", `document.activeElement === document.getElementById("hero-play")`)
	})

	step(t, "detail and play", func(t *testing.T) {
		run(t, "open the detail",
			chromedp.Click(`#rows .title-card[data-title-id="`+titleID+`"] h3`),
			chromedp.WaitVisible("#view-detail"),
		)
		waitJS(t, "detail filled", `document.getElementById("detail-title").textContent !== "" && document.getElementById("detail-synopsis").textContent !== ""`)
		run(t, "play", chromedp.Click("#detail-play"), chromedp.WaitVisible("#view-player"))
		deadline := time.Now().Add(60 * time.Second)
		for {
			state, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
			if err != nil {
				t.Fatal(err)
			}
			if state.CurrentTime > 3 && state.Frames > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("video did not play past 3 s: %+v", state)
			}
			time.Sleep(200 * time.Millisecond)
		}
		run(t, "back", chromedp.Click("#back"), chromedp.WaitVisible("#view-detail"))
	})

	step(t, "continue watching", func(t *testing.T) {
		run(t, "home", chromedp.Click("#nav-home"), chromedp.WaitVisible("#view-browse"))
		waitJS(t, "the title in continue watching",
			`!!document.querySelector('#row-continue-watching .title-card[data-title-id="`+titleID+`"] .progress span')`)
	})

	step(t, "devices", func(t *testing.T) {
		run(t, "devices", chromedp.Click("#nav-devices"), chromedp.WaitVisible("#view-devices"))
		waitJS(t, "this device listed", `!!document.querySelector("#device-list li.device.current")`)
	})

	step(t, "activate a TV", func(t *testing.T) {
		resp, err := http.PostForm(st.OriginURL+"/oauth/device_authorization", url.Values{"client_id": {"edgeflix-tv"}, "device_name": {"Living room TV"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("device authorization: %d %s", resp.StatusCode, body)
		}
		var da struct {
			DeviceCode              string `json:"device_code"`
			UserCode                string `json:"user_code"`
			VerificationURIComplete string `json:"verification_uri_complete"`
		}
		if err := json.Unmarshal(body, &da); err != nil || da.VerificationURIComplete == "" {
			t.Fatalf("device authorization answer %s: %v", body, err)
		}
		run(t, "approve",
			chromedp.Navigate(da.VerificationURIComplete),
			chromedp.WaitVisible("#view-activate"),
		)
		waitJS(t, "the code filled in", `document.getElementById("user-code").value !== ""`)
		run(t, "approve", chromedp.Click("#activate-approve"))
		waitJS(t, "activated", `document.getElementById("activate-message").textContent.includes("activated")`)
		// The TV's poll now gets tokens.
		resp, err = http.PostForm(st.OriginURL+"/oauth/token", url.Values{
			"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}, "client_id": {"edgeflix-tv"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "access_token") {
			t.Fatalf("TV token poll after approval: %d %s", resp.StatusCode, body)
		}
		// The TV is now in the devices list.
		run(t, "devices", chromedp.Click("#nav-devices"), chromedp.WaitVisible("#view-devices"))
		waitJS(t, "the TV listed", `[...document.querySelectorAll("#device-list .device-name")].some((e) => e.textContent.includes("Living room TV"))`)
	})
}
