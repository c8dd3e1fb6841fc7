//go:build js && wasm

// Command app is the edgeflix web app, compiled to WebAssembly (GOOS=js)
// and started by index.html: sign-up, OAuth sign-in with PKCE, a browse
// grid of titles and an MSE player with adaptive bitrate. It exposes
// window.edgeflixPlay(url) and the /app/?play=<url> hook to play a master
// playlist directly, and window.edgeflixPlayer with the player's state.
package main

import "time"

func main() {
	a := &app{auth: &auth{origin: global.Get("location").Get("origin").String(), now: time.Now}}
	a.start()
	select {} // keep the Go runtime alive for callbacks
}
