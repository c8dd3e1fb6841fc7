// Package gate is the edge module's viewer-request logic as plain Go: it
// splits /t/<token>/<path> request paths, verifies the token for the path,
// and encodes the answer the Wasm ABI hands back to the host (wasm/ABI.md).
// It is built into the GOOS=wasip1 module by wasm/module and tested on the
// host; the edge host uses ParseResult to read the module's answers.
package gate

import (
	"errors"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"

	"github.com/edgeflix/edgeflix/wasm/strictjson"
	"github.com/edgeflix/edgeflix/wasm/token"
)

// MaxPathLength is the longest request path Check looks at.
const MaxPathLength = 8192

// ErrConfig reports a configuration the gate cannot use.
var ErrConfig = errors.New("gate: invalid config")

// ParseConfig reads the configuration document the host passes to the
// module's configure export:
//
//	{"iss": "edgeflix-origin", "aud": "edgeflix-edge", "leeway_s": 30,
//	 "cache_size": 1024, "jwks": {"keys": [...]}}
//
// iss, aud and jwks are required; leeway_s defaults to 0 and cache_size to
// token.DefaultCacheSize (negative disables the cache).
func ParseConfig(data []byte) (token.Config, error) {
	v, err := strictjson.Parse(data)
	if err != nil {
		return token.Config{}, errdetail.Wrap(ErrConfig, err.Error())
	}
	if v.Kind != strictjson.Object {
		return token.Config{}, errdetail.Wrap(ErrConfig, "not an object")
	}
	var cfg token.Config
	for _, m := range v.Members {
		switch m.Key {
		case "iss", "aud":
			if m.Value.Kind != strictjson.String || m.Value.Str == "" {
				return token.Config{}, errdetail.Wrap(ErrConfig, m.Key+" must be a non-empty string")
			}
			if m.Key == "iss" {
				cfg.Issuer = m.Value.Str
			} else {
				cfg.Audience = m.Value.Str
			}
		case "leeway_s", "cache_size":
			n, ok := m.Value.Int()
			if !ok || n < -1_000_000 || n > 1_000_000 {
				return token.Config{}, errdetail.Wrap(ErrConfig, m.Key+" must be a small integer")
			}
			if m.Key == "leeway_s" {
				cfg.LeewayMillis = n * 1000
			} else {
				cfg.CacheSize = int(n)
			}
		case "jwks":
			ks, err := token.KeySetFromValue(m.Value)
			if err != nil {
				return token.Config{}, errdetail.Wrap(ErrConfig, err.Error())
			}
			cfg.Keys = ks
		default:
			return token.Config{}, errdetail.Wrap(ErrConfig, "unknown member "+strconv.Quote(m.Key))
		}
	}
	if cfg.Keys == nil {
		return token.Config{}, errdetail.Wrap(ErrConfig, "jwks is required")
	}
	return cfg, nil
}

// Status is the gate's decision.
type Status string

// Decisions.
const (
	// Allow: fetch Result.Path from the origin with Result.Caps.
	Allow Status = "allow"
	// Deny: answer 403 without contacting the origin.
	Deny Status = "deny"
)

// Result is the gate's answer for one request.
type Result struct {
	Status Status
	// Reason says why a request was denied (token.Reason values, "path" or
	// "no_token"); empty when allowed.
	Reason string
	// Path is the request path without /t/<token>, e.g. /v1/media/a/master.m3u8.
	Path string
	// Caps is the X-Edgeflix-Caps header value.
	Caps string
}

// Append appends r's wire form to dst: four lines, status, reason, path and
// caps, separated by '\n' (none of them can hold a newline).
func (r Result) Append(dst []byte) []byte {
	dst = append(dst, r.Status...)
	dst = append(dst, '\n')
	dst = append(dst, r.Reason...)
	dst = append(dst, '\n')
	dst = append(dst, r.Path...)
	dst = append(dst, '\n')
	dst = append(dst, r.Caps...)
	return dst
}

// ErrResult reports bytes that are not a Result.
var ErrResult = errors.New("gate: malformed result")

// ParseResult reads the wire form written by Result.Append. It is the
// hosts' one reader (edge/fnhost, internal/cloudfront) and makes one
// allocation: the four fields share one string.
func ParseResult(b []byte) (Result, error) {
	s := string(b)
	var f [4]string
	for i := range 3 {
		j := strings.IndexByte(s, '\n')
		if j < 0 {
			return Result{}, ErrResult
		}
		f[i], s = s[:j], s[j+1:]
	}
	f[3] = s
	r := Result{Status: Status(f[0]), Reason: f[1], Path: f[2], Caps: f[3]}
	switch {
	case r.Status == Allow && r.Reason == "" && r.Path != "":
	case r.Status == Deny && r.Reason != "" && r.Path == "" && r.Caps == "":
	default:
		return Result{}, ErrResult
	}
	return r, nil
}

// Gate is the viewer-request token gate.
type Gate struct {
	v *token.Verifier
}

// New returns a Gate that verifies tokens with cfg.
func New(cfg token.Config) (*Gate, error) {
	v, err := token.NewVerifier(cfg)
	if err != nil {
		return nil, err
	}
	return &Gate{v: v}, nil
}

// SplitPath splits a raw (not percent-decoded) request path of the form
// /t/<token>/<path> into the token and /<path>. The path must be made of
// segments of [A-Za-z0-9._-], none empty, "." or "..": anything that an
// origin or cache could normalise to another path is refused.
func SplitPath(raw string) (tok, path string, ok bool) {
	if len(raw) > MaxPathLength || !strings.HasPrefix(raw, "/t/") {
		return "", "", false
	}
	rest := raw[len("/t/"):]
	i := indexByte(rest, '/')
	if i <= 0 {
		return "", "", false
	}
	tok, path = rest[:i], rest[i:]
	if !cleanPath(path) {
		return "", "", false
	}
	return tok, path, true
}

// cleanPath reports whether p is "/" followed by segments of
// [A-Za-z0-9._-] separated by single slashes, none empty, "." or "..".
// One pass, no allocation: the gate runs it on every request.
func cleanPath(p string) bool {
	if len(p) < 2 || p[0] != '/' {
		return false
	}
	segStart := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) {
			if c := p[i]; c != '/' {
				if !pathByte[c] {
					return false
				}
				continue
			}
		}
		// A segment ends at p[i] ('/' or the end).
		switch i - segStart {
		case 0:
			return false
		case 1:
			if p[segStart] == '.' {
				return false
			}
		case 2:
			if p[segStart] == '.' && p[segStart+1] == '.' {
				return false
			}
		}
		segStart = i + 1
	}
	return true
}

// pathByte marks the bytes a path segment may hold: [A-Za-z0-9._-].
var pathByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	return t
}()

// Check decides one viewer request for the raw request path at time now
// (Unix milliseconds). It keeps no reference to rawPath (Result.Path is a
// substring of it, so a caller that reuses rawPath's bytes copies the
// Result out first, as Result.Append does).
func (g *Gate) Check(rawPath string, now int64) Result {
	if !strings.HasPrefix(rawPath, "/t/") {
		return Result{Status: Deny, Reason: "no_token"}
	}
	tok, path, ok := SplitPath(rawPath)
	if !ok {
		return Result{Status: Deny, Reason: "path"}
	}
	caps, err := g.v.Admit(tok, path, now)
	if err != nil {
		return Result{Status: Deny, Reason: token.Reason(err)}
	}
	return Result{Status: Allow, Path: path, Caps: caps}
}
