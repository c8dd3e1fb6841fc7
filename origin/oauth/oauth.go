// Package oauth is the origin's OAuth 2.0 authorization server: RFC 8414
// metadata, the authorization-code grant with PKCE (S256) and its login
// page, rotating refresh tokens, and the Bearer middleware that guards the
// API with the access tokens it issues.
//
// It also serves the device authorization grant (RFC 8628) for the TV
// client, token revocation (RFC 7009), registers a device for every
// sign-in, and rate-limits the sign-in routes.
package oauth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// WebClientID is the public client of the edgeflix web app.
const WebClientID = "edgeflix-web"

// TVClientID is the public client of TV apps; it signs in with the device
// authorization grant and has no redirect URIs.
const TVClientID = "edgeflix-tv"

// DeviceCodeGrantType is the RFC 8628 grant type.
const DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// StreamStopper stops the active streams of a device; the origin wires the
// playback side to it. Revoking a device calls it.
type StreamStopper interface {
	StopDevice(ctx context.Context, accountID, deviceID string) error
}

// CodeLifetime is how long an authorization code can be exchanged.
const CodeLifetime = 60 * time.Second

// RefreshTokenLifetime is how long an unused refresh token stays valid.
const RefreshTokenLifetime = 30 * 24 * time.Hour

// Scopes the server knows; requests for others are ignored (RFC 6749 §3.3).
var Scopes = []string{ScopeCatalog, ScopePlayback}

// Client is a registered OAuth client.
type Client struct {
	// ID is the client_id.
	ID string
	// RedirectURIs are the exact redirect URIs the client may use.
	RedirectURIs []string
	// DeviceGrant allows the device authorization grant.
	DeviceGrant bool
}

// Config configures a Server.
type Config struct {
	// PublicURL is the origin's external base URL, e.g. http://127.0.0.1:8080.
	PublicURL string
	// Clients are the registered clients. If nil, edgeflix-web with
	// redirect URI <PublicURL>/app/callback and edgeflix-tv (device grant)
	// are registered.
	Clients []Client
	// Accounts checks credentials. Required.
	Accounts *accounts.Store
	// Tokens issues and verifies access tokens. Required.
	Tokens *tokens.Issuer
	// DB holds refresh tokens. Required.
	DB *sql.DB
	// Redis holds authorization codes under RedisPrefix. Required.
	Redis       *redis.Client
	RedisPrefix string
	// Devices registers a device per sign-in. Required.
	Devices *devices.Store
	// Limiter rate-limits sign-in, token and approval routes. Required.
	Limiter *ratelimit.Limiter
	// Limits are the rates; the zero value means DefaultLimits().
	Limits Limits
	// Streams stops a revoked device's streams. If nil, revoking a device
	// stops no streams (they end when their lease lapses).
	Streams StreamStopper
	// SecureCookies marks cookies Secure (set it when PublicURL is https;
	// New does so itself for an https PublicURL).
	SecureCookies bool
	// CSRFKey keys the login form's CSRF tokens. If nil, a random key is
	// made (tokens then do not survive a restart or work across processes
	// without sticky sessions; the login form is re-rendered in that case).
	CSRFKey []byte
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives failures (never secrets). If nil, slog.Default().
	Logger *slog.Logger
}

// Limits are the rate limits of the identity routes. Zero limits are off.
type Limits struct {
	// LoginIP limits login form posts per client IP.
	LoginIP ratelimit.Limit
	// LoginFailures limits failed logins per account (e-mail).
	LoginFailures ratelimit.Limit
	// SignUpIP limits POST /v1/accounts per client IP.
	SignUpIP ratelimit.Limit
	// TokenIP limits the token, revocation and device authorization
	// endpoints per client IP.
	TokenIP ratelimit.Limit
	// DeviceApprove limits device approvals and denials per account.
	DeviceApprove ratelimit.Limit
	// PIN limits profile PIN checks per account.
	PIN ratelimit.Limit
	// Account limits every authenticated API request per account.
	Account ratelimit.Limit
	// AnonymousIP limits other anonymous API requests per client IP.
	AnonymousIP ratelimit.Limit
}

