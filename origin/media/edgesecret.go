package media

import (
	"path"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/origin/httpx"
)

// publicArtwork are the image extensions of artwork the catalog links to
// directly; only files named poster.* or backdrop.* with one of them are
// public (no proof needed). Everything else, the thumbnail sprite
// included, is gated media.
var publicArtwork = []string{".jpg", ".jpeg", ".png", ".webp", ".avif"}

// Gated reports whether file (the path after the asset id) is gated media
// that only the gate may fetch: everything but poster and backdrop images.
func Gated(file string) bool {
	ext := strings.ToLower(path.Ext(file))
	name := strings.ToLower(strings.TrimSuffix(path.Base(file), path.Ext(file)))
	if name != "poster" && name != "backdrop" {
		return true
	}
	for _, e := range publicArtwork {
		if ext == e {
			return false
		}
	}
	return true
}

// edgeAllowed reports whether the request may read file, the object at
// Prefix+name: always for public artwork or when neither ProofKeys nor
// EdgeSecret is configured (a development origin); else only with a
// valid, unexpired contract.ProofHeader for exactly this path
// (internal/edgeproof). X-Origin-Verify is no proof: an EdgeSecret without
// ProofKeys refuses all gated media. It answers 403 itself otherwise.
func (h *Handler) edgeAllowed(ctx *fasthttp.RequestCtx, file string) bool {
	if len(h.ProofKeys) == 0 && h.EdgeSecret == "" || !Gated(file) {
		return true
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	err := edgeproof.Verify(h.ProofKeys, string(ctx.Request.Header.Peek(contract.ProofHeader)), string(ctx.Path()), now())
	if err == nil {
		return true
	}
	httpx.WriteProblem(ctx, fasthttp.StatusForbidden, "edge-only", "media is served through the edge")
	return false
}
