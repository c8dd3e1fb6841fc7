// Package cloudfront is the Go twin of the Lambda@Edge handler in
// wasm/lambda/index.mjs: it takes a CloudFront Lambda@Edge event (the real
// JSON shape), runs it through the edge Wasm module (viewer-request: the
// token gate; origin-request: the master playlist rewrite) and returns the
// result the Node handler would return — the request, changed or not, or a
// generated response. `edgeflix fn invoke` prints it; a test checks that
// Node and this package agree on one corpus of events.
package cloudfront

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/wasm/gate"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// MaxGeneratedBody is Lambda@Edge's limit on a body generated at
// origin-request; a larger rewritten master passes through to the origin.
const MaxGeneratedBody = 1 << 20

// CapsHeader is the request header (lowercase, as CloudFront keys headers)
// that carries the gate's caps from viewer-request to origin-request.
const CapsHeader = "x-edgeflix-caps"

// ProofHeader is the request header (lowercase) that carries the gate's
// proof (internal/edgeproof) from viewer-request to the origin.
const ProofHeader = "x-edgeflix-proof"

var (
	// ErrEvent reports an event that is not a CloudFront Lambda@Edge event
	// this handler serves.
	ErrEvent = errors.New("cloudfront: unusable event")
	// ErrFetch reports an origin fetch that failed.
	ErrFetch = errors.New("cloudfront: origin fetch failed")
)

// Module is the edge module as the handler uses it: fnhost.Host through
// an adapter in the CLI, or anything that runs the same exports.
type Module interface {
	// Gate runs the gate export for a raw request path at now.
	Gate(ctx context.Context, rawPath string, now time.Time) (gate.Result, error)
	// Rewrite runs the rewrite export for caps and a master playlist.
	Rewrite(ctx context.Context, caps string, master []byte) (manifest.Result, error)
}

// Fetcher fetches uri from an event's origin (the request's "origin"
// member, custom or s3) and returns the body of a 200 answer.
type Fetcher interface {
	// proof is the gate's X-Edgeflix-Proof the request carries (sent when
	// not empty).
	Fetch(ctx context.Context, origin map[string]any, uri, proof string) ([]byte, error)
}

// Handler handles Lambda@Edge events like wasm/lambda/index.mjs.
type Handler struct {
	// Module runs the Wasm exports (required).
	Module Module
	// Fetch fetches masters at origin-request; nil means HTTPFetcher with
	// http.DefaultClient.
	Fetch Fetcher
	// Now is the clock passed to the gate; nil means time.Now.
	Now func() time.Time
	// ProofKey, if set, signs the proof viewer-request adds for the
	// admitted path (proof.json in the Lambda bundle); without it no proof
	// is forwarded and the origin refuses media.
	ProofKey *edgeproof.Key
}

