package edge

import (
	"context"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/edge/traffic"
	"github.com/edgeflix/edgeflix/edge/versions"
	"github.com/edgeflix/edgeflix/wasm/gate"
)

// functions runs the edge module's exports: one fnhost pool, or, with
// Config.VersionsDir, a traffic.Router over stored versions.
type functions interface {
	// Acquire holds the function version that serves a request until its
	// Release; it fails only once the functions are closed.
	Acquire(ctx context.Context, rawPath string) (function, error)
	Configure(ctx context.Context, doc []byte) error
	Stats() fnhost.Stats
	Close(ctx context.Context) error
}

// function is one request's version of the module: the gate and the
// master rewrite of a request run on the same one.
type function interface {
	Gate(ctx context.Context, rawPath string, now time.Time) (gate.Result, error)
	Rewrite(ctx context.Context, master []byte, caps string) ([]byte, error)
	// Label names the version ("" without versions); rewritten masters
	// are cached per label.
	Label() string
	Release()
}

// single is the one pool of an edge without versions.
type single struct{ *fnhost.Host }

func (h single) Acquire(context.Context, string) (function, error) { return h, nil }
func (single) Label() string                                       { return "" }
func (single) Release()                                            {}

// routed is the version router of an edge with versions.
type routed struct{ *traffic.Router }

func (r routed) Acquire(ctx context.Context, rawPath string) (function, error) {
	v, err := r.Router.Acquire(ctx, rawPath)
	if err != nil {
		return nil, err
	}
	return v, nil
}

var (
	_ functions = single{}
	_ functions = routed{}
	_ function  = single{}
	_ function  = (*traffic.Version)(nil)
)

// startFunctions starts the module pool, or the version router.
// Compiling and instantiating is bounded work, not a wait on the
// network: the start-up deadline bounds only the key-set fetch.
func (s *Server) startFunctions(ctx context.Context) (functions, error) {
	cfg := s.cfg
	if cfg.VersionsDir == "" {
		h, err := fnhost.New(context.WithoutCancel(ctx), fnhost.Options{
			Module:    cfg.Module,
			CacheDir:  cfg.CacheDir,
			Cache:     cfg.CompilationCache,
			PoolSize:  cfg.PoolSize,
			Unguarded: !cfg.GuardCalls,
			Logger:    cfg.Logger,
			Stderr:    slogWriter{cfg.Logger},
		})
		if err != nil {
			return nil, err
		}
		return single{h}, nil
	}
	store, err := versions.Open(cfg.VersionsDir, cfg.Now)
	if err != nil {
		return nil, err
	}
	cc := cfg.CompilationCache
	if cc == nil && cfg.CacheDir != "" {
		if cc, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir); err != nil {
			return nil, fmt.Errorf("edge: compilation cache: %w", err)
		}
	}
	if cc == nil {
		cc = wazero.NewCompilationCache()
	}
	r, err := traffic.New(context.WithoutCancel(ctx), traffic.Options{
		Store:      store,
		Bootstrap:  cfg.Module,
		Cache:      cc,
		PoolSize:   cfg.PoolSize,
		Unguarded:  !cfg.GuardCalls,
		Policy:     cfg.CanaryPolicy,
		Registerer: s.metrics.registry,
		Now:        cfg.Now,
		Logger:     cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	s.versions = r
	return routed{r}, nil
}

// Versions is the edge's version router, nil unless Config.VersionsDir is set.
func (s *Server) Versions() *traffic.Router { return s.versions }
