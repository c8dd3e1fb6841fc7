// Package playback runs playback sessions: it checks entitlement (the
// account's plan, the profile's maturity ceiling, the title's media),
// decides the device's caps, takes a concurrent-stream lease in Redis and
// signs the playback token the edge verifies (claims as in
// docs/CONTRACTS.md); heartbeats renew the lease, record progress and,
// while the lease holds, renew the short-lived playback token, so a
// stream that loses its lease is refused at the edge within the token's
// lifetime plus the gate's leeway.
package playback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/profiles"
	"github.com/edgeflix/edgeflix/origin/progress"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// HeartbeatInterval is how often a player should renew its stream lease
// and its playback token with the default token lifetime.
const HeartbeatInterval = tokens.PlaybackTokenLifetime / renewalsPerLifetime

// renewalsPerLifetime is how many heartbeats fit in one token lifetime: a
// token renewed on time still has two intervals left, so one failed
// heartbeat (retried) never lets it lapse.
const renewalsPerLifetime = 3

// HeartbeatFor is the heartbeat interval for playback tokens living
// lifetime: a third of it, at least one second.
func HeartbeatFor(lifetime time.Duration) time.Duration {
	return max(lifetime/renewalsPerLifetime, time.Second)
}

// Config configures a Service.
type Config struct {
	// EdgeURL is the edge's base URL for manifest URLs. Required.
	EdgeURL string
	// Issuer and Audience are the playback token's iss and aud. Required.
	Issuer, Audience string
	// Keys signs tokens. Required.
	Keys tokens.KeySet
	// Catalog finds titles. Required.
	Catalog *catalog.Store
	// Viewers resolves the request's profile (profiles.Store). Required.
	Viewers Viewers
	// Accounts finds the caller's plan. Required.
	Accounts *accounts.Store
	// Streams holds the concurrent-stream leases. Required.
	Streams *Streams
	// Progress records watch progress. Required.
	Progress *progress.Store
	// TokenLifetime is how long a playback token lives; the heartbeat
	// renews it. 0 means tokens.PlaybackTokenLifetime. Streams should be
	// made with HeartbeatFor(TokenLifetime).
	TokenLifetime time.Duration
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives failures. If nil, slog.Default().
	Logger *slog.Logger
}

// Viewers resolves the viewer of a request: the requested profile, else
// the token's, else the account's first (profiles.Store.Viewer).
type Viewers interface {
	Viewer(ctx context.Context, p oauth.Principal, requested string) (profiles.Viewer, error)
}

// Service starts, renews and stops playback sessions.
type Service struct{ cfg Config }

// New returns a Service for cfg.
func New(cfg Config) *Service {
	cfg.EdgeURL = strings.TrimRight(cfg.EdgeURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = tokens.PlaybackTokenLifetime
	}
	return &Service{cfg: cfg}
}

// Request is the body of POST /v1/playback.
type Request struct {
	TitleID   string                `json:"title_id"`
	EpisodeID string                `json:"episode_id,omitempty"`
	ProfileID string                `json:"profile_id,omitempty"`
	Device    contract.DeviceReport `json:"device"`
}

// Renewal is a session's playback token and its manifest URL: part of
// the answer of POST /v1/playback and the whole answer of a heartbeat.
// Every media URI below ManifestURL is relative to
// <edge>/t/<token>/v1/media/<asset>/, so a player swaps the token segment
// of that base to go on with a renewed token.
type Renewal struct {
	SessionID          string    `json:"session_id"`
	ManifestURL        string    `json:"manifest_url"`
	ExpiresAt          time.Time `json:"expires_at"`
	HeartbeatIntervalS int       `json:"heartbeat_interval_s"`
	Token              string    `json:"token"`
}

// Session is the answer of POST /v1/playback.
type Session struct {
	Renewal
	TitleID   string `json:"title_id"`
	EpisodeID string `json:"episode_id,omitempty"`
	// ResumeS is where the viewer left off, in seconds (0 to start).
	ResumeS int `json:"resume_s"`
}

// ErrTitleNotFound means the title does not exist or is not playable.
var ErrTitleNotFound = errors.New("title not found")

