// Package webapp serves the single-page web app's files under /app/ with
// the right content types and security headers.
package webapp

import (
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/valyala/fasthttp"
)

// Prefix is the URL path the app lives under.
const Prefix = "/app/"

// Handler serves files from FS under Prefix. Paths that name no file and
// have no extension (client-side routes such as /app/callback) get
// index.html.
type Handler struct {
	// FS holds index.html, wasm_exec.js, player.wasm, CSS and the rest. If
	// nil, every request answers 404.
	FS fs.FS
	// EdgeURL is allowed in the CSP's media-src and connect-src.
	EdgeURL string
}

var types = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".wasm":  "application/wasm",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".map":   "application/json",
	".woff2": "font/woff2",
}

// ContentType returns the media type for a file name.
func ContentType(name string) string {
	if t, ok := types[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

// CSP returns the Content-Security-Policy of the app's HTML.
func CSP(edgeURL string) string {
	edge := strings.TrimRight(edgeURL, "/")
	return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: " + edge +
		"; media-src 'self' blob: " + edge + "; connect-src 'self' " + edge +
		"; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
}

// ServeHTTP serves GET and HEAD below Prefix.
func (h *Handler) ServeHTTP(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
		return
	}
	rel := strings.TrimPrefix(string(ctx.Path()), Prefix) // ctx.Path is normalised: no dot segments
	if rel == "" || strings.HasSuffix(rel, "/") {
		rel += "index.html"
	}
	if h.FS == nil || !fs.ValidPath(rel) {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	f, err := h.FS.Open(rel)
	if errors.Is(err, fs.ErrNotExist) && path.Ext(rel) == "" {
		rel = "index.html"
		f, err = h.FS.Open(rel)
	}
	if err != nil {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	hd := &ctx.Response.Header
	ct := ContentType(rel)
	hd.Set("Content-Type", ct)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	// No fingerprinted names yet: revalidate everything.
	hd.Set("Cache-Control", "no-cache")
	if strings.HasPrefix(ct, "text/html") {
		hd.Set("Content-Security-Policy", CSP(h.EdgeURL))
		hd.Set("X-Frame-Options", "DENY")
	}
	hd.Set("Last-Modified", st.ModTime().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	if ctx.IsHead() {
		f.Close()
		hd.SetContentLength(int(st.Size()))
		ctx.Response.SkipBody = true
		return
	}
	ctx.SetBodyStream(f, int(st.Size())) // fasthttp closes f
}
