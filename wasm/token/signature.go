package token

// VerifySignature reports whether sig is a valid Ed25519 signature of msg
// by key: the one signature check Verify uses, exported so the module's
// verify_ed25519 test export (wasm/ABI.md) runs exactly it.
func VerifySignature(key, msg, sig []byte) bool { return verifySignature(key, msg, sig) }
