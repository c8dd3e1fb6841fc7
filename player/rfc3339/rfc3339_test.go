package rfc3339

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2026-12-04T18:30:05Z", time.Date(2026, 12, 4, 18, 30, 5, 0, time.UTC)},
		{"2026-12-04T18:30:05.123456789Z", time.Date(2026, 12, 4, 18, 30, 5, 123456789, time.UTC)},
		{"2026-12-04T18:30:05.5+01:30", time.Date(2026, 12, 4, 17, 0, 5, 500_000_000, time.UTC)},
		{"2024-02-29T00:00:00-00:00", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"0001-01-01T00:00:00Z", time.Time{}},
	} {
		got, err := Parse(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "2026-12-04", "2026-12-04 18:30:05Z", "2026-02-30T00:00:00Z", "2026-12-04T24:00:00Z",
		"2026-12-04T18:30:05", "2026-12-04T18:30:05.Z", "2026-12-04T18:30:05+1:00", "2026-12-04T18:30:05z", "2026-13-01T00:00:00Z"} {
		if _, err := Parse(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error %v, want ErrSyntax", bad, err)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Date(2026, 12, 4, 18, 30, 5, 120_000_000, time.FixedZone("", 3600)), time.Unix(1, 1)} {
		if got, want := Format(tm), tm.UTC().Format(time.RFC3339Nano); got != want {
			t.Errorf("Format(%v) = %q, want %q", tm, got, want)
		}
	}
}

// FuzzParse: what Parse accepts, time.Parse accepts as the same instant.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2026-12-04T18:30:05Z", "2026-12-04T18:30:05.000000000012+23:59", "0000-02-29T00:00:00-00:00", "9999-12-31T23:59:59.9Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			return
		}
		want, werr := time.Parse(time.RFC3339Nano, s)
		if werr != nil || !got.Equal(want) {
			t.Fatalf("Parse(%q) = %v; time.Parse: %v, %v", s, got, want, werr)
		}
		_, off := got.Zone()
		if _, woff := want.Zone(); off != woff {
			t.Fatalf("Parse(%q) offset %d, time.Parse %d", s, off, woff)
		}
	})
}

// FuzzFormat: Format writes what time.Format writes, and Parse reads it back.
func FuzzFormat(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1796409005), int64(120000000))
	f.Add(int64(-62135596800), int64(1))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		const lo, hi = -62167219200, 253402300799 // 0000-01-01 .. 9999-12-31
		if sec < lo || sec > hi {
			return
		}
		tm := time.Unix(sec, nsec%1e9)
		if tm.Year() < 0 || tm.Year() > 9999 {
			return
		}
		s := Format(tm)
		if want := tm.UTC().Format(time.RFC3339Nano); s != want {
			t.Fatalf("Format(%v) = %q, want %q", tm, s, want)
		}
		if back, err := Parse(s); err != nil || !back.Equal(tm) {
			t.Fatalf("Parse(Format(%v)) = %v, %v", tm, back, err)
		}
	})
}
