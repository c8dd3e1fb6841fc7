package origin

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/plans"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/profiles"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
)

// identity holds the identity side's stores and the response policy
// (security headers, CORS) that routeIdentity applies to every response.
type identity struct {
	s        *Server
	devices  *devices.Store
	profiles *profiles.Store
	limiter  *ratelimit.Limiter
	cors     map[string]bool
	https    bool
	proxies  oauth.TrustedProxies
}

func newIdentity(s *Server) *identity {
	id := &identity{
		s:        s,
		devices:  devices.NewStore(s.cfg.DB, s.cfg.Now),
		profiles: profiles.NewStore(s.cfg.DB),
		limiter:  ratelimit.New(s.cfg.Redis, s.cfg.RedisPrefix, s.cfg.Now, s.cfg.Logger),
		cors:     map[string]bool{},
		https:    strings.HasPrefix(s.cfg.PublicURL, "https://"),
		proxies:  s.cfg.TrustedProxies,
	}
	for _, o := range s.cfg.CORSOrigins {
		id.cors[strings.TrimRight(o, "/")] = true
	}
	return id
}

// csrfKey derives the login form's CSRF key from the key-encryption key,
// so every origin process behind a load balancer accepts the others' forms.
func (id *identity) csrfKey() []byte {
	m := hmac.New(sha256.New, id.s.cfg.KeyEncryptionKey)
	m.Write([]byte("edgeflix login csrf v1"))
	return m.Sum(nil)
}

// streams returns what stops a revoked device's streams: Config.Streams,
// else the playback service if it has StopDevice (looked up per call, as
// it is built after the OAuth server).
func (id *identity) streams() oauth.StreamStopper {
	if id.s.cfg.Streams != nil {
		return id.s.cfg.Streams
	}
	return playbackStreams{id.s}
}

type playbackStreams struct{ s *Server }

func (p playbackStreams) StopDevice(ctx context.Context, accountID, deviceID string) error {
	if st, ok := any(p.s.playback).(oauth.StreamStopper); ok {
		return st.StopDevice(ctx, accountID, deviceID)
	}
	if sp, ok := any(p.s.playback).(interface{ Streams() *playback.Streams }); ok && sp.Streams() != nil {
		return sp.Streams().StopDevice(ctx, accountID, deviceID)
	}
	return nil
}

// apiPath reports whether p is an API path that CORS applies to.
func apiPath(p string) bool {
	return strings.HasPrefix(p, "/v1/") || p == "/oauth/token" || p == "/oauth/revoke" ||
		p == "/oauth/device_authorization" || strings.HasPrefix(p, "/.well-known/")
}

