package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/edge/admin"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/origin/ingest/demo"
	"github.com/edgeflix/edgeflix/player/web"
)

func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("up", "[flags]", stderr)
	mysqlDSN := fs.String("mysql-dsn", envOr("EDGEFLIX_MYSQL_DSN", defaultMySQLDSN), "MySQL DSN; the database is created and migrated (env EDGEFLIX_MYSQL_DSN)")
	redisAddr := fs.String("redis-addr", envOr("EDGEFLIX_REDIS_ADDR", defaultRedisAddr), "Redis address (env EDGEFLIX_REDIS_ADDR)")
	s3Endpoint := fs.String("s3-endpoint", envOr("EDGEFLIX_S3_ENDPOINT", ""), "S3-compatible endpoint; empty starts a local store on --s3-addr (env EDGEFLIX_S3_ENDPOINT)")
	s3Addr := fs.String("s3-addr", envOr("EDGEFLIX_S3_ADDR", "127.0.0.1:9000"), "listen address of the local S3 store (env EDGEFLIX_S3_ADDR)")
	bucket := fs.String("s3-bucket", envOr("EDGEFLIX_S3_BUCKET", defaultBucket), "media bucket (env EDGEFLIX_S3_BUCKET)")
	originAddr := fs.String("origin-addr", envOr("EDGEFLIX_ORIGIN_ADDR", "127.0.0.1:8080"), "origin listen address (env EDGEFLIX_ORIGIN_ADDR)")
	edgeAddr := fs.String("edge-addr", envOr("EDGEFLIX_EDGE_ADDR", "127.0.0.1:8081"), "edge listen address (env EDGEFLIX_EDGE_ADDR)")
	edgeCount := fs.Int("edges", 2, "edges in front of the origin: the first on --edge-addr, the others on the ports after it (--more-edge-addr overrides)")
	var moreEdges listFlag
	fs.Var(&moreEdges, "more-edge-addr", "start another edge on this address in front of the same origin, repeatable (env EDGEFLIX_MORE_EDGE_ADDRS, e.g. 127.0.0.1:8082)")
	adminBase := fs.Int("edge-admin-port", 9181, "edge N's admin API (function versions, /metrics) listens on 127.0.0.1:PORT+N-1; the versions need "+admin.TokenEnv)
	dataDir := fs.String("data-dir", envOr("EDGEFLIX_DATA_DIR", defaultDataDir), "folder for local state: S3 objects, the key-encryption key (env EDGEFLIX_DATA_DIR)")
	cacheDir := fs.String("cache-dir", envOr("EDGEFLIX_CACHE_DIR", ".cache"), "folder for generated demo media and the wazero compilation cache (env EDGEFLIX_CACHE_DIR)")
	module := fs.String("module", envOr("EDGEFLIX_EDGE_MODULE", "dist/edge.wasm"), "edge .wasm module, built by `make wasm` (env EDGEFLIX_EDGE_MODULE)")
	webDir := fs.String("web-dir", envOr("EDGEFLIX_WEB_DIR", "dist/web"), "folder with player.wasm and wasm_exec.js, built by `make wasm` (env EDGEFLIX_WEB_DIR)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(moreEdges) == 0 {
		_ = moreEdges.Set(os.Getenv("EDGEFLIX_MORE_EDGE_ADDRS"))
	}
	if len(moreEdges) == 0 {
		more, err := nextAddrs(*edgeAddr, *edgeCount-1)
		if err != nil {
			return err
		}
		moreEdges = more
	}
	// Function versions only for operators who set the admin token: with
	// versions, a restarted edge serves its stored active version, not a
	// rebuilt --module (ship that with `edgeflix fn upload` + `activate`).
	versionsDir := ""
	if os.Getenv(admin.TokenEnv) != "" {
		versionsDir = filepath.Join(*dataDir, "edge-versions")
	}
	wasm, err := os.ReadFile(*module)
	if err != nil {
		return fmt.Errorf("edge module: %w (build it with `make wasm`)", err)
	}
	if _, err := os.Stat(filepath.Join(*webDir, "player.wasm")); err != nil {
		return fmt.Errorf("web app: %w (build it with `make wasm`)", err)
	}
	kek, err := loadKEK(*dataDir)
	if err != nil {
		return err
	}
	st, err := stack.Start(ctx, stack.Config{
		MySQLDSN: *mysqlDSN, RedisAddr: *redisAddr, RedisPrefix: "edgeflix:",
		S3Endpoint: *s3Endpoint, S3Addr: *s3Addr, S3Dir: filepath.Join(*dataDir, "s3"), Bucket: *bucket,
		S3AccessKeyID: envOr("EDGEFLIX_S3_ACCESS_KEY_ID", ""), S3SecretAccessKey: os.Getenv("EDGEFLIX_S3_SECRET_ACCESS_KEY"),
		OriginAddr: *originAddr, EdgeAddr: *edgeAddr, MoreEdgeAddrs: moreEdges,
		EdgeVersionsDir:  versionsDir,
		KeyEncryptionKey: kek, EdgeModule: wasm, WazeroCacheDir: filepath.Join(*cacheDir, "wazero"),
		WebFS:    web.Site(os.DirFS(*webDir)),
		Demo:     demo.Config{CacheDir: filepath.Join(*cacheDir, "media")},
		Progress: stdout,
		Logger:   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for i, e := range st.Edges {
		_, stop, err := serveAdmin(e, fmt.Sprintf("127.0.0.1:%d", *adminBase+i), strings.TrimPrefix(st.EdgeURLs[i], "http://"), stdout, logger)
		if err != nil {
			return fmt.Errorf("edge %d: %w", i+1, err)
		}
		defer stop()
	}
	fmt.Fprintf(stdout, "\nedgeflix is up:\n  web app  %s\n  origin   %s\n  edges    %s\n\nOpen the web app, sign up and press play. Ctrl-C stops everything.\n",
		st.AppURL, st.OriginURL, strings.Join(st.EdgeURLs, ", "))
	<-ctx.Done()
	fmt.Fprintln(stdout, "edgeflix: stopping")
	return nil
}

// nextAddrs lists n addresses on the ports after addr's (host:8081 gives
// host:8082, …); with port 0 each is host:0 (any free port).
func nextAddrs(addr string, n int) ([]string, error) {
	if n < 0 {
		return nil, fmt.Errorf("--edges %d: want at least 1", n+1)
	}
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p < 0 || p+n > 65535 {
		return nil, fmt.Errorf("--edge-addr %q: want host:port with room for %d more ports", addr, n)
	}
	var out []string
	for i := 1; i <= n; i++ {
		next := p + i
		if p == 0 {
			next = 0
		}
		out = append(out, net.JoinHostPort(host, strconv.Itoa(next)))
	}
	return out, nil
}
