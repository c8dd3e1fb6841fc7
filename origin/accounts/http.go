package accounts

import (
	"context"
	"errors"
	"log/slog"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/plans"
)

// BusyRetryAfter is the Retry-After (seconds) of a 503 answered because
// the password-hash gate stayed full (ErrBusy).
const BusyRetryAfter = "1"

// CreateRequest is the body of POST /v1/accounts.
type CreateRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// HandleCreate serves POST /v1/accounts: 201 {"id","email"}, 409 for a
// registered e-mail, 400 for bad input, 503 with Retry-After when the
// password-hash gate stayed full.
func (s *Store) HandleCreate(ctx *fasthttp.RequestCtx) {
	var req CreateRequest
	if !httpx.ReadJSON(ctx, &req) {
		return
	}
	a, err := s.Create(ctx, req.Email, req.Password)
	switch {
	case err == nil:
		ctx.Response.Header.Set("Location", "/v1/accounts/"+a.ID)
		httpx.WriteJSON(ctx, fasthttp.StatusCreated, a)
	case errors.Is(err, ErrInvalidEmail):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-email", "email is not a valid address")
	case errors.Is(err, ErrInvalidPassword):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-password", err.Error())
	case errors.Is(err, ErrEmailTaken):
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "email-taken", "an account with this email exists")
	case errors.Is(err, ErrBusy):
		ctx.Response.Header.Set("Retry-After", BusyRetryAfter)
		httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "busy", "too many password checks at once; retry shortly")
	default:
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
	}
}

// Counter counts what an account has (profiles, devices).
type Counter interface {
	Count(ctx context.Context, accountID string) (int, error)
}

// Summary is the answer of GET /v1/account.
type Summary struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Plan         plans.Plan `json:"plan"`
	ProfileCount int        `json:"profile_count"`
	DeviceCount  int        `json:"device_count"`
}

// SummaryAPI serves GET /v1/account: the account, its plan and how many
// profiles and devices it has.
type SummaryAPI struct {
	Accounts *Store
	Profiles Counter
	Devices  Counter
	Logger   *slog.Logger
}

// HandleSummary serves GET /v1/account for the signed-in accountID (the
// handler runs behind the bearer check; deviceID is unused).
func (a *SummaryAPI) HandleSummary(ctx *fasthttp.RequestCtx, accountID, _ string) {
	acc, err := a.Accounts.Get(ctx, accountID)
	var np, nd int
	if err == nil {
		np, err = a.Profiles.Count(ctx, accountID)
	}
	if err == nil {
		nd, err = a.Devices.Count(ctx, accountID)
	}
	if err != nil {
		a.Logger.Error("accounts: summary", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, Summary{ID: acc.ID, Email: acc.Email, Plan: plans.Of(acc.Plan), ProfileCount: np, DeviceCount: nd})
}
