package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/benchplayer"
	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/stack"
)

// newBrowser starts Chromium with the repository's flags and a fresh
// profile, its screen 1920×1080 so that no player caps 720p to the screen.
func newBrowser(ctx context.Context) (context.Context, func(), error) {
	dir, err := os.MkdirTemp("", "edgeflix-bench-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(browser.Options(dir), chromedp.WindowSize(1920, 1080))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancel := chromedp.NewContext(actx)
	done := func() { cancel(); cancelAlloc(); os.RemoveAll(dir) }
	if err := chromedp.Do(bctx, screen1080()); err != nil {
		done()
		return nil, nil, fmt.Errorf("starting %s: %w", browser.Path, err)
	}
	return bctx, done, nil
}

// screen1080 makes the tab's screen 1920×1080 (headless Chromium reports
// 800×600 whatever the window size, and edgeflix caps renditions to the
// screen height).
func screen1080() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, t.Call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
			"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": false,
			"screenWidth": 1920, "screenHeight": 1080,
		}, nil)
	}
}

// emulate applies link to the tab with Network.emulateNetworkConditions.
func emulate(link benchplayer.Link) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		bps := float64(link.Kbps) * 1000 / 8
		params := map[string]any{
			"offline":            false,
			"latency":            float64(link.Latency.Milliseconds()),
			"downloadThroughput": bps,
			"uploadThroughput":   bps,
		}
		return chromedp.Void{}, t.Call(ctx, "Network.emulateNetworkConditions", params, nil)
	}
}

func enableNetwork() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{})
		return chromedp.Void{}, err
	}
}

// checkKbps is the link of the emulation check.
const checkKbps = 2000

// checkEmulation measures, in a page of the app, the throughput of a media
// segment fetched through the edge with fetch() and with XMLHttpRequest
// (hls.js and Shaka use either) under a checkKbps link: it must land
// near checkKbps, or the bench would measure nothing.
func checkEmulation(ctx context.Context, appURL, probe string) (string, error) {
	bctx, done, err := newBrowser(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	cctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(cctx, chromedp.Navigate(appURL+"bench-hls.html"), enableNetwork(),
		emulate(benchplayer.Link{Kbps: checkKbps})); err != nil {
		return "", err
	}
	js := `(async () => {
  const u = ` + jsString(probe) + `;
  let t = performance.now();
  const n1 = (await (await fetch(u, {cache: "no-store"})).arrayBuffer()).byteLength;
  const fetchKbps = n1 * 8 / (performance.now() - t);
  t = performance.now();
  const n2 = await new Promise((ok, fail) => {
    const x = new XMLHttpRequest();
    x.open("GET", u + (u.includes("?") ? "&" : "?") + "xhr=1");
    x.responseType = "arraybuffer";
    x.onload = () => ok(x.response.byteLength);
    x.onerror = () => fail(new Error("xhr failed"));
    x.send();
  });
  return {fetchKbps, xhrKbps: n2 * 8 / (performance.now() - t), bytes: n1};
})()`
	type out struct {
		FetchKbps, XHRKbps float64
		Bytes              int
	}
	res, err := chromedp.Run(cctx, chromedp.Evaluate[out](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return "", err
	}
	msg := fmt.Sprintf("network emulation check: a %d KB segment through the edge at %d kbit/s emulated: fetch %.0f kbit/s, XHR %.0f kbit/s",
		res.Bytes/1000, checkKbps, res.FetchKbps, res.XHRKbps)
	for _, k := range []float64{res.FetchKbps, res.XHRKbps} {
		if k < 0.5*checkKbps || k > 1.2*checkKbps {
			return "", fmt.Errorf("%s: the emulation does not hold", msg)
		}
	}
	return msg, nil
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// playOnce plays the title with p under tr in a fresh browser and returns
// what measure.js saw.
func playOnce(ctx context.Context, cfg config, st *stack.Stack, api *apiClient, title string, p benchplayer.Player, tr benchplayer.Trace, bandwidths map[int]int64) benchplayer.Result {
	res := benchplayer.Result{Player: p.Name, Trace: tr.Name, StartupMs: -1}
	fail := func(err error) benchplayer.Result {
		res.Err = err.Error()
		return res
	}
	sess, err := api.start(ctx, title)
	if err != nil {
		return fail(err)
	}
	defer api.stop(context.WithoutCancel(ctx), sess)
	bctx, done, err := newBrowser(ctx)
	if err != nil {
		return fail(err)
	}
	defer done()
	rctx, cancel := context.WithTimeout(bctx, tr.Length+3*time.Minute)
	defer cancel()
	if err := chromedp.Do(rctx, chromedp.Navigate(st.AppURL+p.Page)); err != nil {
		return fail(err)
	}
	// The player's code loads unthrottled; the clock has not started.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok, err := chromedp.Run(rctx, chromedp.Evaluate[bool](p.Ready))
		if err != nil {
			return fail(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("the player's code did not load"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	bw, _ := json.Marshal(bandwidths)
	start := "benchMeasure.start(" + string(bw) + ");\n" + strings.ReplaceAll(p.Play, "URL", jsString(sess.ManifestURL))
	if err := chromedp.Do(rctx, chromedp.Evaluate[chromedp.Void](benchplayer.MeasureJS), enableNetwork(), emulate(tr.Steps[0].Link)); err != nil {
		return fail(err)
	}
	if _, err := chromedp.Run(rctx, chromedp.Evaluate[any](start)); err != nil {
		return fail(fmt.Errorf("asking to play: %w", err))
	}
	t0 := time.Now()
	for _, s := range tr.Steps[1:] {
		if !sleepUntil(rctx, t0.Add(s.At)) {
			return fail(rctx.Err())
		}
		if err := chromedp.Do(rctx, emulate(s.Link)); err != nil {
			return fail(err)
		}
	}
	if !sleepUntil(rctx, t0.Add(tr.Length)) {
		return fail(rctx.Err())
	}
	r, err := chromedp.Run(rctx, chromedp.Evaluate[benchplayer.Result](`benchMeasure.report()`))
	if err != nil {
		return fail(err)
	}
	r.Player, r.Trace = p.Name, tr.Name
	return r
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Until(t)):
		return true
	}
}
