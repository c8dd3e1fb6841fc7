// Package e2e drives the whole local service the way a viewer does: a real
// headless Chromium signs up, signs in through the OAuth login page, presses
// play and watches video decoded from fMP4 segments fetched through the edge,
// whose Wasm gate checks the playback token. Everything underneath is real:
// MariaDB, Redis, the S3 protocol, ffmpeg-made media, the edge module.
package e2e

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// playState is what the test reads from the page while it plays.
type playState struct {
	CurrentTime float64  `json:"currentTime"`
	Frames      int      `json:"frames"`
	MasterURL   string   `json:"masterURL"`
	Status      string   `json:"status"`
	Errors      []string `json:"errors"`
}

const playStateJS = `(() => {
  const v = document.getElementById("player");
  const p = window.edgeflixPlayer || {};
  const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {totalVideoFrames: 0};
  return {
    currentTime: v ? v.currentTime : -1,
    frames: q.totalVideoFrames,
    masterURL: p.masterURL || "",
    status: (document.getElementById("status") || {}).textContent || "",
    errors: p.errors || [],
  };
})()`

func TestSignUpSignInPlay(t *testing.T) {
	st, proxy := startStack(t, nil)
	ctx := browser.New(t)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	signUpAndPlay(ctx, t, st)

	var state playState
	deadline := time.Now().Add(90 * time.Second)
	for {
		var err error
		state, err = chromedp.Run(ctx, chromedp.Evaluate[playState](playStateJS))
		if err != nil {
			t.Fatalf("reading player state: %v", err)
		}
		if state.CurrentTime > 3 && state.Frames > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("video did not play past 3 s: %+v", state)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("playing: currentTime %.1fs, %d frames decoded, via %d origin media requests", state.CurrentTime, state.Frames, proxy.total())
	if !strings.HasPrefix(state.MasterURL, st.EdgeURL+"/t/") {
		t.Fatalf("player's master URL %q is not a token URL on the edge %s", state.MasterURL, st.EdgeURL)
	}
	checkEdgeGate(t, state.MasterURL, proxy)
	checkBypasses(t, st, state.MasterURL)
	checkModuleLoad(ctx, t)
}

// signUpAndPlay signs a new viewer up and in through the app and presses
// play on the first title.
func signUpAndPlay(ctx context.Context, t *testing.T, st *stack.Stack) {
	t.Helper()
	email := testenv.Name("viewer-") + "@example.com"
	password := "correct horse battery staple"
	steps := append(browser.SignUpSteps(st.AppURL, email, password),
		browser.Step{Name: "titles shown", Do: chromedp.WaitVisible(".title-card button.play")},
		browser.Step{Name: "press play", Do: chromedp.Click(".title-card button.play")})
	for _, s := range steps {
		if err := chromedp.Do(ctx, s.Do); err != nil {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[playState](playStateJS))
			t.Fatalf("step %q: %v (page state %+v)", s.Name, err, state)
		}
	}
}

// moduleLoad is what the page records of loading player.wasm.
type moduleLoad struct {
	URL      string  `json:"url"`
	Received float64 `json:"received"`
	Total    float64 `json:"total"`
	Done     bool    `json:"done"`
	Decoded  float64 `json:"decoded"`
}

const moduleLoadJS = `(() => {
  const l = window.edgeflixLoad || {};
  const e = performance.getEntriesByType("resource").find((r) => r.name.endsWith(".wasm")) || {};
  return {url: e.name || "", received: l.received || 0, total: l.total || 0, done: !!l.done, decoded: e.decodedBodySize || 0};
})()`

// checkModuleLoad checks that the page fetched the module under its
// content-hashed name and counted every byte of it for the progress bar,
// and that the origin serves that name brotli-compressed and immutable.
func checkModuleLoad(ctx context.Context, t *testing.T) {
	t.Helper()
	l, err := chromedp.Run(ctx, chromedp.Evaluate[moduleLoad](moduleLoadJS))
	if err != nil {
		t.Fatalf("reading the module load: %v", err)
	}
	if !regexp.MustCompile(`/app/player\.[0-9a-f]{16}\.wasm$`).MatchString(l.URL) {
		t.Fatalf("module fetched as %q, not under a content-hashed name", l.URL)
	}
	if !l.Done || l.Total == 0 || l.Received != l.Total || (l.Decoded > 0 && l.Decoded != l.Total) {
		t.Fatalf("progress did not count the module: %+v", l)
	}
	deadline := time.Now().Add(2 * time.Minute) // the origin compresses in the background after it starts
	for {
		req, _ := http.NewRequest("HEAD", l.URL, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") == "br" {
			if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Fatalf("hashed module Cache-Control %q", cc)
			}
			t.Logf("module %s: %.0f bytes, %d brotli", l.URL[strings.LastIndexByte(l.URL, '/')+1:], l.Total, resp.ContentLength)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hashed module is not served brotli-compressed: %v", resp.Header)
		}
		time.Sleep(time.Second)
	}
}

// checkEdgeGate asks the edge for the master the browser played, as is and
// with its token altered or removed: the first answers 200 with a playlist,
// the refused ones 403 without any request reaching the origin.
func checkEdgeGate(t *testing.T, masterURL string, proxy *countingProxy) {
	u, err := url.Parse(masterURL)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/t/"), "/", 2)
	token, rest := parts[0], "/"+parts[1]
	base := u.Scheme + "://" + u.Host
	// The master as played may come from the edge's cache; a valid token
	// for an object nobody fetched yet must reach the origin (that the
	// counter can see a request at all), and refused tokens never may.
	tests := []struct {
		name       string
		url        string
		wantStatus int
		wantOrigin *bool
	}{
		{"as played", masterURL, http.StatusOK, nil},
		{"valid token, object never fetched", base + "/t/" + token + strings.TrimSuffix(rest, "master.m3u8") + "missing.m4s", http.StatusNotFound, ptr(true)},
		{"signature altered", base + "/t/" + flipLast(token) + rest, http.StatusForbidden, ptr(false)},
		{"claims altered", base + "/t/" + flipPart(token, 1) + rest, http.StatusForbidden, ptr(false)},
		{"token removed", base + rest, http.StatusForbidden, ptr(false)},
		{"token for another asset", base + "/t/" + token + "/v1/media/another-asset/master.m3u8", http.StatusForbidden, ptr(false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := proxy.total()
			resp, body := testenv.Get(t, tc.url, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tc.wantStatus, body)
			}
			if tc.wantStatus == http.StatusOK {
				if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.apple.mpegurl" {
					t.Errorf("Content-Type %q, want application/vnd.apple.mpegurl", ct)
				}
				if !strings.HasPrefix(string(body), "#EXTM3U") {
					t.Errorf("body is not a playlist: %.40q", body)
				}
			}
			if reached := proxy.total() > before; tc.wantOrigin != nil && reached != *tc.wantOrigin {
				t.Fatalf("origin reached = %v, want %v", reached, *tc.wantOrigin)
			}
		})
	}
}

func ptr(b bool) *bool { return &b }

// flipLast changes the token's last character (inside the signature).
func flipLast(token string) string {
	last := token[len(token)-1]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return token[:len(token)-1] + string(repl)
}

// flipPart changes one character in the middle of JWS part i.
func flipPart(token string, i int) string {
	parts := strings.Split(token, ".")
	p := []byte(parts[i])
	mid := len(p) / 2
	if p[mid] == 'x' {
		p[mid] = 'y'
	} else {
		p[mid] = 'x'
	}
	parts[i] = string(p)
	return strings.Join(parts, ".")
}