// headers sets the security headers every response carries, and the CORS
// headers for allowed origins on API paths. It answers CORS preflights
// itself and then returns true.
func (id *identity) headers(ctx *fasthttp.RequestCtx, p string) bool {
	h := &ctx.Response.Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	if id.https {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	origin := string(ctx.Request.Header.Peek("Origin"))
	if origin == "" || !apiPath(p) {
		return false
	}
	allowed := id.cors[origin]
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

// limitIP applies lim per client IP under scope, answering 429 itself.
func (id *identity) limitIP(ctx *fasthttp.RequestCtx, scope string, lim ratelimit.Limit) bool {
	res := id.limiter.Allow(ctx, scope, oauth.ClientIP(ctx), lim)
	if !res.Allowed {
		ratelimit.Reject(ctx, res)
	}
	return res.Allowed
}

// OpenIDConfigurationPath serves the OpenID Connect discovery document
// that JWT authorizers (API Gateway) read to find jwks_uri: the same
// document as the RFC 8414 metadata, so the issuer, the key set and the
// endpoints agree. No ID tokens are issued (scope openid is not
// supported), so the ID-token members (id_token_signing_alg_values_supported,
// subject_types_supported, userinfo_endpoint) are deliberately absent.
const OpenIDConfigurationPath = "/.well-known/openid-configuration"

// routeIdentity serves the identity routes (accounts, OAuth, profiles,
// devices) and sets the response policy for every request; it also
// resolves the client IP behind trusted proxies first. Every bearer route
// here fails closed (oauth.Server.BearerStrict) when Redis cannot say
// whether the token was revoked. It reports whether it handled the request.
func (s *Server) routeIdentity(ctx *fasthttp.RequestCtx, p string) bool {
	id := s.ident
	if len(id.proxies) > 0 {
		id.proxies.Resolve(ctx)
	}
	if id.headers(ctx, p) {
		return true
	}
	lim := s.oauth.Limits()
	switch {
	case p == OpenIDConfigurationPath:
		if s.method(ctx, "GET") {
			ctx.Response.Header.Set("Cache-Control", "public, max-age=300")
			ctx.SetContentType("application/json")
			ctx.SetBody(s.metadata)
		}
	case p == "/v1/accounts":
		if s.method(ctx, "POST") && id.limitIP(ctx, "signup-ip", lim.SignUpIP) {
			s.accounts.HandleCreate(ctx)
		}
	case p == "/v1/account":
		if s.method(ctx, "GET") {
			s.oauth.BearerStrict(id.handleAccount)(ctx)
		}
	case p == "/oauth/authorize":
		if s.method(ctx, "GET", "POST") && (ctx.IsPost() || id.limitIP(ctx, "anon-ip", lim.AnonymousIP)) {
			s.oauth.HandleAuthorize(ctx)
		}
	case p == "/oauth/token":
		if s.method(ctx, "POST") {
			s.oauth.HandleToken(ctx)
		}
	case p == "/oauth/device_authorization":
		if s.method(ctx, "POST") {
			s.oauth.HandleDeviceAuthorization(ctx)
		}
	case p == "/oauth/revoke":
		if s.method(ctx, "POST") {
			s.oauth.HandleRevoke(ctx)
		}
	case p == "/v1/device/approve" || p == "/v1/device/deny":
		if s.method(ctx, "POST") {
			approve := p == "/v1/device/approve"
			s.oauth.BearerStrict(func(ctx *fasthttp.RequestCtx) { s.oauth.HandleDeviceDecision(ctx, approve) })(ctx)
		}
	case p == "/v1/profiles":
		if s.method(ctx, "GET", "POST") {
			s.oauth.BearerStrict(id.handleProfiles)(ctx)
		}
	case strings.HasPrefix(p, "/v1/profiles/"):
		rest := strings.TrimPrefix(p, "/v1/profiles/")
		if pid, ok := strings.CutSuffix(rest, "/select"); ok && !strings.Contains(pid, "/") {
			if s.method(ctx, "POST") {
				s.oauth.BearerStrict(func(ctx *fasthttp.RequestCtx) { id.handleSelectProfile(ctx, pid) })(ctx)
			}
		} else if !strings.Contains(rest, "/") && rest != "" {
			if s.method(ctx, "PATCH", "DELETE") {
				s.oauth.BearerStrict(func(ctx *fasthttp.RequestCtx) { id.handleProfile(ctx, rest) })(ctx)
			}
		} else {
			httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such resource")
		}
	case p == "/v1/devices":
		if s.method(ctx, "GET") {
			s.oauth.BearerStrict(id.handleDevices)(ctx)
		}
	case strings.HasPrefix(p, "/v1/devices/"):
		did := strings.TrimPrefix(p, "/v1/devices/")
		if did == "" || strings.Contains(did, "/") {
			httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such resource")
		} else if s.method(ctx, "PATCH", "DELETE") {
			s.oauth.BearerStrict(func(ctx *fasthttp.RequestCtx) { id.handleDevice(ctx, did) })(ctx)
		}
	default:
		return false
	}
	return true
}

// AccountSummary is the answer of GET /v1/account.
type AccountSummary struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Plan         plans.Plan `json:"plan"`
	ProfileCount int        `json:"profile_count"`
	DeviceCount  int        `json:"device_count"`
}

func (id *identity) internal(ctx *fasthttp.RequestCtx, what string, err error) {
	id.s.cfg.Logger.Error("origin: "+what, "err", err)
	httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
}

func (id *identity) handleAccount(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	a, err := id.s.accounts.Get(ctx, p.AccountID)
	if err != nil {
		id.internal(ctx, "account", err)
		return
	}
	np, err := id.profiles.Count(ctx, p.AccountID)
	if err != nil {
		id.internal(ctx, "account", err)
		return
	}
	nd, err := id.devices.Count(ctx, p.AccountID)
	if err != nil {
		id.internal(ctx, "account", err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, AccountSummary{ID: a.ID, Email: a.Email, Plan: plans.Of(a.Plan), ProfileCount: np, DeviceCount: nd})
}

func (id *identity) profileError(ctx *fasthttp.RequestCtx, err error) {
	switch {
	case errors.Is(err, profiles.ErrNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such profile")
	case errors.Is(err, profiles.ErrTooMany):
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "too-many-profiles", "an account has at most 5 profiles")
	case errors.Is(err, profiles.ErrLastProfile):
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "last-profile", "the last profile cannot be deleted")
	case errors.Is(err, profiles.ErrInvalidName):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-name", "name must be 1 to 50 characters")
	case errors.Is(err, profiles.ErrInvalidLevel):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-maturity", "maturity_level must be 0..4, at most 1 for a kids profile")
	case errors.Is(err, profiles.ErrInvalidPIN):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-pin", "pin must be 4 digits")
	case errors.Is(err, profiles.ErrWrongPIN):
		httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "wrong-pin", "the PIN is wrong")
	default:
		id.internal(ctx, "profiles", err)
	}
}

// ProfileList is the answer of GET /v1/profiles.
type ProfileList struct {
	Items []profiles.Profile `json:"items"`
}

