package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEncodeKeepsAudioInStep encodes generated (lavfi) sources the way the
// demo catalog does and checks, for every rendition that carries audio,
// that each segment holds the audio of its own time range, and that the
// master's BANDWIDTH attributes match the segment files.
//
// 14 s matters: ffmpeg emits the thumbnail sprite only at the end of the
// input (7 thumbnails, one tile row), and while the sprite has no frame
// ffmpeg 5.1 reads only the input feeding it; if the audio is a separate
// input it starves, and once video runs more than the muxer's 10 s
// interleaving window ahead, the first seconds of audio are written late,
// into a later segment.
func TestEncodeKeepsAudioInStep(t *testing.T) {
	const d = "14"
	src := Source{
		LavfiVideo: "testsrc2=size=640x360:rate=30:duration=" + d,
		LavfiAudio: "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=" + d,
	}
	tests := []struct {
		name  string
		audio []AudioInput
	}{
		{"muxed", nil},
		{"demuxed", []AudioInput{{Lang: "es", Lavfi: "sine=frequency=587:sample_rate=48000:duration=" + d}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			enc, err := Encode(context.Background(), EncodeConfig{Source: src, OutDir: out, Ladder: testLadder,
				Audio: tt.audio, Preset: "ultrafast"})
			if err != nil {
				t.Fatal(err)
			}
			if enc.DurationMS != 14000 {
				t.Fatalf("duration %d ms, want 14000", enc.DurationMS)
			}
			type withAudio struct {
				dir      string
				segments []string
				bitrate  int
			}
			var checks []withAudio
			if enc.Demuxed() {
				for _, a := range enc.Audio {
					checks = append(checks, withAudio{a.Dir, a.Segments, 128_000})
				}
			} else {
				for i, r := range enc.Renditions {
					checks = append(checks, withAudio{r.Name, r.Segments, testLadder[i].AudioBitrate})
				}
			}
			if len(checks) != 2 {
				t.Fatalf("%d renditions with audio, want 2", len(checks))
			}
			for _, c := range checks {
				dir := filepath.Join(out, filepath.FromSlash(c.dir))
				_, _, sizes, err := measureSegments(dir, c.dir)
				if err != nil {
					t.Fatal(err)
				}
				durations := make([]float64, len(sizes))
				for i, s := range sizes {
					durations[i] = s.Duration
				}
				timeline, err := readSegmentAudio(dir, c.segments, durations)
				if err != nil {
					t.Fatal(err)
				}
				samples := 0
				for i, s := range timeline {
					samples += s.Samples
					// ultrafast has no B-frames, so one AAC frame (the
					// encoder's priming delay) is all the slack there is.
					if s.Samples == 0 || s.First < s.Start-s.Frame || s.Last > s.End+s.Frame {
						t.Errorf("%s %s covers %.3f–%.3f s but its %d audio samples decode at %.3f–%.3f s",
							c.dir, c.segments[i], s.Start, s.End, s.Samples, s.First, s.Last)
						continue
					}
					if rate := float64(s.Bytes) * 8 / (s.End - s.Start); rate > 1.5*float64(c.bitrate) {
						t.Errorf("%s %s carries %.0f bit/s of audio, encoded at %d", c.dir, c.segments[i], rate, c.bitrate)
					}
				}
				if want := ffprobeAudioPackets(t, dir, c.segments); samples != want {
					t.Errorf("%s: parsed %d audio samples, ffprobe counts %d", c.dir, samples, want)
				}
			}
			checkMasterBandwidth(t, out, enc)
			// Encode's own check rejects audio written into a later
			// segment: put segment 1's bytes in segment 0's place.
			c := checks[0]
			dir := filepath.Join(out, filepath.FromSlash(c.dir))
			seg1, err := os.ReadFile(filepath.Join(dir, c.segments[1]))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, c.segments[0]), seg1, 0o644); err != nil {
				t.Fatal(err)
			}
			durations := make([]float64, len(c.segments))
			for i := range durations {
				durations[i] = 2
			}
			if err := checkAudioInStep(dir, c.dir, c.segments, durations); !errors.Is(err, ErrAudioOutOfStep) {
				t.Fatalf("checkAudioInStep with segment 1 in segment 0's place: %v, want ErrAudioOutOfStep", err)
			}
		})
	}
}

// ffprobeAudioPackets counts the audio packets ffprobe reads from a
// rendition's init segment and media segments joined, as a player
// appends them.
func ffprobeAudioPackets(t *testing.T, dir string, segments []string) int {
	t.Helper()
	var data []byte
	for _, f := range append([]string{"init.mp4"}, segments...) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	out := ffprobeBytes(t, data, "-select_streams", "a:0", "-show_entries", "packet=size", "-of", "csv=p=0")
	return len(strings.Fields(out))
}

// checkMasterBandwidth checks that every variant's BANDWIDTH and
// AVERAGE-BANDWIDTH equal the bit rates measured from its segment files
// (plus the largest audio rendition's, when demuxed), and that the peak
// stays within 1.5x the average for this evenly complex test pattern.
func checkMasterBandwidth(t *testing.T, out string, enc *Encoded) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(out, "master.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	master := decodeMaster(t, body)
	var audio Bandwidth
	for _, a := range enc.Audio {
		_, bw, _, err := measureSegments(filepath.Join(out, filepath.FromSlash(a.Dir)), a.Dir)
		if err != nil {
			t.Fatal(err)
		}
		audio.Peak, audio.Average = max(audio.Peak, bw.Peak), max(audio.Average, bw.Average)
	}
	seen := 0
	for _, v := range master.Variants {
		if v.Iframe {
			continue
		}
		name, _, _ := strings.Cut(v.URI, "/")
		_, bw, _, err := measureSegments(filepath.Join(out, name), name)
		if err != nil {
			t.Fatal(err)
		}
		peak, avg := bw.Peak+audio.Peak, bw.Average+audio.Average
		if int64(v.Bandwidth) != peak || int64(v.AverageBandwidth) != avg {
			t.Errorf("%s: BANDWIDTH %d AVERAGE-BANDWIDTH %d, segments measure %d and %d",
				name, v.Bandwidth, v.AverageBandwidth, peak, avg)
		}
		if float64(peak) > 1.5*float64(avg) {
			t.Errorf("%s: peak %d bit/s is over 1.5x the average %d", name, peak, avg)
		}
		seen++
	}
	if seen != len(enc.Renditions) {
		t.Fatalf("master lists %d variants, want %d", seen, len(enc.Renditions))
	}
}
