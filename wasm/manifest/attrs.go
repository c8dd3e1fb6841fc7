package manifest

import "unsafe"

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
	// key is the last name returned by next, packed for comparisons
	// without a runtime call (see nameKey).
	key nameKey
}

// nameKey packs an attribute name of up to 16 bytes exactly: its length
// and its bytes as two little-endian words (longer names keep only their
// length and first 16 bytes, and no name the rewrite reads is that long).
// In the Wasm module comparing a name with a string constant is a call
// into a byte-at-a-time loop; comparing keys is three integer compares.
type nameKey struct {
	w0, w1 uint64
	n      int
}

// packName returns the nameKey of s[:n]: two word loads when s holds 16
// bytes, else a byte loop.
func packName(s []byte, n int) nameKey {
	if len(s) < 16 {
		return keyOf(unsafe.String(unsafe.SliceData(s), n))
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	return nameKey{
		w0: *(*uint64)(p) & lowBytes(n),
		w1: *(*uint64)(unsafe.Add(p, 8)) & lowBytes(n-8),
		n:  n,
	}
}

// lowBytes is a mask of the low k bytes of a word (k clamped to 0..8),
// without a branch: k&^(k>>63) clamps a negative k to 0, and a shift by
// 64 or more is 0 in Go.
func lowBytes(k int) uint64 {
	return ^(^uint64(0) << (8 * uint(k&^(k>>63))))
}

// keyOf returns s's nameKey.
func keyOf(s string) nameKey {
	k := nameKey{n: len(s)}
	for i := 0; i < len(s) && i < 16; i++ {
		if i < 8 {
			k.w0 |= uint64(s[i]) << (8 * i)
		} else {
			k.w1 |= uint64(s[i]) << (8 * (i - 8))
		}
	}
	return k
}

// next returns the next attribute; quoted reports a quoted-string value,
// whose quotes are not part of value.
func (sc *attrScanner) next() (name, value []byte, quoted, ok bool) {
	s := skipSpace(sc.s)
	if len(s) == 0 {
		sc.s = s
		return nil, nil, false, false
	}
	i, key := scanName(s)
	sc.key = key
	if i == 0 || i == len(s) || s[i] != '=' {
		sc.bad, sc.s = true, nil
		return nil, nil, false, false
	}
	name, s = s[:i], s[i+1:]
	// The value ends are found eight bytes per step (SWAR, see scan.go):
	// most values are skipped, never looked at byte by byte.
	if len(s) > 0 && s[0] == '"' {
		end := indexByte(s[1:], '"')
		if end < 0 {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
		end++
		value, s = s[1:end], skipSpace(s[end+1:])
		quoted = true
		if len(s) > 0 && s[0] != ',' {
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
	} else {
		end := indexCommaQuote(s)
		switch {
		case end < 0:
			end = len(s)
		case s[end] == '"':
			sc.bad, sc.s = true, nil
			return nil, nil, false, false
		}
		value, s = trimSpaceRight(s[:end]), s[end:]
	}
	if len(s) > 0 { // s[0] == ','
		s = s[1:]
	}
	sc.s = s
	return name, value, quoted, true
}

// nameByte marks [A-Za-z0-9_-]: one load per byte instead of five
// comparisons (the attribute scan is the rewrite's hottest loop).
var nameByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	return t
}()

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
