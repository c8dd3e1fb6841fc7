package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/edgeflix/edgeflix/internal/edgeproof"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/redisconn"
	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/origin"
	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/objstore"
	"github.com/edgeflix/edgeflix/origin/store"
	"github.com/edgeflix/edgeflix/player/web"
)

// defaultOriginAddr is where `edgeflix origin` listens (EDGEFLIX_ORIGIN_ADDR):
// loopback, so an origin started by hand is not reachable from the network
// until an address is chosen on purpose.
const defaultOriginAddr = "127.0.0.1:8080"

// errNoProofKeys refuses an origin that would serve gated media to anyone.
var errNoProofKeys = errors.New("origin: EDGEFLIX_EDGE_PROOF_KEYS is unset, so gated media would be served to any caller, not only through the gate; " +
	"set it to the keys the gate signs its path proofs with (the edge's EDGEFLIX_EDGE_PROOF_KEYS, the Lambda@Edge bundle's proof.json), or pass --insecure-dev for a local development origin")

// defaultDataDir holds local state such as the key-encryption key file.
const defaultDataDir = "data" // EDGEFLIX_DATA_DIR

// originFlags are the flags that build an origin's dependencies; `up` can
// register and use them too.
type originFlags struct {
	publicURL, edgeURL       string
	mysqlDSN, redisAddr      string
	redisPrefix              string
	s3Endpoint, s3Bucket     string
	s3Region                 string
	s3AccessKey, s3SecretKey string
	webDir, dataDir          string
	issuer, edgeAudience     string
	corsOrigins              listFlag
	trustedProxies           listFlag
	edgeSecret               string
	hashMemoryMiB            int
	migrate                  bool
}

func (o *originFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.publicURL, "public-url", envOr("EDGEFLIX_ORIGIN_URL", defaultOriginURL), "origin's external base URL (env EDGEFLIX_ORIGIN_URL)")
	fs.StringVar(&o.edgeURL, "edge-url", envOr("EDGEFLIX_EDGE_URL", defaultEdgeURL), "edge's external base URL (env EDGEFLIX_EDGE_URL)")
	fs.StringVar(&o.mysqlDSN, "mysql-dsn", envOr("EDGEFLIX_MYSQL_DSN", defaultMySQLDSN), "MySQL DSN (env EDGEFLIX_MYSQL_DSN)")
	fs.StringVar(&o.redisAddr, "redis-addr", envOr("EDGEFLIX_REDIS_ADDR", defaultRedisAddr), "Redis address (env EDGEFLIX_REDIS_ADDR)")
	fs.StringVar(&o.redisPrefix, "redis-prefix", envOr("EDGEFLIX_REDIS_PREFIX", "edgeflix:"), "prefix of every Redis key (env EDGEFLIX_REDIS_PREFIX)")
	fs.StringVar(&o.s3Endpoint, "s3-endpoint", envOr("EDGEFLIX_S3_ENDPOINT", ""), "S3-compatible endpoint URL; empty for AWS S3 (env EDGEFLIX_S3_ENDPOINT)")
	fs.StringVar(&o.s3Bucket, "s3-bucket", envOr("EDGEFLIX_S3_BUCKET", defaultBucket), "media bucket (env EDGEFLIX_S3_BUCKET)")
	fs.StringVar(&o.s3Region, "s3-region", envOr("EDGEFLIX_S3_REGION", "us-east-1"), "S3 region (env EDGEFLIX_S3_REGION)")
	fs.StringVar(&o.s3AccessKey, "s3-access-key-id", envOr("EDGEFLIX_S3_ACCESS_KEY_ID", s3local.AccessKeyID), "static access key for --s3-endpoint (env EDGEFLIX_S3_ACCESS_KEY_ID)")
	o.s3SecretKey = envOr("EDGEFLIX_S3_SECRET_ACCESS_KEY", s3local.SecretAccessKey) // never a flag: flags show in ps
	fs.StringVar(&o.webDir, "web-dir", envOr("EDGEFLIX_WEB_DIR", "dist/web"), "folder with the built player.wasm and wasm_exec.js, served at /app/ beside the app's static files (env EDGEFLIX_WEB_DIR)")
	fs.StringVar(&o.dataDir, "data-dir", envOr("EDGEFLIX_DATA_DIR", defaultDataDir), "folder for local state: the key-encryption key file keys/kek when EDGEFLIX_KEY_ENCRYPTION_KEY is unset (env EDGEFLIX_DATA_DIR)")
	fs.StringVar(&o.issuer, "issuer", envOr("EDGEFLIX_ISSUER", contract.DefaultIssuer), "iss of the tokens the origin signs (env EDGEFLIX_ISSUER)")
	fs.StringVar(&o.edgeAudience, "edge-audience", envOr("EDGEFLIX_EDGE_AUDIENCE", contract.DefaultAudience), "aud of playback tokens (env EDGEFLIX_EDGE_AUDIENCE)")
	fs.BoolVar(&o.migrate, "migrate", false, "apply MySQL schema migrations before starting")
	fs.Var(&o.corsOrigins, "cors-origin", "browser origin (scheme://host[:port]) allowed to call the API cross-origin, repeatable or comma-separated (env EDGEFLIX_CORS_ORIGINS)")
	fs.Var(&o.trustedProxies, "trusted-proxies", "CIDRs or addresses of load balancers whose X-Forwarded-For names the client, repeatable or comma-separated; production: the VPC CIDR behind the ALB; default none (env EDGEFLIX_TRUSTED_PROXIES)")
	fs.IntVar(&o.hashMemoryMiB, "password-hash-memory-mib", envInt("EDGEFLIX_PASSWORD_HASH_MEMORY_MIB", accounts.DefaultHashMemoryBudget>>20),
		"memory (MiB) concurrent Argon2id password checks may use; one check per 19 MiB runs at once, the rest wait briefly, then get 503 (env EDGEFLIX_PASSWORD_HASH_MEMORY_MIB)")
	o.edgeSecret = os.Getenv("EDGEFLIX_EDGE_SECRET") // never a flag: flags show in ps
}

