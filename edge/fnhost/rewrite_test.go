package fnhost

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// TestHostRewrite checks that the module's rewrite export gives exactly what
// the plain-Go rewrite gives, for every golden playlist and device profile,
// and maps each status to its sentinel.
func TestHostRewrite(t *testing.T) {
	h := newTestHost(t, 1)
	ctx := context.Background()
	paths, err := filepath.Glob(filepath.Join("..", "..", "wasm", "manifest", "testdata", "*.m3u8"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no playlists: %v", err)
	}
	capsList := []string{
		"cls=phone;mh=720;mbr=5000000;cdc=avc1,mp4a;hdr=0",
		"cls=desktop;mh=1080;mbr=8000000;cdc=avc1,av01,mp4a;hdr=0",
		"cls=tv;mh=2160;mbr=25000000;cdc=avc1,hvc1,av01,vp09,mp4a,ec-3,ac-3;hdr=1",
		"cls=phone;mh=360;mbr=300000;cdc=vp09,opus;hdr=0",
	}
	for _, p := range paths {
		master, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range capsList {
			t.Run(filepath.Base(p)+"/"+cs, func(t *testing.T) {
				caps, err := contract.ParseHeader(cs)
				if err != nil {
					t.Fatal(err)
				}
				want, wantErr := manifest.Rewrite(master, caps)
				got, err := h.Rewrite(ctx, master, cs)
				if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
					t.Fatalf("module = %q, %v\nnative = %q, %v", got, err, want, wantErr)
				}
				for _, s := range []error{manifest.ErrNotMaster, manifest.ErrNothingPlayable, manifest.ErrInvalid} {
					if errors.Is(err, s) != errors.Is(wantErr, s) {
						t.Fatalf("module error %v, native %v", err, wantErr)
					}
				}
			})
		}
	}
	for _, tc := range []struct {
		name, caps string
		master     []byte
		wantErr    error
	}{
		{"bad caps", "cls=phone", []byte("#EXTM3U\n"), manifest.ErrCall},
		{"newline in caps", "cls=phone\n", []byte("#EXTM3U\n"), manifest.ErrCall},
		{"not a playlist", capsList[0], []byte("<html>"), manifest.ErrInvalid},
		{"over 1 MiB", capsList[0], append([]byte("#EXTM3U\n#"), bytes.Repeat([]byte("x"), manifest.MaxSize)...), manifest.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.Rewrite(ctx, tc.master, tc.caps); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Rewrite = %v, want %v", err, tc.wantErr)
			}
		})
	}
	// The output may be larger than the last input buffer: a big rewrite
	// after a small one, then a gate call, all on one instance.
	t.Run("buffers", func(t *testing.T) {
		big := "#EXTM3U\n" + strings.Repeat("#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS=\"avc1.4d401e,mp4a.40.2\"\nv.m3u8\n", 1000)
		for _, m := range []string{"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na\n", big, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb\n"} {
			got, err := h.Rewrite(ctx, []byte(m), capsList[0])
			if err != nil || string(got) != m {
				t.Fatalf("Rewrite(%d bytes) = %d bytes, %v", len(m), len(got), err)
			}
		}
		if r, err := h.Gate(ctx, "/t/x/v1/media/a/m.m3u8", testNow); err != nil || r.Status != "deny" {
			t.Fatalf("Gate after rewrites = %+v, %v", r, err)
		}
		if s := h.Stats(); s.Replaced != 0 {
			t.Fatalf("%d instances replaced", s.Replaced)
		}
	})
}

// unguardedRewriteCache holds code compiled without termination checks
// for BenchmarkHostRewrite.
var unguardedRewriteCache = wazero.NewCompilationCache()

// BenchmarkHostRewrite is one warm rewrite of the 8-variant ladder through
// the module under wazero, including the host's copies in and out, with
// guarded (the default) and unguarded code.
func BenchmarkHostRewrite(b *testing.B) {
	master, err := os.ReadFile(filepath.Join("..", "..", "wasm", "manifest", "testdata", "ladder8.m3u8"))
	if err != nil {
		b.Fatal(err)
	}
	const caps = "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0"
	for _, mode := range []struct {
		name      string
		unguarded bool
		cache     wazero.CompilationCache
	}{{"guarded", false, testCache}, {"unguarded", true, unguardedRewriteCache}} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := context.Background()
			h, err := New(ctx, Options{Module: wasmbuild.Edge(b), Cache: mode.cache, PoolSize: 1, Unguarded: mode.unguarded})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = h.Close(ctx) })
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Rewrite(ctx, master, caps); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
