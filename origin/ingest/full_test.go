package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Eyevinn/hls-m3u8/m3u8"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/objstore"
)

// tinyLadder keeps the multi-codec encode fast.
var tinyLadder = []RenditionSpec{{Name: "180p", Height: 180, VideoBitrate: 300_000, AudioBitrate: 64_000}}

const testVTT = "WEBVTT\n\nNOTE a comment\n\n1\n00:00:00.500 --> 00:00:02.000 align:center\nHello <b>there</b>.\n\n00:02.000 --> 00:04.000\nSecond cue\n"

// decodeMaster parses a master playlist with the Eyevinn parser, turning
// its panics into test failures.
func decodeMaster(t *testing.T, body []byte) (master *m3u8.MasterPlaylist) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("m3u8 parser panicked: %v\n%s", r, body)
		}
	}()
	pl, typ, err := m3u8.DecodeFrom(bytes.NewReader(body), true)
	if err != nil || typ != m3u8.MASTER {
		t.Fatalf("decode master: %v (type %v)\n%s", err, typ, body)
	}
	return pl.(*m3u8.MasterPlaylist)
}

// ffprobeBytes probes data (an init segment joined with media bytes).
func ffprobeBytes(t *testing.T, data []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("ffprobe", append([]string{"-v", "error"}, append(args, "-i", "pipe:0")...)...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	return string(out)
}

// getRange reads bytes [off, off+n) of an object.
func getRange(t *testing.T, st *objstore.Store, key string, off, n int64) []byte {
	t.Helper()
	out, err := st.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(st.Bucket), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1))})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(out.Body); err != nil {
		t.Fatal(err)
	}
	if int64(b.Len()) != n {
		t.Fatalf("range of %s: %d bytes, want %d", key, b.Len(), n)
	}
	return b.Bytes()
}

