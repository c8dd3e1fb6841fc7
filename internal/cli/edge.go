package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/internal/edgeproof"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge"
	"github.com/edgeflix/edgeflix/edge/admin"
)

// defaultEdgeAddr is where `edgeflix edge` listens (EDGEFLIX_EDGE_ADDR).
const defaultEdgeAddr = "127.0.0.1:8081"

// listFlag is a repeatable flag that also splits commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func runEdge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("edge", "[flags]", stderr)
	addr := fs.String("addr", envOr("EDGEFLIX_EDGE_ADDR", defaultEdgeAddr), "listen address (env EDGEFLIX_EDGE_ADDR)")
	origin := fs.String("origin", envOr("EDGEFLIX_ORIGIN_URL", defaultOriginURL), "origin base URL (env EDGEFLIX_ORIGIN_URL)")
	jwksURL := fs.String("jwks-url", envOr("EDGEFLIX_JWKS_URL", ""), "key set URL; default <origin>/.well-known/jwks.json (env EDGEFLIX_JWKS_URL)")
	module := fs.String("module", envOr("EDGEFLIX_EDGE_MODULE", "dist/edge.wasm"), "edge Wasm module, built by 'make wasm' (env EDGEFLIX_EDGE_MODULE)")
	cacheDir := fs.String("cache-dir", envOr("EDGEFLIX_WASM_CACHE_DIR", ".cache/wazero"), "wazero compilation cache directory; empty disables (env EDGEFLIX_WASM_CACHE_DIR)")
	iss := fs.String("iss", envOr("EDGEFLIX_ISSUER", contract.DefaultIssuer), "required playback token issuer, the origin's --issuer (env EDGEFLIX_ISSUER)")
	aud := fs.String("aud", envOr("EDGEFLIX_EDGE_AUDIENCE", contract.DefaultAudience), "required playback token audience, the origin's --edge-audience (env EDGEFLIX_EDGE_AUDIENCE)")
	drainDelay := fs.Duration("drain-delay", envDuration("EDGEFLIX_DRAIN_DELAY", 0), "on SIGTERM, answer /readyz 503 for this long before closing, so a load balancer stops routing here first (env EDGEFLIX_DRAIN_DELAY)")
	startTimeout := fs.Duration("start-timeout", time.Minute, "how long to wait for the origin's key set at start")
	guard := fs.Bool("guard-calls", false, "compile the module with wazero's termination checks (stoppable runaway calls, ~10x slower gate)")
	logFmt := registerLogFormat(fs)
	accessLog := fs.Bool("access-log", envOr("EDGEFLIX_ACCESS_LOG", "1") != "0", "write one log line per request with its CMCD (env EDGEFLIX_ACCESS_LOG=0 turns it off)")

	adminAddr := fs.String("admin-addr", envOr("EDGEFLIX_EDGE_ADMIN_ADDR", "127.0.0.1:9181"), "admin API listen address (function versions, /metrics); served only if "+admin.TokenEnv+" is set (env EDGEFLIX_EDGE_ADMIN_ADDR)")
	versionsDir := fs.String("versions-dir", envOr("EDGEFLIX_EDGE_VERSIONS_DIR", ""), "folder of function versions; empty runs --module alone, without versions (env EDGEFLIX_EDGE_VERSIONS_DIR)")
	var allow listFlag
	fs.Var(&allow, "allow-origin", "browser origin allowed by CORS, repeatable or comma-separated; default the origin URL's origin (env EDGEFLIX_ALLOW_ORIGINS)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if len(allow) == 0 {
		if env := os.Getenv("EDGEFLIX_ALLOW_ORIGINS"); env != "" {
			_ = allow.Set(env)
		} else if u, err := url.Parse(*origin); err == nil {
			allow = listFlag{u.Scheme + "://" + u.Host}
		}
	}
	wasm, err := os.ReadFile(*module)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("module %s not found: run 'make wasm' or pass --module", *module)
		}
		return err
	}
	if *cacheDir != "" {
		if err := os.MkdirAll(*cacheDir, 0o755); err != nil {
			return err
		}
	}
	var proofKeys []edgeproof.Key
	if v := os.Getenv("EDGEFLIX_EDGE_PROOF_KEYS"); v != "" { // never a flag: flags show in ps
		if proofKeys, err = edgeproof.ParseKeys(v); err != nil {
			return err
		}
	}
	logger := logFmt.logger(stderr)
	var access *slog.Logger
	if *accessLog {
		access = logger
	}
	startCtx, cancel := context.WithTimeout(ctx, *startTimeout)
	defer cancel()
	srv, err := edge.New(startCtx, edge.Config{
		OriginURL:      *origin,
		JWKSURL:        *jwksURL,
		Module:         wasm,
		GuardCalls:     *guard,
		CacheDir:       *cacheDir,
		Issuer:         *iss,
		Audience:       *aud,
		AllowedOrigins: allow,
		OriginSecret:   os.Getenv("EDGEFLIX_EDGE_SECRET"), // never a flag: flags show in ps
		ProofKeys:      proofKeys,
		Logger:         logger,
		AccessLog:      access,

		VersionsDir: *versionsDir,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_ = srv.Close()
		return err
	}
	_, stopAdmin, err := serveAdmin(srv, *adminAddr, ln.Addr().String(), stdout, logger)
	if err != nil {
		_ = ln.Close()
		_ = srv.Close()
		return err
	}
	defer stopAdmin()
	fmt.Fprintf(stdout, "edge listening on http://%s (origin %s)\n", ln.Addr(), *origin)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
		_ = srv.Close()
		return err
	case <-ctx.Done():
		drain(srv, *drainDelay, errc)
		return srv.Close()
	}
}

var _ flag.Value = (*listFlag)(nil)
