package origin

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/media"
	"github.com/edgeflix/edgeflix/origin/webapp"
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// route dispatches a request by path and method.
func (s *Server) route(ctx *fasthttp.RequestCtx) {
	p := string(ctx.Path())
	if s.routeIdentity(ctx, p) {
		return
	}
	if s.routeObserve(ctx, p) { // observe: /readyz, QoE (observe.go)
		return
	}
	if s.routeBrowse(ctx, p) {
		return
	}
	switch {
	// Media is matched on the path as sent, so that dot segments reach the
	// media handler's validation (and fail) instead of being resolved.
	case strings.HasPrefix(p, media.Prefix) || bytes.HasPrefix(ctx.Request.URI().PathOriginal(), []byte(media.Prefix)):
		s.media.ServeHTTP(ctx)
	case p == "/.well-known/oauth-authorization-server":
		if s.method(ctx, "GET") {
			ctx.Response.Header.Set("Cache-Control", "public, max-age=300")
			ctx.SetContentType("application/json")
			ctx.SetBody(s.metadata)
		}
	case p == "/.well-known/jwks.json":
		if s.method(ctx, "GET") {
			ctx.Response.Header.Set("Cache-Control", "public, max-age=60")
			ctx.SetContentType("application/jwk-set+json")
			ctx.SetBody(s.keys.MarshalJWKS())
		}
	case p == "/healthz":
		if s.method(ctx, "GET") {
			ctx.Response.Header.Set("Cache-Control", "no-store")
			ctx.SetContentType("text/plain; charset=utf-8")
			ctx.SetBodyString("ok\n")
		}
	case p == "/" || p == "/app":
		ctx.Redirect(webapp.Prefix, fasthttp.StatusFound)
	case strings.HasPrefix(p, webapp.Prefix):
		s.web.ServeHTTP(ctx)
	default:
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such resource")
	}
}

// method reports whether the request uses one of methods (GET also allows
// HEAD), answering 405 otherwise.
func (s *Server) method(ctx *fasthttp.RequestCtx, methods ...string) bool {
	m := string(ctx.Method())
	for _, want := range methods {
		if m == want || (want == "GET" && m == "HEAD") {
			return true
		}
	}
	ctx.Response.Header.Set("Allow", strings.Join(methods, ", "))
	httpx.WriteProblem(ctx, fasthttp.StatusMethodNotAllowed, "method-not-allowed", "method not allowed here")
	return false
}
