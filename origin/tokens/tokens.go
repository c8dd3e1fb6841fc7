// Package tokens signs and verifies the origin's JWTs: short-lived access
// tokens (typ at+jwt, audience the API) and playback tokens (audience the
// edge, claims as in docs/CONTRACTS.md), all EdDSA with a kid from the
// origin's key set.
package tokens

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/keys"
)

// AccessTokenLifetime is how long an access token is valid.
const AccessTokenLifetime = 15 * time.Minute

// PlaybackTokenLifetime is how long a playback token is valid. The
// heartbeat renews it while the session holds its stream lease, so a
// stopped, replaced or signed-out stream is refused at the edge at most
// this plus the gate's leeway (contract.DefaultLeewaySeconds) after its
// last renewal: 45 s + 15 s = 60 s (docs/CONTRACTS.md, RATIONALE.md).
const PlaybackTokenLifetime = 45 * time.Second

// Leeway is the clock skew tolerated when verifying times.
const Leeway = 30 * time.Second

// AccessTokenType is the JWT typ header of access tokens (RFC 9068).
const AccessTokenType = "at+jwt"

// Sentinel errors, tested with errors.Is.
var (
	// ErrInvalidToken means a token failed verification.
	ErrInvalidToken = errors.New("invalid token")
)

// KeySet is what tokens needs from the key store.
type KeySet interface {
	Signer() (keys.Key, error)
	PublicKey(kid string) (ed25519.PublicKey, bool)
}

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	Issuer    string           `json:"iss"`
	Audience  string           `json:"aud"`
	Subject   string           `json:"sub"`
	ClientID  string           `json:"client_id"`
	Scope     string           `json:"scope,omitempty"`
	DeviceID  string           `json:"did,omitempty"`
	ProfileID string           `json:"pid,omitempty"`
	IssuedAt  *jwt.NumericDate `json:"iat,omitempty"`
	NotBefore *jwt.NumericDate `json:"nbf,omitempty"`
	ExpiresAt *jwt.NumericDate `json:"exp,omitempty"`
	ID        string           `json:"jti"`
}

// UnmarshalJSON decodes the claims, refusing times written as strings:
// RFC 7519 §2 makes a NumericDate a JSON number, but golang-jwt's
// NumericDate (through json.Number) also takes "123".
func (c *AccessClaims) UnmarshalJSON(b []byte) error {
	var times struct {
		IssuedAt  json.RawMessage `json:"iat"`
		NotBefore json.RawMessage `json:"nbf"`
		ExpiresAt json.RawMessage `json:"exp"`
	}
	if err := json.Unmarshal(b, &times); err != nil {
		return err
	}
	for _, t := range []json.RawMessage{times.IssuedAt, times.NotBefore, times.ExpiresAt} {
		if len(t) > 0 && (t[0] < '0' || t[0] > '9') {
			return fmt.Errorf("%w: times must be JSON numbers", ErrInvalidToken)
		}
	}
	type plain AccessClaims
	return json.Unmarshal(b, (*plain)(c))
}

// GetExpirationTime implements jwt.Claims.
func (c AccessClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }

// GetIssuedAt implements jwt.Claims.
func (c AccessClaims) GetIssuedAt() (*jwt.NumericDate, error) { return c.IssuedAt, nil }

// GetNotBefore implements jwt.Claims.
func (c AccessClaims) GetNotBefore() (*jwt.NumericDate, error) { return c.NotBefore, nil }

// GetIssuer implements jwt.Claims.
func (c AccessClaims) GetIssuer() (string, error) { return c.Issuer, nil }

// GetSubject implements jwt.Claims.
func (c AccessClaims) GetSubject() (string, error) { return c.Subject, nil }

// GetAudience implements jwt.Claims.
func (c AccessClaims) GetAudience() (jwt.ClaimStrings, error) {
	if c.Audience == "" {
		return nil, nil
	}
	return jwt.ClaimStrings{c.Audience}, nil
}

