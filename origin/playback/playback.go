// Package playback starts playback sessions: it checks the title and the
// account's plan, decides the device's caps and signs the playback token the
// edge verifies (claims as in docs/CONTRACTS.md).
package playback

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/tokens"
)

// HeartbeatInterval is how often a player should renew its stream lease.
const HeartbeatInterval = 30 * time.Second

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
	// Accounts finds the caller's plan. Required.
	Accounts *accounts.Store
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// Logger receives failures. If nil, slog.Default().
	Logger *slog.Logger
}

// Service starts playback sessions.
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
	return &Service{cfg: cfg}
}

// Request is the body of POST /v1/playback.
type Request struct {
	TitleID   string     `json:"title_id"`
	ProfileID string     `json:"profile_id,omitempty"`
	Device    DeviceInfo `json:"device"`
}

// Session is the answer of POST /v1/playback.
type Session struct {
	SessionID          string    `json:"session_id"`
	ManifestURL        string    `json:"manifest_url"`
	ExpiresAt          time.Time `json:"expires_at"`
	HeartbeatIntervalS int       `json:"heartbeat_interval_s"`
	Token              string    `json:"token"`
}

// ErrTitleNotFound means the title does not exist or is not playable.
var ErrTitleNotFound = errors.New("title not found")

// Start opens a session for account accountID playing req.
func (s *Service) Start(ctx context.Context, accountID string, req Request) (Session, error) {
	if err := req.Device.Validate(); err != nil {
		return Session{}, err
	}
	acct, err := s.cfg.Accounts.Get(ctx, accountID)
	if err != nil {
		return Session{}, err
	}
	plan, ok := Plans[acct.Plan]
	if !ok {
		plan = Plans["basic"]
	}
	caps, err := Decide(plan, req.Device)
	if err != nil {
		return Session{}, err
	}
	title, err := s.cfg.Catalog.Get(ctx, req.TitleID)
	if errors.Is(err, catalog.ErrNotFound) {
		return Session{}, ErrTitleNotFound
	}
	if err != nil {
		return Session{}, err
	}
	now := s.cfg.Now()
	exp := now.Add(tokens.PlaybackTokenLifetime)
	sid := tokens.RandomID(16)
	prefix := "/v1/media/" + title.AssetID + "/"
	claims := tokens.PlaybackClaims{
		Issuer: s.cfg.Issuer, Audience: s.cfg.Audience, Subject: accountID, SessionID: sid,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		Prefix: prefix,
		Device: tokens.Device{Class: req.Device.Class, MaxHeight: caps.MaxHeight, MaxBitrate: caps.MaxBitrate,
			Codecs: caps.Codecs, HDR: caps.HDR},
	}
	tok, err := tokens.Sign(s.cfg.Keys, "JWT", claims)
	if err != nil {
		return Session{}, err
	}
	return Session{
		SessionID:          sid,
		ManifestURL:        s.cfg.EdgeURL + "/t/" + tok + prefix + "master.m3u8",
		ExpiresAt:          exp.UTC().Truncate(time.Second),
		HeartbeatIntervalS: int(HeartbeatInterval.Seconds()),
		Token:              tok,
	}, nil
}

// HandleStart serves POST /v1/playback behind oauth.Bearer.
func (s *Service) HandleStart(ctx *fasthttp.RequestCtx) {
	p, ok := oauth.PrincipalOf(ctx)
	if !ok {
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
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
	sess, err := s.Start(ctx, p.AccountID, req)
	switch {
	case err == nil:
		ctx.Response.Header.Set("Cache-Control", "no-store")
		httpx.WriteJSON(ctx, fasthttp.StatusCreated, sess)
	case errors.Is(err, ErrInvalidDevice):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-device", err.Error())
	case errors.Is(err, ErrNoCodec):
		httpx.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, "no-playable-codec", "none of the device's codecs may play on this plan")
	case errors.Is(err, ErrTitleNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no playable title has this id")
	case errors.Is(err, accounts.ErrNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "invalid-token", "the account no longer exists")
	default:
		s.cfg.Logger.Error("playback: start", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
	}
}
