// Package web holds the web app's static files for the origin to serve
// under /app/: index.html, app.css, the app's JavaScript modules (app.js
// and what it imports) and loader.js, which fetches the Go/Wasm playback
// engine in the background. The
// origin's web directory is the union of these files and the build output
// in dist/ (player.wasm and wasm_exec.js, from `make wasm`).
//
// The modules' unit tests (*_test.mjs and their helper fuzz.mjs, run by
// TestJSUnits under node --test) and package.json, which tells node the
// .js files are ES modules, stay out of the embedded files.
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html app.css loader.js app.js api.js decode.js dom.js keys.js oauth.js player.js qoe.js resume.js session.js
var files embed.FS

// Files are the app's static files at the root of the file system.
var Files fs.FS = files
