package hls

import (
	"strconv"

	"github.com/edgeflix/edgeflix/player/uri"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Resolve returns ref made absolute against base, the URL of the playlist
// that contains it (RFC 3986 §5, as net/url resolves it; see player/uri
// for the URL forms it refuses). Query strings and path tokens in base are
// kept for relative paths, so a token in base's path (/t/<token>/...)
// flows on to child playlists and segments.
func Resolve(base, ref string) (string, error) {
	if ref == "" {
		return "", errdetail.Wrap(ErrInvalidValue, "empty URI")
	}
	u, err := uri.Resolve(base, ref)
	if err != nil {
		return "", errdetail.Wrap(ErrInvalidValue, "URI "+strconv.Quote(ref)+" against "+strconv.Quote(base)+": "+err.Error())
	}
	return u, nil
}
