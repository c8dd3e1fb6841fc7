//go:build !race

package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCallAllocs: a repeated rewrite call (same caps, as a host sends)
// allocates nothing once its buffers have grown.
func TestCallAllocs(t *testing.T) {
	master, err := os.ReadFile(filepath.Join("testdata", "ladder8.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	in := AppendInput(nil, "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0", master)
	var r Rewriter
	out := r.Call(nil, in)
	if !bytes.HasPrefix(out, []byte("ok\n")) {
		t.Fatalf("%.40q", out)
	}
	n := testing.AllocsPerRun(200, func() {
		if out = r.Call(out[:0], in); !bytes.HasPrefix(out, []byte("ok\n")) {
			t.Fatalf("%.40q", out)
		}
	})
	if n != 0 {
		t.Fatalf("Call allocates %v times per repeat, want 0", n)
	}
}
