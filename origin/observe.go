package origin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/health"
	"github.com/edgeflix/edgeflix/origin/metrics"
	"github.com/edgeflix/edgeflix/origin/playback"
	"github.com/edgeflix/edgeflix/origin/qoe"
)

// observability is the origin's metrics, readiness probe and QoE routes.
type observability struct {
	metrics *metrics.Metrics
	qoe     *qoe.Handler
	ready   fasthttp.RequestHandler
}

// newObservability builds the metrics, /readyz and QoE handlers of s.
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
	o.ready = health.Ready(s.cfg.Logger,
		health.Check{Name: "db", Timeout: dbTimeout, Run: s.cfg.DB.PingContext},
		health.Check{Name: "redis", Timeout: redisTimeout, Run: func(ctx context.Context) error { return s.cfg.Redis.Ping(ctx).Err() }},
	)
	return o
}

// Metrics returns the Prometheus handler; serve it on a private listener
// (`edgeflix origin --metrics-addr`), never on the public port.
func (s *Server) Metrics() http.Handler { return s.observe.metrics.Handler() }
