package httpx

import (
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"
)

// Route is one row of a route table: a method, a path pattern and the
// handler that serves them.
type Route struct {
	// Method is the HTTP method; GET also answers HEAD.
	Method string
	// Pattern is the path: literal segments, "{name}" for one non-empty
	// segment, and a last "{name...}" for the rest of the path (possibly
	// empty, possibly with slashes). Param reads the values.
	Pattern string
	// Handler serves the request.
	Handler fasthttp.RequestHandler
}

// Router dispatches requests to the first route whose pattern and method
// match, in table order. A path that some route matches with another
// method is answered 405 with Allow; a path no route matches, 404.
type Router struct {
	routes []compiledRoute
}

type compiledRoute struct {
	Route
	segs []string // pattern segments after the leading "/"
	rest bool     // the last segment is {name...}
}

// NewRouter checks the patterns of routes and returns their router.
func NewRouter(routes []Route) (*Router, error) {
	r := &Router{routes: make([]compiledRoute, 0, len(routes))}
	for _, rt := range routes {
		if rt.Method == "" || rt.Handler == nil || !strings.HasPrefix(rt.Pattern, "/") {
			return nil, fmt.Errorf("httpx: route %q %q: method, pattern and handler are required", rt.Method, rt.Pattern)
		}
		c := compiledRoute{Route: rt, segs: strings.Split(rt.Pattern[1:], "/")}
		for i, s := range c.segs {
			name, isParam := paramName(s)
			if isParam && strings.HasSuffix(name, "...") {
				if i != len(c.segs)-1 {
					return nil, fmt.Errorf("httpx: route %q: {name...} must be last", rt.Pattern)
				}
				c.rest = true
				c.segs[i] = "{" + strings.TrimSuffix(name, "...") + "}"
			} else if isParam && name == "" {
				return nil, fmt.Errorf("httpx: route %q: empty parameter name", rt.Pattern)
			}
		}
		r.routes = append(r.routes, c)
	}
	return r, nil
}

func paramName(seg string) (string, bool) {
	if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// ServeHTTP serves ctx by the first matching route.
func (r *Router) ServeHTTP(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	method := string(ctx.Method())
	var allow []string
	for i := range r.routes {
		rt := &r.routes[i]
		if !rt.match(ctx, path, false) {
			continue
		}
		if rt.Method == method || (rt.Method == fasthttp.MethodGet && method == fasthttp.MethodHead) {
			rt.match(ctx, path, true)
			ctx.SetUserValue(patternKey, rt.Pattern)
			rt.Handler(ctx)
			return
		}
		allow = appendAllow(allow, rt.Method)
	}
	if len(allow) > 0 {
		ctx.Response.Header.Set("Allow", strings.Join(allow, ", "))
		WriteProblem(ctx, fasthttp.StatusMethodNotAllowed, "method-not-allowed", "method not allowed here")
		return
	}
	WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such resource")
}

func appendAllow(allow []string, m string) []string {
	for _, a := range allow {
		if a == m {
			return allow
		}
	}
	allow = append(allow, m)
	if m == fasthttp.MethodGet {
		allow = append(allow, fasthttp.MethodHead)
	}
	return allow
}

// match reports whether path matches the route's pattern; with set, it
// stores the parameters as the ctx's user values.
func (rt *compiledRoute) match(ctx *fasthttp.RequestCtx, path string, set bool) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	rest := path[1:]
	n := len(rt.segs)
	for i, seg := range rt.segs {
		name, isParam := paramName(seg)
		if rt.rest && i == n-1 {
			if set {
				ctx.SetUserValue(name, rest)
			}
			return true
		}
		part, after, more := strings.Cut(rest, "/")
		if more != (i < n-1) { // a segment too many or too few
			return false
		}
		switch {
		case isParam && part == "":
			return false
		case isParam:
			if set {
				ctx.SetUserValue(name, part)
			}
		case part != seg:
			return false
		}
		rest = after
	}
	return true
}

// patternKey is the user value under which ServeHTTP stores the pattern
// of the route that serves a request.
const patternKey = "httpx.pattern"

// Pattern returns the pattern of the route that served ctx, such as
// "/v1/titles/{id}", or "" when no route did (404, 405, or a request
// refused before routing): a bounded label for metrics and logs.
func Pattern(ctx *fasthttp.RequestCtx) string {
	v, _ := ctx.UserValue(patternKey).(string)
	return v
}

// Param returns the value of the {name} or {name...} segment of the route
// that serves ctx ("" if none).
func Param(ctx *fasthttp.RequestCtx, name string) string {
	v, _ := ctx.UserValue(name).(string)
	return v
}
