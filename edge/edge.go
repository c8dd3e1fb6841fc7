// Package edge is the edgeflix CDN edge server (a PoP you can run): it
// gates /t/<token>/v1/media/… requests with the Wasm module's
// viewer-request function (edge/fnhost), then answers the stripped path
// from its cache (edge/cache) or the origin, with CORS for the web app.
//
// The request path follows CloudFront's model: viewer-request (gate) →
// cache → origin-request → origin. Master playlists (…/master.m3u8) go
// through the origin-request function of the request's function version
// (the one whose gate admitted it), which rewrites them for the device's
// caps, and are cached per (path, caps class, version); media
// playlists, init segments and segments are cached once for every viewer,
// keyed by path, for as long as the origin's Cache-Control allows. Misses
// of one key are coalesced into one origin fetch, and an expired object is
// served (X-Cache: STALE) while the origin fails.
package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/cache"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/edge/traffic"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/wasm/gate"
)

// Defaults for zero Config fields.
const (
	DefaultLeeway        = contract.DefaultLeewaySeconds * time.Second
	DefaultJWKSRefresh   = 30 * time.Second
	DefaultOriginTimeout = 15 * time.Second
)

// maxJWKSSize bounds the key set document the edge accepts.
const maxJWKSSize = 1 << 20

// Config configures a Server.
type Config struct {
	// OriginURL is the origin's base URL, e.g. http://127.0.0.1:8080 (required).
	OriginURL string
	// JWKSURL is where the playback-token keys are published; empty means
	// OriginURL + "/.well-known/jwks.json".
	JWKSURL string
	// Module is the edge .wasm (required).
	Module []byte
	// CacheDir, if set, holds wazero's compilation cache.
	CacheDir string
	// CompilationCache, if set, is an in-process wazero cache (tests share
	// one); it takes precedence over CacheDir.
	CompilationCache wazero.CompilationCache
	// PoolSize is the number of module instances; 0 means GOMAXPROCS.
	PoolSize int
	// GuardCalls compiles the module with wazero's termination checks, so a
	// runaway call can be stopped mid-way; it makes a warm gate call about
	// ten times slower. If false, every export still runs only over
	// size-capped, fuzzed input, and a call that overruns its deadline is
	// flagged and its instance replaced when it returns (RATIONALE.md).
	GuardCalls bool
	// Issuer and Audience are the required iss and aud of playback tokens;
	// empty means contract.DefaultIssuer and contract.DefaultAudience.
	Issuer, Audience string
	// Leeway is the clock skew allowed on token times; 0 means
	// DefaultLeeway, negative means none.
	Leeway time.Duration
	// AllowedOrigins are the browser origins (scheme://host[:port]) that get
	// CORS answers; "*" allows any origin.
	AllowedOrigins []string
	// JWKSRefresh is how often the key set is fetched again; 0 means
	// DefaultJWKSRefresh.
	JWKSRefresh time.Duration
	// OriginSecret, if set, is sent in contract.OriginVerifyHeader on every origin
	// fetch, proving to the origin that the request came through the edge
	// (origin.Config.EdgeSecret). Never logged.
	OriginSecret string
	// ProofKeys sign the gate's proof (contract.ProofHeader) on every
	// origin request, with the first key; the origin verifies it
	// (internal/edgeproof). Never logged.
	ProofKeys []edgeproof.Key
	// OriginTimeout bounds one origin fetch; 0 means DefaultOriginTimeout.
	OriginTimeout time.Duration
	// CacheBytes bounds the edge cache's memory; 0 means
	// cache.DefaultMaxBytes.
	CacheBytes int64
	// CacheObjectBytes is the largest object cached; bigger ones pass
	// through. 0 means cache.DefaultMaxObjectBytes.
	CacheObjectBytes int
	// StaleWindow is how long after expiry a cached object is served while
	// the origin fails; 0 means cache.DefaultStaleWindow, negative never.
	StaleWindow time.Duration
	// MasterMaxAge caps the max-age of the private Cache-Control viewers
	// get with a rewritten master; 0 means DefaultMasterMaxAge.
	MasterMaxAge time.Duration
	// Now is the clock tokens are checked against and cache freshness is
	// judged by; nil means time.Now.
	Now func() time.Time
	// Logger receives operational logs; nil discards them. Tokens are never logged.
	Logger *slog.Logger
	// AccessLog, if set, receives one line per request (accesslog.go): the
	// path without its token, gate verdict, cache status, function
	// version, caps, bytes, time and the request's CMCD. Nil writes none.
	AccessLog *slog.Logger

	// VersionsDir, if set, keeps function versions there and routes
	// requests between them (functions.go); Module becomes version 1 at
	// first start.
	VersionsDir string
	// CanaryPolicy is the automatic canary rollback rule; zero fields
	// take edge/traffic's defaults.
	CanaryPolicy traffic.Policy
}

