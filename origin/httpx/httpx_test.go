package httpx

import (
	"errors"
	"strings"
	"testing"
)

type body struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, in string
		err      error
	}{
		{"good", `{"email":"a@b.c","password":"12345678"}`, nil},
		{"unknown field", `{"email":"a@b.c","x":1}`, ErrBadJSON},
		{"wrong type", `{"email":1}`, ErrBadJSON},
		{"two objects", `{}{}`, ErrBadJSON},
		{"trailing garbage", `{} x`, ErrBadJSON},
		{"array", `[]`, ErrBadJSON},
		{"empty", ``, ErrBadJSON},
		{"too large", `{"email":"` + strings.Repeat("a", MaxJSONBody) + `"}`, ErrBodyTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b body
			if err := DecodeJSON([]byte(c.in), &b); !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
		})
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"email":"a@b.c","password":"12345678"}`, `{"title_id":"x","device":{"class":"tv"}}`, `{}{}`, `null`, `{"email":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var b body
		err := DecodeJSON(in, &b)
		if err != nil && !errors.Is(err, ErrBadJSON) && !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("unexpected error kind %v", err)
		}
		if err == nil && len(in) > MaxJSONBody {
			t.Fatal("accepted an oversized body")
		}
	})
}
