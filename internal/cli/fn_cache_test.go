package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

// TestFnCacheDir checks that `edgeflix fn` keeps compiled machine code in a
// per-user 0700 folder under $XDG_CACHE_HOME, not a shared temp folder, and
// refuses that folder once others can write it.
func TestFnCacheDir(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "edge.wasm")
	if err := os.WriteFile(mod, wasmbuild.Edge(t), 0o644); err != nil {
		t.Fatal(err)
	}
	xdg := filepath.Join(dir, "xdg")
	t.Setenv("XDG_CACHE_HOME", xdg)
	master := "../../wasm/lambda/testdata/origin/v1/media/a1/master.m3u8"
	rewrite := func() (string, error) {
		f, err := os.Open(master)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out strings.Builder
		err = runFnRewrite(context.Background(), []string{"--module", mod, "--max-height", "720", "--max-bandwidth", "3000000", "--codecs", "avc1,mp4a"}, f, &out, io.Discard)
		return out.String(), err
	}
	if out, err := rewrite(); err != nil || !strings.Contains(out, "#EXTM3U") {
		t.Fatalf("rewrite: %v %q", err, out)
	}
	cache := filepath.Join(xdg, "edgeflix", "wazero")
	fi, err := os.Stat(cache)
	if err != nil {
		t.Fatalf("no per-user cache: %v", err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache mode %v, want 0700", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) == 0 {
		t.Fatal("nothing was cached")
	}
	if err := os.Chmod(cache, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := rewrite(); err == nil || !strings.Contains(err.Error(), "unsafe compilation cache") {
		t.Fatalf("a world-writable cache was used: %v", err)
	}
}
