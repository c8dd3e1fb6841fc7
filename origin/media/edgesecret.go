package media

import (
	"crypto/sha256"
	"crypto/subtle"
	"path"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/httpx"
)

// publicArtwork are the file extensions of artwork the catalog links to
// directly (posters, backdrops); they are not token-gated anywhere, so
// they need no edge secret.
var publicArtwork = []string{".jpg", ".jpeg", ".png", ".webp", ".avif"}

// Gated reports whether file (the path after the asset id) is gated media
// that only the edge may fetch: everything but public artwork.
func Gated(file string) bool {
	ext := strings.ToLower(path.Ext(file))
	for _, e := range publicArtwork {
		if ext == e {
			return false
		}
	}
	return true
}

// edgeAllowed reports whether the request may read file: always when no
// EdgeSecret is configured or file is public artwork, else only with the
// secret in contract.OriginVerifyHeader (compared in constant time). It answers 403
// itself otherwise.
func (h *Handler) edgeAllowed(ctx *fasthttp.RequestCtx, file string) bool {
	if h.EdgeSecret == "" || !Gated(file) {
		return true
	}
	// Hashing first makes the comparison's time independent of the
	// lengths too.
	got := sha256.Sum256(ctx.Request.Header.Peek(contract.OriginVerifyHeader))
	want := sha256.Sum256([]byte(h.EdgeSecret))
	if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
		return true
	}
	httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "edge-only", "media is served through the edge")
	return false
}
