//go:build !race

package gate

import (
	"testing"
	"time"
)

// TestCheckWarmAllocs: a remembered token's gate decision allocates
// nothing (every allocation is expensive in the Go wasm module).
func TestCheckWarmAllocs(t *testing.T) {
	g := newTestGate(t)
	p := "/t/" + testToken(t, "/v1/media/a/", testNow.Add(time.Hour)) + "/v1/media/a/1080p/seg_00001.m4s"
	now := testNow.UnixMilli()
	if r := g.Check(p, now); r.Status != Allow {
		t.Fatal(r)
	}
	var buf []byte
	n := testing.AllocsPerRun(200, func() {
		r := g.Check(p, now)
		if r.Status != Allow {
			t.Fatal(r)
		}
		buf = r.Append(buf[:0])
	})
	if n != 0 {
		t.Fatalf("warm Check allocates %v times, want 0", n)
	}
}
