package oauth

import (
	"bytes"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// principalKey is the user-value key under which Bearer stores the caller.
const principalKey = "edgeflix.principal"

// Principal is the caller an access token names.
type Principal struct {
	// AccountID is the token's sub.
	AccountID string
	// ClientID is the client the token was issued to.
	ClientID string
	// Scope is the granted scope.
	Scope string
	// DeviceID is the signed-in device (claim did); "" when the token has
	// none.
	DeviceID string
	// ProfileID is the selected profile (claim pid); "" when none.
	ProfileID string
	// TokenID is the access token's jti.
	TokenID string
}

func principalOf(c *tokens.AccessClaims) Principal {
	return Principal{AccountID: c.Subject, ClientID: c.ClientID, Scope: c.Scope, DeviceID: c.DeviceID, ProfileID: c.ProfileID, TokenID: c.ID}
}

// authenticate verifies the request's Bearer token, answering 401 itself
// when it is missing or invalid.
func authenticate(ctx *fasthttp.RequestCtx, issuer *tokens.Issuer) (*tokens.AccessClaims, bool) {
	auth := ctx.Request.Header.Peek("Authorization")
	const prefix = "bearer "
	if len(auth) <= len(prefix) || !bytes.EqualFold(auth[:len(prefix)], []byte(prefix)) {
		ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="edgeflix"`)
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
		return nil, false
	}
	c, err := issuer.VerifyAccess(string(bytes.TrimSpace(auth[len(prefix):])))
	if err != nil {
		ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="edgeflix", error="invalid_token"`)
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "invalid-token", "the access token is invalid or expired")
		return nil, false
	}
	return c, true
}

// PrincipalOf returns the caller Bearer verified for ctx.
func PrincipalOf(ctx *fasthttp.RequestCtx) (Principal, bool) {
	p, ok := ctx.UserValue(principalKey).(Principal)
	return p, ok
}

// Bearer wraps next so it runs only for requests with a valid access token
// in the Authorization header; others get 401 with WWW-Authenticate: Bearer.
// It checks signatures and claims only; Server.Bearer also refuses revoked
// tokens and rate-limits per account, and is what the origin uses.
func Bearer(issuer *tokens.Issuer, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		c, ok := authenticate(ctx, issuer)
		if !ok {
			return
		}
		ctx.SetUserValue(principalKey, principalOf(c))
		next(ctx)
	}
}

// Scopes that gate routes (see Scopes for what is issued).
const (
	// ScopeCatalog gates the catalog: titles, browse rows, search and my list.
	ScopeCatalog = "catalog"
	// ScopePlayback gates starting, renewing and ending playback sessions.
	ScopePlayback = "playback"
)

// HasScope reports whether p's token was granted scope.
func (p Principal) HasScope(scope string) bool {
	for _, s := range strings.Fields(p.Scope) {
		if s == scope {
			return true
		}
	}
	return false
}

// RequireScope returns the caller Bearer verified if its token was granted
// scope. Otherwise it answers itself: 401 without a caller, 403 with
// WWW-Authenticate error="insufficient_scope" (RFC 6750 §3.1) when the
// scope is missing.
func RequireScope(ctx *fasthttp.RequestCtx, scope string) (Principal, bool) {
	p, ok := PrincipalOf(ctx)
	if !ok {
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
		return Principal{}, false
	}
	if !p.HasScope(scope) {
		WriteInsufficientScope(ctx, scope)
		return Principal{}, false
	}
	return p, true
}

// WriteInsufficientScope answers 403 for a token that lacks scope.
func WriteInsufficientScope(ctx *fasthttp.RequestCtx, scope string) {
	ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="edgeflix", error="insufficient_scope", scope="`+scope+`"`)
	httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "insufficient_scope", "the access token lacks the "+scope+" scope")
}
