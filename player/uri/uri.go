// Package uri resolves URI references (RFC 3986 §5) and reads and writes
// application/x-www-form-urlencoded queries for the browser player without
// net/url, which links fmt, reflect, net/netip and unique into the module
// (~100 KB gzipped).
//
// Where it accepts an input, it gives what net/url gives (Parse, then
// ResolveReference and String; QueryEscape, PathEscape, ParseQuery,
// Values.Encode): fuzz targets check this on the host. It accepts less:
// absolute URLs need "scheme://host" with a registered name or IPv4
// address and an optional numeric port, no user info and no IP-literal
// ("[...]") host; opaque URLs ("mailto:x", "http:x") are refused. The
// player only meets URLs of its own origin and edge.
package uri

import (
	"errors"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Sentinel errors; test them with errors.Is.
var (
	// ErrSyntax means a URL or query cannot be decoded.
	ErrSyntax = errors.New("uri: invalid URL")
	// ErrUnsupported means a valid URL of a form this package refuses.
	ErrUnsupported = errors.New("uri: unsupported URL")
)

// URL is a parsed URL or relative reference, its parts in escaped form.
type URL struct {
	Scheme string // lower case; empty for a relative reference
	Host   string // host[:port]; empty when there is no authority
	Path   string // escaped as net/url's EscapedPath would
	// RawQuery is the query without '?', as written; ForceQuery records a
	// '?' with nothing after it.
	RawQuery   string
	ForceQuery bool
	// Fragment is the escaped fragment without '#'; empty if none.
	Fragment string
}

// Parse parses an absolute URL or a relative reference.
func Parse(s string) (URL, error) {
	var u URL
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return u, errdetail.Wrap(ErrSyntax, "control character")
		}
	}
	rest, frag, hasFrag := strings.Cut(s, "#")
	if hasFrag {
		f, err := unescape(frag, modeFragment)
		if err != nil {
			return u, err
		}
		if f != "" {
			u.Fragment = normalize(frag, f, modeFragment)
		}
	}
	if rest == "*" {
		u.Path = "*"
		return u, nil
	}
	if i := schemeEnd(rest); i == 0 {
		return u, errdetail.Wrap(ErrSyntax, "missing protocol scheme")
	} else if i > 0 {
		u.Scheme, rest = strings.ToLower(rest[:i]), rest[i+1:]
	}
	if strings.HasSuffix(rest, "?") && strings.Count(rest, "?") == 1 {
		u.ForceQuery, rest = true, rest[:len(rest)-1]
	} else {
		rest, u.RawQuery, _ = strings.Cut(rest, "?")
	}
	if !strings.HasPrefix(rest, "/") {
		if u.Scheme != "" {
			return u, errdetail.Wrap(ErrUnsupported, "opaque URL")
		}
		if seg, _, _ := strings.Cut(rest, "/"); strings.Contains(seg, ":") {
			return u, errdetail.Wrap(ErrSyntax, "first path segment in URL cannot contain colon")
		}
	}
	if (u.Scheme != "" || !strings.HasPrefix(rest, "///")) && strings.HasPrefix(rest, "//") {
		auth := rest[2:]
		rest = ""
		if i := strings.IndexByte(auth, '/'); i >= 0 {
			auth, rest = auth[:i], auth[i:]
		}
		if err := checkHost(auth); err != nil {
			return u, err
		}
		u.Host = auth
	} else if u.Scheme != "" {
		return u, errdetail.Wrap(ErrUnsupported, "no host")
	}
	p, err := unescape(rest, modePath)
	if err != nil {
		return u, err
	}
	u.Path = normalize(rest, p, modePath)
	return u, nil
}

// schemeEnd returns the index of the ':' ending a scheme, 0 for a ':'
// that starts s, and -1 when s has no scheme.
func schemeEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return -1
			}
		case c == ':':
			return i
		default:
			return -1
		}
	}
	return -1
}

// checkHost accepts a non-empty registered name or IPv4 address of
// unreserved and sub-delim characters with an optional ":port".
func checkHost(h string) error {
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" {
		return errdetail.Wrap(ErrUnsupported, "empty host")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAlnum(c) || strings.IndexByte("-._~!$&'()*+,;=", c) >= 0 {
			continue
		}
		if c == '@' || c == '[' || c == ']' {
			return errdetail.Wrap(ErrUnsupported, "host "+strconv.Quote(h))
		}
		return errdetail.Wrap(ErrSyntax, "host "+strconv.Quote(h))
	}
	if hasPort {
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return errdetail.Wrap(ErrSyntax, "invalid port "+strconv.Quote(":"+port)+" after host")
			}
		}
	}
	return nil
}

// String reassembles u.
func (u URL) String() string {
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteByte(':')
	}
	if u.Host != "" {
		b.WriteString("//")
		b.WriteString(u.Host)
		if u.Path != "" && u.Path[0] != '/' {
			b.WriteByte('/')
		}
	}
	if b.Len() == 0 {
		if seg, _, _ := strings.Cut(u.Path, "/"); strings.Contains(seg, ":") {
			b.WriteString("./")
		}
	}
	b.WriteString(u.Path)
	if u.ForceQuery || u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(u.RawQuery)
	}
	if u.Fragment != "" {
		b.WriteByte('#')
		b.WriteString(u.Fragment)
	}
	return b.String()
}

// Resolve returns ref made absolute against base, which must be an
// absolute URL.
func Resolve(base, ref string) (string, error) {
	b, err := Parse(base)
	if err != nil {
		return "", err
	}
	if b.Scheme == "" {
		return "", errdetail.Wrap(ErrUnsupported, "relative base URL")
	}
	r, err := Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}

// ResolveReference resolves r against u as net/url does: RFC 3986 §5.2,
// except that an empty reference keeps u's query and fragment.
func (u URL) ResolveReference(r URL) URL {
	out := r
	if r.Scheme == "" {
		out.Scheme = u.Scheme
	}
	if r.Scheme != "" || r.Host != "" {
		out.Path = removeDots(r.Path, "")
		return out
	}
	if r.Path == "" && !r.ForceQuery && r.RawQuery == "" {
		out.RawQuery = u.RawQuery
		if r.Fragment == "" {
			out.Fragment = u.Fragment
		}
	}
	out.Host = u.Host
	out.Path = removeDots(u.Path, r.Path)
	return out
}

// removeDots merges ref onto base's directory (or takes base when ref is
// empty) and removes "." and ".." segments; a non-empty result starts
// with '/'.
func removeDots(base, ref string) string {
	full := ref
	switch {
	case ref == "":
		full = base
	case ref[0] != '/':
		full = base[:strings.LastIndexByte(base, '/')+1] + ref
	}
	if full == "" {
		return ""
	}
	out := make([]byte, 1, len(full)+1)
	out[0] = '/'
	first := true
	var seg string
	for more := true; more; {
		seg, full, more = strings.Cut(full, "/")
		switch seg {
		case ".":
			first = false
		case "..":
			out = out[:max(strings.LastIndexByte(string(out[1:]), '/')+1, 1)]
			first = len(out) == 1
		default:
			if !first {
				out = append(out, '/')
			}
			out = append(out, seg...)
			first = false
		}
	}
	if seg == "." || seg == ".." {
		out = append(out, '/')
	}
	if len(out) > 1 && out[1] == '/' {
		out = out[1:]
	}
	return string(out)
}