func TestIngestCodecsTracksTrickPlay(t *testing.T) {
	fx := fixtures(t)
	ctx := context.Background()
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	rdb, prefix := testenv.Redis(t)
	vtt := filepath.Join(t.TempDir(), "en.vtt")
	if err := os.WriteFile(vtt, []byte(testVTT), 0o644); err != nil {
		t.Fatal(err)
	}
	var progress testenv.Buffer
	enc, err := Ingest(ctx, Config{
		DB: db, Media: st, Source: Source{Path: fx.video},
		Title:  Title{ID: "full", Name: "Full House", Maturity: "G", Genres: []string{"Sci-Fi", "Kids & Family"}, Cast: []string{"Ada", "Grace"}},
		Ladder: tinyLadder, Preset: "ultrafast", Now: fixedNow, Progress: &progress,
		Codecs: []string{"hevc", "av1"}, Audio: []AudioInput{{Lang: "es", Path: fx.audioOnly}},
		Subtitles: []SubtitleInput{{Lang: "en", Path: vtt}}, Redis: rdb, RedisPrefix: prefix,
	})
	if err != nil {
		t.Fatalf("Ingest: %v\n%s", err, progress.String())
	}
	const asset = "media/full/"
	body, _ := getObject(t, st, asset+"master.m3u8")
	master := decodeMaster(t, body)

	t.Run("variants", func(t *testing.T) {
		want := map[string]string{"180p/index.m3u8": "avc1.", "180p-hevc/index.m3u8": "hvc1.", "180p-av1/index.m3u8": "av01."}
		var normal, iframes int
		for _, v := range master.Variants {
			if v.Iframe {
				iframes++
				continue
			}
			normal++
			if !strings.HasPrefix(v.Codecs, want[v.URI]) || !strings.HasSuffix(v.Codecs, ",mp4a.40.2") {
				t.Errorf("%s: codecs %q", v.URI, v.Codecs)
			}
			if v.Audio != AudioGroup || v.Subtitles != SubtitleGroup || v.VideoRange != "SDR" || v.FrameRate != 30 ||
				v.AverageBandwidth == 0 || v.AverageBandwidth > v.Bandwidth || v.Resolution != "320x180" {
				t.Errorf("%s: %+v", v.URI, v.VariantParams)
			}
		}
		if normal != 3 || iframes != 3 {
			t.Fatalf("%d variants, %d I-frame variants; want 3 and 3\n%s", normal, iframes, body)
		}
		var audio, subs int
		for _, a := range master.Variants[0].Alternatives {
			switch a.Type {
			case "AUDIO":
				audio++
				if a.GroupId != AudioGroup || (a.Language == "en") != a.Default {
					t.Errorf("audio %+v", a)
				}
			case "SUBTITLES":
				subs++
				if a.GroupId != SubtitleGroup || a.Language != "en" || a.URI != "subs/en/index.m3u8" {
					t.Errorf("subtitles %+v", a)
				}
			}
		}
		if audio != 2 || subs != 1 {
			t.Fatalf("%d audio, %d subtitle renditions", audio, subs)
		}
	})

	t.Run("codec strings match ffprobe", func(t *testing.T) {
		for _, r := range enc.Renditions {
			initB, _ := getObject(t, st, asset+r.Name+"/init.mp4")
			seg, _ := getObject(t, st, asset+r.Name+"/seg_00000.m4s")
			out := ffprobeBytes(t, append(initB, seg...), "-show_entries", "stream=codec_type,codec_name,codec_tag_string,profile,level", "-of", "compact=nk=0")
			if strings.Contains(out, "codec_type=audio") {
				t.Errorf("%s: demuxed title has audio in its video rendition: %s", r.Name, out)
			}
			var want string
			switch r.Codec {
			case CodecH264:
				var level int
				fmt.Sscanf(out[strings.Index(out, "level=")+6:], "%d", &level)
				want = fmt.Sprintf("avc1.42c0%02x", level)
				if !strings.Contains(out, "codec_name=h264") {
					t.Errorf("h264: %s", out)
				}
			case CodecHEVC:
				var level int
				fmt.Sscanf(out[strings.Index(out, "level=")+6:], "%d", &level)
				want = fmt.Sprintf("hvc1.1.6.L%d.90", level)
				if !strings.Contains(out, "codec_tag_string=hvc1") || !strings.Contains(out, "profile=Main") {
					t.Errorf("hevc: %s", out)
				}
			case CodecAV1:
				var level int
				fmt.Sscanf(out[strings.Index(out, "level=")+6:], "%d", &level)
				want = fmt.Sprintf("av01.0.%02dM.08", level)
				if !strings.Contains(out, "codec_name=av1") || !strings.Contains(out, "profile=Main") {
					t.Errorf("av1: %s", out)
				}
			}
			if r.VideoCodecs != want || r.Codecs != want+",mp4a.40.2" {
				t.Errorf("%s: codecs %q / %q, ffprobe says %q (%s)", r.Name, r.VideoCodecs, r.Codecs, want, out)
			}
		}
	})

	t.Run("iframe byte ranges are keyframes", func(t *testing.T) {
		for _, r := range enc.Renditions {
			pl, _ := getObject(t, st, asset+r.Name+"/iframes.m3u8")
			if !bytes.Contains(pl, []byte("#EXT-X-I-FRAMES-ONLY")) {
				t.Fatalf("%s: not an I-frame playlist", r.Name)
			}
			initB, _ := getObject(t, st, asset+r.Name+"/init.mp4")
			ranges := 0
			var length, offset int64
			for _, line := range strings.Split(string(pl), "\n") {
				if v, ok := strings.CutPrefix(line, "#EXT-X-BYTERANGE:"); ok {
					if _, err := fmt.Sscanf(v, "%d@%d", &length, &offset); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if !strings.HasSuffix(line, ".m4s") {
					continue
				}
				ranges++
				data := getRange(t, st, asset+r.Name+"/"+line, offset, length)
				out := ffprobeBytes(t, append(append([]byte{}, initB...), data...), "-select_streams", "v:0",
					"-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0")
				first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
				if !strings.HasPrefix(first, "1,I") {
					t.Errorf("%s %s bytes %d@%d: first frame %q", r.Name, line, length, offset, first)
				}
				full, _ := getObject(t, st, asset+r.Name+"/"+line)
				if length >= int64(len(full)) {
					t.Errorf("%s %s: range covers the whole segment", r.Name, line)
				}
			}
			if ranges != len(r.Segments) {
				t.Errorf("%s: %d I-frames for %d segments", r.Name, ranges, len(r.Segments))
			}
		}
	})

	t.Run("audio and subtitle renditions", func(t *testing.T) {
		for _, lang := range []string{"en", "es"} {
			initB, _ := getObject(t, st, asset+"audio/"+lang+"/init.mp4")
			seg, _ := getObject(t, st, asset+"audio/"+lang+"/seg_00000.m4s")
			out := ffprobeBytes(t, append(initB, seg...), "-show_entries", "stream=codec_type,codec_name,profile", "-of", "csv=p=0")
			if strings.TrimSpace(out) != "aac,LC,audio" && strings.TrimSpace(out) != "aac,audio,LC" {
				t.Errorf("audio %s: %q", lang, out)
			}
		}
		vttB, ct := getObject(t, st, asset+"subs/en/subs.vtt")
		if ct != "text/vtt; charset=utf-8" || !bytes.Equal(vttB, []byte(testVTT)) {
			t.Errorf("subs.vtt: %q %q", ct, vttB)
		}
		plB, _ := getObject(t, st, asset+"subs/en/index.m3u8")
		if mp, err := ParseMediaPlaylist(plB); err != nil || len(mp.Segments) != 1 || mp.Segments[0].URI != "subs.vtt" {
			t.Errorf("subtitle playlist: %v %s", err, plB)
		}
	})

	t.Run("sprite and artwork", func(t *testing.T) {
		thumbs, _ := getObject(t, st, asset+"thumbnails.vtt")
		cues, err := ParseWebVTT(thumbs)
		if err != nil || len(cues) != 3 {
			t.Fatalf("thumbnails.vtt: %v, %d cues\n%s", err, len(cues), thumbs)
		}
		if !bytes.Contains(thumbs, []byte("sprite.jpg#xywh=320,0,160,90")) {
			t.Errorf("thumbnails.vtt:\n%s", thumbs)
		}
		for name, size := range map[string]string{"sprite.jpg": "480x90", "poster.jpg": "640x360", "backdrop.jpg": "1280x720"} {
			img, ct := getObject(t, st, asset+name)
			out := ffprobeBytes(t, img, "-show_entries", "stream=width,height", "-of", "csv=s=x:p=0")
			if ct != "image/jpeg" || strings.TrimSpace(out) != size {
				t.Errorf("%s: %s %q, want %s", name, ct, out, size)
			}
		}
	})

	t.Run("database", func(t *testing.T) {
		var kind, cast, poster string
		var level int
		if err := db.QueryRow(`SELECT kind, maturity_level, cast_names, poster_path FROM titles WHERE id = 'full' AND published_at IS NOT NULL`).
			Scan(&kind, &level, &cast, &poster); err != nil {
			t.Fatal(err)
		}
		if kind != "movie" || level != 0 || cast != "Ada, Grace" || poster != "full/poster.jpg" {
			t.Errorf("title: %s %d %q %q", kind, level, cast, poster)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM renditions WHERE asset_id = 'full' AND average_bandwidth > 0 AND frame_rate = 30 AND video_range = 'SDR'`); n != 3 {
			t.Errorf("%d renditions", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM tracks WHERE asset_id = 'full' AND ((kind = 'audio' AND codecs = 'mp4a.40.2') OR (kind = 'subtitles' AND lang = 'en'))`); n != 3 {
			t.Errorf("%d tracks", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM title_genres tg JOIN genres g ON g.id = tg.genre_id WHERE tg.title_id = 'full' AND g.slug IN ('sci-fi', 'kids-family')`); n != 2 {
			t.Errorf("%d genres", n)
		}
		if v, err := rdb.Get(ctx, prefix+CatalogGenerationKey).Int(); err != nil || v != 1 {
			t.Errorf("catalog generation %d, %v", v, err)
		}
	})
}

func TestIngestSeries(t *testing.T) {
	fx := fixtures(t)
	ctx := context.Background()
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	dir := filepath.Join(t.TempDir(), "enc")
	enc, err := Encode(ctx, EncodeConfig{Source: Source{Path: fx.video}, OutDir: dir, Ladder: tinyLadder, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	if enc.Demuxed() || !strings.HasSuffix(enc.Renditions[0].Codecs, ",mp4a.40.2") {
		t.Fatalf("a title without alternate audio must stay muxed: %+v", enc.Renditions[0])
	}
	eps := []struct {
		season, episode int
		maturity        string
	}{{1, 1, "PG"}, {1, 2, "PG"}, {2, 1, "PG-13"}}
	for _, ep := range eps {
		t.Run(fmt.Sprintf("s%de%d", ep.season, ep.episode), func(t *testing.T) {
			title := Title{Name: fmt.Sprintf("Episode %d", ep.episode), Maturity: ep.maturity, Genres: []string{"Drama"},
				Series: &SeriesRef{Name: "The Loop", Synopsis: "Again.", Season: ep.season, Episode: ep.episode}}
			id := EpisodeID("the-loop", ep.season, ep.episode)
			if _, err := Publish(ctx, PublishConfig{DB: db, Media: st, AssetID: id, Dir: dir, Encoded: enc, Title: title, Now: fixedNow}); err != nil {
				t.Fatal(err)
			}
			if ok, err := Published(ctx, db, id, id); !ok || err != nil {
				t.Fatalf("episode not published: %v", err)
			}
		})
	}
	var kind, maturity string
	var level, runtime int
	if err := db.QueryRow(`SELECT kind, maturity, maturity_level, runtime_s FROM titles WHERE id = 'the-loop' AND asset_id IS NULL AND published_at IS NOT NULL`).
		Scan(&kind, &maturity, &level, &runtime); err != nil {
		t.Fatal(err)
	}
	if kind != "series" || maturity != "PG-13" || level != 2 || runtime != 15 {
		t.Errorf("series row: %s %s %d %d", kind, maturity, level, runtime)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM seasons WHERE title_id = 'the-loop'`); n != 2 {
		t.Errorf("%d seasons", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM episodes WHERE title_id = 'the-loop' AND asset_id = id`); n != 3 {
		t.Errorf("%d episodes", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM title_genres WHERE title_id = 'the-loop'`); n != 1 {
		t.Errorf("%d series genres", n)
	}
}

// corruptCodec rewrites the avc1 sample entry of an MP4 so no decoder
// knows its codec.
func corruptCodec(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("avcC")) {
		t.Fatal("no avc1 sample entry")
	}
	b = bytes.ReplaceAll(b, []byte("avc1"), []byte("zzzz"))
	b = bytes.ReplaceAll(b, []byte("avcC"), []byte("zzzC"))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestIngestRejectsBadTracks(t *testing.T) {
	fx := fixtures(t)
	ctx := context.Background()
	db, _ := testenv.MySQL(t)
	st := testenv.S3(t)
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.vtt")
	if err := os.WriteFile(bad, []byte("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nbackwards\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(tmp, "unknown.mp4")
	corruptCodec(t, fx.video, unknown)
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"missing subtitle file", Config{Subtitles: []SubtitleInput{{Lang: "en", Path: filepath.Join(tmp, "nope.vtt")}}}, ErrBadSubtitles},
		{"malformed vtt", Config{Subtitles: []SubtitleInput{{Lang: "en", Path: bad}}}, ErrBadSubtitles},
		{"not vtt at all", Config{Subtitles: []SubtitleInput{{Lang: "en", Path: fx.text}}}, ErrBadSubtitles},
		{"bad subtitle language", Config{Subtitles: []SubtitleInput{{Lang: "../x", Path: bad}}}, ErrBadSubtitles},
		{"unknown codec entry", Config{Codecs: []string{"vp9"}}, ErrUnsupportedCodec},
		{"missing audio file", Config{Audio: []AudioInput{{Lang: "es", Path: filepath.Join(tmp, "nope.m4a")}}}, ErrBadAudio},
		{"audio file without audio", Config{Audio: []AudioInput{{Lang: "es", Path: fx.text}}}, ErrBadAudio},
		{"audio language twice", Config{Audio: []AudioInput{{Lang: "en", Path: fx.audioOnly}}}, ErrBadAudio},
		{"unsupported source codec", Config{Source: Source{Path: unknown}}, ErrUnsupportedCodec},
		{"bad maturity", Config{Title: Title{ID: "bad-maturity", Name: "x", Maturity: "TV-MA"}}, ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.DB, cfg.Media, cfg.Now, cfg.Preset, cfg.Ladder = db, st, fixedNow, "ultrafast", tinyLadder
			if cfg.Source.Path == "" {
				cfg.Source.Path = fx.video
			}
			if cfg.Title.ID == "" {
				cfg.Title = Title{ID: Slug(tt.name), Name: tt.name}
			}
			_, err := Ingest(ctx, cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if keys := listKeys(t, st, "media/"+cfg.Title.ID+"/"); len(keys) != 0 {
				t.Fatalf("objects written: %v", keys)
			}
		})
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM titles`); n != 0 {
		t.Fatalf("%d title rows", n)
	}
}
