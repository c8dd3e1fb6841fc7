package catalog

import (
	"errors"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	cases := []Cursor{{PublishedAt: 1, ID: "a"}, {PublishedAt: 1735689600123456, ID: "title-with-dashes_1"}}
	for _, c := range cases {
		got, err := DecodeCursor(c.Encode())
		if err != nil || got != c {
			t.Fatalf("%+v → %+v (%v)", c, got, err)
		}
	}
	for _, bad := range []string{"", "!!", "e30", "eyJwIjoxfQ", "eyJwIjotMSwiaSI6ImEifQ", Cursor{PublishedAt: 1, ID: string(make([]byte, 65))}.Encode()} {
		if _, err := DecodeCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(Cursor{PublishedAt: 1735689600123456, ID: "t01"}.Encode())
	f.Add("eyJwIjoxfQ")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("error %v is not ErrBadCursor", err)
			}
			return
		}
		if c.ID == "" || len(c.ID) > 64 || c.PublishedAt <= 0 {
			t.Fatalf("accepted invalid cursor %+v", c)
		}
		again, err := DecodeCursor(c.Encode())
		if err != nil || again != c {
			t.Fatalf("re-encoding %+v: %+v %v", c, again, err)
		}
	})
}

func TestParseListQuery(t *testing.T) {
	cases := []struct {
		limit, cursor string
		want          int
		ok            bool
	}{{"", "", DefaultLimit, true}, {"1", "", 1, true}, {"100", "", 100, true}, {"0", "", 0, false}, {"101", "", 0, false},
		{"1e1", "", 0, false}, {"", "x", 0, false}, {"5", Cursor{PublishedAt: 5, ID: "x"}.Encode(), 5, true}}
	for _, c := range cases {
		n, _, err := ParseListQuery([]byte(c.limit), []byte(c.cursor))
		if (err == nil) != c.ok || n != c.want {
			t.Errorf("%q %q: %d %v", c.limit, c.cursor, n, err)
		}
	}
}
