package cache

import (
	"strings"
	"time"
)

// MaxTTL caps the lifetime Lifetime returns (a year, what "immutable"
// objects get from the origin).
const MaxTTL = 365 * 24 * time.Hour

// Lifetime reads a Cache-Control response header as a shared cache must
// (RFC 9111): the freshness lifetime is s-maxage, else max-age; no-store,
// private and no-cache (with or without field names) forbid storing, and so
// do a missing, malformed or repeated lifetime directive, which an edge
// cannot interpret safely. ok is false when the response must not be
// stored. Directive names are matched without regard to case.
func Lifetime(cacheControl string) (ttl time.Duration, ok bool) {
	var maxAge, sMaxAge int64 = -1, -1
	bad := false
	for rest := cacheControl; rest != ""; {
		var d string
		d, rest = nextDirective(rest)
		name, value, hasValue := strings.Cut(d, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		switch name {
		case "no-store", "private", "no-cache":
			return 0, false
		case "max-age", "s-maxage":
			n := parseSeconds(value, hasValue)
			p := &maxAge
			if name == "s-maxage" {
				p = &sMaxAge
			}
			if n < 0 || *p >= 0 {
				bad = true
			}
			*p = n
		}
	}
	n := maxAge
	if sMaxAge >= 0 {
		n = sMaxAge
	}
	if bad || n <= 0 {
		return 0, false
	}
	return min(time.Duration(n)*time.Second, MaxTTL), true
}

// nextDirective splits off the first comma-separated directive, honouring
// quoted strings (which may hold commas and escaped quotes).
func nextDirective(s string) (string, string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// parseSeconds reads delta-seconds (optionally quoted); -1 if malformed.
// Values too large to represent are MaxTTL's worth.
func parseSeconds(v string, hasValue bool) int64 {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if !hasValue || v == "" {
		return -1
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return -1
		}
		if n < int64(MaxTTL/time.Second) {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, int64(MaxTTL/time.Second))
}
