//go:build !js

package browsertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

// maxModuleGzip is issue #13's bound on player.wasm, gzip -9, as `make
// size-player` measures it (740,751 bytes at the time of writing,
// docs/BENCHMARKS.md).
const maxModuleGzip = 750_000

// TestModuleSize keeps the engine under its weight goal: the build the
// origin serves, compressed as cmd/precompress does (gzip level 9).
func TestModuleSize(t *testing.T) {
	fi, err := os.Stat(filepath.Join(wasmbuild.Player(t), "player.wasm.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > maxModuleGzip {
		t.Fatalf("player.wasm.gz is %d bytes, over the %d-byte goal (make size-player shows what grew)", fi.Size(), maxModuleGzip)
	}
	t.Logf("player.wasm.gz: %d bytes", fi.Size())
}
