//go:build !wasm

package manifest

import "bytes"

// indexByte is bytes.IndexByte natively (vector code).
func indexByte(s []byte, c byte) int { return bytes.IndexByte(s, c) }