// Handle runs one event (JSON) and returns the handler's result as JSON.
func (h *Handler) Handle(ctx context.Context, event []byte) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	cf, ok := path(ev, "Records", 0, "cf").(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no Records[0].cf", ErrEvent)
	}
	req, ok := cf["request"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no cf.request", ErrEvent)
	}
	eventType, _ := path(cf, "config", "eventType").(string)
	var out any
	var err error
	switch eventType {
	case "viewer-request":
		out, err = h.viewerRequest(ctx, req)
	case "origin-request":
		out, err = h.originRequest(ctx, req)
	default:
		return nil, fmt.Errorf("%w: eventType %q", ErrEvent, eventType)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// path walks nested JSON objects (string keys) and arrays (int indexes).
func path(v any, steps ...any) any {
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// response is a Lambda@Edge generated response.
func response(status int, description, contentType, body string) map[string]any {
	return map[string]any{
		"status":            strconv.Itoa(status),
		"statusDescription": description,
		"headers": map[string]any{
			"content-type":  []any{map[string]any{"key": "Content-Type", "value": contentType}},
			"cache-control": []any{map[string]any{"key": "Cache-Control", "value": "no-store"}},
		},
		"body": body,
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) viewerRequest(ctx context.Context, req map[string]any) (any, error) {
	uri, _ := req["uri"].(string)
	r, err := h.Module.Gate(ctx, uri, h.now())
	if err != nil {
		return response(500, "Internal Server Error", "text/plain; charset=utf-8", "edge function error\n"), nil
	}
	if r.Status != gate.Allow {
		return response(403, "Forbidden", "text/plain; charset=utf-8", "forbidden: "+r.Reason+"\n"), nil
	}
	req["uri"] = r.Path
	headers, _ := req["headers"].(map[string]any)
	if headers == nil {
		headers = map[string]any{}
		req["headers"] = headers
	}
	headers[CapsHeader] = []any{map[string]any{"key": "X-Edgeflix-Caps", "value": r.Caps}}
	if h.ProofKey != nil {
		headers[ProofHeader] = []any{map[string]any{"key": "X-Edgeflix-Proof", "value": edgeproof.Sign(*h.ProofKey, r.Path, h.now().Add(edgeproof.Lifetime))}}
	} else {
		delete(headers, ProofHeader) // never a viewer's own
	}
	return req, nil
}

// IsMaster reports whether uri names a master playlist.
func IsMaster(uri string) bool { return strings.HasSuffix(uri, "/master.m3u8") }

func (h *Handler) originRequest(ctx context.Context, req map[string]any) (any, error) {
	uri, _ := req["uri"].(string)
	if !IsMaster(uri) {
		return req, nil
	}
	caps, _ := path(req, "headers", CapsHeader, 0, "value").(string)
	origin, _ := req["origin"].(map[string]any)
	f := h.Fetch
	if f == nil {
		f = HTTPFetcher{}
	}
	proof, _ := path(req, "headers", ProofHeader, 0, "value").(string)
	body, err := f.Fetch(ctx, origin, uri, proof)
	if err != nil {
		return response(502, "Bad Gateway", "text/plain; charset=utf-8", "origin fetch failed\n"), nil
	}
	res, err := h.Module.Rewrite(ctx, caps, body)
	if err != nil {
		return response(500, "Internal Server Error", "text/plain; charset=utf-8", "edge function error\n"), nil
	}
	switch res.Status {
	case manifest.StatusOK:
		if len(res.Body) > MaxGeneratedBody {
			return req, nil
		}
		return response(200, "OK", "application/vnd.apple.mpegurl", string(res.Body)), nil
	case manifest.StatusNotMaster:
		return req, nil
	case manifest.StatusUnplayable:
		return response(422, "Unprocessable Entity", "text/plain; charset=utf-8", "no rendition playable by this device\n"), nil
	case manifest.StatusInvalid:
		return response(502, "Bad Gateway", "text/plain; charset=utf-8", "invalid master playlist from origin\n"), nil
	default:
		return response(500, "Internal Server Error", "text/plain; charset=utf-8", "edge function error\n"), nil
	}
}

// OriginURL builds the URL of uri on a CloudFront event origin: custom
// origins use protocol, domainName, port and path; S3 origins HTTPS,
// domainName and path.
func OriginURL(origin map[string]any, uri string) (string, error) {
	if c, ok := origin["custom"].(map[string]any); ok {
		proto, _ := c["protocol"].(string)
		host, _ := c["domainName"].(string)
		p, _ := c["path"].(string)
		if proto == "" {
			proto = "https"
		}
		if host == "" {
			return "", fmt.Errorf("%w: custom origin without domainName", ErrEvent)
		}
		port := ""
		switch v := c["port"].(type) {
		case float64:
			port = ":" + strconv.Itoa(int(v))
		case string:
			if v != "" {
				port = ":" + v
			}
		}
		return proto + "://" + host + port + p + uri, nil
	}
	if s, ok := origin["s3"].(map[string]any); ok {
		host, _ := s["domainName"].(string)
		p, _ := s["path"].(string)
		if host == "" {
			return "", fmt.Errorf("%w: s3 origin without domainName", ErrEvent)
		}
		return "https://" + host + p + uri, nil
	}
	return "", fmt.Errorf("%w: request has no custom or s3 origin", ErrEvent)
}

// HTTPFetcher fetches from the event's origin over HTTP.
type HTTPFetcher struct {
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
}

// Fetch GETs uri from origin and returns the body of a 200 answer, read up
// to 4 MiB.
func (f HTTPFetcher) Fetch(ctx context.Context, origin map[string]any, uri, proof string) ([]byte, error) {
	u, err := OriginURL(origin, uri)
	if err != nil {
		return nil, err
	}
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	for name, value := range CustomHeaders(origin) {
		req.Header.Set(name, value)
	}
	if proof != "" {
		req.Header.Set(contract.ProofHeader, proof)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", ErrFetch, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	return b, nil
}

// StaticFetcher answers every fetch with Body (`fn invoke --origin-body`).
type StaticFetcher struct {
	// Body is the master playlist the origin would send.
	Body []byte
}

// Fetch returns f.Body.
func (f StaticFetcher) Fetch(context.Context, map[string]any, string, string) ([]byte, error) {
	return f.Body, nil
}

// CustomHeaders returns the custom origin's customHeaders (the headers
// CloudFront adds to every origin request, such as the origin secret), as
// name → first value. The origin-request function must send them too when
// it fetches a master itself.
func CustomHeaders(origin map[string]any) map[string]string {
	out := map[string]string{}
	c, _ := origin["custom"].(map[string]any)
	hs, _ := c["customHeaders"].(map[string]any)
	for _, v := range hs {
		list, _ := v.([]any)
		if len(list) == 0 {
			continue
		}
		h, _ := list[0].(map[string]any)
		key, _ := h["key"].(string)
		value, _ := h["value"].(string)
		if key != "" {
			out[key] = value
		}
	}
	return out
}

// ProofFile is the file of a Lambda bundle that holds the gate's proof
// key: {"kid": ..., "key": base64url secret}.
const ProofFile = "proof.json"

// WriteProofFile writes k as dir/ProofFile (mode 0600: it is a secret).
func WriteProofFile(dir string, k edgeproof.Key) error {
	doc, err := json.Marshal(map[string]string{"kid": k.ID, "key": base64.RawURLEncoding.EncodeToString(k.Secret)})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ProofFile), append(doc, '\n'), 0o600)
}
