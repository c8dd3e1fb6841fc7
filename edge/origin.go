package edge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/cache"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// DefaultMasterMaxAge is the Cache-Control max-age viewers get for a
// rewritten master playlist.
const DefaultMasterMaxAge = 10 * time.Second

// MasterSuffix marks the paths the origin-request function rewrites.
const MasterSuffix = "master.m3u8"

// Cache keys: shared objects by path, rewritten masters by path and caps.
const (
	keyObject = "obj\x00"
	keyMaster = "master\x00"
)

// unplayableBody is the documented 422 answer when the rewrite leaves no
// variant for the device.
const unplayableBody = `{"error":"no rendition playable by this device","reason":"unplayable"}` + "\n"

// storedHeaders are the origin response headers kept with a cached object.
var storedHeaders = []string{"Content-Type", "ETag", "Last-Modified", "Cache-Control"}

// serve answers a gated request: master playlists through fn's
// origin-request function and the per-(caps, version) cache, everything
// else through the shared cache.
func (s *Server) serve(ctx *fasthttp.RequestCtx, r gateResult, fn function) {
	if strings.HasSuffix(r.Path, MasterSuffix) {
		s.serveMaster(ctx, r, fn)
		return
	}
	key := keyObject + r.Path
	if len(ctx.Request.Header.Peek("Range")) > 0 {
		// A range of a cached object is cut from it; a range of anything
		// else goes to the origin as asked, without filling the cache.
		if res, ok := s.cache.Get(key); ok {
			s.write(ctx, res)
			return
		}
		s.passThrough(ctx, r)
		return
	}
	res, err := s.cache.Fetch(key, func() (*cache.Object, error) { return s.fetchObject(r.Path) })
	if err != nil {
		s.fetchFailed(ctx, r.Path, err)
		return
	}
	if isStreamed(res.Object) {
		// Too big or not cacheable: the viewer whose fill opened the
		// origin's answer streams it; viewers that shared the fill ask
		// the origin themselves.
		if st, ok := s.streams.LoadAndDelete(res.Object); ok {
			s.writeStream(ctx, res.Object, st.(*originStream))
			return
		}
		s.passThrough(ctx, r)
		return
	}
	s.write(ctx, res)
}

// streamedHeader marks an Object whose body is streamed, never stored.
const streamedHeader = "\x00streamed"

// isStreamed reports whether o stands for a streamed answer.
func isStreamed(o *cache.Object) bool {
	return o != nil && len(o.Header) > 0 && o.Header[0].Name == streamedHeader
}

// fetchObject is the cache fill for shared objects. It reads the origin's
// answer as a stream: a cacheable 200 within the cache's object limit, and
// any 5xx (for stale-on-error) up to that limit, are buffered and returned
// as today; anything else (uncacheable, or larger than the limit) is
// returned as a streamed Object (TTL 0, so never stored) whose open body
// waits in s.streams for the viewer that takes it.
func (s *Server) fetchObject(path string) (*cache.Object, error) {
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	resp := fasthttp.AcquireResponse()
	resp.StreamBody = true
	req.SetRequestURI(s.origin + path)
	s.signOrigin(req)
	if err := s.client.Do(req, resp); err != nil {
		fasthttp.ReleaseResponse(resp)
		return nil, err
	}
	st := &originStream{resp: resp, body: resp.BodyStream()}
	o := &cache.Object{Status: resp.StatusCode()}
	for _, name := range storedHeaders {
		if v := resp.Header.Peek(name); len(v) > 0 {
			o.Header = append(o.Header, cache.Header{Name: name, Value: string(v)})
		}
	}
	if o.Status == fasthttp.StatusOK {
		o.TTL, _ = cache.Lifetime(string(resp.Header.Peek("Cache-Control")))
	}
	size := resp.Header.ContentLength()
	if (o.TTL > 0 || o.Status >= 500) && size <= s.maxObject {
		// Cacheable (or an error kept for stale-on-error): buffer up to the
		// object limit, one byte more to see whether it fits.
		prefix, err := readUpTo(st.body, s.maxObject+1)
		if err != nil {
			st.Close()
			return nil, err
		}
		if len(prefix) <= s.maxObject {
			st.Close()
			o.Body = prefix
			return o, nil
		}
		st.prefix = prefix
	}
	o.TTL = 0
	o.Header = append([]cache.Header{{Name: streamedHeader}}, o.Header...)
	st.size = size
	s.streams.Store(o, st)
	// A fill whose viewer never takes the stream (it went away) must not
	// hold the origin connection: give it a deadline.
	time.AfterFunc(s.cfg.OriginTimeout, func() {
		if v, ok := s.streams.LoadAndDelete(o); ok {
			v.(*originStream).Close()
		}
	})
	return o, nil
}

