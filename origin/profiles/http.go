package profiles

import (
	"context"
	"errors"
	"log/slog"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/devices"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
	"github.com/edgeflix/edgeflix/origin/ratelimit"
)

// DeviceSelector remembers the profile selected on a device, so refreshed
// tokens keep it (devices.Store).
type DeviceSelector interface {
	SelectProfile(ctx context.Context, accountID, deviceID, profileID string) error
}

// TokenIssuer issues an access token for a selected profile (oauth.Server).
type TokenIssuer interface {
	IssueForProfile(p oauth.Principal, profileID string) (*oauth.TokenResponse, error)
}

// API serves the /v1/profiles routes behind the bearer check.
//
// Parental controls: creating or deleting a profile, and changing any
// profile's kids flag, maturity level or PIN, need a guardian — the
// request's own viewer (Store.Viewer without a requested profile: the
// token's selected profile, else the account's first) must be a non-kids
// profile, and a profile with a PIN counts only when it was selected with
// that PIN. A kids profile may still rename itself and select another
// profile (with that profile's PIN, if it has one).
type API struct {
	Store   *Store
	Devices DeviceSelector
	Tokens  TokenIssuer
	// Limiter and PINLimit bound PIN attempts per account.
	Limiter  *ratelimit.Limiter
	PINLimit ratelimit.Limit
	Logger   *slog.Logger
}

// ListResponse is the answer of GET /v1/profiles.
type ListResponse struct {
	Items []Profile `json:"items"`
}

// SelectRequest is the body of POST /v1/profiles/{id}/select.
type SelectRequest struct {
	PIN string `json:"pin"`
}

// ErrNotGuardian means a parental-control change came from a kids profile
// (or from a PIN profile not selected with its PIN).
var ErrNotGuardian = errors.New("parental controls need a non-kids profile unlocked by its pin")

// HandleList serves GET /v1/profiles.
func (a *API) HandleList(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	list, err := a.Store.List(ctx, p.AccountID)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, ListResponse{Items: list})
}

// HandleCreate serves POST /v1/profiles (guardians only).
func (a *API) HandleCreate(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	var c Changes
	if !httpx.ReadJSON(ctx, &c) {
		return
	}
	if err := a.guardian(ctx, p); err != nil {
		a.writeError(ctx, err)
		return
	}
	pr, err := a.Store.Create(ctx, p.AccountID, c)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	ctx.Response.Header.Set("Location", "/v1/profiles/"+pr.ID)
	httpx.WriteJSON(ctx, fasthttp.StatusCreated, pr)
}

// HandleUpdate serves PATCH /v1/profiles/{id}. A profile with a PIN can be
// changed only by a token that selected it (with the PIN); kids, maturity
// and PIN changes (changesControls) need a guardian.
func (a *API) HandleUpdate(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	cur, err := a.unlocked(ctx, p)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	var c Changes
	if !httpx.ReadJSON(ctx, &c) {
		return
	}
	if changesControls(cur, c) {
		if err := a.guardian(ctx, p); err != nil {
			a.writeError(ctx, err)
			return
		}
	}
	pr, err := a.Store.Update(ctx, p.AccountID, httpx.Param(ctx, "id"), c)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, fasthttp.StatusOK, pr)
}

