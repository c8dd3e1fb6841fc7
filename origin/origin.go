// Package origin assembles the edgeflix origin server: identity (accounts,
// OAuth 2.0, signing keys), the catalog, playback sessions, media from S3
// and the web app, behind one fasthttp server.
package origin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/objstore"
	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/cache"
	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/origin/media"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/progress"
	"github.com/edgeflix/edgeflix/origin/tokens"
	"github.com/edgeflix/edgeflix/origin/webapp"
)

// Defaults of Config fields.
const (
	DefaultIssuer       = "edgeflix-origin"
	DefaultEdgeAudience = "edgeflix-edge"
	DefaultAPIAudience  = "edgeflix-api"
)

// KeyReloadInterval is how often the origin re-reads its signing keys, so
// keys rotated by `edgeflix keys rotate` are published and used.
const KeyReloadInterval = 30 * time.Second

// Config configures the origin.
type Config struct {
	// PublicURL is the origin's external base URL, e.g.
	// http://127.0.0.1:8080. Required.
	PublicURL string
	// EdgeURL is the edge's external base URL, e.g. http://127.0.0.1:8081.
	// Required.
	EdgeURL string
	// DB is the migrated MySQL database. Required.
	DB *sql.DB
	// Redis holds short-lived state under RedisPrefix. Required.
	Redis       *redis.Client
	RedisPrefix string
	// Media is the S3 bucket with the media/ objects. Required.
	Media *objstore.Store
	// WebDir holds the web app served at /app/. If nil, /app/ answers 404.
	WebDir fs.FS
	// KeyEncryptionKey seals signing keys at rest (keys.KEKSize bytes).
	// Required.
	KeyEncryptionKey []byte
	// Issuer is the iss of every token. If empty, DefaultIssuer.
	Issuer string
	// EdgeAudience is the aud of playback tokens. If empty,
	// DefaultEdgeAudience.
	EdgeAudience string
	// APIAudience is the aud of access tokens. If empty,
	// DefaultAPIAudience.
	APIAudience string
	// KeyActivationDelay is how long a rotated key is published before it
	// signs. If zero, keys.DefaultActivationDelay; negative for none.
	KeyActivationDelay time.Duration
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives the server's logs. If nil, slog.Default().
	Logger *slog.Logger
	// NoCatalogCache sends every catalog read to MySQL (benchmarks compare
	// with and without the Redis cache).
	NoCatalogCache bool
	// CORSOrigins are the browser origins (scheme://host[:port]) allowed to
	// call the API from another origin. If empty, only same-origin pages.
	CORSOrigins []string
	// TrustedProxies are the load balancers (e.g. the VPC CIDR behind the
	// ALB) whose X-Forwarded-For is believed for the client IP that rate
	// limits and logs use. If empty, the client is the connection's peer.
	TrustedProxies oauth.TrustedProxies
	// EdgeSecret, if set, must arrive in the media.EdgeSecretHeader of every
	// /v1/media/ request for gated media (the edge sends it, CloudFront adds
	// it as a custom origin header); else 403. Never logged.
	EdgeSecret string
	// Streams stops a revoked device's streams. If nil, the playback
	// service is asked, if it implements oauth.StreamStopper.
	Streams oauth.StreamStopper
	// RateLimits are the identity rate limits; the zero value means
	// oauth.DefaultLimits().
	RateLimits oauth.Limits
	// PasswordHashMemory is the memory (bytes) concurrent Argon2id password
	// checks may use at once; it sets how many run in parallel (one per
	// 19 MiB). If zero, accounts.DefaultHashMemoryBudget.
	PasswordHashMemory int64
	// PasswordHashWait is how long a sign-in or sign-up waits for room in
	// that budget before answering 503 with Retry-After. If zero,
	// accounts.DefaultHashWait; negative for no wait.
	PasswordHashWait time.Duration
}

// Server is a running origin.
type Server struct {
	cfg      Config
	keys     *keys.Store
	accounts *accounts.Store
	catalog  *catalog.Store
	oauth    *oauth.Server
	playback *playback.Service
	cache    *cache.Cache
	media    *media.Handler
	web      *webapp.Handler
	bearer   func(fasthttp.RequestHandler) fasthttp.RequestHandler
	http     *fasthttp.Server
	metadata []byte
	ident    *identity // profiles, devices, limits, headers (identity.go)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // tracks the key reloader
}

