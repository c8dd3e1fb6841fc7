package names

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  Living room TV ", "Living room TV", true},
		{"Zoë", "Zoë", true},
		{"", "", false},
		{"   ", "", false},
		{"tab\there", "", false},
		{"line\u2028sep", "", false},
		{"bad \xff utf8", "", false},
		{strings.Repeat("é", 20), strings.Repeat("é", 20), true},
		{strings.Repeat("é", 21), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := Clean(tc.in, 20)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Clean(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzClean(f *testing.F) {
	f.Add("Kids", 50)
	f.Add("\u0000", 5)
	f.Fuzz(func(t *testing.T, in string, maxLen int) {
		got, ok := Clean(in, maxLen)
		if !ok {
			return
		}
		if again, ok2 := Clean(got, maxLen); !ok2 || again != got {
			t.Fatalf("Clean is not idempotent on %q", in)
		}
	})
}
