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
	Gate(ctx context.Context, rawPath string, now time.Time) (gate.Result, error)
	Rewrite(ctx context.Context, master []byte, caps string) ([]byte, error)
	Configure(ctx context.Context, doc []byte) error
	Stats() fnhost.Stats
	Close(ctx context.Context) error
}

var (
	_ functions = (*fnhost.Host)(nil)
	_ functions = (*traffic.Router)(nil)
)

// startFunctions starts the module pool, or the version router.
// Compiling and instantiating is bounded work, not a wait on the
// network: the start-up deadline bounds only the key-set fetch.
func (s *Server) startFunctions(ctx context.Context) (functions, error) {
	cfg := s.cfg
	if cfg.VersionsDir == "" {
		return fnhost.New(context.WithoutCancel(ctx), fnhost.Options{
			Module:    cfg.Module,
			CacheDir:  cfg.CacheDir,
			Cache:     cfg.CompilationCache,
			PoolSize:  cfg.PoolSize,
			Unguarded: !cfg.GuardCalls,
			Logger:    cfg.Logger,
			Stderr:    slogWriter{cfg.Logger},
		})
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
	return r, nil
}

// Versions is the edge's version router, nil unless Config.VersionsDir is set.
func (s *Server) Versions() *traffic.Router { return s.versions }
