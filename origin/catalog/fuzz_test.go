package catalog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"ocean", "oce", "the", "xy", `+"ocean*" -alpha`, "Star W", "naïve café", "100%_off", `a\b`, "  ", "(a) @b ~c <d >e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(q.Normalized) || q.Normalized == "" {
			t.Fatalf("normalized %q", q.Normalized)
		}
		// The boolean expression holds only +word* terms: no operator of
		// the input survives.
		for term := range strings.FieldsSeq(q.Boolean) {
			w := strings.TrimSuffix(strings.TrimPrefix(term, "+"), "*")
			if !strings.HasPrefix(term, "+") || !strings.HasSuffix(term, "*") || strings.ContainsAny(w, `+-*"()<>~@ `) || w == "" {
				t.Fatalf("term %q of %q", term, s)
			}
		}
		// The prefix pattern escapes LIKE wildcards: only the final % is one.
		body := strings.TrimSuffix(q.Prefix, "%")
		for i := 0; i < len(body); i++ {
			if body[i] == '\\' {
				i++
				continue
			}
			if body[i] == '%' || body[i] == '_' {
				t.Fatalf("unescaped wildcard in %q", q.Prefix)
			}
		}
	})
}

func FuzzDecodeCursors(f *testing.F) {
	f.Add(encodeSearchCursor(20))
	f.Add("eyJwIjoxLCJpIjoiYSJ9")
	f.Add(Cursor{PublishedAt: 5, ID: "x"}.Encode())
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := DecodeSearchCursor(s); err == nil && (n < 0 || n > MaxSearchSkip) {
			t.Fatalf("skip %d", n)
		}
		if c, err := decodeListCursor(s); err == nil && c != nil && (c.ID == "" || len(c.ID) > 64) {
			t.Fatalf("list cursor %+v", c)
		}
	})
}
