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

func TestSelfTestStep(t *testing.T) {
	for _, c := range []struct{ module, cases string }{{"dist/lambda/bundle/edge.wasm", ""}, {"m.wasm", "cases.json"}} {
		m, cs, ok := SelfTestArgs(SelfTestCommand(c.module, c.cases))
		if !ok || m != c.module || cs != c.cases {
			t.Fatalf("SelfTestArgs(SelfTestCommand(%q, %q)) = %q, %q, %v", c.module, c.cases, m, cs, ok)
		}
	}
	pl := Upload(Names("e"), "https://o/jwks", "dist/lambda", "")
	if len(pl.Commands) != 4 || pl.Commands[0][0] != "make" {
		t.Fatalf("upload plan %q", pl.Commands)
	}
	if _, _, ok := SelfTestArgs(pl.Commands[1]); !ok || pl.Commands[2][0] != "aws" {
		t.Fatalf("the self-test must run after the build and before publishing: %q", pl.Commands)
	}
	for _, c := range [][]string{{"aws", "lambda"}, {"edgeflix", "fn", "test"}, {"edgeflix", "fn", "invoke", "--target", "aws", "--module", "m"}} {
		if _, _, ok := SelfTestArgs(c); ok {
			t.Fatalf("%q taken for a self-test step", c)
		}
	}
}
