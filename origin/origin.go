// Package origin assembles the edgeflix origin server: identity (accounts,
// OAuth 2.0, signing keys), the catalog, playback sessions, media from S3
// and the web app, behind one fasthttp server.
package origin

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/cache"
	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/origin/media"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/objstore"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/profiles"
	"github.com/edgeflix/edgeflix/origin/progress"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
	"github.com/edgeflix/edgeflix/origin/tokens"
	"github.com/edgeflix/edgeflix/origin/webapp"
)

// Defaults of Config fields.
const (
	DefaultAPIAudience = "edgeflix-api"
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
	// Issuer is the iss of every token. If empty, contract.DefaultIssuer.
	Issuer string
	// EdgeAudience is the aud of playback tokens. If empty,
	// contract.DefaultAudience.
	EdgeAudience string
	// PlaybackTokenLifetime is how long a playback token lives between
	// heartbeat renewals; 0 means tokens.PlaybackTokenLifetime. Tests
	// shorten it; the heartbeat interval is a third of it.
	PlaybackTokenLifetime time.Duration
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
	// EdgeSecret, if set, must arrive in the contract.OriginVerifyHeader of every
	// /v1/media/ request for gated media (the edge sends it, CloudFront adds
	// it as a custom origin header); else 403. Never logged.
	EdgeSecret string
	// EdgeProofKeys verify the gate's X-Edgeflix-Proof on /v1/media/
	// (EDGEFLIX_EDGE_PROOF_KEYS); see media.Handler.ProofKeys.
	EdgeProofKeys []edgeproof.Key
	// Streams stops a revoked device's streams. If nil, the playback
	// stream leases (playback.Streams) do.
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
	// ReadyTimeout bounds each /healthz and /readyz dependency check; a
	// check that outlasts it reads "timeout" and the answer is 503. If
	// zero, 1 s for MySQL and 500 ms for Redis.
	ReadyTimeout time.Duration
}

// Server is a running origin: the collaborators New wires together, and
// the route table (routes.go) behind the request policy (policy.go).
type Server struct {
	cfg          Config
	keys         *keys.Store
	accounts     *accounts.Store
	summary      *accounts.SummaryAPI
	profileStore *profiles.Store
	profiles     *profiles.API
	devices      *devices.API
	catalog      *catalog.Store
	oauth        *oauth.Server
	playback     *playback.Service
	media        *media.Handler
	web          *webapp.Handler
	policy       *policy
	http         *fasthttp.Server
	metadata     []byte
	observe      *observability // metrics, /healthz, /readyz, QoE (observe.go)
	draining     atomic.Bool    // set by Drain: /readyz answers 503

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
		cfg.Issuer = contract.DefaultIssuer
	}
	if cfg.EdgeAudience == "" {
		cfg.EdgeAudience = contract.DefaultAudience
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

	// Stores.
	s.accounts = accounts.NewStore(cfg.DB, accounts.NewHashGate(cfg.PasswordHashMemory, hashWait))
	s.profileStore = profiles.NewStore(cfg.DB, cfg.Now)
	s.profileStore.SetHashGate(s.accounts.HashGate())
	deviceStore := devices.NewStore(cfg.DB, cfg.Now)
	s.catalog = catalog.NewStore(cfg.DB, cfg.PublicURL, cfg.Now)
	if !cfg.NoCatalogCache {
		s.catalog.SetCache(cache.New(cfg.Redis, cfg.RedisPrefix, cache.Options{Logger: cfg.Logger}))
	}
	tokenLifetime := cmp.Or(cfg.PlaybackTokenLifetime, tokens.PlaybackTokenLifetime)
	streams := playback.NewStreams(cfg.Redis, cfg.RedisPrefix, playback.HeartbeatFor(tokenLifetime), cfg.Now)
	stopper := cfg.Streams
	if stopper == nil {
		stopper = streams
	}
	limiter := ratelimit.New(cfg.Redis, cfg.RedisPrefix, cfg.Now, cfg.Logger)

	// Identity.
	s.oauth, err = oauth.New(oauth.Config{
		PublicURL: cfg.PublicURL, Accounts: s.accounts, DB: cfg.DB, Redis: cfg.Redis, RedisPrefix: cfg.RedisPrefix,
		Tokens:  &tokens.Issuer{Keys: ks, Issuer: cfg.Issuer, Audience: cfg.APIAudience, Now: cfg.Now},
		Devices: deviceStore, Limiter: limiter, Limits: cfg.RateLimits, Streams: stopper,
		CSRFKey: csrfKey(cfg.KeyEncryptionKey), Now: cfg.Now, Logger: cfg.Logger,
	})
	if err != nil {
		s.cancel()
		return nil, err
	}
	s.summary = &accounts.SummaryAPI{Accounts: s.accounts, Profiles: s.profileStore, Devices: deviceStore, Logger: cfg.Logger}
	s.profiles = &profiles.API{Store: s.profileStore, Devices: deviceStore, Tokens: s.oauth,
		Limiter: limiter, PINLimit: s.oauth.Limits().PIN, Logger: cfg.Logger}
	s.devices = &devices.API{Store: deviceStore, Revoker: s.oauth, Logger: cfg.Logger}

	// Playback, media and the web app.
	s.playback = playback.New(playback.Config{
		EdgeURL: cfg.EdgeURL, Issuer: cfg.Issuer, Audience: cfg.EdgeAudience, Keys: ks,
		Catalog: s.catalog, Viewers: s.profileStore, Accounts: s.accounts, Streams: streams,
		Progress: progress.NewStore(cfg.DB), TokenLifetime: tokenLifetime, Now: cfg.Now, Logger: cfg.Logger,
	})
	s.media = &media.Handler{Store: cfg.Media, Ctx: s.ctx, Logger: cfg.Logger, EdgeSecret: cfg.EdgeSecret, ProofKeys: cfg.EdgeProofKeys, Now: cfg.Now,
		Published: func(ctx context.Context, rel string) (bool, error) { return s.catalog.ArtPublished(ctx, rel) }}
	s.web = &webapp.Handler{FS: cfg.WebDir, EdgeURL: cfg.EdgeURL}
	s.web.Ready() // read, name and start compressing the app's files now, not on the first request
	s.metadata = mustJSON(s.oauth.Metadata())
	s.observe = newObservability(s, streams)

	// One route table behind one request policy.
	s.policy = newPolicy(cfg, limiter)
	router, err := httpx.NewRouter(s.routes())
	if err != nil {
		s.cancel()
		return nil, err
	}
	s.http = &fasthttp.Server{
		Handler:               s.observe.metrics.Wrap(s.policy.wrap(router.ServeHTTP), routeLabel),
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

// csrfKey derives the login form's CSRF key from the key-encryption key,
// so every origin process behind a load balancer accepts the others' forms.
func csrfKey(kek []byte) []byte {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("edgeflix login csrf v1"))
	return m.Sum(nil)
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

// Drain makes /readyz answer 503 ("shutdown": "draining") while the
// server goes on serving, so a load balancer takes the instance out of
// rotation before Close stops it.
func (s *Server) Drain() { s.draining.Store(true) }

// Close stops the server: listeners close, requests in flight finish (up
// to the context of fasthttp's shutdown), streams from S3 are aborted.
func (s *Server) Close() error {
	s.Drain()
	err := s.http.Shutdown()
	s.cancel()
	s.wg.Wait()
	return err
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, args ...any) {
	p.l.Warn("fasthttp", "msg", strings.TrimSpace(fmt.Sprintf(format, args...)))
}
