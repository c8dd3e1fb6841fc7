package origin

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/internal/health"
	"github.com/edgeflix/edgeflix/origin/metrics"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/qoe"
	"github.com/edgeflix/edgeflix/origin/store"
)

// observability is the origin's metrics, health probes and QoE routes.
type observability struct {
	metrics *metrics.Metrics
	qoe     *qoe.Handler
	healthy fasthttp.RequestHandler // /healthz: MySQL and Redis
	ready   fasthttp.RequestHandler // /readyz: /healthz's checks, the schema, not draining
	// schemaCurrent is set once the schema has been seen at (or past)
	// the binary's last migration; migrations never go back, so the check
	// stops asking then.
	schemaCurrent atomic.Bool
}

// newObservability builds the metrics, health and QoE handlers of s.
func newObservability(s *Server, streams *playback.Streams) *observability {
	o := &observability{}
	o.metrics = metrics.New(metrics.Config{
		DB: s.cfg.DB, Redis: s.cfg.Redis,
		ActiveLeases: streams.CountActive,
	})
	o.qoe = &qoe.Handler{
		Store: qoe.NewStore(s.cfg.DB),
		LiveSession: func(ctx context.Context, sid string) (qoe.Session, error) {
			info, err := streams.Session(ctx, sid)
			if errors.Is(err, playback.ErrSessionGone) {
				return qoe.Session{}, qoe.ErrNoSession
			}
			if err != nil {
				return qoe.Session{}, err
			}
			return qoe.Session{AccountID: info.AccountID, TitleID: info.TitleID, DeviceClass: info.DeviceClass}, nil
		},
		IsOperator: s.catalog.IsOperator,
		Recorded:   o.metrics.QoEReport,
		Now:        s.cfg.Now,
		Logger:     s.cfg.Logger,
	}
	dbTimeout, redisTimeout := time.Second, 500*time.Millisecond
	if t := s.cfg.ReadyTimeout; t > 0 {
		dbTimeout, redisTimeout = t, t
	}
	deps := []health.Check{
		{Name: "db", Timeout: dbTimeout, Run: s.cfg.DB.PingContext},
		{Name: "redis", Timeout: redisTimeout, Run: func(ctx context.Context) error { return s.cfg.Redis.Ping(ctx).Err() }},
	}
	o.healthy = health.Handler(s.cfg.Logger, "healthz", deps...)
	o.ready = health.Handler(s.cfg.Logger, "readyz", append(deps,
		health.Check{Name: "schema", Timeout: dbTimeout, Run: o.schemaMigrated(s)},
		health.Check{Name: "shutdown", Timeout: time.Second, Run: func(context.Context) error {
			if s.draining.Load() {
				return health.State("draining")
			}
			return nil
		}},
	)...)
	return o
}

// schemaMigrated checks that the database's schema is at least the
// binary's last migration ("behind" until `edgeflix migrate` or an origin
// started with --migrate has run it). A schema ahead of the binary is
// ready: migrations add before they remove, so the previous release runs
// on the next one's schema while a fleet rolls.
func (o *observability) schemaMigrated(s *Server) func(context.Context) error {
	return func(ctx context.Context) error {
		if o.schemaCurrent.Load() {
			return nil
		}
		current, latest, err := store.MigrateStatus(ctx, s.cfg.DB)
		if err != nil {
			return err
		}
		if current < latest {
			return health.State("behind")
		}
		o.schemaCurrent.Store(true)
		return nil
	}
}

// Metrics returns the Prometheus handler; serve it on a private listener
// (`edgeflix origin --metrics-addr`), never on the public port.
func (s *Server) Metrics() http.Handler { return s.observe.metrics.Handler() }
