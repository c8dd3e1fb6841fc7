//go:build js && wasm

package main

import "syscall/js"

// The engine keeps time with the browser's clock and timers instead of
// package time: importing time alone (its godebug and zone setup) weighs
// ~50 KB gzip in the module, its timers more (docs/BENCHMARKS.md).
// Durations are float64 seconds, as HTMLMediaElement's are.

var performance = global.Get("performance")

// nowMS is performance.now(): milliseconds on a monotonic clock.
func nowMS() float64 { return performance.Call("now").Float() }

// now is nowMS in seconds.
func now() float64 { return nowMS() / 1000 }

// after returns a channel closed once seconds have passed (setTimeout).
func after(seconds float64) <-chan struct{} {
	ch := make(chan struct{})
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any {
		close(ch)
		f.Release()
		return nil
	})
	global.Call("setTimeout", f, seconds*1000)
	return ch
}

// every returns a channel that receives every seconds (setInterval; a
// tick the receiver is not ready for is dropped) and the function that
// stops it.
func every(seconds float64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	f := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case ch <- struct{}{}:
		default:
		}
		return nil
	})
	id := global.Call("setInterval", f, seconds*1000)
	return ch, func() {
		global.Call("clearInterval", id)
		f.Release()
	}
}
