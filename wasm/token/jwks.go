package token

import (
	"errors"
	"strconv"

	"github.com/edgeflix/edgeflix/wasm/errdetail"

	"github.com/edgeflix/edgeflix/wasm/strictjson"
)

// ErrJWKS reports a JSON Web Key Set that ParseJWKS cannot use.
var ErrJWKS = errors.New("token: invalid jwks")

// ParseJWKS reads the Ed25519 signing keys of a JSON Web Key Set (RFC 7517,
// keys as in RFC 8037: kty OKP, crv Ed25519, x). Keys of other types or
// curves, and keys whose use or alg say they are not EdDSA signing keys, are
// skipped. A key with a private part (d), a duplicate kid or a malformed x is
// an error.
func ParseJWKS(data []byte) (KeySet, error) {
	v, err := strictjson.Parse(data)
	if err != nil {
		return nil, errdetail.Wrap(ErrJWKS, err.Error())
	}
	return KeySetFromValue(v)
}

// KeySetFromValue is ParseJWKS for an already parsed JWKS document.
func KeySetFromValue(v strictjson.Value) (KeySet, error) {
	keys, ok := v.Get("keys")
	if v.Kind != strictjson.Object || !ok || keys.Kind != strictjson.Array {
		return nil, errdetail.Wrap(ErrJWKS, "want an object with a keys array")
	}
	set := make(KeySet)
	for i, k := range keys.Elems {
		if k.Kind != strictjson.Object {
			return nil, errdetail.Wrap(ErrJWKS, "key "+strconv.Itoa(i)+" is not an object")
		}
		if _, ok := k.Get("d"); ok {
			return nil, errdetail.Wrap(ErrJWKS, "key "+strconv.Itoa(i)+" holds a private key")
		}
		if !member(k, "kty", "OKP") || !member(k, "crv", "Ed25519") {
			continue
		}
		if use, ok := k.Get("use"); ok && (use.Kind != strictjson.String || use.Str != "sig") {
			continue
		}
		if alg, ok := k.Get("alg"); ok && (alg.Kind != strictjson.String || alg.Str != "EdDSA") {
			continue
		}
		kid, ok := k.Get("kid")
		if !ok || kid.Kind != strictjson.String || kid.Str == "" {
			return nil, errdetail.Wrap(ErrJWKS, "key "+strconv.Itoa(i)+" has no kid")
		}
		if _, dup := set[kid.Str]; dup {
			return nil, errdetail.Wrap(ErrJWKS, "duplicate kid "+strconv.Quote(kid.Str))
		}
		x, ok := k.Get("x")
		if !ok || x.Kind != strictjson.String {
			return nil, errdetail.Wrap(ErrJWKS, "key "+strconv.Quote(kid.Str)+" has no x")
		}
		pub, err := decodeSegment(x.Str)
		if err != nil || len(pub) != publicKeySize {
			return nil, errdetail.Wrap(ErrJWKS, "key "+strconv.Quote(kid.Str)+": x is not a base64url Ed25519 public key")
		}
		set[kid.Str] = pub
	}
	return set, nil
}

func member(obj strictjson.Value, name, want string) bool {
	v, ok := obj.Get(name)
	return ok && v.Kind == strictjson.String && v.Str == want
}
