package uri

import (
	"slices"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Values are query parameters or a form, like url.Values.
type Values map[string][]string

// Get returns the first value of key, or "".
func (v Values) Get(key string) string {
	if vs := v[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Set replaces the values of key with value.
func (v Values) Set(key, value string) { v[key] = []string{value} }

// Encode writes v sorted by key, as url.Values.Encode.
func (v Values) Encode() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		ek := QueryEscape(k)
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(QueryEscape(val))
		}
	}
	return b.String()
}

// maxParams is net/url's default limit on a query's parameters.
const maxParams = 10000

// ParseQuery decodes query as url.ParseQuery does: it keeps every
// well-formed pair and returns the first error.
func ParseQuery(query string) (Values, error) {
	v := Values{}
	if strings.Count(query, "&")+1 > maxParams {
		return v, errdetail.Wrap(ErrSyntax, "number of URL query parameters exceeded limit")
	}
	var err error
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			err = errSemicolon
			continue
		}
		if pair == "" {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		k, err1 := unescape(k, modeQuery)
		if err1 == nil {
			val, err1 = unescape(val, modeQuery)
		}
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		v[k] = append(v[k], val)
	}
	return v, err
}

var errSemicolon = errdetail.Wrap(ErrSyntax, "invalid semicolon separator in query")