// New checks cfg, makes sure a signing key exists and builds the server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.PublicURL == "" || cfg.EdgeURL == "" || cfg.DB == nil || cfg.Redis == nil || cfg.Media == nil {
		return nil, errors.New("origin: PublicURL, EdgeURL, DB, Redis and Media are required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	cfg.EdgeURL = strings.TrimRight(cfg.EdgeURL, "/")
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.EdgeAudience == "" {
		cfg.EdgeAudience = DefaultEdgeAudience
	}
	if cfg.APIAudience == "" {
		cfg.APIAudience = DefaultAPIAudience
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ks, err := keys.NewStore(cfg.DB, cfg.KeyEncryptionKey, keys.Options{Now: cfg.Now, ActivationDelay: cfg.KeyActivationDelay})
	if err != nil {
		return nil, err
	}
	if err := ks.Ensure(ctx); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, keys: ks}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	issuer := &tokens.Issuer{Keys: ks, Issuer: cfg.Issuer, Audience: cfg.APIAudience, Now: cfg.Now}
	if cfg.PasswordHashMemory < 0 {
		s.cancel()
		return nil, errors.New("origin: PasswordHashMemory must not be negative")
	}
	hashWait := cfg.PasswordHashWait
	switch {
	case hashWait == 0:
		hashWait = accounts.DefaultHashWait
	case hashWait < 0:
		hashWait = 0
	}
	s.accounts = accounts.NewStore(cfg.DB, accounts.NewHashGate(cfg.PasswordHashMemory, hashWait))
	s.catalog = catalog.NewStore(cfg.DB, cfg.PublicURL, cfg.Now)
	s.cache = cache.New(cfg.Redis, cfg.RedisPrefix, cache.Options{Logger: cfg.Logger})
	if !cfg.NoCatalogCache {
		s.catalog.SetCache(s.cache)
	}
	s.ident = newIdentity(s)
	s.oauth, err = oauth.New(oauth.Config{
		PublicURL: cfg.PublicURL, Accounts: s.accounts, Tokens: issuer, DB: cfg.DB,
		Redis: cfg.Redis, RedisPrefix: cfg.RedisPrefix, Now: cfg.Now, Logger: cfg.Logger,
		Devices: s.ident.devices, Limiter: s.ident.limiter, Limits: cfg.RateLimits, Streams: s.ident.streams(),
		CSRFKey: s.ident.csrfKey(),
	})
	if err != nil {
		s.cancel()
		return nil, err
	}
	s.playback = playback.New(playback.Config{
		EdgeURL: cfg.EdgeURL, Issuer: cfg.Issuer, Audience: cfg.EdgeAudience, Keys: ks,
		Catalog: s.catalog, Accounts: s.accounts, Now: cfg.Now, Logger: cfg.Logger,
		Streams:  playback.NewStreams(cfg.Redis, cfg.RedisPrefix, playback.HeartbeatInterval, cfg.Now),
		Progress: progress.NewStore(cfg.DB),
	})
	s.media = &media.Handler{Store: cfg.Media, Ctx: s.ctx, Logger: cfg.Logger, EdgeSecret: cfg.EdgeSecret}
	s.web = &webapp.Handler{FS: cfg.WebDir, EdgeURL: cfg.EdgeURL}
	s.bearer = s.oauth.Bearer
	s.metadata = mustJSON(s.oauth.Metadata())
	s.http = &fasthttp.Server{
		Handler:               s.route,
		Name:                  "edgeflix-origin",
		ReadTimeout:           30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		MaxRequestBodySize:    1 << 20,
		NoDefaultServerHeader: true,
		NoDefaultDate:         false,
		ErrorHandler: func(ctx *fasthttp.RequestCtx, err error) {
			if errors.Is(err, fasthttp.ErrBodyTooLarge) {
				httpx.WriteProblem(ctx, fasthttp.StatusRequestEntityTooLarge, "body-too-large", "request body too large")
				return
			}
			httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "bad-request", "malformed request")
		},
		Logger: slogPrinter{cfg.Logger},
	}
	s.wg.Add(1)
	go s.reloadKeys()
	return s, nil
}

// PasswordHashGate returns the gate that bounds concurrent Argon2id work.
func (s *Server) PasswordHashGate() *accounts.HashGate { return s.accounts.HashGate() }

// Keys returns the server's signing key store.
func (s *Server) Keys() *keys.Store { return s.keys }

func (s *Server) reloadKeys() {
	defer s.wg.Done()
	t := time.NewTicker(KeyReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
			if err := s.keys.Reload(ctx); err != nil && s.ctx.Err() == nil {
				s.cfg.Logger.Error("origin: reload signing keys", "err", err)
			}
			if kids, err := s.keys.RetireDue(ctx); err != nil && s.ctx.Err() == nil {
				s.cfg.Logger.Error("origin: retire signing keys", "err", err)
			} else if len(kids) > 0 {
				s.cfg.Logger.Info("origin: retired signing keys past their last token lifetime", "kids", kids)
			}
			cancel()
		}
	}
}

// Serve answers requests on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	return s.http.Serve(ln)
}

// Close stops the server: listeners close, requests in flight finish (up
// to the context of fasthttp's shutdown), streams from S3 are aborted.
func (s *Server) Close() error {
	err := s.http.Shutdown()
	s.cancel()
	s.wg.Wait()
	return err
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, args ...any) {
	p.l.Warn("fasthttp", "msg", strings.TrimSpace(fmt.Sprintf(format, args...)))
}
