package catalog

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/origin/cache"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/oauth"
)

// ETag returns the strong entity tag of a response body.
func ETag(body []byte) string { return cache.ETag(body) }

// ETagMatches reports whether an If-None-Match header value matches etag.
func ETagMatches(header, etag string) bool {
	for c := range strings.SplitSeq(header, ",") {
		c = strings.TrimPrefix(strings.TrimSpace(c), "W/")
		if c == "*" || c == etag {
			return true
		}
	}
	return false
}

// WriteBody answers 200 with a JSON body as is (no re-encoding), its ETag
// and Cache-Control, or 304 when If-None-Match has the ETag.
func WriteBody(ctx *fasthttp.RequestCtx, body []byte) {
	if writeHead(ctx, ETag(body)) {
		ctx.SetBody(body)
	}
}

// writeHead sets the ETag and caching headers and answers 304 when
// If-None-Match has the tag; it reports whether the body must follow.
func writeHead(ctx *fasthttp.RequestCtx, tag string) bool {
	h := &ctx.Response.Header
	h.Set("ETag", tag)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization")
	if inm := ctx.Request.Header.Peek("If-None-Match"); len(inm) > 0 && ETagMatches(string(inm), tag) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return false
	}
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(fasthttp.StatusOK)
	return true
}

// writeErr answers the problem for a store error.
func writeErr(ctx *fasthttp.RequestCtx, log *slog.Logger, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such title")
	case errors.Is(err, ErrBadCursor), errors.Is(err, ErrBadQuery):
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-query", err.Error())
	case errors.Is(err, ErrNoProfile):
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "no-profile", "the account has no profile yet")
	case errors.Is(err, ErrListFull):
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "list-full", err.Error())
	case errors.Is(err, ErrBadOrder), errors.Is(err, ErrInvalidTitle):
		httpx.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, "invalid-body", err.Error())
	case errors.Is(err, ErrExists):
		httpx.WriteProblem(ctx, fasthttp.StatusConflict, "exists", err.Error())
	case errors.Is(err, ErrAssetNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, "asset-not-found", err.Error())
	default:
		log.Error("catalog", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
	}
}

// WriteViewerError answers the problem of a ViewerOf error.
func WriteViewerError(ctx *fasthttp.RequestCtx, log *slog.Logger, err error) {
	switch {
	case errors.Is(err, ErrProfileNotFound):
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "profile-not-found", "no such profile on this account")
	case errors.Is(err, ErrProfileLocked):
		httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "profile-locked", "select this profile with its pin first")
	case errors.Is(err, ErrInsufficientScope):
		oauth.WriteInsufficientScope(ctx, oauth.ScopeCatalog)
	default:
		log.Error("catalog: viewer", "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
	}
}

// HandleHome serves GET /v1/browse/home.
func (s *Store) HandleHome(ctx *fasthttp.RequestCtx, log *slog.Logger, v Viewer) {
	h, err := s.HomeParts(ctx, v)
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	if writeHead(ctx, h.ETag) {
		// One copy, from the Redis replies into the response buffer.
		r := &ctx.Response
		r.ResetBody()
		r.AppendBodyString(`{"rows":[`)
		r.AppendBody(h.Own)
		if len(h.Own) > 0 && len(h.Shared) > 0 {
			r.AppendBodyString(",")
		}
		r.AppendBody(h.Shared)
		r.AppendBodyString(`]}`)
	}
}

// HandleDetail serves GET /v1/titles/{id}.
func (s *Store) HandleDetail(ctx *fasthttp.RequestCtx, log *slog.Logger, v Viewer, id string) {
	b, err := s.TitleDetail(ctx, v, id)
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	WriteBody(ctx, b)
}

