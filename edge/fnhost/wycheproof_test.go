package fnhost

import (
	"context"
	"fmt"
	"testing"

	"github.com/edgeflix/edgeflix/internal/wycheproof"
)

// TestWycheproofThroughModule runs every Project Wycheproof Ed25519 vector
// through the module's verify_ed25519 export (the token verifier's
// signature check) under wazero.
func TestWycheproofThroughModule(t *testing.T) {
	h := newTestHost(t, 1)
	ctx := context.Background()
	for _, v := range wycheproof.Ed25519(t) {
		t.Run(fmt.Sprintf("tc%d", v.ID), func(t *testing.T) {
			if len(v.Sig) > 255 {
				t.Fatalf("signature of %d bytes does not fit the length byte", len(v.Sig))
			}
			in := append(append(append(append([]byte(nil), v.PublicKey...), byte(len(v.Sig))), v.Sig...), v.Msg...)
			out, err := h.CallExport(ctx, "verify_ed25519", in)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(out) == "1"; got != v.Valid || (string(out) != "1" && string(out) != "0") {
				t.Fatalf("%s: module says %q, want valid=%v", v.Comment, out, v.Valid)
			}
		})
	}
}