// readUpTo reads r until EOF or n bytes.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	var buf bytes.Buffer
	_, err := io.Copy(&buf, io.LimitReader(r, int64(n)))
	return buf.Bytes(), err
}

// originStream is an origin answer being streamed to one viewer: the bytes
// already read, then the rest of the body. Close releases the response
// (fasthttp closes a body stream that is an io.Closer once it is sent).
type originStream struct {
	resp   *fasthttp.Response
	body   io.Reader
	prefix []byte
	size   int // Content-Length, or -1
	once   sync.Once
}

func (o *originStream) Read(p []byte) (int, error) {
	if len(o.prefix) > 0 {
		n := copy(p, o.prefix)
		o.prefix = o.prefix[n:]
		return n, nil
	}
	if o.body == nil {
		return 0, io.EOF
	}
	return o.body.Read(p)
}

func (o *originStream) Close() error {
	o.once.Do(func() {
		o.resp.CloseBodyStream()
		fasthttp.ReleaseResponse(o.resp)
	})
	return nil
}

// writeStream answers with a streamed origin answer: its stored headers,
// then the body as it arrives from the origin.
func (s *Server) writeStream(ctx *fasthttp.RequestCtx, o *cache.Object, st *originStream) {
	h := &ctx.Response.Header
	for _, f := range o.Header[1:] {
		h.Set(f.Name, f.Value)
	}
	h.Set("X-Cache", cache.Miss.String())
	ctx.SetStatusCode(o.Status)
	if ctx.IsHead() {
		ctx.Response.SkipBody = true
		if st.size >= 0 {
			h.SetContentLength(st.size)
		}
		st.Close()
		return
	}
	ctx.SetBodyStream(st, st.size)
}

// serveMaster is the origin-request trigger: on a miss it fetches the
// master from the origin, rewrites it for the caps with the request's
// function version (the one whose gate admitted it) and caches the answer
// under (path, normalized caps, version), so a canary's rewrite is never
// served to the active version's viewers, nor the other way round.
func (s *Server) serveMaster(ctx *fasthttp.RequestCtx, r gateResult, fn function) {
	res, err := s.cache.Fetch(keyMaster+r.Path+"\x00"+r.Caps+"\x00"+fn.Label(), func() (*cache.Object, error) {
		return s.rewriteMaster(r, fn)
	})
	if err != nil {
		s.fetchFailed(ctx, r.Path, err)
		return
	}
	s.write(ctx, res)
}

// rewriteMaster fetches a master from the origin and rewrites it for caps
// with fn. The origin is asked for the stored master, never for its own
// rewrite (no contract.CapsHeader): the edge's module is the one place a
// master is rewritten on this path (RATIONALE.md).
func (s *Server) rewriteMaster(r gateResult, fn function) (*cache.Object, error) {
	o, err := s.fetch(r.Path)
	if err != nil || o.Status != fasthttp.StatusOK {
		return o, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.OriginTimeout)
	defer cancel()
	body, err := fn.Rewrite(ctx, o.Body, r.Caps)
	cc := "no-store"
	if o.TTL > 0 {
		cc = "private, max-age=" + strconv.Itoa(int(min(o.TTL, s.cfg.MasterMaxAge)/time.Second))
	}
	switch {
	case err == nil:
		return &cache.Object{
			Status: fasthttp.StatusOK,
			Header: []cache.Header{{Name: "Content-Type", Value: "application/vnd.apple.mpegurl"}, {Name: "Cache-Control", Value: cc}},
			Body:   body,
			TTL:    o.TTL,
		}, nil
	case errors.Is(err, manifest.ErrNotMaster):
		return o, nil // a media playlist: served as the origin sent it
	case errors.Is(err, manifest.ErrNothingPlayable):
		return &cache.Object{
			Status: fasthttp.StatusUnprocessableEntity,
			Header: []cache.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Cache-Control", Value: cc}},
			Body:   []byte(unplayableBody),
			TTL:    o.TTL,
		}, nil
	case errors.Is(err, manifest.ErrInvalid):
		s.cfg.Logger.Warn("edge: origin sent an invalid master playlist", "path", r.Path, "err", err)
		return &cache.Object{
			Status: fasthttp.StatusBadGateway,
			Header: []cache.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Cache-Control", Value: "no-store"}},
			Body:   []byte(`{"error":"origin sent an invalid master playlist","reason":"manifest"}` + "\n"),
		}, nil
	default:
		return nil, err
	}
}

