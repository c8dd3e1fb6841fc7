package web

import (
	"io/fs"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	tests := []struct {
		name     string
		contains []string
	}{
		{"index.html", []string{`<base href="/app/">`, `href="app.css"`, `src="wasm_exec.js"`, `src="loader.js" data-wasm="player.wasm" data-size-of="player.wasm"`, `<script type="module" src="app.js">`, `id="load-progress"`,
			`id="signup-email"`, `id="signup-password"`, `id="signup-submit"`, `id="signin"`, `id="signout"`,
			`id="status"`, `<video id="player"`, "playsinline", "controls",
			`id="view-profiles"`, `id="view-detail"`, `id="view-devices"`, `id="view-activate"`, `id="search"`,
			`id="audio-menu"`, `id="subtitle-menu"`, `id="scrub"`, `id="thumb-preview"`, `id="next-episode"`, "nav-row", "nav-item"}},
		{"app.css", []string{".title-card", ":focus-visible", "@media", ".row-items", ".profile-tile", ".thumb-preview", "::cue"}},
		{"loader.js", []string{"instantiateStreaming", `dataset.wasm`, `dataset.size`, "getReader", "edgeflixLoad", "edgeflixModule", "go.importObject"}},
		{"app.js", []string{`from "./api.js"`, `from "./player.js"`, `from "./keys.js"`, "window.edgeflixPlay", "/v1/browse/home", "/v1/operator/qoe"}},
		{"api.js", []string{`from "./oauth.js"`, "code_challenge_method", "edgeflix.tokens"}},
		{"oauth.js", []string{`crypto.subtle.digest("SHA-256"`, "state mismatch"}},
		{"player.js", []string{"edgeflix.load(", "/heartbeat", "/qoe", "keepalive", "pagehide"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := fs.ReadFile(Files, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(string(b), s) {
					t.Errorf("%s lacks %q", tt.name, s)
				}
			}
		})
	}
}
