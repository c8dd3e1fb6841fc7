package manifest

import "bytes"

// attrScanner walks an HLS attribute list (RFC 8216 §4.2):
// NAME=value pairs separated by commas, where a value is a quoted string
// (which may hold commas) or an unquoted run up to the next comma.
//
// It is lenient where real encoders are sloppy (spaces before a name or
// around a comma, a trailing comma) and strict where a reader could be
// fooled: a name must be [A-Za-z0-9_-]+ followed by '=', a quoted string
// must be closed and be followed by a comma or the end. After next returns
// false, bad reports whether the list was malformed.
type attrScanner struct {
	s   []byte
	bad bool
}

// next returns the next attribute; quoted reports a quoted-string value,
// whose quotes are not part of value.
func (sc *attrScanner) next() (name, value []byte, quoted, ok bool) {
	s := skipSpace(sc.s)
	if len(s) == 0 {
		sc.s = s
		return nil, nil, false, false
	}
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == 0 || i == len(s) || s[i] != '=' {
		sc.bad, sc.s = true, nil
		return nil, nil, false, false
	}
	name, s = s[:i], s[i+1:]
	if len(s) > 0 && s[0] == '"' {
		end := indexByte(s[1:], '"')
		if end < 0 {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
		value, s = s[1:1+end], skipSpace(s[end+2:])
		quoted = true
		if len(s) > 0 && s[0] != ',' {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
	} else {
		end := indexByte(s, ',')
		if end < 0 {
			end = len(s)
		}
		value, s = trimSpaceRight(s[:end]), s[end:]
		if indexByte(value, '"') >= 0 {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
	}
	if len(s) > 0 { // s[0] == ','
		s = s[1:]
	}
	sc.s = s
	return name, value, quoted, true
}

func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func skipSpace(s []byte) []byte {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func trimSpaceRight(s []byte) []byte {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func indexByte(s []byte, c byte) int { return bytes.IndexByte(s, c) }
