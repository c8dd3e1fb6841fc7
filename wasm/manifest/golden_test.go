package manifest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenCaps are the device profiles every testdata playlist is rewritten
// for; each .golden file holds the results in this order.
var goldenCaps = []string{
	// A phone that plays H.264/AAC only.
	"cls=phone;mh=720;mbr=5000000;cdc=avc1,mp4a;hdr=0",
	// Desktop Chromium: H.264, AV1, AAC, no HDR, 1080p plan.
	"cls=desktop;mh=1080;mbr=8000000;cdc=avc1,av01,mp4a;hdr=0",
	// A 4K HDR TV on a premium plan with every family.
	"cls=tv;mh=2160;mbr=25000000;cdc=avc1,hvc1,av01,vp09,mp4a,ec-3,ac-3;hdr=1",
	// A tablet that plays HEVC but not H.264 (contrived: tests codec drops).
	"cls=tablet;mh=1080;mbr=10000000;cdc=hvc1,mp4a,ec-3;hdr=0",
	// A device nothing in the ladders suits.
	"cls=phone;mh=360;mbr=300000;cdc=vp09,opus;hdr=0",
}

// goldenFor renders the results of rewriting in for every goldenCaps entry.
func goldenFor(t *testing.T, in []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var r Rewriter
	for _, cs := range goldenCaps {
		caps, err := contract.ParseHeader(cs)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("=== caps: " + cs + "\n")
		out, err := r.Rewrite(nil, in, &caps)
		if err != nil {
			b.WriteString("error: " + err.Error() + "\n")
		} else {
			b.Write(out)
			b.WriteString("\n=== end\n")
		}
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.m3u8")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range inputs {
		name := strings.TrimSuffix(filepath.Base(path), ".m3u8")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenFor(t, atPageEnd(t, in))
			golden := strings.TrimSuffix(path, ".m3u8") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update and review the diff):\n%s", path, golden, got)
			}
			// Whatever the golden says, every output must keep the invariants.
			var r Rewriter
			for _, cs := range goldenCaps {
				caps, _ := contract.ParseHeader(cs)
				if out, err := r.Rewrite(nil, in, &caps); err == nil {
					checkOutput(t, in, out)
				}
			}
		})
	}
}
