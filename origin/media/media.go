// Package media serves media objects from S3 at /v1/media/<asset>/<path>:
// it validates the path, passes Range and If-None-Match through to S3 and
// streams the object body without buffering it.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

// Prefix is the URL path prefix media is served under.
const Prefix = "/v1/media/"

// ErrBadPath means a media path is not a valid asset id and relative path.
var ErrBadPath = errors.New("invalid media path")

// ParsePath splits the part of a URL path after Prefix into the asset id and
// the relative file path, validating both: the asset id matches
// ^[a-z0-9][a-z0-9-]{0,62}$, and the file path is one or more segments of
// [A-Za-z0-9._-], none empty, "." or "..".
func ParsePath(p string) (asset, file string, err error) {
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return "", "", fmt.Errorf("%w: no file below the asset", ErrBadPath)
	}
	asset, file = p[:i], p[i+1:]
	if !ValidAssetID(asset) {
		return "", "", fmt.Errorf("%w: bad asset id", ErrBadPath)
	}
	if file == "" || len(file) > 512 {
		return "", "", fmt.Errorf("%w: bad file path", ErrBadPath)
	}
	for seg := range strings.SplitSeq(file, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", "", fmt.Errorf("%w: empty or dot segment", ErrBadPath)
		}
		for j := 0; j < len(seg); j++ {
			b := seg[j]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == '-') {
				return "", "", fmt.Errorf("%w: bad character", ErrBadPath)
			}
		}
	}
	return asset, file, nil
}

// ValidAssetID reports whether id matches ^[a-z0-9][a-z0-9-]{0,62}$.
func ValidAssetID(id string) bool {
	if len(id) == 0 || len(id) > 63 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || (b == '-' && i > 0)) {
			return false
		}
	}
	return true
}

// ContentType returns the media type for a file name's extension
// (contract.ContentType), application/octet-stream for an unknown one.
func ContentType(name string) string {
	if ct := contract.ContentType(name); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// CacheControl returns the Cache-Control of a media file: segments, init
// segments, posters and subtitles never change under a name; media
// playlists may (live), the master changes when renditions are added.
func CacheControl(name string) string {
	switch {
	case path.Base(name) == "master.m3u8":
		return "public, max-age=10"
	case path.Ext(name) == ".m3u8":
		return "public, max-age=2"
	default:
		return "public, max-age=31536000, immutable"
	}
}

// Handler serves media objects.
type Handler struct {
	// Store is the S3 bucket. Required.
	Store *objstore.Store
	// Ctx bounds S3 requests, including the streaming of bodies after a
	// handler returned; cancel it to abort streams at shutdown. If nil,
	// context.Background() is used.
	Ctx context.Context
	// Timeout bounds how long S3 may take to start answering. If zero, 10 s.
	Timeout time.Duration
	// Logger receives S3 failures. If nil, slog.Default().
	Logger *slog.Logger
	// ProofKeys verify the gate's contract.ProofHeader, required on every
	// object but public artwork (see Gated); else 403. Never logged.
	ProofKeys []edgeproof.Key
	// EdgeSecret, if set without ProofKeys, makes gated media refused
	// altogether: the API's blanket secret is no proof for media.
	EdgeSecret string
	// Now is the clock proofs are checked against; nil is time.Now.
	Now func() time.Time
	// Published reports whether "<asset>/<file>" is the poster or backdrop
	// of a title published now (ServeArt); nil serves no artwork.
	Published func(ctx context.Context, rel string) (bool, error)

	// wrapBody, if set (by tests), wraps each S3 body before streaming.
	wrapBody func(io.ReadCloser) io.ReadCloser
}

// ServeHTTP serves GET and HEAD of Prefix + <asset>/<file>: gated media
// with the gate's proof (edgeAllowed), posters and backdrops without.
func (h *Handler) ServeHTTP(ctx *fasthttp.RequestCtx) {
	h.serve(ctx, Prefix, func(_, file string) bool { return h.edgeAllowed(ctx, file) })
}

// ArtPrefix is the artwork route: /v1/art/<asset>/<file>.
const ArtPrefix = "/v1/art/"

// ServeArt serves GET and HEAD of ArtPrefix + <asset>/<file>: a poster or
// backdrop image (not Gated) that Published reports as artwork of a
// title published now; anything else is 404, whether or not it exists.
func (h *Handler) ServeArt(ctx *fasthttp.RequestCtx) {
	h.serve(ctx, ArtPrefix, func(asset, file string) bool {
		ok := !Gated(file) && h.Published != nil
		if ok {
			var err error
			if ok, err = h.Published(ctx, asset+"/"+file); err != nil {
				h.logger().Error("media: artwork lookup", "err", err)
				httpx.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "try again")
				return false
			}
		}
		if !ok {
			httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such artwork")
		}
		return ok
	})
}

// serve serves GET and HEAD of prefix + <asset>/<file> when allow (which
// answers itself otherwise) lets it.
func (h *Handler) serve(ctx *fasthttp.RequestCtx, prefix string, allow func(asset, file string) bool) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		httpx.WriteProblem(ctx, fasthttp.StatusMethodNotAllowed, "method-not-allowed", "use GET or HEAD")
		return
	}
	raw := string(ctx.Request.URI().PathOriginal())
	if q := strings.IndexByte(raw, '?'); q >= 0 {
		raw = raw[:q]
	}
	if !strings.HasPrefix(raw, prefix) {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-path", ErrBadPath.Error())
		return
	}
	// Validate the path as sent: no percent-escapes, dot segments or
	// double slashes are accepted, so what was checked is what is fetched.
	asset, file, err := ParsePath(raw[len(prefix):])
	if err != nil {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-path", err.Error())
		return
	}
	if !allow(asset, file) {
		return
	}
	key := "media/" + asset + "/" + file
	if h.serveMasterForCaps(ctx, key, file) {
		return
	}
	if ctx.IsHead() {
		h.head(ctx, key, file)
		return
	}
	h.get(ctx, key, file)
}

