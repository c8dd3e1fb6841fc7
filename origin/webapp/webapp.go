// Package webapp serves the single-page web app's files under /app/ with
// the right content types and security headers, precompressed and under
// content-hashed names.
package webapp

import (
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"
)

// Prefix is the URL path the app lives under.
const Prefix = "/app/"

// Handler serves files from FS under Prefix. Paths that name no file and
// have no extension (client-side routes such as /app/callback) get
// index.html.
//
// Every file but the HTML is also served under a content-hashed name
// (player.0123456789abcdef.wasm) with a year of immutable caching, and the
// HTML refers to those names; the HTML and the plain names are served
// no-cache. Bodies are precompressed (brotli and gzip, chosen by
// Accept-Encoding) once, when the first request arrives; until that is
// done the identity form is served.
type Handler struct {
	// FS holds index.html, wasm_exec.js, player.wasm, CSS and the rest. If
	// nil, every request answers 404. It is read once.
	FS fs.FS
	// EdgeURL is allowed in the CSP's media-src and connect-src.
	EdgeURL string

	once sync.Once
	site *site
	err  error
}

// load reads FS once.
func (h *Handler) load() (*site, error) {
	h.once.Do(func() {
		if h.FS == nil {
			h.err = errors.New("webapp: no files")
			return
		}
		h.site, h.err = loadSite(h.FS)
	})
	return h.site, h.err
}

// Ready is closed once the files are read and compressed. It starts the
// work if no request has yet.
func (h *Handler) Ready() <-chan struct{} {
	s, err := h.load()
	if err != nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return s.ready
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

// Cache-Control values: hashed names never change; the rest revalidate.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

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
	s, err := h.load()
	if err != nil || !fs.ValidPath(rel) {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	a := s.byName[rel]
	if a == nil && path.Ext(rel) == "" {
		rel = "index.html"
		a = s.byName[rel]
	}
	if a == nil {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	h.serve(ctx, a, rel == a.hashed)
}

// serve writes asset a: negotiated coding, caching, validators, ranges.
func (h *Handler) serve(ctx *fasthttp.RequestCtx, a *asset, hashed bool) {
	hd := &ctx.Response.Header
	hd.Set("Content-Type", a.ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("Accept-Ranges", "bytes")
	hd.Set("Last-Modified", a.modTime)
	if hashed {
		hd.Set("Cache-Control", cacheImmutable)
	} else {
		hd.Set("Cache-Control", cacheRevalidate)
	}
	if a.html {
		hd.Set("Content-Security-Policy", CSP(h.EdgeURL))
		hd.Set("X-Frame-Options", "DENY")
	}

	// A Range request is answered from the identity form, so byte offsets
	// count the file's own bytes whatever the client accepts (see
	// RATIONALE.md); If-Range with another validator asks for the whole.
	identity := a.body(codingIdentity)
	rangeHeader := string(ctx.Request.Header.Peek("Range"))
	if ir := ctx.Request.Header.Peek("If-Range"); len(ir) > 0 && string(ir) != a.etag(codingIdentity) {
		rangeHeader = ""
	}
	if rangeHeader != "" {
		r, ok, satisfiable := parseRange(rangeHeader, int64(len(identity)))
		if ok {
			hd.Set("ETag", a.etag(codingIdentity))
			if !satisfiable {
				ctx.Error("range not satisfiable", fasthttp.StatusRequestedRangeNotSatisfiable) // resets the headers
				hd.Set("Content-Range", "bytes */"+strconv.Itoa(len(identity)))
				return
			}
			hd.Set("Content-Range", "bytes "+strconv.FormatInt(r.start, 10)+"-"+strconv.FormatInt(r.end, 10)+"/"+strconv.Itoa(len(identity)))
			ctx.SetStatusCode(fasthttp.StatusPartialContent)
			ctx.SetBody(identity[r.start : r.end+1])
			return
		}
	}

	coding, ok := negotiate(string(ctx.Request.Header.Peek("Accept-Encoding")), a.codings())
	if !ok {
		ctx.Error("no acceptable content coding", fasthttp.StatusNotAcceptable) // resets the headers
		hd.Set("Vary", "Accept-Encoding")
		return
	}
	etag := a.etag(coding)
	hd.Set("ETag", etag)
	if coding != codingIdentity {
		hd.Set("Content-Encoding", coding)
	}
	if inm := ctx.Request.Header.Peek("If-None-Match"); len(inm) > 0 && etagMatch(string(inm), etag) {
		hd.Del("Content-Type")
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		ctx.Response.SkipBody = true
		return
	}
	ctx.SetBody(a.body(coding))
}

// etagMatch is If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
