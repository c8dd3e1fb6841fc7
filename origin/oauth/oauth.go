// Package oauth is the origin's OAuth 2.0 authorization server: RFC 8414
// metadata, the authorization-code grant with PKCE (S256) and its login
// page, rotating refresh tokens, and the Bearer middleware that guards the
// API with the access tokens it issues.
//
// The device authorization grant will be another grant type in the token
// endpoint's switch and another store beside codes; clients are a registry
// so TV and mobile clients can be added beside edgeflix-web.
package oauth

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// WebClientID is the public client of the edgeflix web app.
const WebClientID = "edgeflix-web"

// CodeLifetime is how long an authorization code can be exchanged.
const CodeLifetime = 60 * time.Second

// RefreshTokenLifetime is how long an unused refresh token stays valid.
const RefreshTokenLifetime = 30 * 24 * time.Hour

// Scopes the server knows; requests for others are ignored (RFC 6749 §3.3).
var Scopes = []string{"catalog", "playback"}

// Client is a registered OAuth client.
type Client struct {
	// ID is the client_id.
	ID string
	// RedirectURIs are the exact redirect URIs the client may use.
	RedirectURIs []string
}

// Config configures a Server.
type Config struct {
	// PublicURL is the origin's external base URL, e.g. http://127.0.0.1:8080.
	PublicURL string
	// Clients are the registered clients. If nil, only edgeflix-web with
	// redirect URI <PublicURL>/app/callback is registered.
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
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives failures (never secrets). If nil, slog.Default().
	Logger *slog.Logger
}

// Server serves the OAuth endpoints.
type Server struct {
	cfg     Config
	clients map[string]Client
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Accounts == nil || cfg.Tokens == nil || cfg.DB == nil || cfg.Redis == nil || cfg.PublicURL == "" {
		return nil, errors.New("oauth: PublicURL, Accounts, Tokens, DB and Redis are required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clients == nil {
		cfg.Clients = []Client{{ID: WebClientID, RedirectURIs: []string{cfg.PublicURL + "/app/callback"}}}
	}
	s := &Server{cfg: cfg, clients: make(map[string]Client)}
	for _, c := range cfg.Clients {
		s.clients[c.ID] = c
	}
	return s, nil
}

// client returns the registered client id if redirectURI is exactly one of
// its redirect URIs.
func (s *Server) client(id, redirectURI string) (Client, bool) {
	c, ok := s.clients[id]
	if !ok || !slices.Contains(c.RedirectURIs, redirectURI) {
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
		ScopesSupported:                   Scopes,
		ResponseTypesSupported:            []string{"code"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
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

// background returns a context for work that must finish even if the
// client goes away.
func background(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
