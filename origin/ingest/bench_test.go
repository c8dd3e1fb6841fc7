package ingest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

// BenchmarkIngestPipeline measures, in one run, the encode speed as a
// multiple of real time for the default H.264 ladder of a 720p source, the
// extra cost of HEVC and AV1 renditions of the same ladder, and the upload
// throughput to the local S3. make bench-ingest runs it once
// (-benchtime 1x).
func BenchmarkIngestPipeline(b *testing.B) {
	const durationS = 10
	src := filepath.Join(b.TempDir(), "src.mp4")
	gen := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=1280x720:rate=30:duration=%d", durationS),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:duration=%d", durationS),
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", src)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("source: %v: %s", err, out)
	}
	st := testenv.S3(b)
	ctx := context.Background()
	encode := func(codecs []string) (time.Duration, string, *Encoded) {
		dir := filepath.Join(b.TempDir(), "enc")
		start := time.Now()
		enc, err := Encode(ctx, EncodeConfig{Source: Source{Path: src}, OutDir: dir, Codecs: codecs})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), dir, enc
	}
	for range b.N {
		h264, dir, enc := encode(nil)
		hevc, _, _ := encode([]string{CodecHEVC})
		av1, _, _ := encode([]string{CodecAV1})
		stats, err := Upload(ctx, st, fmt.Sprintf("bench-%d", time.Now().UnixNano()), dir, enc.Files(), 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		rt := func(d time.Duration) float64 { return durationS / d.Seconds() }
		b.ReportMetric(rt(h264), "h264-ladder-x-realtime")
		b.ReportMetric(rt(hevc-h264), "hevc-ladder-x-realtime")
		b.ReportMetric(rt(av1-h264), "av1-ladder-x-realtime")
		b.ReportMetric(float64(stats.Bytes)/1e6/stats.Elapsed.Seconds(), "upload-MB/s")
		b.Logf("%d renditions (%s); h264 %.1fs, +hevc %.1fs, +av1 %.1fs; uploaded %d objects, %.1f MB in %.2fs",
			len(enc.Renditions), enc.Renditions[0].Name, h264.Seconds(), (hevc - h264).Seconds(), (av1 - h264).Seconds(),
			stats.Uploaded, float64(stats.Bytes)/1e6, stats.Elapsed.Seconds())
	}
}
