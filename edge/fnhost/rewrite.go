package fnhost

import (
	"context"
	"errors"
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
	inst, err := h.acquire(ctx)
	if err != nil {
		return nil, err
	}
	fn, err := inst.export("rewrite")
	if err != nil {
		h.release(inst)
		return nil, err
	}
	// The input (manifest.AppendInput's layout) goes straight into the
	// module's buffer: caps, '\n', then the master, no joined copy.
	view, err := h.callView2(ctx, inst, fn, caps+"\n", unsafeString(master))
	if err != nil {
		if errors.Is(err, errNotStarted) {
			h.release(inst)
			return nil, err
		}
		h.discard(inst, err)
		return nil, fmt.Errorf("%w: rewrite: %w", ErrCall, err)
	}
	res, err := manifest.ParseResult(view)
	if err != nil {
		h.discard(inst, err)
		return nil, fmt.Errorf("%w: rewrite: %w", ErrCall, err)
	}
	// One copy out of the module's memory, made before the instance goes
	// back to the pool.
	res.Body = append([]byte(nil), res.Body...)
	h.release(inst)
	if err := res.Err(); err != nil {
		return nil, err
	}
	return res.Body, nil
}
