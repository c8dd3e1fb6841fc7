package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/ingest"
	"github.com/edgeflix/edgeflix/origin/maturity"
)

var smallLadder = []ingest.RenditionSpec{
	{Name: "360p", Height: 360, VideoBitrate: 700_000, AudioBitrate: 96_000},
	{Name: "240p", Height: 240, VideoBitrate: 400_000, AudioBitrate: 64_000},
}

func TestEnsure(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	now := func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	cfg := Config{CacheDir: cache, DB: db, Media: st, Count: 1, DurationS: 4, Preset: "ultrafast", Ladder: smallLadder, Now: now}

	steps := []struct {
		name     string
		fresh    bool // new database and bucket, same cache
		want     Report
		progress string
	}{
		{"first run encodes", false, Report{Encoded: 1, Published: 1}, "demo: encoding 1/1"},
		{"second run is a no-op", false, Report{Ready: 1}, "1 titles ready (1 already"},
		{"new deployment reuses the cache", true, Report{FromCache: 1, Published: 1}, "demo: using cached encode"},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if step.fresh {
				cfg.DB, _ = testenv.MySQL(t)
				cfg.Media = testenv.S3(t)
			}
			var progress bytes.Buffer
			cfg.Progress = &progress
			start := time.Now()
			rep, err := EnsureReport(ctx, cfg)
			if err != nil {
				t.Fatalf("Ensure: %v\n%s", err, progress.String())
			}
			if rep != step.want {
				t.Fatalf("report %+v, want %+v\n%s", rep, step.want, progress.String())
			}
			if !strings.Contains(progress.String(), step.progress) {
				t.Fatalf("progress lacks %q:\n%s", step.progress, progress.String())
			}
			if step.want.Encoded == 0 && time.Since(start) > 5*time.Second {
				t.Errorf("took %v without encoding", time.Since(start))
			}
			e := Catalog[0]
			ok, err := ingest.Published(ctx, cfg.DB, e.ID, e.ID)
			if err != nil || !ok {
				t.Fatalf("%s not published: %v", e.ID, err)
			}
			var name string
			var runtime int
			if err := cfg.DB.QueryRow(`SELECT name, runtime_s FROM titles WHERE id = ?`, e.ID).Scan(&name, &runtime); err != nil {
				t.Fatal(err)
			}
			if name != e.Name || runtime != 4 {
				t.Fatalf("title %q runtime %d", name, runtime)
			}
		})
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), Catalog[0].ID+"-") {
		t.Fatalf("cache holds %v, want one encode and no temporary folders", entries)
	}
}

func TestCatalogIsValid(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalog {
		t.Run(e.ID, func(t *testing.T) {
			if !ingest.ValidID(e.ID) || seen[e.ID] {
				t.Fatalf("bad or duplicate id %q", e.ID)
			}
			seen[e.ID] = true
			if e.Name == "" || e.Synopsis == "" || e.Year == 0 || e.Maturity == "" || len(e.Genres) == 0 {
				t.Fatalf("incomplete entry %+v", e)
			}
			if !strings.Contains(e.Video, "{d}") || !strings.Contains(e.Audio, "{d}") {
				t.Fatalf("graphs must take the duration: %q %q", e.Video, e.Audio)
			}
		})
	}
	titles, seasons, rich := 0, map[int]int{}, false
	for _, e := range Catalog {
		if _, ok := maturity.Level(e.Maturity); !ok {
			t.Errorf("%s: maturity %q not a contract label", e.ID, e.Maturity)
		}
		if e.Series == nil {
			titles++
		} else {
			seasons[e.Series.Season]++
		}
		rich = rich || (len(e.Codecs) == 2 && len(e.AltAudio) > 0 && len(e.Subtitles) > 0)
	}
	first := Catalog[0]
	if first.ID != "demo-signal-lost" || first.Codecs != nil || first.AltAudio != nil || first.Subtitles != nil || first.Series != nil {
		t.Errorf("the first entry must stay a simple muxed H.264 title: %+v", first)
	}
	if titles < 10 || len(seasons) != 2 || seasons[1] < 2 || seasons[2] < 2 || !rich {
		t.Fatalf("catalog: %d titles, seasons %v, rich entry %v", titles, seasons, rich)
	}
}

// TestFullCatalog builds the whole demo catalog, as make run does on a
// fresh machine; it is slow, so it runs only with EDGEFLIX_DEMO_FULL=1.
func TestFullCatalog(t *testing.T) {
	if os.Getenv("EDGEFLIX_DEMO_FULL") == "" {
		t.Skip("set EDGEFLIX_DEMO_FULL=1 to build the whole demo catalog")
	}
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	var progress bytes.Buffer
	start := time.Now()
	rep, err := EnsureReport(context.Background(), Config{CacheDir: t.TempDir(), DB: db, Media: st, Progress: &progress})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	t.Logf("built %d entries in %s\n%s", rep.Encoded, time.Since(start), progress.String())
	if rep.Encoded != len(Catalog) {
		t.Fatalf("report %+v", rep)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM titles WHERE published_at IS NOT NULL`).Scan(&n); err != nil || n != len(Catalog)-3 {
		t.Fatalf("%d published titles, %v", n, err)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, env, wd, want string
	}{
		{"env wins", "/somewhere/else", deep, "/somewhere/else"},
		{"walks up to go.mod", "", deep, filepath.Join(root, ".cache", "media")},
		{"at the root", "", root, filepath.Join(root, ".cache", "media")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("EDGEFLIX_CACHE_DIR", tt.env)
			t.Chdir(tt.wd)
			if got := DefaultCacheDir(); got != tt.want {
				t.Fatalf("DefaultCacheDir() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRecipeHash checks that every part of a recipe, the version included,
// changes the cache folder, so a changed recipe never reuses an old encode.
func TestRecipeHash(t *testing.T) {
	base := recipe{Version: recipeVersion, Video: "testsrc2", Audio: "sine", Ladder: smallLadder, Preset: "ultrafast", Segment: 2, Poster: "P", DurationS: 4}
	tests := []struct {
		name   string
		change func(*recipe)
	}{
		{"earlier version", func(r *recipe) { r.Version-- }},
		{"video", func(r *recipe) { r.Video = "testsrc" }},
		{"audio", func(r *recipe) { r.Audio = "sine=frequency=1" }},
		{"alt audio", func(r *recipe) { r.AltAudio = []ingest.AudioInput{{Lang: "es", Lavfi: "sine"}} }},
		{"subtitles", func(r *recipe) { r.Subtitles = map[string]string{"en": "WEBVTT\n"} }},
		{"codecs", func(r *recipe) { r.Codecs = []string{ingest.CodecHEVC} }},
		{"ladder", func(r *recipe) { r.Ladder = smallLadder[:1] }},
		{"preset", func(r *recipe) { r.Preset = "veryfast" }},
		{"segment", func(r *recipe) { r.Segment = 4 }},
		{"poster", func(r *recipe) { r.Poster = "Q" }},
		{"duration", func(r *recipe) { r.DurationS = 5 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.change(&r)
			if r.hash() == base.hash() {
				t.Fatalf("%s does not change the recipe hash", tt.name)
			}
		})
	}
	if h1, h2 := base.hash(), base.hash(); h1 != h2 || len(h1) != 24 {
		t.Fatalf("hashes %q and %q: want one stable 24-digit key", h1, h2)
	}
}