func limitOf(ctx *fasthttp.RequestCtx) (int, error) {
	raw := ctx.QueryArgs().Peek("limit")
	if len(raw) == 0 {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 1 || n > MaxLimit {
		return 0, ErrBadCursor
	}
	return n, nil
}

// HandleSearch serves GET /v1/search?q=&limit=&cursor=.
func (s *Store) HandleSearch(ctx *fasthttp.RequestCtx, log *slog.Logger, v Viewer) {
	q, err := ParseQuery(string(ctx.QueryArgs().Peek("q")))
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	limit, err := limitOf(ctx)
	if err != nil {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-query", "limit must be 1..100")
		return
	}
	skip, err := DecodeSearchCursor(string(ctx.QueryArgs().Peek("cursor")))
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	b, err := s.Search(ctx, v.Ceiling, q, limit, skip)
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	WriteBody(ctx, b)
}

// HandleMyList serves GET, PUT (order) of /v1/my-list and PUT, DELETE of
// /v1/my-list/{title_id} (titleID empty for the list itself).
func (s *Store) HandleMyList(ctx *fasthttp.RequestCtx, log *slog.Logger, v Viewer, titleID string) {
	var err error
	switch {
	case titleID == "" && ctx.IsGet():
		limit, lerr := limitOf(ctx)
		if lerr != nil {
			httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-query", "limit must be 1..100")
			return
		}
		page, perr := s.MyList(ctx, v, limit, string(ctx.QueryArgs().Peek("cursor")))
		if perr != nil {
			writeErr(ctx, log, perr)
			return
		}
		ctx.Response.Header.Set("Cache-Control", "private, no-store")
		httpx.WriteJSON(ctx, fasthttp.StatusOK, page)
		return
	case titleID == "" && ctx.IsPut():
		var body struct {
			TitleIDs []string `json:"title_ids"`
		}
		if !httpx.ReadJSON(ctx, &body) {
			return
		}
		err = s.ReorderList(ctx, v, body.TitleIDs)
	case titleID != "" && ctx.IsPut():
		err = s.AddToList(ctx, v, titleID)
	case titleID != "" && ctx.IsDelete():
		err = s.RemoveFromList(ctx, v, titleID)
	default:
		ctx.Response.Header.Set("Allow", "GET, PUT, DELETE")
		httpx.WriteProblem(ctx, fasthttp.StatusMethodNotAllowed, "method-not-allowed", "method not allowed here")
		return
	}
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// HandleOperator serves /v1/operator/titles… for accountID: POST
// /titles, PATCH /titles/{id}, PUT /titles/{id}/asset, POST
// /titles/{id}/publish and /unpublish, POST /titles/{id}/seasons and
// /episodes. rest is the path after /v1/operator/titles.
func (s *Store) HandleOperator(ctx *fasthttp.RequestCtx, log *slog.Logger, accountID, rest string) {
	ok, err := s.IsOperator(ctx, accountID)
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	if !ok {
		httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "forbidden", ErrNotOperator.Error())
		return
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	m := string(ctx.Method())
	status := fasthttp.StatusNoContent
	switch {
	case rest == "" && m == "POST":
		var in TitleInput
		if !httpx.ReadJSON(ctx, &in) {
			return
		}
		err, status = s.CreateTitle(ctx, in), fasthttp.StatusCreated
	case len(parts) == 1 && parts[0] != "" && m == "PATCH":
		var in TitleInput
		if !httpx.ReadJSON(ctx, &in) {
			return
		}
		if in.ID != "" && in.ID != parts[0] {
			err = ErrInvalidTitle
			break
		}
		err = s.EditTitle(ctx, parts[0], in)
	case len(parts) == 2 && parts[1] == "asset" && m == "PUT":
		var in struct {
			AssetID string `json:"asset_id"`
		}
		if !httpx.ReadJSON(ctx, &in) {
			return
		}
		err = s.AttachAsset(ctx, parts[0], in.AssetID)
	case len(parts) == 2 && parts[1] == "publish" && m == "POST":
		var in struct {
			At time.Time `json:"at"`
		}
		if len(ctx.PostBody()) > 0 && !httpx.ReadJSON(ctx, &in) {
			return
		}
		err = s.Publish(ctx, parts[0], in.At)
	case len(parts) == 2 && parts[1] == "unpublish" && m == "POST":
		err = s.Unpublish(ctx, parts[0])
	case len(parts) == 2 && parts[1] == "seasons" && m == "POST":
		var in SeasonInput
		if !httpx.ReadJSON(ctx, &in) {
			return
		}
		err, status = s.AddSeason(ctx, parts[0], in), fasthttp.StatusCreated
	case len(parts) == 2 && parts[1] == "episodes" && m == "POST":
		var in EpisodeInput
		if !httpx.ReadJSON(ctx, &in) {
			return
		}
		err, status = s.AddEpisode(ctx, parts[0], in), fasthttp.StatusCreated
	default:
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such operator resource")
		return
	}
	if err != nil {
		writeErr(ctx, log, err)
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetStatusCode(status)
}
