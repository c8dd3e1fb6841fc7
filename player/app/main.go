//go:build js && wasm

// Command app is edgeflix's browser playback engine, compiled to
// WebAssembly (GOOS=js): it plays HLS master playlists of fMP4 through
// Media Source Extensions with adaptive bitrate, sends CMCD on media
// requests, measures QoE, swaps renewed playback tokens in, and shows
// WebVTT subtitles and scrub thumbnails. The web app around it is plain
// JavaScript (player/web), which drives it through window.edgeflix
// (api.go); window.edgeflixPlayer holds the running player's state.
package main

func main() {
	exportAPI()
	select {} // keep the Go runtime alive for callbacks
}
