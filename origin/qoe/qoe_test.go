package qoe

import (
	"errors"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		sorted   []int
		p50, p95 int
	}{
		{nil, 0, 0},
		{[]int{7}, 7, 7},
		{[]int{1, 2}, 1, 2},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 10},
		{func() []int {
			s := make([]int, 100)
			for i := range s {
				s[i] = i + 1
			}
			return s
		}(), 50, 95},
	} {
		if got := percentile(tc.sorted, 50); got != tc.p50 {
			t.Errorf("p50 of %v = %d, want %d", tc.sorted, got, tc.p50)
		}
		if got := percentile(tc.sorted, 95); got != tc.p95 {
			t.Errorf("p95 of %v = %d, want %d", tc.sorted, got, tc.p95)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", now.Add(-24 * time.Hour), true},
		{"1h", now.Add(-time.Hour), true},
		{"2026-12-01T00:00:00Z", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true},
		{"0s", time.Time{}, false},
		{"-1h", time.Time{}, false},
		{"2161h", time.Time{}, false},
		{"2026-12-05T00:00:00Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	} {
		got, err := ParseSince(tc.in, now)
		if tc.ok != (err == nil) || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("ParseSince(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidSince) {
			t.Errorf("ParseSince(%q) error %v does not wrap ErrInvalidSince", tc.in, err)
		}
	}
}
