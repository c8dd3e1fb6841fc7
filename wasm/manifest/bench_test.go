package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRewrite rewrites the 8-variant ladder for a desktop (5 kept
// variants, the start one moved first), reusing the Rewriter and output
// buffer as the module does.
func BenchmarkRewrite(b *testing.B) {
	master, err := os.ReadFile(filepath.Join("testdata", "ladder8.m3u8"))
	if err != nil {
		b.Fatal(err)
	}
	caps := mustCaps(b, "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0")
	var r Rewriter
	out := make([]byte, 0, len(master))
	b.SetBytes(int64(len(master)))
	b.ReportAllocs()
	for b.Loop() {
		if out, err = r.Rewrite(out[:0], master, caps); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCall is the module's whole rewrite export minus the Wasm
// boundary: caps parsing, rewrite and result framing.
func BenchmarkCall(b *testing.B) {
	master, err := os.ReadFile(filepath.Join("testdata", "ladder8.m3u8"))
	if err != nil {
		b.Fatal(err)
	}
	in := AppendInput(nil, "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0", master)
	var r Rewriter
	out := make([]byte, 0, len(in))
	b.ReportAllocs()
	for b.Loop() {
		out = r.Call(out[:0], in)
	}
}
