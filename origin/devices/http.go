package devices

import (
	"context"
	"errors"
	"log/slog"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/httpx"
)

// Revoker revokes a device everywhere: its refresh tokens, its access
// tokens and its streams (origin/oauth.Server).
type Revoker interface {
	RevokeDevice(ctx context.Context, accountID, deviceID string) error
}

// API serves the /v1/devices routes. Its handlers run behind the bearer
// check and take the signed-in account and the token's device ("" when
// none), as this package sits below origin/oauth.
type API struct {
	Store   *Store
	Revoker Revoker
	Logger  *slog.Logger
}

// ListResponse is the answer of GET /v1/devices.
type ListResponse struct {
	Items []Device `json:"items"`
}

// RenameRequest is the body of PATCH /v1/devices/{id}.
type RenameRequest struct {
	Name string `json:"name"`
}

// HandleList serves GET /v1/devices; Current marks the caller's device.
func (a *API) HandleList(ctx *fasthttp.RequestCtx, accountID, currentID string) {
	list, err := a.Store.List(ctx, accountID)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	for i := range list {
		list[i].Current = list[i].ID == currentID
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	httpx.WriteJSON(ctx, fasthttp.StatusOK, ListResponse{Items: list})
}

// HandleRename serves PATCH /v1/devices/{id}.
func (a *API) HandleRename(ctx *fasthttp.RequestCtx, accountID, currentID string) {
	var req RenameRequest
	if !httpx.ReadJSON(ctx, &req) {
		return
	}
	d, err := a.Store.Rename(ctx, accountID, httpx.Param(ctx, "id"), req.Name)
	if err != nil {
		a.writeError(ctx, err)
		return
	}
	d.Current = d.ID == currentID
	httpx.WriteJSON(ctx, fasthttp.StatusOK, d)
}

// HandleRevoke serves DELETE /v1/devices/{id}: 204 once the device is
// signed out everywhere.
func (a *API) HandleRevoke(ctx *fasthttp.RequestCtx, accountID, _ string) {
	if err := a.Revoker.RevokeDevice(ctx, accountID, httpx.Param(ctx, "id")); err != nil {
		a.writeError(ctx, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

func (a *API) writeError(ctx *fasthttp.RequestCtx, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such device")
	case errors.Is(err, ErrInvalidName):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-name", "name must be 1 to 64 characters")
	default:
		a.Logger.Error("devices", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
	}
}
