package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

func (s *Server) denyKey(jti string) string { return s.cfg.RedisPrefix + "oauth:deny:" + jti }
func (s *Server) revokedDeviceKey(id string) string {
	return s.cfg.RedisPrefix + "oauth:device_revoked:" + id
}

// maxFormBody bounds the form bodies of the token-style endpoints.
const maxFormBody = 16 << 10

// tokenForm opens a form POST to a token-style endpoint (token, device
// authorization, revocation): Cache-Control no-store, an
// application/x-www-form-urlencoded body of at most maxFormBody bytes, the
// per-IP token limit, and none of names repeated (RFC 6749 §3.2). It
// answers a failure itself and then returns ok false.
func (s *Server) tokenForm(ctx *fasthttp.RequestCtx, names ...string) (args *fasthttp.Args, ok bool) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ct := ctx.Request.Header.ContentType()
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !bytes.EqualFold(bytes.TrimSpace(ct), []byte("application/x-www-form-urlencoded")) {
		s.writeTokenError(ctx, tokenErr("invalid_request", "send application/x-www-form-urlencoded"))
		return nil, false
	}
	if len(ctx.PostBody()) > maxFormBody {
		s.writeTokenError(ctx, tokenErr("invalid_request", "body too large"))
		return nil, false
	}
	if res := s.cfg.Limiter.Allow(ctx, "token-ip", ClientIP(ctx), s.cfg.Limits.TokenIP); !res.Allowed {
		ratelimit.Reject(ctx, res)
		return nil, false
	}
	args = ctx.PostArgs()
	for _, name := range names {
		if len(args.PeekMulti(name)) > 1 {
			s.writeTokenError(ctx, tokenErr("invalid_request", name+" repeated"))
			return nil, false
		}
	}
	return args, true
}

// RevokeDevice signs the account's device out: its refresh tokens are
// deleted and the device marked revoked (MySQL), its access tokens are
// refused until they expire (Redis), and its streams are stopped through
// Config.Streams.
func (s *Server) RevokeDevice(ctx context.Context, accountID, deviceID string) error {
	ctx = background(ctx)
	if err := s.cfg.Devices.Revoke(ctx, accountID, deviceID); err != nil {
		return err
	}
	if err := s.cfg.Redis.Set(ctx, s.revokedDeviceKey(deviceID), "1", tokens.AccessTokenLifetime+tokens.Leeway).Err(); err != nil {
		return fmt.Errorf("oauth: mark device revoked: %w", err)
	}
	if s.cfg.Streams != nil {
		if err := s.cfg.Streams.StopDevice(ctx, accountID, deviceID); err != nil {
			return fmt.Errorf("oauth: stop device streams: %w", err)
		}
	}
	return nil
}

