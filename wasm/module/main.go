//go:build wasip1

// Command module is the edge's Wasm module: a GOOS=wasip1 reactor built with
// -buildmode=c-shared whose //go:wasmexport functions only move bytes in and
// out of linear memory and call the host-tested packages (wasm/gate,
// wasm/manifest). The ABI is described in wasm/ABI.md.
package main

//lint:file-ignore U1000 the exports are used by the host through //go:wasmexport

import (
	"unsafe"

	"github.com/edgeflix/edgeflix/wasm/gate"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// abiVersion is bumped whenever an export changes meaning.
const abiVersion = 1

var (
	// in is the input buffer handed out by alloc; the host writes into it.
	in []byte
	// out holds the last result so the host can read it after the call.
	out []byte
	// current is the configured gate, nil until configure succeeds.
	current *gate.Gate
	// rewriter keeps the rewrite's scratch memory between calls.
	rewriter manifest.Rewriter
	// faultHook is nil in every real build; tests set it with the
	// edgeflix_fault build tag (fault.go) to make deliberately broken versions.
	faultHook func(path []byte, r gate.Result) gate.Result
	// rewriteFaultHook, like faultHook, is nil in every real build.
	rewriteFaultHook func(res []byte) []byte
)

func main() {}

func addr(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// input returns the first n bytes of the input buffer if ptr is the address
// alloc returned.
func input(ptr, n uint32) ([]byte, bool) {
	if cap(in) == 0 || ptr != addr(in[:1]) || n > uint32(cap(in)) {
		return nil, false
	}
	return in[:n], true
}

// result keeps b alive until the next call and packs its address and length.
func result(b []byte) uint64 {
	out = b
	if len(b) == 0 {
		return 0
	}
	return uint64(addr(b))<<32 | uint64(len(b))
}

// abi_version returns the ABI version this module implements.
//
//go:wasmexport abi_version
func abiVersionExport() uint32 { return abiVersion }

// alloc makes the module's input buffer at least size bytes long and returns
// its address. The buffer is valid until the next call to alloc.
//
//go:wasmexport alloc
func alloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	if uint32(cap(in)) < size {
		in = make([]byte, size)
	}
	return addr(in[:1])
}

// configure reads a gate configuration (gate.ParseConfig) from the input
// buffer and answers "ok\n" or "error\n<message>".
//
//go:wasmexport configure
func configure(ptr, n uint32) uint64 {
	data, ok := input(ptr, n)
	if !ok {
		return result([]byte("error\ninput is not the alloc buffer"))
	}
	cfg, err := gate.ParseConfig(data)
	if err == nil {
		var g *gate.Gate
		if g, err = gate.New(cfg); err == nil {
			current = g
			return result([]byte("ok\n"))
		}
	}
	return result([]byte("error\n" + err.Error()))
}

// gate decides a viewer request for the raw path in the input buffer at
// nowUnixMillis and answers gate.Result's wire form.
//
//go:wasmexport gate
func gateExport(ptr, n uint32, nowUnixMillis int64) uint64 {
	data, ok := input(ptr, n)
	var r gate.Result
	switch {
	case !ok:
		r = gate.Result{Status: gate.Deny, Reason: "bad_input"}
	case current == nil:
		r = gate.Result{Status: gate.Deny, Reason: "not_configured"}
	default:
		// A view, not a copy: Check keeps no reference to the path (the
		// token cache stores its own copy) and Append copies the result
		// into out before the host can write the input buffer again.
		r = current.Check(unsafe.String(unsafe.SliceData(data), len(data)), nowUnixMillis)
	}
	if faultHook != nil {
		r = faultHook(data, r)
	}
	return result(r.Append(out[:0]))
}

// rewrite rewrites the master playlist in the input buffer for the caps
// line before it (manifest.AppendInput) and answers "<status>\n<body>"
// (manifest.Rewriter.Call). The result is a module-owned buffer apart from
// the input buffer, so it may be larger than the input.
//
//go:wasmexport rewrite
func rewriteExport(ptr, n uint32) uint64 {
	data, ok := input(ptr, n)
	if !ok {
		return result(manifest.AppendResult(out[:0], manifest.StatusError, "input is not the alloc buffer"))
	}
	res := rewriter.Call(out[:0], data)
	if rewriteFaultHook != nil {
		res = rewriteFaultHook(res)
	}
	return result(res)
}
