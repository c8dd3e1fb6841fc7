package qoe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
)

// ErrNoSession means no live playback session has the id.
var ErrNoSession = errors.New("no such playback session")

// DefaultWindow is the summary window when ?since= is absent.
const DefaultWindow = 24 * time.Hour

// MaxWindow is the oldest ?since= accepted.
const MaxWindow = 90 * 24 * time.Hour

// Handler serves the QoE routes.
type Handler struct {
	// Store keeps the reports. Required.
	Store *Store
	// LiveSession returns a live session's lease (ErrNoSession if none);
	// a session's first report needs one. Required.
	LiveSession func(ctx context.Context, sid string) (Session, error)
	// IsOperator reports whether an account has the operator role. Required.
	IsOperator func(ctx context.Context, accountID string) (bool, error)
	// Recorded, if set, is called with "ok", "invalid" or "error" for each
	// report (a metrics counter).
	Recorded func(outcome string)
	// Now is the clock. If nil, time.Now.
	Now func() time.Time
	// Logger receives failures. If nil, slog.Default().
	Logger *slog.Logger
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) recorded(outcome string) {
	if h.Recorded != nil {
		h.Recorded(outcome)
	}
}

// HandleReport serves POST /v1/playback/{sid}/qoe (behind Bearer): a
// valid report of the caller's session is stored (204); a bad one is
// refused with 400 and nothing stored; another account's session or an
// unknown one is 404.
func (h *Handler) HandleReport(ctx *fasthttp.RequestCtx, sid string) {
	p, ok := oauth.PrincipalOf(ctx)
	if !ok {
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
		return
	}
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		httpx.WriteProblem(ctx, fasthttp.StatusMethodNotAllowed, "method-not-allowed", "method not allowed here")
		return
	}
	if sid == "" || len(sid) > 64 || !isToken(sid) {
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such playback session")
		return
	}
	var r Report
	if !httpx.ReadJSON(ctx, &r) {
		h.recorded("invalid")
		return
	}
	if err := Validate(&r); err != nil {
		h.recorded("invalid")
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-body", err.Error())
		return
	}
	sess, err := h.session(ctx, p.AccountID, sid)
	if err == nil {
		err = h.Store.Record(ctx, sid, sess, r, h.now())
	}
	switch {
	case err == nil:
		h.recorded("ok")
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	case errors.Is(err, ErrNoSession), errors.Is(err, ErrNotYours):
		h.recorded("invalid")
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such playback session")
	default:
		h.recorded("error")
		h.log().Error("qoe: record report", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "the report could not be stored; retry")
	}
}

// session returns what is known of sid for accountID: the stored row's
// owner if the session has reported before (so a final report after the
// lease ended is kept), else its live lease.
func (h *Handler) session(ctx context.Context, accountID, sid string) (Session, error) {
	owner, ok, err := h.Store.Owner(ctx, sid)
	if err != nil {
		return Session{}, err
	}
	if ok {
		if owner != accountID {
			return Session{}, ErrNotYours
		}
		return Session{AccountID: owner}, nil
	}
	sess, err := h.LiveSession(ctx, sid)
	if err != nil {
		return Session{}, err
	}
	if sess.AccountID != accountID {
		return Session{}, ErrNotYours
	}
	return sess, nil
}

// SummaryResponse is the answer of GET /v1/operator/qoe.
type SummaryResponse struct {
	Since  time.Time `json:"since"`
	Groups []Group   `json:"groups"`
}

// HandleSummary serves GET /v1/operator/qoe?since=<RFC 3339 or a Go
// duration such as 24h> (behind Bearer, operators only).
func (h *Handler) HandleSummary(ctx *fasthttp.RequestCtx) {
	p, ok := oauth.PrincipalOf(ctx)
	if !ok {
		httpx.WriteProblem(ctx, fasthttp.StatusUnauthorized, "unauthorized", "an access token is required")
		return
	}
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET")
		httpx.WriteProblem(ctx, fasthttp.StatusMethodNotAllowed, "method-not-allowed", "method not allowed here")
		return
	}
	op, err := h.IsOperator(ctx, p.AccountID)
	if err != nil {
		h.log().Error("qoe: operator role", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "try again")
		return
	}
	if !op {
		httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "forbidden", "operator role required")
		return
	}
	now := h.now()
	since, err := ParseSince(string(ctx.QueryArgs().Peek("since")), now)
	if err != nil {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-query", err.Error())
		return
	}
	groups, err := h.Store.Summary(ctx, since)
	if err != nil {
		h.log().Error("qoe: summary", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "try again")
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, SummaryResponse{Since: since.UTC(), Groups: groups})
}

// ErrInvalidSince is wrapped by ParseSince's errors.
var ErrInvalidSince = errors.New("invalid since")

// ParseSince reads ?since=: empty for DefaultWindow, an RFC 3339 time or
// a positive Go duration before now, at most MaxWindow back.
func ParseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return now.Add(-DefaultWindow), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		d, derr := time.ParseDuration(v)
		if derr != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("%w: want an RFC 3339 time or a positive duration such as 24h", ErrInvalidSince)
		}
		t = now.Add(-d)
	}
	if t.After(now) || now.Sub(t) > MaxWindow {
		return time.Time{}, fmt.Errorf("%w: want a time in the last 90 days", ErrInvalidSince)
	}
	return t, nil
}
