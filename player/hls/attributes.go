package hls

import (
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Attributes is a decoded attribute list (RFC 8216 §4.2): attribute names
// mapped to their values, with the quotes of quoted strings removed.
type Attributes map[string]string

// ParseAttributes decodes an attribute list such as
// `BANDWIDTH=1280000,CODECS="avc1.4d401f,mp4a.40.2"`. Names are upper-case
// letters, digits and '-'; values are quoted strings (which may contain
// commas), or unquoted tokens ending at the next comma. A duplicate name is
// an error.
func ParseAttributes(s string) (Attributes, error) {
	attrs := Attributes{}
	i := 0
	for i < len(s) {
		// Name.
		start := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		if i == start {
			return nil, errdetail.Wrap(ErrAttributes, "expected attribute name at offset "+strconv.Itoa(i))
		}
		name := s[start:i]
		if i >= len(s) || s[i] != '=' {
			return nil, errdetail.Wrap(ErrAttributes, "expected '=' after "+name)
		}
		i++
		// Value.
		var value string
		if i < len(s) && s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, errdetail.Wrap(ErrAttributes, "unterminated quoted string in "+name)
			}
			value = s[i+1 : i+1+end]
			i += end + 2
		} else {
			end := strings.IndexByte(s[i:], ',')
			if end < 0 {
				end = len(s) - i
			}
			value = strings.TrimSpace(s[i : i+end])
			if value == "" {
				return nil, errdetail.Wrap(ErrAttributes, "empty value for "+name)
			}
			i += end
		}
		if _, dup := attrs[name]; dup {
			return nil, errdetail.Wrap(ErrAttributes, "duplicate attribute "+name)
		}
		attrs[name] = value
		// Separator.
		if i < len(s) {
			if s[i] != ',' {
				return nil, errdetail.Wrap(ErrAttributes, "expected ',' after "+name)
			}
			i++
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i == len(s) {
				return nil, errdetail.Wrap(ErrAttributes, "trailing ','")
			}
		}
	}
	return attrs, nil
}

func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

// Int returns the decimal-integer attribute name; ok is false when it is
// absent. A present but malformed value is an error.
func (a Attributes) Int(name string) (v int64, ok bool, err error) {
	s, ok := a[name]
	if !ok {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, true, errdetail.Wrap(ErrInvalidValue, name+"="+strconv.Quote(s)+" is not a decimal integer")
	}
	return v, true, nil
}

// Float returns the decimal-floating-point attribute name; ok is false when
// it is absent.
func (a Attributes) Float(name string) (v float64, ok bool, err error) {
	s, ok := a[name]
	if !ok {
		return 0, false, nil
	}
	v, err = strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v != v {
		return 0, true, errdetail.Wrap(ErrInvalidValue, name+"="+strconv.Quote(s)+" is not a non-negative number")
	}
	return v, true, nil
}

// Resolution returns the decimal-resolution attribute name (WIDTHxHEIGHT).
func (a Attributes) Resolution(name string) (w, h int, ok bool, err error) {
	s, ok := a[name]
	if !ok {
		return 0, 0, false, nil
	}
	ws, hs, found := strings.Cut(strings.ToLower(s), "x")
	if found {
		wi, err1 := strconv.Atoi(ws)
		hi, err2 := strconv.Atoi(hs)
		if err1 == nil && err2 == nil && wi >= 0 && hi >= 0 {
			return wi, hi, true, nil
		}
	}
	return 0, 0, true, errdetail.Wrap(ErrInvalidValue, name+"="+strconv.Quote(s)+" is not WIDTHxHEIGHT")
}

// Bool returns whether the enumerated attribute name is YES.
func (a Attributes) Bool(name string) bool { return a[name] == "YES" }

// splitCodecs splits a CODECS value into its trimmed, non-empty entries.
func splitCodecs(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseByteRange decodes "<length>[@<offset>]"; hasOffset reports whether
// the offset was given.
func parseByteRange(s string) (length, offset int64, hasOffset bool, err error) {
	ls, os, hasOffset := strings.Cut(strings.TrimSpace(s), "@")
	length, err = strconv.ParseInt(ls, 10, 64)
	if err != nil || length < 0 {
		return 0, 0, false, errdetail.Wrap(ErrInvalidValue, "byte range "+strconv.Quote(s))
	}
	if hasOffset {
		offset, err = strconv.ParseInt(os, 10, 64)
		if err != nil || offset < 0 {
			return 0, 0, false, errdetail.Wrap(ErrInvalidValue, "byte range "+strconv.Quote(s))
		}
	}
	return length, offset, hasOffset, nil
}