// Server is a running edge.
type Server struct {
	cfg    Config
	origin string // OriginURL without a trailing slash
	client *fasthttp.HostClient
	// maxObject is the largest body a shared-object fill buffers (the
	// cache's object limit); larger and uncacheable ones are streamed.
	maxObject int
	// streams holds opened origin answers (*originStream) by the streamed
	// *cache.Object that stands for them, until a viewer takes one.
	streams sync.Map
	fn      functions
	cache   *cache.Cache
	srv     *fasthttp.Server
	allowed map[string]bool
	anyOK   bool

	stop       context.CancelFunc
	refreshing sync.WaitGroup

	metrics  *metrics
	versions *traffic.Router // nil without Config.VersionsDir

	mu       sync.Mutex // guards lastJWKS and keysAt
	lastJWKS []byte
	keysAt   time.Time // when a key set was last fetched (cfg.Now)

	healthz, readyz fasthttp.RequestHandler // health.go
	draining        atomic.Bool             // set by Drain: /readyz answers 503

	cmcd cmcdCounters
}

// New starts the module pool, fetches the key set (retrying until ctx is
// done) and starts refreshing it every cfg.JWKSRefresh. Call Serve to
// accept requests and Close to stop.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if len(cfg.Module) == 0 {
		return nil, errors.New("edge: no module")
	}
	u, err := url.Parse(cfg.OriginURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("edge: origin URL %q: want http(s)://host[:port]", cfg.OriginURL)
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = strings.TrimSuffix(cfg.OriginURL, "/") + "/.well-known/jwks.json"
	}
	if cfg.Issuer == "" {
		cfg.Issuer = contract.DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = contract.DefaultAudience
	}
	switch {
	case cfg.Leeway == 0:
		cfg.Leeway = DefaultLeeway
	case cfg.Leeway < 0:
		cfg.Leeway = 0
	}
	if cfg.JWKSRefresh <= 0 {
		cfg.JWKSRefresh = DefaultJWKSRefresh
	}
	if cfg.OriginTimeout <= 0 {
		cfg.OriginTimeout = DefaultOriginTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MasterMaxAge <= 0 {
		cfg.MasterMaxAge = DefaultMasterMaxAge
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	addr := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	s := &Server{
		cfg:    cfg,
		origin: strings.TrimSuffix(cfg.OriginURL, "/"),
		client: &fasthttp.HostClient{
			Addr:                   addr,
			IsTLS:                  u.Scheme == "https",
			Name:                   "edgeflix-edge",
			ReadTimeout:            cfg.OriginTimeout,
			WriteTimeout:           cfg.OriginTimeout,
			MaxIdleConnDuration:    30 * time.Second,
			DisablePathNormalizing: true,
		},
		allowed: make(map[string]bool),
		cache: cache.New(cache.Options{
			MaxBytes:       cfg.CacheBytes,
			MaxObjectBytes: cfg.CacheObjectBytes,
			StaleWindow:    cfg.StaleWindow,
			Now:            cfg.Now,
		}),
	}
	s.maxObject = cfg.CacheObjectBytes
	if s.maxObject <= 0 {
		s.maxObject = cache.DefaultMaxObjectBytes
	}
	for _, o := range cfg.AllowedOrigins {
		if o == "*" {
			s.anyOK = true
		}
		s.allowed[strings.TrimSuffix(o, "/")] = true
	}
	// Compiling and instantiating is bounded work, not a wait on the
	// network: the start-up deadline bounds only the key-set fetch.
	s.metrics = newMetrics(s)
	s.healthz, s.readyz = s.newProbes()
	if s.fn, err = s.startFunctions(ctx); err != nil {
		return nil, err
	}
	if err := s.initialKeys(ctx); err != nil {
		_ = s.fn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	s.srv = &fasthttp.Server{
		Handler:                       s.instrument(s.handle),
		Name:                          "edgeflix-edge",
		ReadTimeout:                   30 * time.Second,
		WriteTimeout:                  60 * time.Second,
		IdleTimeout:                   90 * time.Second,
		MaxRequestBodySize:            1 << 10,
		DisablePreParseMultipartForm:  true,
		DisableHeaderNamesNormalizing: false,
		Logger:                        fasthttpLogger{cfg.Logger},
	}
	refreshCtx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.refreshing.Add(1)
	go s.refreshLoop(refreshCtx)
	return s, nil
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(ln)
}

// Close stops accepting requests, waits for requests in flight, stops the
// key refresh and closes the module pool.
func (s *Server) Close() error {
	s.Drain()
	s.stop()
	err := s.srv.Shutdown()
	s.refreshing.Wait()
	if ferr := s.fn.Close(context.Background()); err == nil {
		err = ferr
	}
	s.client.CloseIdleConnections()
	return err
}

// ModuleStats returns the module pool's counters.
func (s *Server) ModuleStats() fnhost.Stats { return s.fn.Stats() }

func (s *Server) initialKeys(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for {
		err := s.RefreshKeys(ctx)
		if err == nil {
			return nil
		}
		s.cfg.Logger.Warn("edge: fetching the key set failed, retrying", "url", s.cfg.JWKSURL, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("edge: no key set from %s: %w", s.cfg.JWKSURL, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

func (s *Server) refreshLoop(ctx context.Context) {
	defer s.refreshing.Done()
	t := time.NewTicker(s.cfg.JWKSRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.RefreshKeys(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Warn("edge: key set refresh failed; keeping the previous keys", "err", err)
			}
		}
	}
}

// RefreshKeys fetches the key set now and reconfigures the module if it
// changed.
func (s *Server) RefreshKeys(ctx context.Context) error {
	body, err := s.fetchJWKS(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := bytes.Equal(body, s.lastJWKS)
	if same {
		s.keysAt = s.cfg.Now()
	}
	s.mu.Unlock()
	if same {
		return nil
	}
	if !json.Valid(body) {
		return errors.New("edge: key set is not JSON")
	}
	cfg := contract.ModuleConfig{Issuer: s.cfg.Issuer, Audience: s.cfg.Audience, LeewaySeconds: int64(s.cfg.Leeway / time.Second), JWKS: body}
	doc := cfg.AppendJSON(nil)
	if err := s.fn.Configure(ctx, doc); err != nil {
		return err
	}
	s.mu.Lock()
	s.lastJWKS = body
	s.keysAt = s.cfg.Now()
	s.mu.Unlock()
	s.cfg.Logger.Info("edge: key set loaded", "url", s.cfg.JWKSURL)
	return nil
}

func (s *Server) fetchJWKS(ctx context.Context) ([]byte, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(s.cfg.JWKSURL)
	req.Header.Set("Accept", "application/json")
	timeout := 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	c := &fasthttp.Client{MaxResponseBodySize: maxJWKSSize}
	if err := c.DoTimeout(req, resp, timeout); err != nil {
		return nil, fmt.Errorf("edge: GET %s: %w", s.cfg.JWKSURL, err)
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return nil, fmt.Errorf("edge: GET %s: status %d", s.cfg.JWKSURL, resp.StatusCode())
	}
	return append([]byte(nil), resp.Body()...), nil
}

// slogWriter forwards the module's stderr to the logger.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Error("edge module stderr", "text", strings.TrimSpace(string(p)))
	return len(p), nil
}

// fasthttpLogger adapts slog to fasthttp's Logger.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn(fmt.Sprintf(format, args...))
}

// gateResult is passed from the gate to the cache and origin-request stage.
type gateResult = gate.Result
