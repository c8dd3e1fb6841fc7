package origin

import (
	"bytes"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
)

// policy is what applies to every request before the route table: the
// client IP behind trusted proxies, the security and CORS headers, and
// the refusal of paths not in normal form.
type policy struct {
	cors    map[string]bool
	https   bool
	proxies oauth.TrustedProxies
	limiter *ratelimit.Limiter
}

func newPolicy(cfg Config, limiter *ratelimit.Limiter) *policy {
	p := &policy{cors: map[string]bool{}, https: strings.HasPrefix(cfg.PublicURL, "https://"), proxies: cfg.TrustedProxies, limiter: limiter}
	for _, o := range cfg.CORSOrigins {
		p.cors[strings.TrimRight(o, "/")] = true
	}
	return p
}

// wrap applies the policy before next.
func (p *policy) wrap(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if len(p.proxies) > 0 {
			p.proxies.Resolve(ctx)
		}
		path := ctx.Path()
		if p.headers(ctx, path) {
			return
		}
		if !CanonicalPath(ctx.Request.URI().PathOriginal(), path) {
			httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "non-canonical-path",
				"the path must be sent in normal form: no percent-encoding, empty, dot or dot-ending segments, backslashes or non-ASCII bytes")
			return
		}
		next(ctx)
	}
}

// CanonicalPath reports whether raw, a request path as sent, is already in
// the normal form that the origin routes on (normalized, fasthttp's
// decoded and cleaned path) and that a load balancer matching raw paths
// sees: it starts with "/", every byte is an RFC 3986 path character other
// than "%" (so nothing is percent-encoded), no segment is empty (but the
// last may be, a trailing slash) or ends in "." (so no "." or ".."
// segments), and it equals normalized. A request whose raw path fails this
// could be routed here differently than upstream, so it is refused.
func CanonicalPath(raw, normalized []byte) bool {
	if len(raw) == 0 || raw[0] != '/' || !bytes.Equal(raw, normalized) {
		return false
	}
	segStart := 1
	for i := 1; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '/' {
			if !pathByte(raw[i]) {
				return false
			}
			continue
		}
		seg := raw[segStart:i]
		if (len(seg) == 0 && i < len(raw)) || (len(seg) > 0 && seg[len(seg)-1] == '.') {
			return false
		}
		segStart = i + 1
	}
	return true
}

// pathByte reports whether c may appear literally in a path segment
// (RFC 3986 unreserved and sub-delims, ":" and "@"; not "%").
func pathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

// apiPath reports whether p is an API path that CORS applies to.
func apiPath(p []byte) bool {
	s := string(p)
	return strings.HasPrefix(s, "/v1/") || s == "/oauth/token" || s == "/oauth/revoke" ||
		s == "/oauth/device_authorization" || strings.HasPrefix(s, "/.well-known/")
}

// headers sets the security headers every response carries, and the CORS
// headers for allowed origins on API paths. It answers CORS preflights
// itself and then returns true.
func (p *policy) headers(ctx *fasthttp.RequestCtx, path []byte) bool {
	h := &ctx.Response.Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	if p.https {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	origin := string(ctx.Request.Header.Peek("Origin"))
	if origin == "" || !apiPath(path) {
		return false
	}
	allowed := p.cors[origin]
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, WWW-Authenticate")
	}
	h.Add("Vary", "Origin")
	if ctx.IsOptions() && len(ctx.Request.Header.Peek("Access-Control-Request-Method")) > 0 {
		if !allowed {
			httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "cors-origin", "this origin may not call the API")
			return true
		}
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return true
	}
	return false
}

// limitIP wraps next with lim per client IP under scope (429 beyond it).
func (p *policy) limitIP(scope string, lim ratelimit.Limit, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		res := p.limiter.Allow(ctx, scope, oauth.ClientIP(ctx), lim)
		if !res.Allowed {
			ratelimit.Reject(ctx, res)
			return
		}
		next(ctx)
	}
}
