package edge

import (
	"bytes"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/cmcd"
	"github.com/edgeflix/edgeflix/internal/health"
)

// Headers passed from the viewer to the origin and back.
var (
	requestHeaders  = []string{"Range", "If-None-Match", "If-Range", "If-Modified-Since"}
	responseHeaders = []string{"Content-Type", "Content-Range", "Accept-Ranges", "ETag", "Cache-Control", "Last-Modified"}
)

func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	if s.cfg.AccessLog != nil {
		s.handleLogged(ctx)
		return
	}
	var r gateResult
	s.route(ctx, &r)
	if isMediaRequest(ctx) {
		s.requestCMCD(ctx)
	}
}

// handleLogged serves a request and writes its access log line.
func (s *Server) handleLogged(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	var r gateResult
	s.route(ctx, &r)
	var d cmcd.Data
	var ok bool
	if isMediaRequest(ctx) {
		d, ok = s.requestCMCD(ctx)
	}
	s.logAccess(ctx, start, &r, &d, ok)
}

// route serves a request; r receives the gate's result if the gate ran.
func (s *Server) route(ctx *fasthttp.RequestCtx, r *gateResult) {
	s.cors(ctx)
	path := ctx.Path()
	switch {
	case ctx.IsOptions():
		s.preflight(ctx)
	case string(path) == "/livez":
		health.Live(ctx)
	case string(path) == "/healthz":
		s.healthz(ctx)
	case string(path) == "/readyz":
		s.readyz(ctx)
	case bytes.HasPrefix(ctx.Request.URI().PathOriginal(), []byte("/v1/media/")):
		// Media without a token: refused here, never asked of the origin.
		ctx.Error("forbidden: playback token required\n", fasthttp.StatusForbidden)
	case !bytes.HasPrefix(ctx.Request.URI().PathOriginal(), []byte("/t/")):
		ctx.Error("not found\n", fasthttp.StatusNotFound)
	case !ctx.IsGet() && !ctx.IsHead():
		ctx.Response.Header.Set("Allow", "GET, HEAD, OPTIONS")
		ctx.Error("method not allowed\n", fasthttp.StatusMethodNotAllowed)
	default:
		fn, err := s.fn.Acquire(ctx, string(ctx.Request.URI().PathOriginal()))
		if err != nil {
			ctx.Response.Header.Set("Retry-After", "1")
			jsonError(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "edge_function")
			return
		}
		defer fn.Release()
		var ok bool
		if *r, ok = s.gate(ctx, fn); !ok {
			return
		}
		s.serve(ctx, *r, fn)
	}
}

// cors adds the CORS response headers for allowed origins.
func (s *Server) cors(ctx *fasthttp.RequestCtx) bool {
	ctx.Response.Header.Add("Vary", "Origin")
	origin := ctx.Request.Header.Peek("Origin")
	if len(origin) == 0 || !(s.anyOK || s.allowed[string(origin)]) {
		return false
	}
	h := &ctx.Response.Header
	h.SetBytesV("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length, ETag, "+FnVersionHeader)
	return true
}

func (s *Server) preflight(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	h.Set("Allow", "GET, HEAD, OPTIONS")
	if len(ctx.Request.Header.Peek("Origin")) > 0 && len(h.Peek("Access-Control-Allow-Origin")) == 0 {
		ctx.Error("origin not allowed\n", fasthttp.StatusForbidden)
		return
	}
	if len(h.Peek("Access-Control-Allow-Origin")) > 0 {
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Range, "+cmcdHeaders)
		h.Set("Access-Control-Max-Age", "600")
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// gate runs fn's viewer-request function. On deny it writes the 403 and
// returns false; the origin is not contacted.
func (s *Server) gate(ctx *fasthttp.RequestCtx, fn function) (gateResult, bool) {
	r, err := fn.Gate(ctx, string(ctx.Request.URI().PathOriginal()), s.cfg.Now())
	s.metrics.verdict(r, err)
	if err != nil {
		s.cfg.Logger.Error("edge: viewer-request function failed", "err", err)
		ctx.Response.Header.Set("Retry-After", "1")
		jsonError(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "edge_function")
		return r, false
	}
	if r.Status != "allow" {
		jsonError(ctx, fasthttp.StatusForbidden, "forbidden", r.Reason)
		return r, false
	}
	return r, true
}

func jsonError(ctx *fasthttp.RequestCtx, status int, msg, reason string) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	// reason is one of a fixed set of identifiers (wasm/ABI.md): no escaping needed.
	ctx.SetBodyString(`{"error":"` + msg + `","reason":"` + reason + `"}` + "\n")
}
