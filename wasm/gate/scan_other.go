//go:build !wasm

package gate

import "strings"

// indexByte is strings.IndexByte natively (vector code).
func indexByte(s string, c byte) int { return strings.IndexByte(s, c) }
