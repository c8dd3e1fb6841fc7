// Package httpx holds the origin's small HTTP helpers shared by every API
// handler: RFC 9457 problem responses, strict JSON request decoding and JSON
// responses over fasthttp.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/valyala/fasthttp"
)

// MaxJSONBody is the largest JSON request body the API accepts, in bytes.
const MaxJSONBody = 16 << 10

// ProblemBase prefixes the type URI of every problem edgeflix answers.
const ProblemBase = "https://edgeflix.dev/problems/"

// Problem is an RFC 9457 problem detail.
type Problem struct {
	// Type is a URI naming the kind of problem.
	Type string `json:"type"`
	// Title is a short human summary of the kind of problem.
	Title string `json:"title"`
	// Status repeats the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence.
	Detail string `json:"detail,omitempty"`
}

// WriteProblem answers status with an application/problem+json body. kind
// is the last segment of the problem type URI (for example "invalid-body").
func WriteProblem(ctx *fasthttp.RequestCtx, status int, kind, detail string) {
	p := Problem{Type: ProblemBase + kind, Title: fasthttp.StatusMessage(status), Status: status, Detail: detail}
	b, _ := json.Marshal(p)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetContentType("application/problem+json")
	ctx.SetStatusCode(status)
	ctx.SetBody(b)
}

// WriteJSON answers status with v encoded as JSON.
func WriteJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteProblem(ctx, fasthttp.StatusInternalServerError, "internal", "")
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(status)
	ctx.SetBody(b)
}

// Sentinel errors of DecodeJSON, tested with errors.Is.
var (
	// ErrBodyTooLarge means the body exceeds MaxJSONBody.
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrBadJSON means the body is not one JSON object of the expected shape.
	ErrBadJSON = errors.New("invalid json body")
)

// DecodeJSON decodes body into v strictly: one JSON value, no unknown
// fields, no trailing data, at most MaxJSONBody bytes.
func DecodeJSON(body []byte, v any) error {
	if len(body) > MaxJSONBody {
		return ErrBodyTooLarge
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after the object", ErrBadJSON)
	}
	return nil
}

// ReadJSON checks the request's content type, decodes its body with
// DecodeJSON and, on failure, answers the problem itself and returns false.
func ReadJSON(ctx *fasthttp.RequestCtx, v any) bool {
	ct := ctx.Request.Header.ContentType()
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !bytes.EqualFold(bytes.TrimSpace(ct), []byte("application/json")) {
		WriteProblem(ctx, fasthttp.StatusUnsupportedMediaType, "unsupported-media-type", "send application/json")
		return false
	}
	err := DecodeJSON(ctx.PostBody(), v)
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrBodyTooLarge):
		WriteProblem(ctx, fasthttp.StatusRequestEntityTooLarge, "body-too-large", fmt.Sprintf("the body may hold at most %d bytes", MaxJSONBody))
	default:
		WriteProblem(ctx, fasthttp.StatusBadRequest, "invalid-body", err.Error())
	}
	return false
}
