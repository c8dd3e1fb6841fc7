package manifest

import (
	"math/bits"
	"unsafe"
)

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
	// swarLow7 has the low seven bits of every byte set.
	swarLow7 = 0x7f7f7f7f7f7f7f7f
)

// load returns the eight bytes of b from i as a little-endian word, with
// zero bytes for the positions at or past len(b), so word scans may run
// past the end of a line or of the input.
func load(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
	}
	return loadTail(b, i)
}

// rawLoad loads b[i:i+8] as a little-endian word; the caller ensures
// i+8 <= len(b) (no check, hence no branch, here).
func rawLoad(b []byte, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
}

// rawByte is b[i] without the bounds check; the caller ensures i < len(b).
func rawByte(b []byte, i int) byte {
	return *(*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
}

// loadTail is load for the last seven bytes of b and beyond, kept out of
// line so that the compiler lays out load's common path without a jump.
//
//go:noinline
func loadTail(b []byte, i int) uint64 {
	var w uint64
	for k := 0; i+k < len(b) && k < 8; k++ {
		w |= uint64(b[i+k]) << (8 * k)
	}
	return w
}

// equalText reports whether a holds the bytes of s, sixteen bytes per
// loop turn and the last sixteen (overlapping) after the loop: in the Wasm
// module Go's string comparison is a loop turn per byte.
func equalText(a []byte, s string) bool {
	n := len(a)
	if n != len(s) {
		return false
	}
	b := unsafe.Slice(unsafe.StringData(s), n)
	if n < 16 {
		return (load(a, 0)^load(b, 0))|(load(a, 8)^load(b, 8)) == 0
	}
	var d uint64
	for i := 0; i+16 <= n; i += 16 {
		d |= (rawLoad(a, i) ^ rawLoad(b, i)) | (rawLoad(a, i+8) ^ rawLoad(b, i+8))
	}
	return d|(rawLoad(a, n-16)^rawLoad(b, n-16))|(rawLoad(a, n-8)^rawLoad(b, n-8)) == 0
}

// eqBytes has the top bit of each byte of x that equals c set, and no
// other bit (exact, unlike firstZeroByte: no borrow crosses bytes).
func eqBytes(x uint64, c byte) uint64 {
	t := x ^ uint64(c)*swarLo
	return ^((t&swarLow7 + swarLow7) | t) & swarHi
}

// firstZeroByte returns a mask whose lowest set bit is the top bit of the
// first zero byte of x (bits above a zero byte may be false positives, bits
// below never are), or 0 if x has no zero byte.
func firstZeroByte(x uint64) uint64 { return (x - swarLo) &^ x & swarHi }

// firstEq marks the bytes of x that equal c as eqBytes does, but only its
// lowest mark is exact (firstZeroByte's): cheaper where only the first
// match counts.
func firstEq(x uint64, c byte) uint64 { return firstZeroByte(x ^ uint64(c)*swarLo) }

// indexByteSWAR is bytes.IndexByte eight bytes per step (SIMD within a
// register). Go's wasm runtime scans one byte per loop turn, so this is
// several times faster inside the module; natively the runtime's vector
// code is faster still, hence the per-GOARCH indexByte.
func indexByteSWAR(s []byte, c byte) int {
	n, i := len(s), 0
	if n >= 8 {
		p := unsafe.Pointer(unsafe.SliceData(s))
		pat := uint64(c) * swarLo
		for ; i+8 <= n; i += 8 {
			if t := firstZeroByte(*(*uint64)(unsafe.Add(p, i)) ^ pat); t != 0 {
				return i + bits.TrailingZeros64(t)/8
			}
		}
	}
	for ; i < n; i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// indexCommaQuote returns the index of the first ',' or '"' in s, or -1,
// eight bytes per step: the end of an unquoted attribute value.
func indexCommaQuote(s []byte) int {
	n, i := len(s), 0
	if n >= 8 {
		p := unsafe.Pointer(unsafe.SliceData(s))
		for ; i+8 <= n; i += 8 {
			x := *(*uint64)(unsafe.Add(p, i))
			if t := firstZeroByte(x^(','*swarLo)) | firstZeroByte(x^('"'*swarLo)); t != 0 {
				return i + bits.TrailingZeros64(t)/8
			}
		}
	}
	for ; i < n; i++ {
		if s[i] == ',' || s[i] == '"' {
			return i
		}
	}
	return -1
}

// inRange returns, for every byte of x below 0x80, its top bit set if the
// byte is within [lo, hi] (exact per byte: no borrow crosses bytes, as each
// byte's top bit is set before the subtractions). Bytes from 0x80 up may
// come out either way; callers mask them.
func inRange(x uint64, lo, hi byte) uint64 {
	y := x | swarHi
	return (y - uint64(lo)*swarLo) &^ (y - uint64(hi+1)*swarLo) & swarHi
}

// scanName returns the length of the run of attribute-name bytes
// ([A-Za-z0-9_-]) at the start of s and its nameKey (packName's), eight
// bytes per step: the key is cut from the words the scan loaded.
func scanName(s []byte) (int, nameKey) {
	n := len(s)
	if n < 16 {
		i := nameLen(s)
		return i, packName(s, i)
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	w0 := *(*uint64)(p)
	if bad := notNameBytes(w0); bad != 0 {
		i := bits.TrailingZeros64(bad) / 8
		return i, nameKey{w0: w0 & lowBytes(i), n: i}
	}
	w1 := *(*uint64)(unsafe.Add(p, 8))
	if bad := notNameBytes(w1); bad != 0 {
		i := 8 + bits.TrailingZeros64(bad)/8
		return i, nameKey{w0: w0, w1: w1 & lowBytes(i-8), n: i}
	}
	i := 16 + nameLen(s[16:])
	return i, nameKey{w0: w0, w1: w1, n: i}
}

// notNameBytes has the top bit of each byte of x that is not a name byte
// ([A-Za-z0-9_-]) set, and no other bit. It is written without calls so
// that it stays within the compiler's inlining budget.
func notNameBytes(x uint64) uint64 {
	// Each range test is inRange's, on y (x with every top bit set, so
	// no borrow crosses bytes); l folds A-Z onto a-z and nothing else onto
	// a-z. Bytes from 0x80 up are cleared by the final &^ x.
	y := x | swarHi
	l := y | 0x20*swarLo
	ok := (l-'a'*swarLo)&^(l-('z'+1)*swarLo) |
		(y-'0'*swarLo)&^(y-('9'+1)*swarLo) |
		(y-'-'*swarLo)&^(y-('-'+1)*swarLo) |
		(y-'_'*swarLo)&^(y-('_'+1)*swarLo)
	return ^(ok &^ x) & swarHi
}

// nameLen returns the length of the run of attribute-name bytes
// ([A-Za-z0-9_-]) at the start of s, eight bytes per step.
func nameLen(s []byte) int {
	n, i := len(s), 0
	if n >= 8 {
		p := unsafe.Pointer(unsafe.SliceData(s))
		for ; i+8 <= n; i += 8 {
			if bad := notNameBytes(*(*uint64)(unsafe.Add(p, i))); bad != 0 {
				return i + bits.TrailingZeros64(bad)/8
			}
		}
	}
	for i < n && nameByte[s[i]] {
		i++
	}
	return i
}