// HandleDelete serves DELETE /v1/profiles/{id} (guardians only; a profile
// with a PIN only by a token that selected it).
func (a *API) HandleDelete(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	if _, err := a.unlocked(ctx, p); err != nil {
		a.writeError(ctx, err)
		return
	}
	if err := a.guardian(ctx, p); err != nil {
		a.writeError(ctx, err)
		return
	}
	if err := a.Store.Delete(ctx, p.AccountID, httpx.Param(ctx, "id")); err != nil {
		a.writeError(ctx, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// HandleSelect serves POST /v1/profiles/{id}/select: a new access token
// whose pid is the profile; the device remembers it for refreshes.
func (a *API) HandleSelect(ctx *fasthttp.RequestCtx) {
	p, _ := oauth.PrincipalOf(ctx)
	var req SelectRequest
	if len(ctx.PostBody()) > 0 && !httpx.ReadJSON(ctx, &req) {
		return
	}
	id := httpx.Param(ctx, "id")
	cur, err := a.Store.Get(ctx, p.AccountID, id)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	if cur.HasPIN {
		if res := a.Limiter.Allow(ctx, "pin", p.AccountID, a.PINLimit); !res.Allowed {
			ratelimit.Reject(ctx, res)
			return
		}
		if _, err := a.Store.CheckPIN(ctx, p.AccountID, id, req.PIN); err != nil {
			a.writeError(ctx, err)
			return
		}
	}
	if p.DeviceID != "" {
		if err := a.Devices.SelectProfile(ctx, p.AccountID, p.DeviceID, cur.ID); err != nil && !errors.Is(err, devices.ErrNotFound) {
			a.writeError(ctx, err)
			return
		}
	}
	resp, err := a.Tokens.IssueForProfile(p, cur.ID)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, resp)
}

// changesControls reports whether c changes cur's parental controls: its
// kids flag or maturity level (a value equal to the current one is no
// change, so a client may send the whole form), or its PIN.
func changesControls(cur Profile, c Changes) bool {
	return (c.Kids != nil && *c.Kids != cur.Kids) || (c.MaturityLevel != nil && *c.MaturityLevel != cur.MaturityLevel) || c.PIN != nil
}

// unlocked returns the profile {id} of the request, ErrLocked if it has a
// PIN and the token did not select it.
func (a *API) unlocked(ctx *fasthttp.RequestCtx, p oauth.Principal) (Profile, error) {
	cur, err := a.Store.Get(ctx, p.AccountID, httpx.Param(ctx, "id"))
	if err != nil {
		return Profile{}, err
	}
	if cur.HasPIN && p.ProfileID != cur.ID {
		return Profile{}, ErrLocked
	}
	return cur, nil
}

// guardian reports whether the request's viewer may change parental
// controls: ErrNotGuardian for a kids profile, ErrLocked for a PIN profile
// the token did not select. An account with no profile yet is its own
// guardian (its first profile is being made).
func (a *API) guardian(ctx context.Context, p oauth.Principal) error {
	v, err := a.Store.Viewer(ctx, p, "")
	if err != nil {
		return err
	}
	if v.Kids {
		return ErrNotGuardian
	}
	return nil
}

// problem is the answer to an error of this package.
type problem struct {
	err    error
	status int
	kind   string // the problem type's last segment (httpx.ProblemBase + kind)
	detail string
}

// problems is the one table of this package's error answers, for the
// /v1/profiles routes and for every route that resolves a viewer
// (WriteViewerError); an error matching none is a 500.
var problems = []problem{
	{ErrNotFound, fasthttp.StatusNotFound, "profile-not-found", "no such profile on this account"},
	{ErrLocked, fasthttp.StatusForbidden, "profile-locked", "select this profile with its PIN first"},
	{ErrNotGuardian, fasthttp.StatusForbidden, "parental-controls", "select a non-kids profile (with its PIN) to manage profiles"},
	{ErrTooMany, fasthttp.StatusConflict, "too-many-profiles", "an account has at most 5 profiles"},
	{ErrLastProfile, fasthttp.StatusConflict, "last-profile", "the last profile cannot be deleted"},
	{ErrInvalidName, fasthttp.StatusBadRequest, "invalid-name", "name must be 1 to 50 characters"},
	{ErrInvalidLevel, fasthttp.StatusBadRequest, "invalid-maturity", "maturity_level must be 0..4, at most 1 for a kids profile"},
	{ErrInvalidPIN, fasthttp.StatusBadRequest, "invalid-pin", "pin must be 4 digits"},
	{ErrWrongPIN, fasthttp.StatusForbidden, "wrong-pin", "the PIN is wrong"},
	{accounts.ErrBusy, fasthttp.StatusServiceUnavailable, "busy", "PIN checks are at capacity; retry shortly"},
}

func (a *API) writeError(ctx *fasthttp.RequestCtx, err error) { writeProblem(ctx, a.Logger, err) }

// WriteViewerError answers the problem of a Store.Viewer error.
func WriteViewerError(ctx *fasthttp.RequestCtx, log *slog.Logger, err error) {
	writeProblem(ctx, log, err)
}

// writeProblem answers err from problems, logging it if it is none of them.
func writeProblem(ctx *fasthttp.RequestCtx, log *slog.Logger, err error) {
	for _, p := range problems {
		if errors.Is(err, p.err) {
			if p.status == fasthttp.StatusServiceUnavailable { // the PIN checks' budget is full
				ctx.Response.Header.Set("Retry-After", accounts.BusyRetryAfter)
			}
			httpx.WriteProblem(ctx, p.status, p.kind, p.detail)
			return
		}
	}
	log.Error("profiles", "err", err)
	httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
}
