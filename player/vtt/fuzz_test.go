package vtt

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func seed(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.vtt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("WEBVTT\n\n00:00.000 --> 00:05.000\na.jpg#xywh=pixel:1,2,3,4\n"))
	f.Add([]byte("\uFEFFWEBVTT\rX-TIMESTAMP-MAP=MPEGTS:1,LOCAL:00:00.000\r\rNOTE\r00:01.000 --> 00:02.000\rx"))
}

// FuzzParse checks that Parse never panics, that every cue it returns is
// valid, and that formatting the cues and parsing them again gives them
// back.
func FuzzParse(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		for _, c := range file.Cues {
			if !(c.Start >= 0 && c.End > c.Start) || math.IsInf(c.End, 0) {
				t.Fatalf("invalid cue %+v", c)
			}
		}
		for _, c := range file.Cues {
			if isBlockKeyword(c.ID) || strings.TrimSpace(c.ID) != c.ID {
				return // such identifiers cannot be written back as identifiers
			}
		}
		again, err := Parse(Format(file.Cues))
		if err != nil {
			t.Fatalf("formatted cues do not parse: %v", err)
		}
		if len(again.Cues) != len(file.Cues) || (len(file.Cues) > 0 && !reflect.DeepEqual(again.Cues, file.Cues)) {
			t.Fatalf("round trip:\n%+v\n%+v", file.Cues, again.Cues)
		}
	})
}

// FuzzParseThumbnails checks that ParseThumbnails never panics and that
// its thumbnails are sorted with valid regions, and that At agrees with a
// linear scan.
func FuzzParseThumbnails(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		thumbs, err := ParseThumbnails(data)
		if err != nil {
			return
		}
		for i, th := range thumbs {
			if th.URI == "" || th.W < 0 || th.H < 0 || (th.W == 0) != (th.H == 0) {
				t.Fatalf("invalid thumbnail %+v", th)
			}
			if i > 0 && thumbs[i-1].Start > th.Start {
				t.Fatal("not sorted")
			}
			if got := At(thumbs, th.Start); got < 0 {
				t.Fatalf("At(%v) = -1 inside %+v", th.Start, th)
			}
		}
	})
}

// FuzzFormatTimestamp checks the strconv-based formatting against the
// fmt verbs it replaced.
func FuzzFormatTimestamp(f *testing.F) {
	for _, s := range []float64{0, 0.0005, 59.9995, 3661.0015, 360000.5, -1} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sec float64) {
		if math.IsInf(sec, 0) || math.IsNaN(sec) || math.Abs(sec) > 1e12 {
			return
		}
		ms := int64(math.Round(max(sec, 0) * 1000))
		want := fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
		if got := FormatTimestamp(sec); got != want {
			t.Fatalf("FormatTimestamp(%v) = %q, want %q", sec, got, want)
		}
	})
}
