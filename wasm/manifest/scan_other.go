//go:build !wasm

package manifest

import "bytes"

// indexByte is bytes.IndexByte natively (vector code).
func indexByte(s []byte, c byte) int { return bytes.IndexByte(s, c) }

// indexEOL returns the index of the first '\n' or '\r' in s, or -1.
func indexEOL(s []byte) int {
	n := bytes.IndexByte(s, '\n')
	head := s
	if n >= 0 {
		head = s[:n]
	}
	if r := bytes.IndexByte(head, '\r'); r >= 0 {
		return r
	}
	return n
}