// envInt returns the environment variable key as an integer, or def when
// it is unset or not a number (the flag's validation then reports it).
func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

// applyEnv fills the list flags left unset on the command line from their
// environment variables.
func (o *originFlags) applyEnv() {
	if len(o.corsOrigins) == 0 {
		_ = o.corsOrigins.Set(os.Getenv("EDGEFLIX_CORS_ORIGINS"))
	}
	if len(o.trustedProxies) == 0 {
		_ = o.trustedProxies.Set(os.Getenv("EDGEFLIX_TRUSTED_PROXIES"))
	}
}

// loadKEK returns the key-encryption key from EDGEFLIX_KEY_ENCRYPTION_KEY
// (64 hex digits or base64 of 32 bytes) or else from <dataDir>/keys/kek,
// created with mode 0600 on first use.
func loadKEK(dataDir string) ([]byte, error) {
	if v := os.Getenv("EDGEFLIX_KEY_ENCRYPTION_KEY"); v != "" {
		return keys.ParseKEK(v)
	}
	return keys.LoadOrCreateKEKFile(filepath.Join(dataDir, "keys", "kek"))
}

// deps are an origin's open dependencies.
type deps struct {
	cfg     origin.Config
	closers []func() error
}

func (d *deps) Close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
}

// build opens MySQL (migrating first if asked), Redis and S3 and returns
// the origin's configuration.
func (o *originFlags) build(ctx context.Context, logger *slog.Logger) (*deps, error) {
	d := &deps{}
	o.applyEnv()
	if o.hashMemoryMiB < 19 {
		return nil, fmt.Errorf("--password-hash-memory-mib: %d MiB cannot hold one Argon2id check (19 MiB)", o.hashMemoryMiB)
	}
	proxies, err := oauth.ParseTrustedProxies(o.trustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	kek, err := loadKEK(o.dataDir)
	if err != nil {
		return nil, err
	}
	if o.migrate {
		if err := store.EnsureDatabase(ctx, o.mysqlDSN); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, o.mysqlDSN)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, db.Close)
	if o.migrate {
		if err := store.Migrate(ctx, db); err != nil {
			d.Close()
			return nil, err
		}
	}
	rdb := redisconn.New(o.redisAddr)
	d.closers = append(d.closers, rdb.Close)
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		d.Close()
		return nil, fmt.Errorf("redis at %s: %w", o.redisAddr, err)
	}
	oc := objstore.Config{Bucket: o.s3Bucket, Region: o.s3Region, Endpoint: o.s3Endpoint}
	if o.s3Endpoint != "" {
		oc.AccessKeyID, oc.SecretAccessKey = o.s3AccessKey, o.s3SecretKey
	}
	media, err := objstore.New(ctx, oc)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.cfg = origin.Config{
		PublicURL: o.publicURL, EdgeURL: o.edgeURL, DB: db, Redis: rdb, RedisPrefix: o.redisPrefix,
		Media: media, KeyEncryptionKey: kek, Issuer: o.issuer, EdgeAudience: o.edgeAudience, Logger: logger,
		CORSOrigins: o.corsOrigins, TrustedProxies: proxies, EdgeSecret: o.edgeSecret,
		PasswordHashMemory: int64(o.hashMemoryMiB) << 20,
	}
	if v := os.Getenv("EDGEFLIX_EDGE_PROOF_KEYS"); v != "" { // never a flag: flags show in ps
		if d.cfg.EdgeProofKeys, err = edgeproof.ParseKeys(v); err != nil {
			d.Close()
			return nil, err
		}
	}
	if st, err := os.Stat(o.webDir); err == nil && st.IsDir() {
		d.cfg.WebDir = web.Site(os.DirFS(o.webDir))
	} else {
		logger.Warn("origin: web app folder missing; /app/ will answer 404", "web_dir", o.webDir)
	}
	return d, nil
}

