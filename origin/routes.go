package origin

import (
	"encoding/json"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/health"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/profiles"
	"github.com/edgeflix/edgeflix/origin/webapp"
)

// OpenIDConfigurationPath serves the OpenID Connect discovery document
// that JWT authorizers (API Gateway) read to find jwks_uri: the same
// document as the RFC 8414 metadata, so the issuer, the key set and the
// endpoints agree. No ID tokens are issued (scope openid is not
// supported), so the ID-token members (id_token_signing_alg_values_supported,
// subject_types_supported, userinfo_endpoint) are deliberately absent.
const OpenIDConfigurationPath = "/.well-known/openid-configuration"

// routes is the origin's one route table, read top to bottom: method, path
// pattern (httpx.Route) and handler. Every request passes the policy
// (policy.go) first. Access checks, from the outside in:
//   - public: no token;
//   - s.bearer: a valid access token (oauth.Server.Bearer);
//   - s.strict: the same, failing closed when Redis cannot say whether the
//     token was revoked (oauth.Server.BearerStrict) — every identity route;
//   - s.viewing: s.bearer, then the viewer (profiles.Store.Viewer with the
//     profile_id query parameter), the one way a request's profile is
//     resolved (playback asks the same resolver with its body's profile_id).
func (s *Server) routes() []httpx.Route {
	lim := s.oauth.Limits()
	return []httpx.Route{
		// Discovery, keys and health.
		{Method: "GET", Pattern: "/.well-known/oauth-authorization-server", Handler: s.serveMetadata},
		{Method: "GET", Pattern: OpenIDConfigurationPath, Handler: s.serveMetadata},
		{Method: "GET", Pattern: "/.well-known/jwks.json", Handler: s.serveJWKS},
		{Method: "GET", Pattern: "/livez", Handler: health.Live},
		{Method: "GET", Pattern: "/healthz", Handler: s.observe.healthy},
		{Method: "GET", Pattern: "/readyz", Handler: s.observe.ready},

		// Accounts and OAuth 2.0 (origin/accounts, origin/oauth).
		{Method: "POST", Pattern: "/v1/accounts", Handler: s.policy.limitIP("signup-ip", lim.SignUpIP, s.accounts.HandleCreate)},
		{Method: "GET", Pattern: "/v1/account", Handler: s.strict(s.summary.HandleSummary)},
		{Method: "GET", Pattern: "/oauth/authorize", Handler: s.policy.limitIP("anon-ip", lim.AnonymousIP, s.oauth.HandleAuthorize)},
		{Method: "POST", Pattern: "/oauth/authorize", Handler: s.oauth.HandleAuthorize},
		{Method: "POST", Pattern: "/oauth/token", Handler: s.oauth.HandleToken},
		{Method: "POST", Pattern: "/oauth/device_authorization", Handler: s.oauth.HandleDeviceAuthorization},
		{Method: "POST", Pattern: "/oauth/revoke", Handler: s.oauth.HandleRevoke},
		{Method: "POST", Pattern: "/v1/device/approve", Handler: s.oauth.BearerStrict(s.deviceDecision(true))},
		{Method: "POST", Pattern: "/v1/device/deny", Handler: s.oauth.BearerStrict(s.deviceDecision(false))},

		// Profiles (origin/profiles: parental controls need a guardian).
		{Method: "GET", Pattern: "/v1/profiles", Handler: s.oauth.BearerStrict(s.profiles.HandleList)},
		{Method: "POST", Pattern: "/v1/profiles", Handler: s.oauth.BearerStrict(s.profiles.HandleCreate)},
		{Method: "PATCH", Pattern: "/v1/profiles/{id}", Handler: s.oauth.BearerStrict(s.profiles.HandleUpdate)},
		{Method: "DELETE", Pattern: "/v1/profiles/{id}", Handler: s.oauth.BearerStrict(s.profiles.HandleDelete)},
		{Method: "POST", Pattern: "/v1/profiles/{id}/select", Handler: s.oauth.BearerStrict(s.profiles.HandleSelect)},

		// Devices (origin/devices).
		{Method: "GET", Pattern: "/v1/devices", Handler: s.strict(s.devices.HandleList)},
		{Method: "PATCH", Pattern: "/v1/devices/{id}", Handler: s.strict(s.devices.HandleRename)},
		{Method: "DELETE", Pattern: "/v1/devices/{id}", Handler: s.strict(s.devices.HandleRevoke)},

		// Catalog and my list (origin/catalog), as the viewer.
		{Method: "GET", Pattern: "/v1/titles", Handler: s.viewing(s.catalog.HandleList)},
		{Method: "GET", Pattern: "/v1/titles/{id}", Handler: s.viewing(s.titleDetail)},
		{Method: "GET", Pattern: "/v1/browse/home", Handler: s.viewing(s.home)},
		{Method: "GET", Pattern: "/v1/search", Handler: s.viewing(s.search)},
		{Method: "GET", Pattern: "/v1/my-list", Handler: s.viewing(s.myList)},
		{Method: "PUT", Pattern: "/v1/my-list", Handler: s.viewing(s.myList)},
		{Method: "PUT", Pattern: "/v1/my-list/{id}", Handler: s.viewing(s.myList)},
		{Method: "DELETE", Pattern: "/v1/my-list/{id}", Handler: s.viewing(s.myList)},

		// Playback sessions (origin/playback).
		{Method: "POST", Pattern: "/v1/playback", Handler: s.bearer(s.playback.HandleStart)},
		{Method: "POST", Pattern: "/v1/playback/{sid}/heartbeat", Handler: s.bearer(s.playback.HandleHeartbeat)},
		{Method: "DELETE", Pattern: "/v1/playback/{sid}", Handler: s.bearer(s.playback.HandleStop)},
		{Method: "POST", Pattern: "/v1/playback/{sid}/qoe", Handler: s.bearer(s.qoeReport)},

		// Operator views and writes (the handlers check the operator role).
		{Method: "GET", Pattern: "/v1/operator/qoe", Handler: s.bearer(s.observe.qoe.HandleSummary)},
		{Method: "POST", Pattern: "/v1/operator/titles", Handler: s.bearer(s.operator)},
		{Method: "PATCH", Pattern: "/v1/operator/titles/{id}", Handler: s.bearer(s.operator)},
		{Method: "PUT", Pattern: "/v1/operator/titles/{id}/asset", Handler: s.bearer(s.operator)},
		{Method: "POST", Pattern: "/v1/operator/titles/{id}/publish", Handler: s.bearer(s.operator)},
		{Method: "POST", Pattern: "/v1/operator/titles/{id}/unpublish", Handler: s.bearer(s.operator)},
		{Method: "POST", Pattern: "/v1/operator/titles/{id}/seasons", Handler: s.bearer(s.operator)},
		{Method: "POST", Pattern: "/v1/operator/titles/{id}/episodes", Handler: s.bearer(s.operator)},

		// Media from S3 (origin/media validates the path itself, again).
		{Method: "GET", Pattern: "/v1/media/{path...}", Handler: s.media.ServeHTTP},
		// Posters and backdrops of published titles (the catalog's URLs).
		{Method: "GET", Pattern: "/v1/art/{path...}", Handler: s.media.ServeArt},

		// The web app (origin/webapp).
		{Method: "GET", Pattern: "/", Handler: redirectToApp},
		{Method: "GET", Pattern: "/app", Handler: redirectToApp},
		{Method: "GET", Pattern: "/app/{path...}", Handler: s.web.ServeHTTP},
	}
}