func (id *identity) handleProfiles(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	if ctx.IsPost() {
		var c profiles.Changes
		if !httpx.ReadJSON(ctx, &c) {
			return
		}
		pr, err := id.profiles.Create(ctx, p.AccountID, c)
		if err != nil {
			id.profileError(ctx, err)
			return
		}
		ctx.Response.Header.Set("Location", "/v1/profiles/"+pr.ID)
		httpx.WriteJSON(ctx, fasthttp.StatusCreated, pr)
		return
	}
	list, err := id.profiles.List(ctx, p.AccountID)
	if err != nil {
		id.internal(ctx, "profiles", err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, ProfileList{Items: list})
}

// handleProfile serves PATCH and DELETE /v1/profiles/{id}. A profile with a
// PIN can be changed only by a token that selected it (with the PIN).
func (id *identity) handleProfile(ctx *fasthttp.RequestCtx, profileID string) {
	p, _ := oauth.PrincipalOf(ctx)
	cur, err := id.profiles.Get(ctx, p.AccountID, profileID)
	if err != nil {
		id.profileError(ctx, err)
		return
	}
	if cur.HasPIN && p.ProfileID != cur.ID {
		httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "profile-locked", "select this profile with its PIN first")
		return
	}
	if ctx.IsDelete() {
		if err := id.profiles.Delete(ctx, p.AccountID, profileID); err != nil {
			id.profileError(ctx, err)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	}
	var c profiles.Changes
	if !httpx.ReadJSON(ctx, &c) {
		return
	}
	pr, err := id.profiles.Update(ctx, p.AccountID, profileID, c)
	if err != nil {
		id.profileError(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, fasthttp.StatusOK, pr)
}

// SelectProfileRequest is the body of POST /v1/profiles/{id}/select.
type SelectProfileRequest struct {
	PIN string `json:"pin"`
}

// handleSelectProfile serves POST /v1/profiles/{id}/select: a new access
// token whose pid is the profile; the device remembers it for refreshes.
func (id *identity) handleSelectProfile(ctx *fasthttp.RequestCtx, profileID string) {
	p, _ := oauth.PrincipalOf(ctx)
	var req SelectProfileRequest
	if len(ctx.PostBody()) > 0 && !httpx.ReadJSON(ctx, &req) {
		return
	}
	cur, err := id.profiles.Get(ctx, p.AccountID, profileID)
	if err != nil {
		id.profileError(ctx, err)
		return
	}
	if cur.HasPIN {
		if res := id.limiter.Allow(ctx, "pin", p.AccountID, id.s.oauth.Limits().PIN); !res.Allowed {
			ratelimit.Reject(ctx, res)
			return
		}
		if _, err := id.profiles.CheckPIN(ctx, p.AccountID, profileID, req.PIN); err != nil {
			id.profileError(ctx, err)
			return
		}
	}
	if p.DeviceID != "" {
		if err := id.devices.SelectProfile(ctx, p.AccountID, p.DeviceID, cur.ID); err != nil && !errors.Is(err, devices.ErrNotFound) {
			id.internal(ctx, "select profile", err)
			return
		}
	}
	resp, err := id.s.oauth.IssueForProfile(p, cur.ID)
	if err != nil {
		id.internal(ctx, "select profile", err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, resp)
}

// DeviceList is the answer of GET /v1/devices.
type DeviceList struct {
	Items []devices.Device `json:"items"`
}

func (id *identity) handleDevices(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	list, err := id.devices.List(ctx, p.AccountID)
	if err != nil {
		id.internal(ctx, "devices", err)
		return
	}
	for i := range list {
		list[i].Current = list[i].ID == p.DeviceID
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, DeviceList{Items: list})
}

// RenameDeviceRequest is the body of PATCH /v1/devices/{id}.
type RenameDeviceRequest struct {
	Name string `json:"name"`
}

func (id *identity) handleDevice(ctx *fasthttp.RequestCtx, deviceID string) {
	p, _ := oauth.PrincipalOf(ctx)
	var err error
	if ctx.IsDelete() {
		if err = id.s.oauth.RevokeDevice(ctx, p.AccountID, deviceID); err == nil {
			ctx.SetStatusCode(fasthttp.StatusNoContent)
			return
		}
	} else {
		var req RenameDeviceRequest
		if !httpx.ReadJSON(ctx, &req) {
			return
		}
		var d devices.Device
		if d, err = id.devices.Rename(ctx, p.AccountID, deviceID, req.Name); err == nil {
			d.Current = d.ID == p.DeviceID
			httpx.WriteJSON(ctx, fasthttp.StatusOK, d)
			return
		}
	}
	switch {
	case errors.Is(err, devices.ErrNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such device")
	case errors.Is(err, devices.ErrInvalidName):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-name", "name must be 1 to 64 characters")
	default:
		id.internal(ctx, "devices", err)
	}
}
