package manifest

import (
	"math/bits"
	"unsafe"
)

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// firstZeroByte returns a mask whose lowest set bit is the top bit of the
// first zero byte of x (bits above a zero byte may be false positives, bits
// below never are), or 0 if x has no zero byte.
func firstZeroByte(x uint64) uint64 { return (x - swarLo) &^ x & swarHi }

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

// indexEOLSWAR returns the index of the first '\n' or '\r' in s, or -1,
// eight bytes per step.
func indexEOLSWAR(s []byte) int {
	n, i := len(s), 0
	if n >= 8 {
		p := unsafe.Pointer(unsafe.SliceData(s))
		for ; i+8 <= n; i += 8 {
			x := *(*uint64)(unsafe.Add(p, i))
			// Each mask's lowest bit is exact, so the lowest bit of the
			// union is the first byte that is either.
			if t := firstZeroByte(x^('\n'*swarLo)) | firstZeroByte(x^('\r'*swarLo)); t != 0 {
				return i + bits.TrailingZeros64(t)/8
			}
		}
	}
	for ; i < n; i++ {
		if s[i] == '\n' || s[i] == '\r' {
			return i
		}
	}
	return -1
}
