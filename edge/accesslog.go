package edge

import (
	"bytes"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/cmcd"
)

// FnVersionHeader names the edge function version that served a response;
// the access log records it when the function host sets it.
const FnVersionHeader = "X-Edgeflix-Fn-Version"

// cmcdHeaders are the request headers of CMCD's header form; the CORS
// preflight allows them.
const cmcdHeaders = cmcd.HeaderObject + ", " + cmcd.HeaderRequest + ", " + cmcd.HeaderSession + ", " + cmcd.HeaderStatus

// CMCDStats counts the CMCD of the media requests (/t/…) the edge has
// answered; the edge's /metrics exports them as edge_cmcd_requests_total.
type CMCDStats struct {
	// Valid payloads were parsed (and logged, with an access log).
	Valid uint64
	// Invalid payloads were ignored (the request was served as if it had
	// none).
	Invalid uint64
	// Absent counts media requests that carried no CMCD.
	Absent uint64
}

// cmcdCounters are the live CMCDStats.
type cmcdCounters struct{ valid, invalid, absent atomic.Uint64 }

// CMCDStats returns how many media requests had valid, invalid and no CMCD.
func (s *Server) CMCDStats() CMCDStats {
	return CMCDStats{Valid: s.cmcd.valid.Load(), Invalid: s.cmcd.invalid.Load(), Absent: s.cmcd.absent.Load()}
}

// isMediaRequest reports whether ctx asked for gated media (/t/<token>/…),
// the requests a player sends CMCD with.
func isMediaRequest(ctx *fasthttp.RequestCtx) bool {
	return bytes.HasPrefix(ctx.Request.URI().PathOriginal(), []byte("/t/"))
}

// requestCMCD reads and counts the request's CMCD, from the CMCD query
// argument or else the CMCD-* headers. Bad input is counted and ignored:
// it never fails the request. The edge never forwards either form: origin
// fetches carry only the gated path (no query) and a fixed list of
// headers, and cache keys are built from the path, so CMCD cannot fragment
// the cache.
func (s *Server) requestCMCD(ctx *fasthttp.RequestCtx) (cmcd.Data, bool) {
	var d cmcd.Data
	var err error
	if q := ctx.QueryArgs().Peek(cmcd.QueryKey); q != nil {
		d, err = cmcd.Parse(string(q))
	} else {
		h := &ctx.Request.Header
		if len(h.Peek(cmcd.HeaderObject))+len(h.Peek(cmcd.HeaderRequest))+len(h.Peek(cmcd.HeaderSession))+len(h.Peek(cmcd.HeaderStatus)) == 0 {
			s.cmcd.absent.Add(1)
			return cmcd.Data{}, false
		}
		d, err = cmcd.ParseHeaders(func(name string) string { return string(h.Peek(name)) })
	}
	if err != nil {
		s.cmcd.invalid.Add(1)
		return cmcd.Data{}, false
	}
	s.cmcd.valid.Add(1)
	return d, true
}

// logAccess writes one structured line for a finished request: the path
// without its token, the gate's verdict, the cache status, the function
// version, the caps, bytes, time and the viewer's CMCD (d, if cmcdOK). r
// is the gate's result, zero if the gate did not run.
func (s *Server) logAccess(ctx *fasthttp.RequestCtx, start time.Time, r *gateResult, d *cmcd.Data, cmcdOK bool) {
	attrs := make([]slog.Attr, 0, 16)
	attrs = append(attrs,
		slog.String("method", string(ctx.Method())),
		slog.String("path", loggedPath(ctx.Request.URI().PathOriginal(), r)),
		slog.Int("status", ctx.Response.StatusCode()),
		slog.String("gate", string(r.Status)),
	)
	if r.Reason != "" {
		attrs = append(attrs, slog.String("gate_reason", r.Reason))
	}
	if c := ctx.Response.Header.Peek("X-Cache"); len(c) > 0 {
		attrs = append(attrs, slog.String("cache", string(c)))
	}
	attrs = append(attrs, slog.String("fn_version", string(ctx.Response.Header.Peek(FnVersionHeader))))
	if r.Caps != "" {
		// The gate writes the caps header in canonical form, so it is the
		// caps class as the master cache keys it.
		if c, err := contract.ParseHeader(r.Caps); err == nil {
			attrs = append(attrs, slog.String("device_class", c.Class), slog.String("caps_class", r.Caps))
		}
	}
	n := len(ctx.Response.Body())
	if ctx.IsHead() {
		n = 0
	}
	attrs = append(attrs,
		slog.Int("bytes", n),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	)
	if cmcdOK && !d.Empty() {
		attrs = append(attrs, slog.Any("cmcd", cmcdAttrs(d)))
	}
	s.cfg.AccessLog.LogAttrs(ctx, slog.LevelInfo, "access", attrs...)
}

// cmcdAttrs is d as a log group, keyed by the CMCD key names.
func cmcdAttrs(d *cmcd.Data) slog.Value {
	a := make([]slog.Attr, 0, 18)
	str := func(k, v string) {
		if v != "" {
			a = append(a, slog.String(k, v))
		}
	}
	num := func(k string, bit cmcd.Keys, v int) {
		if d.Has&bit != 0 {
			a = append(a, slog.Int(k, v))
		}
	}
	flag := func(k string, v bool) {
		if v {
			a = append(a, slog.Bool(k, true))
		}
	}
	num("bl", cmcd.KeyBufferLength, d.BufferLength)
	num("br", cmcd.KeyBitrate, d.Bitrate)
	flag("bs", d.BufferStarvation)
	str("cid", d.ContentID)
	num("d", cmcd.KeyDuration, d.Duration)
	num("dl", cmcd.KeyDeadline, d.Deadline)
	num("mtp", cmcd.KeyMeasuredThroughput, d.MeasuredThroughput)
	str("nor", d.NextObject)
	str("nrr", d.NextRange)
	str("ot", string(d.ObjectType))
	if d.Has&cmcd.KeyPlaybackRate != 0 {
		a = append(a, slog.Float64("pr", d.PlaybackRate))
	}
	num("rtp", cmcd.KeyRequestedThroughput, d.RequestedThroughput)
	str("sf", d.StreamingFormat)
	str("sid", d.SessionID)
	str("st", d.StreamType)
	flag("su", d.Startup)
	num("tb", cmcd.KeyTopBitrate, d.TopBitrate)
	num("v", cmcd.KeyVersion, d.Version)
	return slog.GroupValue(a...)
}

// loggedPath is the request path without its playback token: the gate's
// stripped path when it allowed the request, else the path with the token
// segment replaced by "-".
func loggedPath(original []byte, r *gateResult) string {
	if r.Path != "" {
		return r.Path
	}
	rest, ok := bytes.CutPrefix(original, []byte("/t/"))
	if !ok {
		return string(original)
	}
	if i := bytes.IndexByte(rest, '/'); i >= 0 {
		return "/t/-" + string(rest[i:])
	}
	return "/t/-"
}
