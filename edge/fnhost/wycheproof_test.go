package fnhost

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWycheproofThroughModule runs every Project Wycheproof Ed25519 vector
// through the module's verify_ed25519 export (the token verifier's
// signature check) under wazero.
func TestWycheproofThroughModule(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "wycheproof", "ed25519_test.json"))
	if err != nil {
		t.Fatalf("wycheproof vectors (expected beside the repository in ../shared): %v", err)
	}
	var file struct {
		TestGroups []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Tests []struct {
				TcID    int    `json:"tcId"`
				Comment string `json:"comment"`
				Msg     string `json:"msg"`
				Sig     string `json:"sig"`
				Result  string `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	h := newTestHost(t, 1)
	ctx := context.Background()
	n := 0
	for _, g := range file.TestGroups {
		pk, err := hex.DecodeString(g.PublicKey.PK)
		if err != nil || len(pk) != 32 {
			t.Fatalf("public key %q: %v", g.PublicKey.PK, err)
		}
		for _, tc := range g.Tests {
			n++
			t.Run(fmt.Sprintf("tc%d", tc.TcID), func(t *testing.T) {
				msg, err1 := hex.DecodeString(tc.Msg)
				sig, err2 := hex.DecodeString(tc.Sig)
				if err1 != nil || err2 != nil {
					t.Fatalf("bad hex: %v %v", err1, err2)
				}
				want := tc.Result == "valid"
				if len(sig) > 255 {
					t.Fatalf("signature of %d bytes does not fit the length byte", len(sig))
				}
				in := append(append(append(append([]byte(nil), pk...), byte(len(sig))), sig...), msg...)
				out, err := h.CallExport(ctx, "verify_ed25519", in)
				if err != nil {
					t.Fatal(err)
				}
				if got := string(out) == "1"; got != want || (string(out) != "1" && string(out) != "0") {
					t.Fatalf("%s: module says %q, want valid=%v", tc.Comment, out, want)
				}
			})
		}
	}
	if n < 100 {
		t.Fatalf("only %d vectors read", n)
	}
}
