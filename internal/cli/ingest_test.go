package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/internal/s3local"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/ingest"
)

func TestIngestCommand(t *testing.T) {
	db, dsn := testenv.MySQL(t)
	srv, err := s3local.Start(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	video := filepath.Join(dir, "clip.mp4")
	gen := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", video)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	text := filepath.Join(dir, "readme.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	t.Setenv("EDGEFLIX_MYSQL_DSN", dsn)
	t.Setenv("EDGEFLIX_S3_ENDPOINT", srv.Endpoint())
	t.Setenv("EDGEFLIX_S3_BUCKET", "cli-test")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout (code 0) or stderr
	}{
		{"no title", []string{"ingest", video}, 2, "Usage: edgeflix ingest"},
		{"no source", []string{"ingest", "--title", "X"}, 2, "Usage: edgeflix ingest"},
		{"two sources", []string{"ingest", video, video, "--title", "X"}, 2, "Usage: edgeflix ingest"},
		{"missing file", []string{"ingest", filepath.Join(dir, "nope.mp4"), "--title", "Nope"}, 1, "source not found"},
		{"text file", []string{"ingest", text, "--title", "Text"}, 1, "not a media file"},
		{"unknown codec", []string{"ingest", video, "--title", "X", "--codecs", "h264,vp9"}, 1, "unsupported codec"},
		{"missing subtitles", []string{"ingest", video, "--title", "X", "--subtitles", "en=" + filepath.Join(dir, "nope.vtt")}, 1, "bad subtitles"},
		{"subtitles without lang", []string{"ingest", video, "--title", "X", "--subtitles", "nope.vtt"}, 2, "want LANG=FILE"},
		{"season without series", []string{"ingest", video, "--title", "X", "--season", "1"}, 1, "need --series"},
		{"tv rating", []string{"ingest", video, "--title", "X", "--maturity", "TV-MA"}, 1, "maturity"},
		{"flags after source", []string{"ingest", video, "--title", "Tiny Clip", "--year", "2020", "--maturity", "PG-13", "--preset", "ultrafast"}, 0, "published title \"Tiny Clip\" (tiny-clip)"},
		{"episode", []string{"ingest", video, "--title", "Pilot", "--series", "Tiny Show", "--season", "1", "--episode", "1",
			"--genres", "Drama,Comedy", "--preset", "ultrafast"}, 0, "(tiny-show-s01e01)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			out := stderr.String()
			if code == 0 {
				out = stdout.String()
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Fatalf("output lacks %q:\n%s", tt.wantOut, out)
			}
		})
	}
	var published int
	if err := db.QueryRow(`SELECT COUNT(*) FROM titles WHERE published_at IS NOT NULL`).Scan(&published); err != nil {
		t.Fatal(err)
	}
	if published != 2 {
		t.Fatalf("%d published titles (a movie and a series), want 2", published)
	}
	if ok, err := ingest.Published(t.Context(), db, "tiny-clip", "tiny-clip"); !ok || err != nil {
		t.Fatalf("tiny-clip not published: %v", err)
	}
}
