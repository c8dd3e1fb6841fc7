package gate

import (
	"math/bits"
	"unsafe"
)

// indexByteSWAR is strings.IndexByte eight bytes per step (SIMD within a
// register). Go's wasm runtime scans one byte per loop turn, so this is
// several times faster inside the module; natively the runtime's vector
// code is faster still, hence the per-GOARCH indexByte.
func indexByteSWAR(s string, c byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	n, i := len(s), 0
	if n >= 8 {
		p := unsafe.Pointer(unsafe.StringData(s))
		pat := uint64(c) * lo
		for ; i+8 <= n; i += 8 {
			x := *(*uint64)(unsafe.Add(p, i)) ^ pat
			// The lowest set bit marks the first zero byte of x (bits above
			// a zero byte may be false positives; bits below never are).
			if t := (x - lo) &^ x & hi; t != 0 {
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
