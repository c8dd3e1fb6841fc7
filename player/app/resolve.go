//go:build js && wasm

package main

import (
	"errors"
	"strconv"
)

// urlClass is the browser's URL; resolving with it instead of player/uri
// (as hls.Resolve does on the host) keeps a URL parser out of the module.
var urlClass = global.Get("URL")

// resolve returns ref, a URI from a playlist, made absolute against base
// (RFC 3986 §5 as the WHATWG URL standard applies it): a token in base's
// path (/t/<token>/...) flows on to relative references.
func resolve(base, ref string) (string, error) {
	if ref == "" {
		return "", errors.New("empty URI in a playlist")
	}
	var u string
	err := try(func() { u = urlClass.New(ref, base).Get("href").String() })
	if err != nil {
		return "", errors.New("URI " + strconv.Quote(ref) + " against " + strconv.Quote(base) + ": " + err.Error())
	}
	return u, nil
}