// DefaultLimits returns the production rate limits.
func DefaultLimits() Limits {
	return Limits{
		LoginIP:       ratelimit.PerMinute(20, 30),
		LoginFailures: ratelimit.Limit{Rate: 10, Burst: 10, Period: 15 * time.Minute},
		SignUpIP:      ratelimit.PerMinute(10, 20),
		TokenIP:       ratelimit.PerMinute(120, 60),
		DeviceApprove: ratelimit.PerMinute(10, 10),
		PIN:           ratelimit.Limit{Rate: 5, Burst: 5, Period: 5 * time.Minute},
		Account:       ratelimit.PerSecond(20, 200),
		AnonymousIP:   ratelimit.PerSecond(20, 100),
	}
}

// Server serves the OAuth endpoints.
type Server struct {
	cfg      Config
	clients  map[string]Client
	csrfKey  []byte
	verified verifiedCache // access tokens verified lately (verified.go)
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Accounts == nil || cfg.Tokens == nil || cfg.DB == nil || cfg.Redis == nil || cfg.PublicURL == "" || cfg.Devices == nil || cfg.Limiter == nil {
		return nil, errors.New("oauth: PublicURL, Accounts, Tokens, DB, Redis, Devices and Limiter are required")
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if strings.HasPrefix(cfg.PublicURL, "https://") {
		cfg.SecureCookies = true
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clients == nil {
		cfg.Clients = []Client{
			{ID: WebClientID, RedirectURIs: []string{cfg.PublicURL + "/app/callback"}},
			{ID: TVClientID, DeviceGrant: true},
		}
	}
	s := &Server{cfg: cfg, clients: make(map[string]Client), csrfKey: cfg.CSRFKey}
	if len(s.csrfKey) == 0 {
		s.csrfKey = make([]byte, 32)
		rand.Read(s.csrfKey)
	}
	for _, c := range cfg.Clients {
		s.clients[c.ID] = c
	}
	return s, nil
}

// client returns the registered client id if redirectURI is exactly one of
// its redirect URIs.
func (s *Server) client(id, redirectURI string) (Client, bool) {
	c, ok := s.clients[id]
	if !ok || redirectURI == "" || !slices.Contains(c.RedirectURIs, redirectURI) {
		return Client{}, false
	}
	return c, true
}

// Metadata is the RFC 8414 authorization server metadata.
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

// Metadata returns the server's RFC 8414 metadata. issuer is the issuer
// identifier (the iss of its tokens).
func (s *Server) Metadata() Metadata {
	return Metadata{
		Issuer:                            s.cfg.Tokens.Issuer,
		AuthorizationEndpoint:             s.cfg.PublicURL + "/oauth/authorize",
		TokenEndpoint:                     s.cfg.PublicURL + "/oauth/token",
		JWKSURI:                           s.cfg.PublicURL + "/.well-known/jwks.json",
		DeviceAuthorizationEndpoint:       s.cfg.PublicURL + "/oauth/device_authorization",
		RevocationEndpoint:                s.cfg.PublicURL + "/oauth/revoke",
		RevocationEndpointAuthMethods:     []string{"none"},
		ScopesSupported:                   Scopes,
		ResponseTypesSupported:            []string{"code"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token", DeviceCodeGrantType},
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: []string{"none"},
	}
}

// grantScope reduces a requested scope to the known scopes, all of them
// when none is requested or none is known.
func grantScope(requested string) string {
	var out []string
	for _, sc := range strings.Fields(requested) {
		if slices.Contains(Scopes, sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		out = Scopes
	}
	return strings.Join(out, " ")
}

// withQuery appends params to u's query.
func withQuery(u string, params url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + params.Encode()
}

func (s *Server) codeKey(hash string) string { return s.cfg.RedisPrefix + "oauth:code:" + hash }

// usedCodeKey remembers an exchanged code's device, so a replay revokes it.
func (s *Server) usedCodeKey(hash string) string {
	return s.cfg.RedisPrefix + "oauth:code_used:" + hash
}

// Limiter returns the server's rate limiter.
func (s *Server) Limiter() *ratelimit.Limiter { return s.cfg.Limiter }

// Limits returns the server's rate limits.
func (s *Server) Limits() Limits { return s.cfg.Limits }

// background returns a context for work that must finish even if the
// client goes away.
func background(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