// Start opens a session for viewer v playing req: entitlement (plan,
// maturity, title available), caps, a stream lease, then the token.
func (s *Service) Start(ctx context.Context, v profiles.Viewer, req Request) (Session, error) {
	acct, err := s.cfg.Accounts.Get(ctx, v.AccountID)
	if err != nil {
		return Session{}, err
	}
	plan := PlanOf(acct.Plan)
	caps, err := Decide(plan, req.Device)
	if err != nil {
		return Session{}, err
	}
	target, err := s.cfg.Catalog.PlaybackTarget(ctx, v, req.TitleID, req.EpisodeID)
	if errors.Is(err, catalog.ErrNotFound) || errors.Is(err, catalog.ErrNoAsset) {
		return Session{}, fmt.Errorf("%w: %v", ErrTitleNotFound, err)
	}
	if err != nil {
		return Session{}, err
	}
	if caps.Renditions, err = s.renditionsFor(ctx, target.AssetID, caps); err != nil {
		return Session{}, err
	}
	sid := tokens.RandomID(16)
	info := SessionInfo{AccountID: v.AccountID, ProfileID: v.ProfileID, DeviceID: v.DeviceID, DeviceClass: req.Device.Class,
		TitleID: target.TitleID, EpisodeID: target.EpisodeID, AssetID: target.AssetID, DurationS: target.DurationS,
		DeviceKey: DeviceKey(v.DeviceID, req.Device.ID), Caps: caps}
	if err := s.cfg.Streams.Acquire(ctx, sid, info, plan.Screens); err != nil {
		return Session{}, err
	}
	renewal, err := s.sign(v.AccountID, sid, target.AssetID, caps, s.cfg.Now())
	if err != nil {
		s.cfg.Streams.Release(context.WithoutCancel(ctx), v.AccountID, sid)
		return Session{}, err
	}
	sess := Session{Renewal: renewal}
	sess.TitleID, sess.EpisodeID = target.TitleID, target.EpisodeID
	if v.ProfileID != "" {
		if e, ok, err := s.cfg.Progress.Get(ctx, v.ProfileID, target.TitleID, target.EpisodeID); err == nil && ok && !e.Watched {
			sess.ResumeS = e.PositionS
		}
	}
	if err := s.cfg.Catalog.RecordPlay(ctx, target.TitleID); err != nil {
		s.cfg.Logger.Warn("playback: count play", "err", err)
	}
	return sess, nil
}

// sign signs session sid's playback token, issued at now.
func (s *Service) sign(accountID, sid, asset string, caps contract.Caps, now time.Time) (Renewal, error) {
	exp := now.Add(s.cfg.TokenLifetime)
	prefix := "/v1/media/" + asset + "/"
	claims := tokens.PlaybackClaims{
		Issuer: s.cfg.Issuer, Audience: s.cfg.Audience, Subject: accountID, SessionID: sid,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		Prefix: prefix,
		Device: caps,
	}
	tok, err := tokens.Sign(s.cfg.Keys, "JWT", claims)
	if err != nil {
		return Renewal{}, err
	}
	return Renewal{
		SessionID:          sid,
		ManifestURL:        s.cfg.EdgeURL + "/t/" + tok + prefix + "master.m3u8",
		ExpiresAt:          exp.UTC().Truncate(time.Second),
		HeartbeatIntervalS: int(HeartbeatFor(s.cfg.TokenLifetime).Seconds()),
		Token:              tok,
	}, nil
}

// record writes the session's position durably (when it has a profile)
// and drops the profile's cached rows.
func (s *Service) record(ctx context.Context, info SessionInfo, positionS int) error {
	if info.ProfileID == "" {
		return nil
	}
	err := s.cfg.Progress.Record(ctx, progress.Entry{ProfileID: info.ProfileID, TitleID: info.TitleID, EpisodeID: info.EpisodeID,
		PositionS: positionS, DurationS: info.DurationS, UpdatedAt: s.cfg.Now()})
	if err != nil {
		return err
	}
	s.cfg.Catalog.ForgetProfile(ctx, info.ProfileID)
	return nil
}

// Heartbeat renews session sid of accountID, records the position and
// returns a fresh playback token for it; it returns only after the
// position is committed. ErrSessionGone when the lease was stopped,
// replaced or expired: then no token is signed. The token is issued at
// the renewal's time, so it outlives the lease's last renewal by at most
// the token lifetime.
func (s *Service) Heartbeat(ctx context.Context, accountID, sid string, positionS int) (Renewal, error) {
	info, err := s.cfg.Streams.Session(ctx, sid)
	if err != nil {
		return Renewal{}, err
	}
	if info.AccountID != accountID {
		return Renewal{}, ErrSessionGone
	}
	renewed := s.cfg.Now()
	if err := s.cfg.Streams.Renew(ctx, accountID, sid); err != nil {
		return Renewal{}, err
	}
	if err := s.record(ctx, info, positionS); err != nil {
		return Renewal{}, err
	}
	return s.sign(accountID, sid, info.AssetID, info.Caps, renewed)
}

// Stop frees session sid of accountID at once, recording positionS if
// not nil.
func (s *Service) Stop(ctx context.Context, accountID, sid string, positionS *int) error {
	info, err := s.cfg.Streams.Session(ctx, sid)
	if err != nil {
		return err
	}
	if info.AccountID != accountID {
		return ErrSessionGone
	}
	if err := s.cfg.Streams.Release(ctx, accountID, sid); err != nil {
		return err
	}
	if positionS != nil {
		return s.record(ctx, info, *positionS)
	}
	return nil
}

