package origin

import (
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
)

// routeBrowse serves the catalog, my list, playback and operator routes;
// it returns false for other paths.
func (s *Server) routeBrowse(ctx *fasthttp.RequestCtx, p string) bool {
	switch {
	case p == "/v1/titles":
		if s.method(ctx, "GET") {
			s.bearer(s.withViewer(s.catalog.HandleList))(ctx)
		}
	case strings.HasPrefix(p, "/v1/titles/"):
		if s.method(ctx, "GET") {
			id := strings.TrimPrefix(p, "/v1/titles/")
			s.bearer(s.withViewer(func(ctx *fasthttp.RequestCtx, v catalog.Viewer) {
				s.catalog.HandleDetail(ctx, s.cfg.Logger, v, id)
			}))(ctx)
		}
	case p == "/v1/browse/home":
		if s.method(ctx, "GET") {
			s.bearer(s.withViewer(func(ctx *fasthttp.RequestCtx, v catalog.Viewer) {
				s.catalog.HandleHome(ctx, s.cfg.Logger, v)
			}))(ctx)
		}
	case p == "/v1/search":
		if s.method(ctx, "GET") {
			s.bearer(s.withViewer(func(ctx *fasthttp.RequestCtx, v catalog.Viewer) {
				s.catalog.HandleSearch(ctx, s.cfg.Logger, v)
			}))(ctx)
		}
	case p == "/v1/my-list" || strings.HasPrefix(p, "/v1/my-list/"):
		id := strings.TrimPrefix(strings.TrimPrefix(p, "/v1/my-list"), "/")
		s.bearer(s.withViewer(func(ctx *fasthttp.RequestCtx, v catalog.Viewer) {
			s.catalog.HandleMyList(ctx, s.cfg.Logger, v, id)
		}))(ctx)
	case p == "/v1/playback":
		if s.method(ctx, "POST") {
			s.bearer(s.playback.HandleStart)(ctx)
		}
	case strings.HasPrefix(p, "/v1/playback/"):
		s.bearer(func(ctx *fasthttp.RequestCtx) { s.playback.HandleSession(ctx, strings.TrimPrefix(p, "/v1/playback/")) })(ctx)
	case p == "/v1/operator/titles" || strings.HasPrefix(p, "/v1/operator/titles/"):
		s.bearer(func(ctx *fasthttp.RequestCtx) {
			pr, _ := oauth.PrincipalOf(ctx)
			s.catalog.HandleOperator(ctx, s.cfg.Logger, pr.AccountID, strings.TrimPrefix(p, "/v1/operator/titles"))
		})(ctx)
	default:
		return false
	}
	return true
}

// withViewer resolves the viewer (profile_id query parameter, the
// token's profile, or the account's first profile) before next.
func (s *Server) withViewer(next func(*fasthttp.RequestCtx, catalog.Viewer)) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		p, ok := oauth.PrincipalOf(ctx)
		if !ok {
			httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
			return
		}
		v, err := s.catalog.Viewer(ctx, p, string(ctx.QueryArgs().Peek("profile_id")))
		if err != nil {
			catalog.WriteViewerError(ctx, s.cfg.Logger, err)
			return
		}
		next(ctx, v)
	}
}
