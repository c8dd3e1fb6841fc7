package lambdaplan

import (
	"errors"
	"testing"
)

func TestParsePair(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Pair
		ok   bool
	}{
		{"7", Pair{7, 7}, true},
		{"7/5", Pair{7, 5}, true},
		{"0", Pair{}, false},
		{"7/", Pair{}, false},
		{"$LATEST", Pair{}, false},
		{"-1/2", Pair{}, false},
	} {
		got, err := ParsePair(c.in)
		if (err == nil) != c.ok || got != c.want || (err != nil && !errors.Is(err, ErrPlan)) {
			t.Fatalf("ParsePair(%q) = %+v, %v", c.in, got, err)
		}
	}
	if _, err := Split(Pair{1, 1}, 15.01, "h"); !errors.Is(err, ErrPlan) {
		t.Fatalf("a 15.01 %% staging weight: %v", err)
	}
}

func FuzzParsePair(f *testing.F) {
	f.Add("7/5")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePair(s)
		if err == nil && (p.Viewer < 1 || p.Origin < 1) {
			t.Fatalf("%q parsed as %+v", s, p)
		}
	})
}
