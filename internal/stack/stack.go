// Package stack brings the whole local edgeflix service up in one process:
// the S3-compatible store, the MySQL schema, the demo catalog, the origin
// (with the web app) and the edge. `edgeflix up` and the end-to-end tests
// both use it, so what a newcomer runs is what the tests check.
package stack

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/edgeflix/edgeflix/internal/edgeproof"

	"github.com/edgeflix/edgeflix/edge"
	"github.com/edgeflix/edgeflix/internal/redisconn"
	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/ingest/demo"
	"github.com/edgeflix/edgeflix/origin/objstore"
	"github.com/edgeflix/edgeflix/origin/store"
)

// Config describes one local stack. Zero values are documented per field.
type Config struct {
	// MySQLDSN names the MySQL database; it is created and migrated.
	MySQLDSN string
	// RedisAddr and RedisPrefix place the origin's short-lived state.
	RedisAddr, RedisPrefix string
	// S3Endpoint is an S3-compatible endpoint. If empty, a local store is
	// started on S3Addr with its objects under S3Dir.
	S3Endpoint        string
	S3AccessKeyID     string
	S3SecretAccessKey string
	S3Dir, S3Addr     string
	Bucket            string
	// OriginAddr and EdgeAddr are listen addresses ("127.0.0.1:0" for any port).
	OriginAddr, EdgeAddr string
	// MoreEdgeAddrs start further edges in front of the same origin (the
	// origin's links name the first edge; the others are reached directly).
	MoreEdgeAddrs []string
	// EdgeVersionsDir, if set, gives each edge function versions in its own
	// subfolder (edge-1, edge-2, …), driven by `edgeflix fn`.
	EdgeVersionsDir string
	// EdgeUpstream, if set, wraps the origin's URL into the URL the edge
	// fetches from (tests put a request-counting proxy there). If nil, the
	// edge fetches from the origin directly.
	EdgeUpstream func(originURL string) (string, error)
	// KeyEncryptionKey seals the origin's signing keys at rest.
	KeyEncryptionKey []byte
	// EdgeModule is the edge .wasm; WazeroCacheDir, if set, caches its
	// compilation across runs.
	EdgeModule     []byte
	WazeroCacheDir string
	// WebFS holds the web app served at /app/ (see web.Site).
	WebFS fs.FS
	// Demo configures the demo catalog; its DB and Media are filled in.
	// If SkipDemo is set, no demo titles are made.
	Demo     demo.Config
	SkipDemo bool
	// PlaybackTokenLifetime shortens playback tokens (and so the
	// heartbeat interval) for tests; 0 means the default.
	// EdgeLeeway is the edge's clock-skew allowance; 0 means the default,
	// negative none.
	PlaybackTokenLifetime, EdgeLeeway time.Duration
	// Progress receives start-up progress lines. If nil, they are dropped.
	Progress io.Writer
	// Logger receives the servers' logs. If nil, they are dropped.
	Logger *slog.Logger
	// AccessLog, if set, receives the edge's access log (edge.Config.AccessLog).
	AccessLog *slog.Logger
}

// Stack is a running local service.
type Stack struct {
	// OriginURL, EdgeURL and AppURL are where a person or a test goes.
	OriginURL, EdgeURL, AppURL string
	// Edges are the running edges, the first at EdgeURL; EdgeURLs lists
	// their public URLs in the same order.
	Edges    []*edge.Server
	EdgeURLs []string
	// Origin is the running origin server.
	Origin *origin.Server
	// Media is the S3 bucket the stack serves.
	Media *objstore.Store
	// ProofKeys are the gate's proof keys the edge signs with and the
	// origin verifies, fresh per run (attack tests forge around them).
	ProofKeys []edgeproof.Key

	closers []func() error
}