// fetch gets a whole object from the origin, without the viewer's range or
// conditional headers, for the cache.
func (s *Server) fetch(path string) (*cache.Object, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(s.origin + path)
	s.signOrigin(req)
	if err := s.client.DoTimeout(req, resp, s.cfg.OriginTimeout); err != nil {
		return nil, err
	}
	o := &cache.Object{Status: resp.StatusCode(), Body: append([]byte(nil), resp.Body()...)}
	s.metrics.originBytes.Add(float64(len(o.Body)))
	for _, name := range storedHeaders {
		if v := resp.Header.Peek(name); len(v) > 0 {
			o.Header = append(o.Header, cache.Header{Name: name, Value: string(v)})
		}
	}
	if o.Status == fasthttp.StatusOK {
		o.TTL, _ = cache.Lifetime(string(resp.Header.Peek("Cache-Control")))
	}
	return o, nil
}

// fetchFailed answers a request whose origin fetch or rewrite failed with
// nothing stale to serve.
func (s *Server) fetchFailed(ctx *fasthttp.RequestCtx, path string, err error) {
	switch {
	case errors.Is(err, fnhost.ErrCall), errors.Is(err, fnhost.ErrModule), errors.Is(err, fnhost.ErrClosed),
		errors.Is(err, manifest.ErrCall), errors.Is(err, context.DeadlineExceeded):
		s.cfg.Logger.Error("edge: origin-request function failed", "path", path, "err", err)
		ctx.Response.Header.Set("Retry-After", "1")
		jsonError(ctx, fasthttp.StatusServiceUnavailable, "unavailable", "edge_function")
	case errors.Is(err, fasthttp.ErrTimeout):
		s.cfg.Logger.Warn("edge: origin fetch timed out", "path", path, "err", err)
		jsonError(ctx, fasthttp.StatusGatewayTimeout, "origin unavailable", "origin")
	default:
		s.cfg.Logger.Warn("edge: origin fetch failed", "path", path, "err", err)
		jsonError(ctx, fasthttp.StatusBadGateway, "origin unavailable", "origin")
	}
	ctx.Response.Header.Set("X-Cache", cache.Miss.String())
}

// write answers from a cache result: conditional requests, single byte
// ranges and HEAD are served from the stored object.
func (s *Server) write(ctx *fasthttp.RequestCtx, res cache.Result) {
	h := &ctx.Response.Header
	var etag, lastModified string
	for _, f := range res.Header {
		h.Set(f.Name, f.Value)
		switch f.Name {
		case "ETag":
			etag = f.Value
		case "Last-Modified":
			lastModified = f.Value
		}
	}
	h.Set("X-Cache", res.State.String())
	h.Set("Age", strconv.FormatInt(int64(res.Age/time.Second), 10))
	if res.State == cache.Stale {
		h.Set("Warning", `110 edgeflix "Response is Stale"`)
	}
	body := res.Body
	status := res.Status
	if status == fasthttp.StatusOK {
		h.Set("Accept-Ranges", "bytes")
		if inm := ctx.Request.Header.Peek("If-None-Match"); len(inm) > 0 && etag != "" && etagMatch(inm, etag) {
			ctx.SetStatusCode(fasthttp.StatusNotModified)
			ctx.Response.SkipBody = true
			return
		}
		if rng := ctx.Request.Header.Peek("Range"); len(rng) > 0 && ifRangeOK(ctx.Request.Header.Peek("If-Range"), etag, lastModified) {
			start, end, ok := parseRange(string(rng), len(body))
			switch {
			case ok && start >= 0:
				h.Set("Content-Range", "bytes "+strconv.Itoa(start)+"-"+strconv.Itoa(end)+"/"+strconv.Itoa(len(body)))
				status, body = fasthttp.StatusPartialContent, body[start:end+1]
			case ok:
				h.Set("Content-Range", "bytes */"+strconv.Itoa(len(body)))
				ctx.SetStatusCode(fasthttp.StatusRequestedRangeNotSatisfiable)
				ctx.Response.SetBodyRaw(nil)
				return
			}
		}
	}
	ctx.SetStatusCode(status)
	if ctx.IsHead() {
		ctx.Response.SkipBody = true
		h.SetContentLength(len(body))
		return
	}
	// The body is shared with the cache and never modified: no copy.
	ctx.Response.SetBodyRaw(body)
}

