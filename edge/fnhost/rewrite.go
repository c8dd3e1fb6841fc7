package fnhost

import (
	"context"
	"fmt"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// Rewrite runs the module's origin-request function (the rewrite export,
// wasm/ABI.md) over a master playlist for a caps value (X-Edgeflix-Caps)
// and returns the rewritten master, a new slice.
//
// Errors: one wrapping manifest.ErrNotMaster means serve master unchanged
// (a media playlist); manifest.ErrNothingPlayable, no variant is left for
// the device; manifest.ErrInvalid, the origin sent no usable master;
// manifest.ErrCall, the caps were refused; ErrModule, the module has no
// rewrite export; ErrCall, the call failed (the instance was replaced).
func (h *Host) Rewrite(ctx context.Context, master []byte, caps string) ([]byte, error) {
	if strings.IndexByte(caps, '\n') >= 0 {
		return nil, fmt.Errorf("%w: caps hold a newline", manifest.ErrCall)
	}
	out, err := h.CallExport(ctx, "rewrite", manifest.AppendInput(make([]byte, 0, len(caps)+1+len(master)), caps, master))
	if err != nil {
		return nil, err
	}
	res, err := manifest.ParseResult(out)
	if err != nil {
		return nil, fmt.Errorf("%w: rewrite: %w", ErrCall, err)
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	return res.Body, nil
}
