//go:build js && wasm

package main

import "strconv"

// The engine formats numbers with strconv: fmt would link reflect and
// fmt's printer into the module (see docs/BENCHMARKS.md).

// fixed writes v with prec decimals, as fmt's %.<prec>f.
func fixed(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// panicString describes a recovered panic value, as fmt's %v would for
// the errors and strings that panics carry.
func panicString(r any) string {
	switch r := r.(type) {
	case error:
		return r.Error()
	case string:
		return r
	}
	return "unexpected panic"
}