// PlaybackClaims are the claims of a playback token, exactly as in
// docs/CONTRACTS.md.
type PlaybackClaims struct {
	Issuer    string           `json:"iss"`
	Audience  string           `json:"aud"`
	Subject   string           `json:"sub"`
	SessionID string           `json:"sid"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	Prefix    string           `json:"pfx"`
	Device    contract.Caps    `json:"dev"`
}

// GetExpirationTime implements jwt.Claims.
func (c PlaybackClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }

// GetIssuedAt implements jwt.Claims.
func (c PlaybackClaims) GetIssuedAt() (*jwt.NumericDate, error) { return c.IssuedAt, nil }

// GetNotBefore implements jwt.Claims.
func (c PlaybackClaims) GetNotBefore() (*jwt.NumericDate, error) { return c.NotBefore, nil }

// GetIssuer implements jwt.Claims.
func (c PlaybackClaims) GetIssuer() (string, error) { return c.Issuer, nil }

// GetSubject implements jwt.Claims.
func (c PlaybackClaims) GetSubject() (string, error) { return c.Subject, nil }

// GetAudience implements jwt.Claims.
func (c PlaybackClaims) GetAudience() (jwt.ClaimStrings, error) {
	if c.Audience == "" {
		return nil, nil
	}
	return jwt.ClaimStrings{c.Audience}, nil
}

// Sign signs claims with the key set's signing key. typ is the JWT typ
// header ("JWT" or AccessTokenType).
func Sign(ks KeySet, typ string, claims jwt.Claims) (string, error) {
	k, err := ks.Signer()
	if err != nil {
		return "", fmt.Errorf("tokens: %w", err)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["typ"] = typ
	t.Header["kid"] = k.ID
	s, err := t.SignedString(k.Private)
	if err != nil {
		return "", fmt.Errorf("tokens: sign: %w", err)
	}
	return s, nil
}

// RandomID returns n random bytes as unpadded base64url, for jti, session
// ids and other unguessable identifiers.
func RandomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issuer issues and verifies access tokens.
type Issuer struct {
	// Keys is the key set. Required.
	Keys KeySet
	// Issuer is the iss claim. Required.
	Issuer string
	// Audience is the aud claim of access tokens. Required.
	Audience string
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
}

func (is *Issuer) now() time.Time {
	if is.Now != nil {
		return is.Now()
	}
	return time.Now()
}

// IssueAccess returns a signed access token for account sub and its lifetime.
func (is *Issuer) IssueAccess(sub, clientID, scope string) (string, time.Duration, error) {
	return is.Issue(Grant{Subject: sub, ClientID: clientID, Scope: scope})
}

// Grant is what an access token is issued for.
type Grant struct {
	// Subject is the account id (sub). Required.
	Subject string
	// ClientID is the OAuth client (client_id). Required.
	ClientID string
	// Scope is the granted scope.
	Scope string
	// DeviceID is the signed-in device (did); empty for none.
	DeviceID string
	// ProfileID is the selected profile (pid); empty for none.
	ProfileID string
}

// Issue returns a signed access token for g and its lifetime.
func (is *Issuer) Issue(g Grant) (string, time.Duration, error) {
	now := is.now()
	c := AccessClaims{
		Issuer: is.Issuer, Audience: is.Audience, Subject: g.Subject, ClientID: g.ClientID, Scope: g.Scope,
		DeviceID: g.DeviceID, ProfileID: g.ProfileID,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(AccessTokenLifetime)),
		ID: RandomID(16),
	}
	s, err := Sign(is.Keys, AccessTokenType, c)
	return s, AccessTokenLifetime, err
}

// MaxTokenSize is the longest token string the verifiers look at; longer
// ones are rejected before any parsing (edgeflix's are under 1 KiB).
const MaxTokenSize = 4096

// forbiddenHeaders may carry or point at keys; a verifier must never use
// them, and edgeflix never sends them, so their presence rejects a token.
var forbiddenHeaders = []string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit"}

// KeyFunc returns the golang-jwt key function edgeflix verifies with: it
// rejects key-carrying headers and returns a typed ed25519.PublicKey only for
// a known kid.
func KeyFunc(ks KeySet) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		for _, h := range forbiddenHeaders {
			if _, ok := t.Header[h]; ok {
				return nil, fmt.Errorf("%w: header %q not allowed", ErrInvalidToken, h)
			}
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" || len(kid) > 64 {
			return nil, fmt.Errorf("%w: bad kid", ErrInvalidToken)
		}
		pub, ok := ks.PublicKey(kid)
		if !ok {
			return nil, fmt.Errorf("%w: unknown kid", ErrInvalidToken)
		}
		return pub, nil
	}
}

// NewParser returns a strictly configured golang-jwt parser for tokens of
// audience aud from issuer iss.
func NewParser(iss, aud string, now func() time.Time) *jwt.Parser {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithAudience(aud), jwt.WithIssuer(iss),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway), jwt.WithStrictDecoding(),
	}
	if now != nil {
		opts = append(opts, jwt.WithTimeFunc(now))
	}
	return jwt.NewParser(opts...)
}

// VerifyAccess checks an access token strictly and returns its claims.
func (is *Issuer) VerifyAccess(token string) (*AccessClaims, error) {
	if len(token) > MaxTokenSize {
		return nil, fmt.Errorf("%w: too long", ErrInvalidToken)
	}
	var c AccessClaims
	t, err := NewParser(is.Issuer, is.Audience, is.now).ParseWithClaims(token, &c, KeyFunc(is.Keys))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if typ, _ := t.Header["typ"].(string); typ != AccessTokenType {
		return nil, fmt.Errorf("%w: typ %q", ErrInvalidToken, typ)
	}
	if c.Subject == "" || c.ID == "" {
		return nil, fmt.Errorf("%w: sub and jti required", ErrInvalidToken)
	}
	return &c, nil
}
