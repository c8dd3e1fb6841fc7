package hls

import (
	"fmt"
	"net/url"
)

// Resolve returns ref made absolute against base, the URL of the playlist
// that contains it (RFC 3986 §5). Query strings and path tokens in base are
// kept for relative paths, so a token in base's path (/t/<token>/...) flows
// on to child playlists and segments.
func Resolve(base *url.URL, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("%w: empty URI", ErrInvalidValue)
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%w: URI %q: %v", ErrInvalidValue, ref, err)
	}
	if base == nil {
		return u.String(), nil
	}
	return base.ResolveReference(u).String(), nil
}

// ResolveString is Resolve with base given as a string.
func ResolveString(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%w: base URL %q: %v", ErrInvalidValue, base, err)
	}
	return Resolve(b, ref)
}
