package uri

import (
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/internal/hexdigit"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// mode is the URL part being escaped or unescaped, as in net/url.
type mode int

const (
	modePath        mode = iota // a whole path: '/' stays
	modePathSegment             // one path segment: '/' is escaped
	modeQuery                   // a query key or value: ' ' is '+'
	modeFragment
)

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// shouldEscape reports whether c is escaped in part m (net/url's rules,
// which keep RFC 3986's unreserved characters and part-specific reserved
// ones).
func shouldEscape(c byte, m mode) bool {
	if isAlnum(c) {
		return false
	}
	switch c {
	case '-', '_', '.', '~':
		return false
	case '$', '&', '+', ',', '/', ':', ';', '=', '?', '@':
		switch m {
		case modePath:
			return c == '?'
		case modePathSegment:
			return c == '/' || c == ';' || c == ',' || c == '?'
		case modeQuery:
			return true
		}
		return false // fragment
	case '!', '(', ')', '*':
		return m != modeFragment
	}
	return true
}

func escape(s string, m mode) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i], m) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' && m == modeQuery:
			b = append(b, '+')
		case shouldEscape(c, m):
			b = append(b, '%', hexdigit.Upper[c>>4], hexdigit.Upper[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// QueryEscape escapes s for a query key or value (url.QueryEscape).
func QueryEscape(s string) string { return escape(s, modeQuery) }

// PathEscape escapes s for one path segment (url.PathEscape).
func PathEscape(s string) string { return escape(s, modePathSegment) }

// unescape decodes %XX (and '+' in a query); a malformed escape is an
// error worded as net/url's.
func unescape(s string, m mode) (string, error) {
	if strings.IndexByte(s, '%') < 0 && (m != modeQuery || strings.IndexByte(s, '+') < 0) {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			var v byte
			ok := i+2 < len(s)
			if ok {
				v, ok = hexdigit.Decode(s[i+1], s[i+2])
			}
			if !ok {
				return "", errdetail.Wrap(ErrSyntax, "invalid URL escape "+strconv.Quote(s[i:min(i+3, len(s))]))
			}
			b = append(b, v)
			i += 2
		case '+':
			if m == modeQuery {
				c = ' '
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// normalize returns raw, the escaped text of decoded, when it is a valid
// escaping in part m, else decoded escaped afresh (net/url's EscapedPath
// and EscapedFragment).
func normalize(raw, decoded string, m mode) string {
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '[', ']', '%':
		default:
			if shouldEscape(c, m) {
				return escape(decoded, m)
			}
		}
	}
	return raw
}
