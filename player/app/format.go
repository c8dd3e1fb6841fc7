//go:build js && wasm

package main

import (
	"strconv"
	"time"
)

// The app formats numbers with strconv: fmt would link reflect and
// fmt's printer into the module (see docs/BENCHMARKS.md).

// fixed writes v with prec decimals, as fmt's %.<prec>f.
func fixed(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// percent writes a fraction as a CSS percentage with one decimal ("42.5%").
func percent(fraction float64) string { return fixed(100*fraction, 1) + "%" }

// pad2 writes n as fmt's %02d.
func pad2(n int) string {
	if n >= 0 && n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// minutes writes a runtime in seconds as whole minutes, rounded up ("42 min").
func minutes(seconds int) string { return strconv.Itoa((seconds+59)/60) + " min" }

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

// shortDate writes t as its Format("2 Jan 2006 15:04") would, without the
// time package's layout engine.
func shortDate(t time.Time) string {
	y, m, d := t.Date()
	return strconv.Itoa(d) + " " + m.String()[:3] + " " + strconv.Itoa(y) + " " + pad2(t.Hour()) + ":" + pad2(t.Minute())
}
