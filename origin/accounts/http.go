package accounts

import (
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
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
