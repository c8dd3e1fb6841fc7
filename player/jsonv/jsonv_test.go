package jsonv

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestParseAndRead(t *testing.T) {
	v, err := Parse([]byte(` {"id": 42, "name": "Ad\u00e9le \ud83c\udfac", "kids": true, "pin": null,
		"items": [{"id": "a"}, {"id": 7.5}], "neg": -1e3, "big": 12345678901234567890, "dup": 1, "dup": 2} `))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"number id as text", v.Get("id").Text(), "42"},
		{"int", v.Get("id").Int(), 42},
		{"string with escapes", v.Get("name").Str(), "Adéle 🎬"},
		{"bool", v.Get("kids").Bool(), true},
		{"null kind", v.Get("pin").Kind(), Null},
		{"has null", v.Has("pin"), true},
		{"missing", v.Get("nope").Kind(), Null},
		{"has missing", v.Has("nope"), false},
		{"array length", len(v.Get("items").Items()), 2},
		{"nested", v.Get("items").Items()[0].Get("id").Str(), "a"},
		{"float", v.Get("items").Items()[1].Get("id").Float(), 7.5},
		{"non-integer int", v.Get("items").Items()[1].Get("id").Int(), 0},
		{"exponent int", v.Get("neg").Int(), -1000},
		{"out of range int", v.Get("big").Int64(), int64(0)},
		{"last duplicate wins", v.Get("dup").Int(), 2},
		{"wrong kind reads zero", v.Get("name").Int(), 0},
		{"string of number", v.Get("kids").Str(), ""},
		{"items of object", len(v.Items()), 0},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	bad := []string{``, ` `, `{`, `{"a"}`, `{"a":1,}`, `[1,]`, `[1 2]`, `01`, `1.`, `-`, `1e`, `"\x"`, `"ab`,
		"\"a\x01\"", `tru`, `nul`, `{"a":1}x`, `{1:2}`, `"\u12"`, `[` + string(make([]byte, 0)) + `]]`}
	deep := make([]byte, 0, 2*maxDepth+4)
	for i := 0; i < maxDepth+2; i++ {
		deep = append(deep, '[')
	}
	bad = append(bad, string(deep))
	for _, s := range bad {
		if _, err := Parse([]byte(s)); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) err %v, want ErrSyntax", s, err)
		}
	}
}

func TestEncode(t *testing.T) {
	got := Encode(Field{"email", "a\"b<c>&\n\u2028\xff"}, Field{"n", 3}, Field{"big", int64(1) << 40},
		Field{"pos", 12.5}, Field{"inf", math.Inf(1)}, Field{"ok", true}, Field{"nil", nil}, Field{"raw", Raw(`[1]`)})
	want := `{"email":"a\"b\u003cc\u003e\u0026\n\u2028\ufffd","n":3,"big":1099511627776,"pos":12.5,"inf":null,"ok":true,"nil":null,"raw":[1]}`
	if got != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("encoding/json cannot read it: %v", err)
	}
}

// toAny converts a Value to what encoding/json decodes into an any.
func toAny(v Value) any {
	switch v.Kind() {
	case Bool:
		return v.Bool()
	case Number:
		return v.Float()
	case String:
		return v.Str()
	case Array:
		out := []any{}
		for _, it := range v.Items() {
			out = append(out, toAny(it))
		}
		return out
	case Object:
		out := map[string]any{}
		for i, k := range v.keys {
			out[k] = toAny(v.items[i])
		}
		return out
	}
	return nil
}

// FuzzParse checks Parse against encoding/json: the same inputs are
// accepted and give the same values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"\u00e9\ud83c\udfac"}`, `[]`, `-0.5e+3`, `"\ud800"`, `"\xff"`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b)
		var want any
		werr := json.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) {
			var se *json.SyntaxError
			if werr != nil && !errors.As(werr, &se) && err == nil {
				return // a number encoding/json cannot hold in a float64
			}
			t.Fatalf("Parse(%q) err %v, encoding/json err %v", b, err, werr)
		}
		if err != nil {
			return
		}
		if got := toAny(v); !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q) = %#v, encoding/json %#v", b, got, want)
		}
		enc := Encode(Field{"k", v.Str()})
		var back map[string]string
		if err := json.Unmarshal([]byte(enc), &back); err != nil || back["k"] != v.Str() {
			t.Fatalf("Encode round trip of %q: %s (%v)", v.Str(), enc, err)
		}
	})
}

func TestMarshal(t *testing.T) {
	in := map[string]any{"title_id": "t1", "device": map[string]any{"class": "tv", "max_height": 1080, "codecs": []string{"avc1"}, "hdr": false},
		"pos": 1.5, "n": nil, "list": []any{int64(1), "x", true}, "h": map[string]string{"b": "2", "a": "1"}}
	got, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(in)
	if got != string(want) {
		t.Fatalf("Marshal =\n%s\nencoding/json\n%s", got, want)
	}
	for _, bad := range []any{struct{}{}, math.NaN(), []any{make(chan int)}, map[string]any{"x": 1.5i}} {
		if _, err := Marshal(bad); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Marshal(%T) err %v", bad, err)
		}
	}
}
