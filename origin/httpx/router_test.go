package httpx

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func TestRouter(t *testing.T) {
	var got string
	h := func(name string) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			got = name + " id=" + Param(ctx, "id") + " rest=" + Param(ctx, "rest")
		}
	}
	r, err := NewRouter([]Route{
		{"GET", "/", h("root")},
		{"GET", "/v1/profiles", h("list")},
		{"POST", "/v1/profiles", h("create")},
		{"PATCH", "/v1/profiles/{id}", h("patch")},
		{"POST", "/v1/profiles/{id}/select", h("select")},
		{"GET", "/app/{rest...}", h("app")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		status       int
		want, allow  string
	}{
		{"GET", "/", 200, "root id= rest=", ""},
		{"HEAD", "/v1/profiles", 200, "list id= rest=", ""},
		{"POST", "/v1/profiles", 200, "create id= rest=", ""},
		{"DELETE", "/v1/profiles", 405, "", "GET, HEAD, POST"},
		{"PATCH", "/v1/profiles/7", 200, "patch id=7 rest=", ""},
		{"GET", "/v1/profiles/7", 405, "", "PATCH"},
		{"PATCH", "/v1/profiles/", 404, "", ""},
		{"PATCH", "/v1/profiles/7/", 404, "", ""},
		{"POST", "/v1/profiles/7/select", 200, "select id=7 rest=", ""},
		{"POST", "/v1/profiles/7/select/x", 404, "", ""},
		{"POST", "/v1/profiles/select", 405, "", "PATCH"},
		{"GET", "/app/", 200, "app id= rest=", ""},
		{"GET", "/app/js/main.js", 200, "app id= rest=js/main.js", ""},
		{"GET", "/app", 404, "", ""},
		{"GET", "/v1/profile", 404, "", ""},
		{"GET", "/v1/profilesx", 404, "", ""},
	} {
		got = ""
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod(c.method)
		ctx.Request.SetRequestURI(c.path)
		r.ServeHTTP(&ctx)
		if status := ctx.Response.StatusCode(); status != c.status || got != c.want || string(ctx.Response.Header.Peek("Allow")) != c.allow {
			t.Errorf("%s %s: %d %q allow %q, want %d %q allow %q", c.method, c.path, status, got, ctx.Response.Header.Peek("Allow"), c.status, c.want, c.allow)
		}
	}
}

func TestNewRouterRejectsBadPatterns(t *testing.T) {
	nop := func(*fasthttp.RequestCtx) {}
	for _, rt := range []Route{
		{"GET", "v1", nop},
		{"", "/v1", nop},
		{"GET", "/v1", nil},
		{"GET", "/{rest...}/x", nop},
		{"GET", "/{}", nop},
	} {
		if _, err := NewRouter([]Route{rt}); err == nil {
			t.Errorf("%q %q accepted", rt.Method, rt.Pattern)
		}
	}
}