func runOrigin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("origin", "[flags]", stderr)
	var o originFlags
	o.register(fs)
	addr := fs.String("addr", envOr("EDGEFLIX_ORIGIN_ADDR", defaultOriginAddr), "listen address; loopback unless set, e.g. :8080 behind a load balancer (env EDGEFLIX_ORIGIN_ADDR)")
	metricsAddr := fs.String("metrics-addr", envOr("EDGEFLIX_METRICS_ADDR", defaultMetricsAddr), "private listen address of /metrics (Prometheus), never the public port; \"off\" disables (env EDGEFLIX_METRICS_ADDR)")
	drainDelay := fs.Duration("drain-delay", envDuration("EDGEFLIX_DRAIN_DELAY", 0), "on SIGTERM, answer /readyz 503 for this long before closing, so a load balancer stops routing here first (env EDGEFLIX_DRAIN_DELAY)")
	insecureDev := fs.Bool("insecure-dev", false, "start without EDGEFLIX_EDGE_PROOF_KEYS: gated media is then served to any caller that reaches the origin (local development only)")
	logFmt := registerLogFormat(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	logger := logFmt.logger(stderr)
	if os.Getenv("EDGEFLIX_EDGE_PROOF_KEYS") == "" {
		if !*insecureDev {
			return errNoProofKeys
		}
		logger.Warn("origin: --insecure-dev: EDGEFLIX_EDGE_PROOF_KEYS unset; media is served to any caller, not only through the gate")
	}
	d, err := o.build(ctx, logger)
	if err != nil {
		return err
	}
	defer d.Close()
	srv, err := origin.New(ctx, d.cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintf(stdout, "origin listening on %s (public %s, edge %s)\n", ln.Addr(), o.publicURL, o.edgeURL)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if *metricsAddr != "off" {
		stopMetrics, err := serveMetrics(*metricsAddr, srv.Metrics(), errc)
		if err != nil {
			srv.Close()
			return err
		}
		defer stopMetrics()
		fmt.Fprintf(stdout, "origin metrics on http://%s/metrics\n", *metricsAddr)
	}
	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
		drain(srv, *drainDelay, errc)
		if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}

// drain marks srv not ready and waits delay, or until it stops serving,
// before the caller closes it.
func drain(srv interface{ Drain() }, delay time.Duration, errc <-chan error) {
	srv.Drain()
	if delay <= 0 {
		return
	}
	select {
	case <-time.After(delay):
	case <-errc:
	}
}

// envDuration returns the environment variable key as a duration, or def
// when it is unset or does not parse.
func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// defaultMetricsAddr is the loopback listener of /metrics: a scraper on the
// same host (or a private interface given with --metrics-addr) reads it;
// the public listener never serves it.
const defaultMetricsAddr = "127.0.0.1:9464"

// serveMetrics serves h at /metrics on addr; a serving error goes to errc.
func serveMetrics(addr string, h http.Handler, errc chan<- error) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	return func() { hs.Close() }, nil
}
