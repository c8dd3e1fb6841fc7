package oauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// ErrRevocationUnknown means an access token's revocation state could not
// be read (Redis failed).
var ErrRevocationUnknown = errors.New("oauth: revocation state unknown")

// checkRevoked reports whether an access token was revoked (its jti denied
// or its device signed out), or ErrRevocationUnknown if Redis failed.
func (s *Server) checkRevoked(ctx context.Context, c *tokens.AccessClaims) (bool, error) {
	keys := []string{s.denyKey(c.ID)}
	if c.DeviceID != "" {
		keys = append(keys, s.revokedDeviceKey(c.DeviceID))
	}
	n, err := s.cfg.Redis.Exists(ctx, keys...).Result()
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrRevocationUnknown, err)
	}
	return n > 0, nil
}

// BearerStrict is Bearer for sensitive routes (account, profile and device
// management, device approval, profile selection, which mints tokens): it
// fails closed. When the revocation state cannot be read it answers 503
// with Retry-After instead of accepting a token that may have been
// revoked, for reads too. Bearer fails open for reads only.
func (s *Server) BearerStrict(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		c, ok := authenticate(ctx, s.cfg.Tokens)
		if !ok {
			return
		}
		revoked, err := s.checkRevoked(ctx, c)
		switch {
		case err != nil:
			s.cfg.Logger.Warn("oauth: revocation check failed; refusing a sensitive request", "err", err)
			rejectUnknownRevocation(ctx)
			return
		case revoked:
			rejectRevoked(ctx)
			return
		}
		s.admit(ctx, c, next)
	}
}

// rejectUnknownRevocation answers 503 with Retry-After when the revocation
// state of a token could not be read for a request that must fail closed.
func rejectUnknownRevocation(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Retry-After", "5")
	httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "try again shortly")
}
