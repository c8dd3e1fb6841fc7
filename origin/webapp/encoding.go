package webapp

import (
	"strconv"
	"strings"
)

// Content codings the handler can serve, best first when a client rates
// them equally.
const (
	codingBrotli   = "br"
	codingGzip     = "gzip"
	codingIdentity = "identity"
)

// negotiate picks the content coding for an Accept-Encoding header value
// (RFC 9110 §12.5.3) among available ("br", "gzip"; identity is always
// available): the highest q-value wins, br before gzip before identity on
// a tie. A coding with q=0 is refused; "*" rates every coding not named.
// Identity is acceptable unless refused by "identity;q=0" or by "*;q=0"
// without naming it. ok is false when nothing acceptable is available.
func negotiate(header string, available []string) (coding string, ok bool) {
	q := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		v := 1.0
		if params != "" {
			var valid bool
			if v, valid = qvalue(params); !valid {
				continue // a malformed rating names nothing
			}
		}
		if name == "*" {
			star = v
			continue
		}
		if name == "x-gzip" {
			name = codingGzip
		}
		if old, seen := q[name]; !seen || v > old {
			q[name] = v
		}
	}
	rate := func(c string) float64 {
		if v, named := q[c]; named {
			return v
		}
		if star >= 0 {
			return star
		}
		if c == codingIdentity {
			return 0.001 // acceptable, but only if nothing else is
		}
		return 0
	}
	best, bestQ := "", 0.0
	for _, c := range append(available, codingIdentity) {
		if v := rate(c); v > bestQ {
			best, bestQ = c, v
		}
	}
	return best, best != ""
}

// qvalue reads the weight from the parameters after a coding (";q=0.5").
func qvalue(params string) (float64, bool) {
	for _, p := range strings.Split(params, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) == 0 || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return 0, false
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return 0, false
		}
		return f, true
	}
	return 1, true
}

// byteRange is a satisfiable single range, end inclusive.
type byteRange struct{ start, end int64 }

// parseRange reads a Range header value against a representation of size
// bytes. It serves one range only: several ranges, other units or a
// malformed value give ok false (the whole representation is sent, which
// RFC 9110 §14.2 allows); a well-formed range that lies outside the
// representation gives satisfiable false (416).
func parseRange(header string, size int64) (r byteRange, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return r, false, false
	}
	num := func(s string) (int64, bool) {
		if s == "" || len(s) > 18 || strings.TrimLeft(s, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	switch {
	case first == "": // suffix: the last N bytes
		n, valid := num(last)
		if !valid {
			return r, false, false
		}
		if n == 0 || size == 0 {
			return r, true, false
		}
		return byteRange{max(0, size-n), size - 1}, true, true
	default:
		start, valid := num(first)
		if !valid {
			return r, false, false
		}
		end := size - 1
		if last != "" {
			if end, valid = num(last); !valid || end < start {
				return r, false, false
			}
		}
		if start >= size {
			return r, true, false
		}
		return byteRange{start, min(end, size-1)}, true, true
	}
}
