// Package browsertest holds the player's end-to-end browser test: it builds
// player.wasm, generates an fMP4 HLS stream with ffmpeg, serves both over
// loopback and drives Debian's Chromium headless (chromedp) to check that
// the Go/Wasm MSE engine really plays, adapts and seeks. It has no
// non-test code. Tests of the app against the whole stack live in e2e/.
package browsertest