// strict runs h behind oauth.Server.BearerStrict with the signed-in
// account and the token's device: the form of the handlers of packages
// below origin/oauth (accounts, devices).
func (s *Server) strict(h func(ctx *fasthttp.RequestCtx, accountID, deviceID string)) fasthttp.RequestHandler {
	return s.oauth.BearerStrict(func(ctx *fasthttp.RequestCtx) {
		p, _ := oauth.PrincipalOf(ctx)
		h(ctx, p.AccountID, p.DeviceID)
	})
}

// bearer runs h behind oauth.Server.Bearer.
func (s *Server) bearer(h fasthttp.RequestHandler) fasthttp.RequestHandler { return s.oauth.Bearer(h) }

// viewing runs h behind s.bearer with the request's viewer, for tokens
// granted the catalog scope (else 403 insufficient_scope).
func (s *Server) viewing(h func(*fasthttp.RequestCtx, profiles.Viewer)) fasthttp.RequestHandler {
	return s.bearer(func(ctx *fasthttp.RequestCtx) {
		p, ok := oauth.RequireScope(ctx, oauth.ScopeCatalog)
		if !ok {
			return
		}
		v, err := s.profileStore.Viewer(ctx, p, string(ctx.QueryArgs().Peek("profile_id")))
		if err != nil {
			profiles.WriteViewerError(ctx, s.cfg.Logger, err)
			return
		}
		h(ctx, v)
	})
}

func (s *Server) titleDetail(ctx *fasthttp.RequestCtx, v profiles.Viewer) {
	s.catalog.HandleDetail(ctx, s.cfg.Logger, v, httpx.Param(ctx, "id"))
}

func (s *Server) home(ctx *fasthttp.RequestCtx, v profiles.Viewer) {
	s.catalog.HandleHome(ctx, s.cfg.Logger, v)
}

func (s *Server) search(ctx *fasthttp.RequestCtx, v profiles.Viewer) {
	s.catalog.HandleSearch(ctx, s.cfg.Logger, v)
}

func (s *Server) myList(ctx *fasthttp.RequestCtx, v profiles.Viewer) {
	s.catalog.HandleMyList(ctx, s.cfg.Logger, v, httpx.Param(ctx, "id"))
}

func (s *Server) operator(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	s.catalog.HandleOperator(ctx, s.cfg.Logger, p.AccountID, strings.TrimPrefix(string(ctx.Path()), "/v1/operator/titles"))
}

func (s *Server) qoeReport(ctx *fasthttp.RequestCtx) {
	s.observe.qoe.HandleReport(ctx, httpx.Param(ctx, "sid"))
}

// routeLabel is a request's route label for metrics: its route's pattern,
// or "unmatched" (404, 405, refused before routing).
func routeLabel(ctx *fasthttp.RequestCtx) string {
	if p := httpx.Pattern(ctx); p != "" {
		return p
	}
	return "unmatched"
}

func (s *Server) deviceDecision(approve bool) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) { s.oauth.HandleDeviceDecision(ctx, approve) }
}

func (s *Server) serveMetadata(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Cache-Control", "public, max-age=300")
	ctx.SetContentType("application/json")
	ctx.SetBody(s.metadata)
}

func (s *Server) serveJWKS(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Cache-Control", "public, max-age=60")
	ctx.SetContentType("application/jwk-set+json")
	ctx.SetBody(s.keys.MarshalJWKS())
}

func redirectToApp(ctx *fasthttp.RequestCtx) { ctx.Redirect(webapp.Prefix, fasthttp.StatusFound) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