// HandleRevoke serves POST /oauth/revoke (RFC 7009): a refresh token
// revokes its whole family (and signs its device out), an access token is
// refused until it expires. Unknown and invalid tokens answer 200 too.
func (s *Server) HandleRevoke(ctx *fasthttp.RequestCtx) {
	args, ok := s.tokenForm(ctx, "token", "token_type_hint", "client_id")
	if !ok {
		return
	}
	clientID := string(args.Peek("client_id"))
	if _, ok := s.clients[clientID]; !ok {
		s.writeTokenError(ctx, tokenErr("invalid_client", "unknown client"))
		return
	}
	token := string(args.Peek("token"))
	if token == "" {
		s.writeTokenError(ctx, tokenErr("invalid_request", "token is required"))
		return
	}
	if err := s.revoke(ctx, clientID, token, string(args.Peek("token_type_hint"))); err != nil {
		s.cfg.Logger.Error("oauth: revoke", "err", err)
		s.writeTokenError(ctx, tokenErr("server_error", ""))
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
}

func (s *Server) revoke(ctx context.Context, clientID, token, hint string) error {
	ctx = background(ctx)
	tryAccess := func() (bool, error) {
		c, err := s.cfg.Tokens.VerifyAccess(token)
		if err != nil || c.ClientID != clientID {
			return false, nil
		}
		ttl := c.ExpiresAt.Sub(s.now()) + tokens.Leeway // exp is required by the parser
		if ttl <= 0 {
			return true, nil
		}
		return true, s.cfg.Redis.Set(ctx, s.denyKey(c.ID), "1", ttl).Err()
	}
	tryRefresh := func() (bool, error) {
		if len(token) > 512 {
			return false, nil
		}
		var family []byte
		var accountID uint64
		var owner string
		var device *string
		err := s.cfg.DB.QueryRowContext(ctx, "SELECT family_id, account_id, client_id, device_id FROM refresh_tokens WHERE token_hash = ?",
			refreshHash(token)).Scan(&family, &accountID, &owner, &device)
		if err != nil || owner != clientID {
			return false, nil
		}
		if device != nil {
			err := s.RevokeDevice(ctx, fmt.Sprint(accountID), *device)
			if err == nil || !errors.Is(err, devices.ErrNotFound) {
				return true, err
			}
		}
		_, err = s.cfg.DB.ExecContext(ctx, "DELETE FROM refresh_tokens WHERE family_id = ?", family)
		return true, err
	}
	first, second := tryRefresh, tryAccess
	if hint == "access_token" {
		first, second = tryAccess, tryRefresh
	}
	if done, err := first(); done || err != nil {
		return err
	}
	_, err := second()
	return err
}

// Bearer wraps next so it runs only for requests with a valid, unrevoked
// access token, within the per-account rate limit. Others get 401 with
// WWW-Authenticate: Bearer, or 429.
//
// If Redis cannot say whether the token was revoked, reads (GET, HEAD,
// OPTIONS) are accepted: access tokens live AccessTokenLifetime, and a
// catalog that stops with the cache would make Redis a single point of
// failure for every viewer. Writes (operator catalog edits, my list,
// playback) fail closed with 503 and Retry-After, as BearerStrict does.
func (s *Server) Bearer(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		c, ok := s.authenticateRemembered(ctx)
		if !ok {
			return
		}
		revoked, err := s.checkRevoked(ctx, c)
		switch {
		case err != nil && !isRead(ctx):
			s.cfg.Logger.Warn("oauth: revocation check failed; refusing a write", "err", err)
			rejectUnknownRevocation(ctx)
			return
		case err != nil:
			s.cfg.Logger.Warn("oauth: revocation check failed; accepting the token for a read", "err", err)
		case revoked:
			rejectRevoked(ctx)
			return
		}
		s.admit(ctx, c, next)
	}
}

// isRead reports whether the request's method only reads.
func isRead(ctx *fasthttp.RequestCtx) bool {
	return ctx.IsGet() || ctx.IsHead() || ctx.IsOptions()
}

// rejectRevoked answers 401 for a revoked access token.
func rejectRevoked(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="edgeflix", error="invalid_token"`)
	httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "invalid-token", "the access token was revoked")
}

// admit applies the per-account rate limit to an authenticated request,
// records its principal and runs next.
func (s *Server) admit(ctx *fasthttp.RequestCtx, c *tokens.AccessClaims, next fasthttp.RequestHandler) {
	if res := s.cfg.Limiter.Allow(ctx, "api", c.Subject, s.cfg.Limits.Account); !res.Allowed {
		ratelimit.Reject(ctx, res)
		return
	}
	ctx.SetUserValue(principalKey, principalOf(c))
	next(ctx)
}

// HandleDeviceDecision serves POST /v1/device/approve (approve true) and
// POST /v1/device/deny; it must run behind Bearer.
func (s *Server) HandleDeviceDecision(ctx *fasthttp.RequestCtx, approve bool) {
	p, ok := PrincipalOf(ctx)
	if !ok {
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
		return
	}
	var req DeviceDecision
	if !httpx.ReadJSON(ctx, &req) {
		return
	}
	if res := s.cfg.Limiter.Allow(ctx, "device-approve", p.AccountID, s.cfg.Limits.DeviceApprove); !res.Allowed {
		ratelimit.Reject(ctx, res)
		return
	}
	err := s.decideDevice(ctx, p.AccountID, req.UserCode, approve)
	switch {
	case err == nil:
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	case errors.Is(err, ErrBadUserCode):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-user-code", "the code is wrong, expired or already used")
	default:
		s.cfg.Logger.Error("oauth: device decision", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "try again")
	}
}

// IssueForProfile returns a token response for the caller p with profile
// pid selected (the caller checked the profile and its PIN). No refresh
// token is issued: the device remembers the profile, so refreshes carry it.
func (s *Server) IssueForProfile(p Principal, profileID string) (*TokenResponse, error) {
	return s.respond(tokens.Grant{Subject: p.AccountID, ClientID: p.ClientID, Scope: p.Scope, DeviceID: p.DeviceID, ProfileID: profileID}, "")
}
