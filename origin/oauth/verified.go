package oauth

import (
	"bytes"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/tokens"
)

// VerifiedTTL is how long Server.Bearer remembers that an access token's
// signature and claims verified, never beyond the token's exp. Revocation
// and the rate limit are still checked on every request; a withdrawn
// signing key stops its tokens within VerifiedTTL.
const VerifiedTTL = 10 * time.Second

// MaxVerified bounds the remembered tokens (two generations of half each:
// an approximate LRU without per-hit bookkeeping).
const MaxVerified = 8192

type verifiedEntry struct {
	c     *tokens.AccessClaims
	until time.Time
}

// verifiedCache remembers verified access tokens by the SHA-256 of their
// text (the tokens themselves are not kept as keys).
type verifiedCache struct {
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]verifiedEntry
}

func (v *verifiedCache) get(k [sha256.Size]byte, now time.Time) (*tokens.AccessClaims, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.cur[k]
	if !ok {
		if e, ok = v.prev[k]; ok {
			v.putLocked(k, e) // still in use: keep it in the young generation
		}
	}
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.c, true
}

func (v *verifiedCache) put(k [sha256.Size]byte, c *tokens.AccessClaims, now time.Time) {
	until := now.Add(VerifiedTTL)
	if c.ExpiresAt == nil {
		return
	}
	if exp := c.ExpiresAt.Time; exp.Before(until) {
		until = exp
	}
	if !now.Before(until) {
		return
	}
	v.mu.Lock()
	v.putLocked(k, verifiedEntry{c, until})
	v.mu.Unlock()
}

func (v *verifiedCache) putLocked(k [sha256.Size]byte, e verifiedEntry) {
	if v.cur == nil || len(v.cur) >= MaxVerified/2 {
		v.prev, v.cur = v.cur, make(map[[sha256.Size]byte]verifiedEntry)
	}
	v.cur[k] = e
}

// authenticateRemembered is authenticate with the verification of a token
// seen in the last VerifiedTTL skipped (Ed25519 verification was a quarter
// of the CPU of a cached home request).
func (s *Server) authenticateRemembered(ctx *fasthttp.RequestCtx) (*tokens.AccessClaims, bool) {
	auth := ctx.Request.Header.Peek("Authorization")
	const prefix = "bearer "
	if len(auth) <= len(prefix) || !bytes.EqualFold(auth[:len(prefix)], []byte(prefix)) {
		return authenticate(ctx, s.cfg.Tokens) // answers 401
	}
	k := sha256.Sum256(bytes.TrimSpace(auth[len(prefix):]))
	now := s.cfg.Now()
	if c, ok := s.verified.get(k, now); ok {
		return c, true
	}
	c, ok := authenticate(ctx, s.cfg.Tokens)
	if ok {
		s.verified.put(k, c, now)
	}
	return c, ok
}