// Start brings every part up, in dependency order, and returns once the
// origin and the edge accept requests. On error nothing is left running.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	st := &Stack{}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	// Object store.
	oc := objstore.Config{Bucket: cfg.Bucket, Endpoint: cfg.S3Endpoint,
		AccessKeyID: cfg.S3AccessKeyID, SecretAccessKey: cfg.S3SecretAccessKey}
	if cfg.S3Endpoint == "" {
		s3srv, err := s3local.Start(cfg.S3Dir, cfg.S3Addr)
		if err != nil {
			return nil, err
		}
		st.closers = append(st.closers, s3srv.Close)
		oc.Endpoint = s3srv.Endpoint()
		oc.AccessKeyID, oc.SecretAccessKey = s3local.AccessKeyID, s3local.SecretAccessKey
		fmt.Fprintf(progress, "stack: local S3 store at %s (objects in %s)\n", oc.Endpoint, cfg.S3Dir)
	}
	if st.Media, err = objstore.New(ctx, oc); err != nil {
		return nil, err
	}
	if err := st.Media.EnsureBucket(ctx); err != nil {
		return nil, err
	}

	// MySQL and Redis.
	if err := store.EnsureDatabase(ctx, cfg.MySQLDSN); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.MySQLDSN)
	if err != nil {
		return nil, err
	}
	st.closers = append(st.closers, db.Close)
	if err := store.Migrate(ctx, db); err != nil {
		return nil, err
	}
	rdb := redisconn.New(cfg.RedisAddr)
	st.closers = append(st.closers, rdb.Close)
	if err := rdb.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("stack: redis at %s: %w", cfg.RedisAddr, err)
	}

	// Demo catalog.
	if !cfg.SkipDemo {
		dc := cfg.Demo
		dc.DB, dc.Media = db, st.Media
		dc.Redis, dc.RedisPrefix = rdb, cfg.RedisPrefix
		if dc.Progress == nil {
			dc.Progress = progress
		}
		if err := demo.Ensure(ctx, dc); err != nil {
			return nil, err
		}
	}

	// Listeners first: the origin must know the edge's URL and back.
	originLn, err := net.Listen("tcp", cfg.OriginAddr)
	if err != nil {
		return nil, fmt.Errorf("stack: origin listen: %w", err)
	}
	st.closers = append(st.closers, ignoreClosed(originLn.Close))
	edgeLn, err := net.Listen("tcp", cfg.EdgeAddr)
	if err != nil {
		return nil, fmt.Errorf("stack: edge listen: %w", err)
	}
	st.closers = append(st.closers, ignoreClosed(edgeLn.Close))
	st.OriginURL = "http://" + originLn.Addr().String()
	st.EdgeURL = "http://" + edgeLn.Addr().String()
	st.AppURL = st.OriginURL + "/app/"

	// A fresh edge secret per run: only this stack's edge may fetch media.
	edgeSecret := rand.Text()
	// One proof key shared by the edge (signs) and the origin (verifies).
	proofKey, err := edgeproof.NewKey("dev")
	if err != nil {
		return nil, err
	}
	proofKeys := []edgeproof.Key{proofKey}
	st.ProofKeys = proofKeys
	st.Origin, err = origin.New(ctx, origin.Config{
		PublicURL: st.OriginURL, EdgeURL: st.EdgeURL, DB: db, Redis: rdb,
		RedisPrefix: cfg.RedisPrefix, Media: st.Media, WebDir: cfg.WebFS,
		KeyEncryptionKey: cfg.KeyEncryptionKey, Logger: logger, EdgeSecret: edgeSecret, EdgeProofKeys: proofKeys,
		PlaybackTokenLifetime: cfg.PlaybackTokenLifetime,
	})
	if err != nil {
		return nil, err
	}
	st.closers = append(st.closers, st.Origin.Close)
	go st.Origin.Serve(originLn)

	upstream := st.OriginURL
	if cfg.EdgeUpstream != nil {
		if upstream, err = cfg.EdgeUpstream(st.OriginURL); err != nil {
			return nil, err
		}
	}
	// Compiling the module (tens of seconds under -race on a busy machine)
	// and waiting for the origin's key set share this budget.
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for i, addr := range append([]string{""}, cfg.MoreEdgeAddrs...) {
		ln := edgeLn
		if i > 0 {
			if ln, err = net.Listen("tcp", addr); err != nil {
				return nil, fmt.Errorf("stack: edge %d listen: %w", i+1, err)
			}
			st.closers = append(st.closers, ignoreClosed(ln.Close))
		}
		versionsDir := ""
		if cfg.EdgeVersionsDir != "" {
			versionsDir = filepath.Join(cfg.EdgeVersionsDir, fmt.Sprintf("edge-%d", i+1))
		}
		edgeSrv, err := edge.New(startCtx, edge.Config{
			OriginURL: upstream, Module: cfg.EdgeModule, CacheDir: cfg.WazeroCacheDir,
			AllowedOrigins: []string{st.OriginURL}, OriginSecret: edgeSecret, ProofKeys: proofKeys, Leeway: cfg.EdgeLeeway, Logger: logger, AccessLog: cfg.AccessLog,
			VersionsDir: versionsDir,
		})
		if err != nil {
			return nil, err
		}
		st.closers = append(st.closers, edgeSrv.Close)
		st.Edges = append(st.Edges, edgeSrv)
		st.EdgeURLs = append(st.EdgeURLs, "http://"+ln.Addr().String())
		go edgeSrv.Serve(ln)
	}
	return st, nil
}

// Close stops every part in reverse start order.
func (s *Stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

func ignoreClosed(f func() error) func() error {
	return func() error {
		if err := f(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}