// etagMatch reports whether an If-None-Match value names etag (weak
// comparison, RFC 9110 §13.1.2).
func etagMatch(inm []byte, etag string) bool {
	if string(bytes.TrimSpace(inm)) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(string(inm), ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// ifRangeOK reports whether a Range may be honoured given If-Range: absent,
// or naming the stored strong ETag or Last-Modified date exactly.
func ifRangeOK(ifRange []byte, etag, lastModified string) bool {
	if len(ifRange) == 0 {
		return true
	}
	v := string(ifRange)
	if strings.HasPrefix(v, `"`) {
		return etag != "" && v == etag
	}
	return lastModified != "" && v == lastModified
}

// parseRange reads a Range header for an object of size bytes. ok is false
// when the header should be ignored (not one bytes range, malformed): the
// whole object is served. With ok, start < 0 means unsatisfiable (416);
// otherwise [start, end] is the inclusive byte range to serve.
func parseRange(v string, size int) (start, end int, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false
	}
	switch {
	case first == "" && last == "":
		return 0, 0, false
	case first == "": // the last n bytes
		n, err := strconv.Atoi(last)
		if err != nil || n < 0 {
			return 0, 0, false
		}
		if n == 0 || size == 0 {
			return -1, 0, true
		}
		return max(size-n, 0), size - 1, true
	}
	a, err := strconv.Atoi(first)
	if err != nil || a < 0 {
		return 0, 0, false
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.Atoi(last); err != nil || b < a {
			return 0, 0, false
		}
	}
	if a >= size {
		return -1, 0, true
	}
	return a, min(b, size-1), true
}

// passThrough asks the origin for the gated path with the viewer's range
// and conditional headers and copies its answer, uncached.
func (s *Server) passThrough(ctx *fasthttp.RequestCtx, r gateResult) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer func() {
		if resp != nil {
			fasthttp.ReleaseResponse(resp)
		}
	}()
	req.SetRequestURI(s.origin + r.Path)
	s.signOrigin(req)
	req.Header.SetMethodBytes(ctx.Method())
	for _, name := range requestHeaders {
		if v := ctx.Request.Header.Peek(name); len(v) > 0 {
			req.Header.SetBytesV(name, v)
		}
	}
	if ctx.IsHead() {
		resp.SkipBody = true
	} else {
		resp.StreamBody = true
	}
	if err := s.client.Do(req, resp); err != nil {
		s.fetchFailed(ctx, r.Path, err)
		return
	}
	ctx.SetStatusCode(resp.StatusCode())
	out := &ctx.Response.Header
	for _, name := range responseHeaders {
		if v := resp.Header.Peek(name); len(v) > 0 {
			out.SetBytesV(name, v)
		}
	}
	out.Set("X-Cache", cache.Miss.String())
	if ctx.IsHead() {
		ctx.Response.SkipBody = true
		if n := resp.Header.ContentLength(); n >= 0 {
			out.SetContentLength(n)
		}
		return
	}
	// The body is streamed, never held whole: it goes to the viewer as the
	// origin sends it, and the stream owns the response from here.
	st := &originStream{resp: resp, body: resp.BodyStream(), size: resp.Header.ContentLength()}
	resp = nil
	ctx.SetBodyStream(st, st.size)
}

// CacheStats returns the edge cache's counters.
func (s *Server) CacheStats() cache.Stats { return s.cache.Stats() }

// signOrigin adds the gate's proof for the request's path (with the
// first proof key, if any are configured) and the origin secret, if one
// is configured, to an origin request. Every origin request follows an
// admitted gate decision for that path.
func (s *Server) signOrigin(req *fasthttp.Request) {
	if len(s.cfg.ProofKeys) > 0 {
		p := string(req.URI().Path())
		req.Header.Set(contract.ProofHeader, edgeproof.Sign(s.cfg.ProofKeys[0], p, s.cfg.Now().Add(edgeproof.Lifetime)))
	}
	if s.cfg.OriginSecret != "" {
		req.Header.Set(contract.OriginVerifyHeader, s.cfg.OriginSecret)
	}
}
