// Package web holds the web app's static files (index.html, app.css and
// the small loader script) for the origin to serve under /app/. The
// origin's web directory is the union of these files and the build output
// in dist/ (player.wasm and wasm_exec.js, from `make wasm`).
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html app.css loader.js
var files embed.FS

// Files are the app's static files at the root of the file system:
// index.html, app.css and loader.js.
var Files fs.FS = files
