//go:build wasip1

package main

//lint:file-ignore U1000 the export is used by the host through //go:wasmexport

import "github.com/edgeflix/edgeflix/wasm/token"

// verifyEd25519 runs the token verifier's signature check on the input
// buffer laid out as public key (32 bytes) || signature length (1 byte) ||
// signature || message, and answers "1" (valid) or "0": a signature of
// any length reaches the check, as it would from a token. It lets hosts run signature test
// vectors (Project Wycheproof) through the module itself.
//
//go:wasmexport verify_ed25519
func verifyEd25519(ptr, n uint32) uint64 {
	data, ok := input(ptr, n)
	if !ok || len(data) < 33 || len(data) < 33+int(data[32]) {
		return result(append(out[:0], "error\ninput must be pk(32) || len(1) || sig || msg"...))
	}
	sig := data[33 : 33+int(data[32])]
	if token.VerifySignature(data[:32], data[33+len(sig):], sig) {
		return result(append(out[:0], '1'))
	}
	return result(append(out[:0], '0'))
}
