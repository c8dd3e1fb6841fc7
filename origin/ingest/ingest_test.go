package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Eyevinn/hls-m3u8/m3u8"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

// fixtureSet holds generated sources shared by the tests.
type fixtureSet struct {
	dir       string
	video     string // 5 s 640x360 H.264 + AAC
	audioOnly string // 2 s AAC
	text      string
	empty     string
}

var (
	fixtureDir  string
	fixtureOnce sync.Once
	fixtureErr  error
	fixtureVal  fixtureSet
)

// fixtures generates the shared sources once, on first use, so unit tests
// and fuzz workers do not pay for them.
func fixtures(t testing.TB) fixtureSet {
	t.Helper()
	fixtureOnce.Do(func() {
		f := fixtureSet{
			dir: fixtureDir, video: filepath.Join(fixtureDir, "source.mp4"), audioOnly: filepath.Join(fixtureDir, "audio.m4a"),
			text: filepath.Join(fixtureDir, "notes.txt"), empty: filepath.Join(fixtureDir, "empty.mp4"),
		}
		gen := [][]string{
			{"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=5", "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
				"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", f.video},
			{"-f", "lavfi", "-i", "sine=frequency=330:duration=2", "-c:a", "aac", f.audioOnly},
		}
		for _, args := range gen {
			cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				fixtureErr = fmt.Errorf("fixture: %v: %s", err, out)
				return
			}
		}
		if err := os.WriteFile(f.text, []byte("this is not a video\n"), 0o644); err != nil {
			fixtureErr = err
			return
		}
		fixtureErr = os.WriteFile(f.empty, nil, 0o644)
		fixtureVal = f
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureVal
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edgeflix-ingest-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testLadder gives a 360p source two renditions, keeping the encode fast.
var testLadder = []RenditionSpec{
	{Name: "360p", Height: 360, VideoBitrate: 700_000, AudioBitrate: 96_000},
	{Name: "240p", Height: 240, VideoBitrate: 400_000, AudioBitrate: 64_000},
}

// fixedNow is the injected clock.
func fixedNow() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }

// listKeys returns every key under prefix.
func listKeys(t *testing.T, st *objstore.Store, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(st.Client, &s3.ListObjectsV2Input{Bucket: aws.String(st.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

func getObject(t *testing.T, st *objstore.Store, key string) ([]byte, string) {
	t.Helper()
	out, err := st.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, aws.ToString(out.ContentType)
}

// titleRow is the titles row a test checks.
type titleRow struct {
	name, maturity string
	year, runtimeS int
	assetID        sql.NullString
	publishedAt    sql.NullTime
}

func readTitle(t *testing.T, db *sql.DB, id string) (titleRow, bool) {
	t.Helper()
	var r titleRow
	err := db.QueryRow(`SELECT name, maturity, year, runtime_s, asset_id, published_at FROM titles WHERE id = ?`, id).
		Scan(&r.name, &r.maturity, &r.year, &r.runtimeS, &r.assetID, &r.publishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return r, true
}

func countRows(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngestEndToEnd(t *testing.T) {
	fx := fixtures(t)
	ctx := context.Background()
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	work := t.TempDir()
	var progress testenv.Buffer
	cfg := Config{
		DB: db, Media: st, Source: Source{Path: fx.video},
		Title:   Title{Name: "Test Pattern", Synopsis: "Bars and a tone.", Year: 2024, Maturity: "PG-13"},
		AssetID: "test-pattern-1", WorkDir: filepath.Join(work, "enc"), Ladder: testLadder,
		Preset: "ultrafast", Now: fixedNow, Progress: &progress,
	}
	enc, err := Ingest(ctx, cfg)
	if err != nil {
		t.Fatalf("Ingest: %v\n%s", err, progress.String())
	}
	for _, want := range []string{"encoding", "uploading", "published"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	if enc.DurationMS < 4900 || enc.DurationMS > 5100 {
		t.Errorf("duration %d ms, want ~5000", enc.DurationMS)
	}

	t.Run("objects", func(t *testing.T) {
		keys := listKeys(t, st, "media/test-pattern-1/")
		var want []string
		for _, f := range enc.Files() {
			want = append(want, MediaKey("test-pattern-1", f))
		}
		sort.Strings(want)
		if strings.Join(keys, "\n") != strings.Join(want, "\n") {
			t.Fatalf("keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
		}
		for _, k := range []string{"master.m3u8", "poster.jpg", "360p/index.m3u8", "360p/init.mp4", "360p/seg_00000.m4s", "240p/seg_00002.m4s"} {
			key := MediaKey("test-pattern-1", k)
			_, ct := getObject(t, st, key)
			if ct != ContentType(k) || ct == "" {
				t.Errorf("%s: content type %q, want %q", key, ct, ContentType(k))
			}
		}
	})

	t.Run("master", func(t *testing.T) {
		body, _ := getObject(t, st, "media/test-pattern-1/master.m3u8")
		pl, typ, err := m3u8.DecodeFrom(bytes.NewReader(body), true)
		if err != nil || typ != m3u8.MASTER {
			t.Fatalf("decode master: %v (type %v)\n%s", err, typ, body)
		}
		master := pl.(*m3u8.MasterPlaylist)
		if !master.IndependentSegments() {
			t.Error("master lacks #EXT-X-INDEPENDENT-SEGMENTS")
		}
		var normal []*m3u8.Variant
		for _, v := range master.Variants {
			if !v.Iframe {
				normal = append(normal, v)
			}
		}
		if len(normal) != 2 || len(master.Variants) != 4 {
			t.Fatalf("%d variants (%d in all), want 2 (+2 I-frame)", len(normal), len(master.Variants))
		}
		master.Variants = normal
		res := map[string]string{"360p/index.m3u8": "640x360", "240p/index.m3u8": "426x240"}
		for _, v := range master.Variants {
			if !IsRelativeMediaURI(v.URI) {
				t.Errorf("URI %q not relative", v.URI)
			}
			if res[v.URI] != v.Resolution {
				t.Errorf("%s: resolution %q, want %q", v.URI, v.Resolution, res[v.URI])
			}
			if v.Bandwidth == 0 || v.AverageBandwidth == 0 || v.AverageBandwidth > v.Bandwidth {
				t.Errorf("%s: bandwidth %d average %d", v.URI, v.Bandwidth, v.AverageBandwidth)
			}
			// ultrafast drops CABAC and B-frames, so x264 signals
			// Constrained Baseline (42c0xx) below the requested High.
			if len(v.Codecs) != len("avc1.42c01e,mp4a.40.2") || !strings.HasPrefix(v.Codecs, "avc1.") || !strings.HasSuffix(v.Codecs, ",mp4a.40.2") {
				t.Errorf("%s: codecs %q", v.URI, v.Codecs)
			}
			if v.FrameRate != 30 {
				t.Errorf("%s: frame rate %v", v.URI, v.FrameRate)
			}
			child, _ := getObject(t, st, "media/test-pattern-1/"+v.URI)
			mp, err := ParseMediaPlaylist(child)
			if err != nil || !mp.VOD || !mp.Ended || mp.MapURI != "init.mp4" || len(mp.Segments) != 3 {
				t.Errorf("%s: %v %+v", v.URI, err, mp)
			}
			if !bytes.Contains(child, []byte("#EXT-X-PLAYLIST-TYPE:VOD")) {
				t.Errorf("%s lacks playlist type", v.URI)
			}
		}
	})

	t.Run("ffprobe rendition", func(t *testing.T) {
		initB, _ := getObject(t, st, "media/test-pattern-1/240p/init.mp4")
		segB, _ := getObject(t, st, "media/test-pattern-1/240p/seg_00001.m4s")
		joined := filepath.Join(t.TempDir(), "joined.mp4")
		if err := os.WriteFile(joined, append(initB, segB...), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := runFFprobe(ctx, joined)
		if err != nil {
			t.Fatal(err)
		}
		var gotV, gotA bool
		for _, s := range out.Streams {
			switch s.CodecType {
			case "video":
				gotV = s.CodecName == "h264" && s.Width == 426 && s.Height == 240
				// CODECS (read from avcC) must agree with ffprobe's level.
				if want := fmt.Sprintf("%02x,", s.Level); !strings.Contains(enc.Renditions[1].Codecs, want) {
					t.Errorf("240p codecs %q disagree with ffprobe level %d", enc.Renditions[1].Codecs, s.Level)
				}
			case "audio":
				gotA = s.CodecName == "aac"
			}
		}
		if !gotV || !gotA {
			t.Fatalf("ffprobe streams: %+v", out.Streams)
		}
	})

	t.Run("database", func(t *testing.T) {
		r, ok := readTitle(t, db, "test-pattern")
		if !ok {
			t.Fatal("no title row")
		}
		if !r.publishedAt.Valid || !r.publishedAt.Time.Equal(fixedNow()) {
			t.Errorf("published_at = %v, want %v", r.publishedAt, fixedNow())
		}
		if r.assetID.String != "test-pattern-1" || r.year != 2024 || r.maturity != "PG-13" || r.runtimeS != 5 {
			t.Errorf("title row %+v", r)
		}
		rows, err := db.Query(`SELECT name, width, height, bandwidth, codecs FROM renditions WHERE asset_id = ? ORDER BY height`, "test-pattern-1")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var name, codecs string
			var w, h, bw int
			if err := rows.Scan(&name, &w, &h, &bw, &codecs); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %dx%d", name, w, h))
			if bw <= 0 || !strings.HasPrefix(codecs, "avc1.") {
				t.Errorf("rendition %s: bandwidth %d codecs %q", name, bw, codecs)
			}
		}
		if strings.Join(got, ";") != "240p 426x240;360p 640x360" {
			t.Errorf("renditions %v", got)
		}
		if n := countRows(t, db, `SELECT duration_ms FROM assets WHERE id = ?`, "test-pattern-1"); n != int(enc.DurationMS) {
			t.Errorf("asset duration %d, want %d", n, enc.DurationMS)
		}
	})

	t.Run("rerun is idempotent", func(t *testing.T) {
		later := func() time.Time { return fixedNow().Add(time.Hour) }
		stats, err := Publish(ctx, PublishConfig{DB: db, Media: st, AssetID: "test-pattern-1", Dir: cfg.WorkDir,
			Encoded: enc, Title: Title{ID: "test-pattern", Name: "Test Pattern", Year: 2024, Maturity: "PG-13"}, Now: later})
		if err != nil {
			t.Fatal(err)
		}
		if stats.Uploaded != 0 || stats.Skipped != len(enc.Files()) {
			t.Errorf("rerun stats %+v, want all %d skipped", stats, len(enc.Files()))
		}
		// A whole second ingest (fresh encode) of the same title.
		cfg2 := cfg
		cfg2.WorkDir = ""
		cfg2.Now = later
		cfg2.Progress = nil
		if _, err := Ingest(ctx, cfg2); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM titles`); n != 1 {
			t.Errorf("%d titles after rerun", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM renditions WHERE asset_id = ?`, "test-pattern-1"); n != 2 {
			t.Errorf("%d renditions after rerun", n)
		}
		r, _ := readTitle(t, db, "test-pattern")
		if !r.publishedAt.Time.Equal(fixedNow()) {
			t.Errorf("published_at moved to %v on rerun", r.publishedAt.Time)
		}
		if keys := listKeys(t, st, "media/test-pattern-1/"); len(keys) != len(enc.Files()) {
			t.Errorf("%d objects after rerun, want %d", len(keys), len(enc.Files()))
		}
	})
}

func TestIngestRejectsBadSources(t *testing.T) {
	fx := fixtures(t)
	ctx := context.Background()
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	tests := []struct {
		name string
		path string
		want error
	}{
		{"missing file", filepath.Join(fx.dir, "nope.mp4"), ErrSourceNotFound},
		{"directory", fx.dir, ErrSourceNotFile},
		{"zero length", fx.empty, ErrSourceEmpty},
		{"text file", fx.text, ErrNotMedia},
		{"audio only", fx.audioOnly, ErrNoVideo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := Slug(tt.name)
			_, err := Ingest(ctx, Config{DB: db, Media: st, Source: Source{Path: tt.path},
				Title: Title{ID: id, Name: tt.name}, Now: fixedNow, Preset: "ultrafast"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if _, ok := readTitle(t, db, id); ok {
				t.Fatal("a title row was written")
			}
			if keys := listKeys(t, st, "media/"+id+"/"); len(keys) != 0 {
				t.Fatalf("objects written: %v", keys)
			}
		})
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM titles WHERE published_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d published titles", n)
	}
}

// cancelAfter cancels a context once a progress line contains marker.
type cancelAfter struct {
	mu     sync.Mutex // guards seen
	seen   bool
	marker string
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.seen && bytes.Contains(p, []byte(c.marker)) {
		c.seen = true
		c.cancel()
	}
	return len(p), nil
}

func TestPublishInterruptedThenResumed(t *testing.T) {
	fx := fixtures(t)
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	dir := filepath.Join(t.TempDir(), "enc")
	enc, err := Encode(context.Background(), EncodeConfig{Source: Source{Path: fx.video}, OutDir: dir, Ladder: testLadder, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	title := Title{ID: "interrupted", Name: "Interrupted"}
	tests := []struct {
		name   string
		marker string
	}{
		{"cancelled as upload starts", "uploading"},
		{"cancelled part way", "ingest: uploaded "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := Publish(ctx, PublishConfig{DB: db, Media: st, AssetID: "interrupted", Dir: dir, Encoded: enc,
				Title: title, Now: fixedNow, Concurrency: 1, Progress: &cancelAfter{marker: tt.marker, cancel: cancel}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if ok, _ := Published(context.Background(), db, "interrupted", "interrupted"); ok {
				t.Fatal("title published after an interrupted upload")
			}
			if _, ok := readTitle(t, db, "interrupted"); ok {
				t.Fatal("title row written after an interrupted upload")
			}
			if keys := listKeys(t, st, "media/interrupted/"); len(keys) >= len(enc.Files()) {
				t.Fatalf("upload was not interrupted: %d objects", len(keys))
			}
			for _, k := range listKeys(t, st, "media/interrupted/") {
				if strings.HasSuffix(k, "master.m3u8") {
					t.Fatal("master playlist uploaded before the rest")
				}
			}
		})
	}
	stats, err := Publish(context.Background(), PublishConfig{DB: db, Media: st, AssetID: "interrupted", Dir: dir,
		Encoded: enc, Title: title, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Skipped < 3 || stats.Uploaded+stats.Skipped != len(enc.Files()) {
		t.Errorf("resume stats %+v", stats)
	}
	if ok, err := Published(context.Background(), db, "interrupted", "interrupted"); !ok || err != nil {
		t.Fatalf("not published after resume: %v", err)
	}
	// The cached encode loads back to the same facts.
	again, err := LoadEncoded(dir)
	if err != nil || len(again.Renditions) != 2 || again.DurationMS != enc.DurationMS {
		t.Fatalf("LoadEncoded: %v %+v", err, again)
	}
}

func TestEncodeRejects(t *testing.T) {
	fx := fixtures(t)
	tests := []struct {
		name string
		cfg  EncodeConfig
	}{
		{"no out dir", EncodeConfig{Source: Source{Path: fx.video}}},
		{"bad rendition name", EncodeConfig{Source: Source{Path: fx.video}, OutDir: "x", Ladder: []RenditionSpec{{Name: "../x", Height: 240, VideoBitrate: 1, AudioBitrate: 1}}}},
		{"odd height", EncodeConfig{Source: Source{Path: fx.video}, OutDir: "x", Ladder: []RenditionSpec{{Name: "a", Height: 241, VideoBitrate: 1, AudioBitrate: 1}}}},
		{"duplicate", EncodeConfig{Source: Source{Path: fx.video}, OutDir: "x", Ladder: []RenditionSpec{testLadder[0], testLadder[0]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.OutDir != "" {
				tt.cfg.OutDir = filepath.Join(t.TempDir(), tt.cfg.OutDir)
			}
			if _, err := Encode(context.Background(), tt.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}
