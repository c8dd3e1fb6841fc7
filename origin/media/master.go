package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"path"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// isMaster reports whether a media file is a master playlist (the edge's
// and CloudFront's rule: the path ends in /master.m3u8).
func isMaster(file string) bool { return path.Base(file) == "master.m3u8" }

// serveMasterForCaps answers a GET or HEAD of a master playlist that
// carries contract.CapsHeader: the master from S3 rewritten for those caps
// by wasm/manifest, the package the edge module runs, with the answers the
// origin-request function gives (422 when nothing is playable, 502 for an
// unusable master, the bytes unchanged for a media playlist). It reports
// whether it answered; without the header it only adds Vary to a master's
// answer and the plain object path serves it. A caps header that does not
// parse is a 400 and reads nothing.
func (h *Handler) serveMasterForCaps(ctx *fasthttp.RequestCtx, key, file string) bool {
	if !isMaster(file) {
		return false
	}
	// Whatever answers, a master's bytes depend on the caps header.
	ctx.Response.Header.Set("Vary", contract.CapsHeader)
	value := string(ctx.Request.Header.Peek(contract.CapsHeader))
	if value == "" {
		return false
	}
	caps, err := contract.ParseHeader(value)
	if err != nil {
		httpx.WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-caps", err.Error())
		return true
	}
	master, out, err := h.readMaster(key)
	if err != nil {
		h.fail(ctx, key, err)
		return true
	}
	body, err := manifest.Rewrite(master, caps)
	switch {
	case err == nil:
	case errors.Is(err, manifest.ErrNotMaster):
		body = master
	case errors.Is(err, manifest.ErrNothingPlayable):
		httpx.WriteProblem(ctx, fasthttp.StatusUnprocessableEntity, "unplayable", "no rendition playable by this device")
		return true
	default:
		h.logger().Warn("media: invalid master playlist in storage", "key", key, "err", err)
		httpx.WriteProblem(ctx, fasthttp.StatusBadGateway, "invalid-master", "invalid master playlist in storage")
		return true
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hd := &ctx.Response.Header
	hd.Set("Content-Type", ContentType(file))
	hd.Set("Cache-Control", CacheControl(file))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", etag)
	if out.LastModified != nil {
		hd.Set("Last-Modified", out.LastModified.UTC().Format(http.TimeFormat))
	}
	if etagMatches(string(ctx.Request.Header.Peek("If-None-Match")), etag) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return true
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	if ctx.IsHead() {
		hd.SetContentLength(len(body))
		ctx.Response.SkipBody = true
		return true
	}
	ctx.SetBody(body)
	return true
}

// readMaster reads a whole master playlist from S3, at most
// manifest.MaxSize+1 bytes (a larger one is invalid to the rewrite).
func (h *Handler) readMaster(key string) ([]byte, *s3.GetObjectOutput, error) {
	rctx, cancel := context.WithTimeout(h.base(), h.timeout())
	defer cancel()
	out, err := h.Store.Client.GetObject(rctx, &s3.GetObjectInput{Bucket: aws.String(h.Store.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, manifest.MaxSize+1))
	if err != nil {
		return nil, nil, err
	}
	return b, out, nil
}