// HandleStart serves POST /v1/playback behind oauth.Bearer.
func (s *Service) HandleStart(ctx *fasthttp.RequestCtx) {
	p, ok := oauth.RequireScope(ctx, oauth.ScopePlayback)
	if !ok {
		return
	}
	var req Request
	if !httpx.ReadJSON(ctx, &req) {
		return
	}
	if req.TitleID == "" {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-body", "title_id is required")
		return
	}
	v, err := s.cfg.Viewers.Viewer(ctx, p, req.ProfileID)
	if err != nil {
		profiles.WriteViewerError(ctx, s.cfg.Logger, err)
		return
	}
	sess, err := s.Start(ctx, v, req)
	var le *LimitError
	switch {
	case err == nil:
		ctx.Response.Header.Set("Cache-Control", "no-store")
		httpx.WriteJSON(ctx, fasthttp.StatusCreated, sess)
	case errors.As(err, &le):
		writeLimit(ctx, le)
	case errors.Is(err, ErrInvalidDevice):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-device", err.Error())
	case errors.Is(err, ErrNoCodec):
		httpx.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, "no-playable-codec", "none of the device's codecs may play on this plan")
	case errors.Is(err, ErrTitleNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no playable title has this id")
	case errors.Is(err, catalog.ErrEpisodeNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "episode-not-found", "no playable episode of this series has this id")
	case errors.Is(err, catalog.ErrMaturity):
		httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "maturity", "this title is above the profile's maturity rating")
	case errors.Is(err, accounts.ErrNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "invalid-token", "the account no longer exists")
	default:
		s.cfg.Logger.Error("playback: start", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
	}
}

// limitProblem is the 409 body when the account streams on every screen
// its plan allows.
type limitProblem struct {
	httpx.Problem
	Screens int          `json:"screens"`
	Streams []StreamInfo `json:"streams"`
}

func writeLimit(ctx *fasthttp.RequestCtx, le *LimitError) {
	detail := fmt.Sprintf("your plan allows %d screen(s) at once; streaming now on:", le.Screens)
	for i, st := range le.Streams {
		if i > 0 {
			detail += ","
		}
		name := st.DeviceClass
		if st.DeviceID != "" {
			name += " " + st.DeviceID
		}
		detail += " " + name + " (" + st.TitleID + ")"
	}
	b, _ := json.Marshal(limitProblem{
		Problem: httpx.Problem{Type: httpx.ProblemBase + "too-many-streams", Title: fasthttp.StatusMessage(fasthttp.StatusConflict),
			Status: fasthttp.StatusConflict, Detail: detail},
		Screens: le.Screens, Streams: le.Streams,
	})
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("application/problem+json")
	ctx.SetStatusCode(fasthttp.StatusConflict)
	ctx.SetBody(b)
}

// positionBody is the body of a heartbeat or stop.
type positionBody struct {
	PositionS *int `json:"position_s"`
}

// HandleHeartbeat serves POST /v1/playback/{sid}/heartbeat behind
// oauth.Bearer: it renews the lease, records the position and answers a
// fresh playback token (Session without the title fields).
func (s *Service) HandleHeartbeat(ctx *fasthttp.RequestCtx) {
	p, sid, ok := session(ctx)
	if !ok {
		return
	}
	var body positionBody
	if !httpx.ReadJSON(ctx, &body) {
		return
	}
	if body.PositionS == nil || *body.PositionS < 0 || *body.PositionS > 1_000_000 {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-body", "position_s must be 0..1000000")
		return
	}
	sess, err := s.Heartbeat(ctx, p.AccountID, sid, *body.PositionS)
	if err != nil {
		s.writeSessionError(ctx, err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, sess)
}

// HandleStop serves DELETE /v1/playback/{sid} behind oauth.Bearer: it
// frees the screen and records the position, if the body has one.
func (s *Service) HandleStop(ctx *fasthttp.RequestCtx) {
	p, sid, ok := session(ctx)
	if !ok {
		return
	}
	var body positionBody
	if len(ctx.PostBody()) > 0 {
		if !httpx.ReadJSON(ctx, &body) {
			return
		}
		if body.PositionS != nil && (*body.PositionS < 0 || *body.PositionS > 1_000_000) {
			httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-body", "position_s must be 0..1000000")
			return
		}
	}
	if err := s.Stop(ctx, p.AccountID, sid, body.PositionS); err != nil {
		s.writeSessionError(ctx, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// session returns the principal and the {sid} of a session request,
// answering the problem itself when either is missing or invalid.
func session(ctx *fasthttp.RequestCtx) (oauth.Principal, string, bool) {
	p, ok := oauth.RequireScope(ctx, oauth.ScopePlayback)
	if !ok {
		return p, "", false
	}
	sid := httpx.Param(ctx, "sid")
	if sid == "" || len(sid) > 64 {
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such playback session")
		return p, "", false
	}
	return p, sid, true
}

func (s *Service) writeSessionError(ctx *fasthttp.RequestCtx, err error) {
	if errors.Is(err, ErrSessionGone) {
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "session-gone", "the playback session was stopped or its lease expired; start playback again")
		return
	}
	s.cfg.Logger.Error("playback: session", "err", err)
	httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "progress could not be saved; retry")
}