func (h *Handler) base() context.Context {
	if h.Ctx != nil {
		return h.Ctx
	}
	return context.Background()
}

func (h *Handler) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return 10 * time.Second
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// status returns the HTTP status of an S3 error response, 0 if none.
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func (h *Handler) fail(ctx *fasthttp.RequestCtx, key string, err error) {
	switch st := status(err); st {
	case fasthttp.StatusNotFound, fasthttp.StatusForbidden:
		httpx.WriteProblem(ctx, fasthttp.StatusNotFound, "not-found", "no such media object")
	case fasthttp.StatusNotModified:
		ctx.SetStatusCode(fasthttp.StatusNotModified)
	case fasthttp.StatusRequestedRangeNotSatisfiable:
		httpx.WriteProblem(ctx, st, "range-not-satisfiable", "the range is outside the object")
	default:
		h.logger().Error("media: s3", "key", key, "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusBadGateway, "storage-unavailable", "media storage failed")
	}
}

func (h *Handler) setCommon(ctx *fasthttp.RequestCtx, file string, etag *string, lastModified *time.Time) {
	hd := &ctx.Response.Header
	hd.Set("Content-Type", ContentType(file))
	hd.Set("Cache-Control", CacheControl(file))
	hd.Set("Accept-Ranges", "bytes")
	hd.Set("X-Content-Type-Options", "nosniff")
	if etag != nil && *etag != "" {
		hd.Set("ETag", *etag)
	}
	if lastModified != nil {
		hd.Set("Last-Modified", lastModified.UTC().Format(http.TimeFormat))
	}
}

// etagMatches reports whether an If-None-Match header matches etag.
func etagMatches(header, etag string) bool {
	if header == "" || etag == "" {
		return false
	}
	weak := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for cand := range strings.SplitSeq(header, ",") {
		c := strings.TrimSpace(cand)
		if c == "*" || weak(c) == weak(etag) {
			return true
		}
	}
	return false
}

func (h *Handler) head(ctx *fasthttp.RequestCtx, key, file string) {
	rctx, cancel := context.WithTimeout(h.base(), h.timeout())
	defer cancel()
	out, err := h.Store.Client.HeadObject(rctx, &s3.HeadObjectInput{Bucket: aws.String(h.Store.Bucket), Key: aws.String(key)})
	if err != nil {
		h.fail(ctx, key, err)
		return
	}
	h.setCommon(ctx, file, out.ETag, out.LastModified)
	if inm := string(ctx.Request.Header.Peek("If-None-Match")); etagMatches(inm, aws.ToString(out.ETag)) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.Response.Header.SetContentLength(int(aws.ToInt64(out.ContentLength)))
	ctx.Response.SkipBody = true
}

func (h *Handler) get(ctx *fasthttp.RequestCtx, key, file string) {
	in := &s3.GetObjectInput{Bucket: aws.String(h.Store.Bucket), Key: aws.String(key)}
	inm := string(ctx.Request.Header.Peek("If-None-Match"))
	if inm != "" {
		in.IfNoneMatch = aws.String(inm)
	}
	rng := string(ctx.Request.Header.Peek("Range"))
	if rng != "" {
		in.Range = aws.String(rng)
	}
	// The body streams after this handler returns, so the request context
	// must outlive it: cancel only when S3 fails to answer in time or the
	// body is done.
	rctx, cancel := context.WithCancel(h.base())
	timer := time.AfterFunc(h.timeout(), cancel)
	out, err := h.Store.Client.GetObject(rctx, in)
	if !timer.Stop() || err != nil {
		cancel()
		if err == nil {
			err = context.DeadlineExceeded
		}
		h.fail(ctx, key, err)
		return
	}
	h.setCommon(ctx, file, out.ETag, out.LastModified)
	if etagMatches(inm, aws.ToString(out.ETag)) { // the store ignored If-None-Match
		out.Body.Close()
		cancel()
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	if cr := aws.ToString(out.ContentRange); cr != "" && rng != "" {
		ctx.Response.Header.Set("Content-Range", cr)
		ctx.SetStatusCode(fasthttp.StatusPartialContent)
	} else {
		ctx.SetStatusCode(fasthttp.StatusOK)
	}
	body := out.Body
	if h.wrapBody != nil {
		body = h.wrapBody(body)
	}
	ctx.SetBodyStream(&cancelOnClose{ReadCloser: body, cancel: cancel}, int(aws.ToInt64(out.ContentLength)))
}

// cancelOnClose releases the S3 request's context with its body; fasthttp
// closes a body stream once it has been written (or the client left).
type cancelOnClose struct {
	ReadCloser interface {
		Read([]byte) (int, error)
		Close() error
	}
	cancel context.CancelFunc
}

func (c *cancelOnClose) Read(p []byte) (int, error) { return c.ReadCloser.Read(p) }

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
