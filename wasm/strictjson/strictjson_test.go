package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// toAny converts v to the value encoding/json produces with UseNumber.
func toAny(v Value) any {
	switch v.Kind {
	case Null:
		return nil
	case Bool:
		return v.Bool
	case Number:
		return json.Number(v.Str)
	case String:
		return v.Str
	case Array:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = toAny(e)
		}
		return out
	default:
		out := make(map[string]any, len(v.Members))
		for _, m := range v.Members {
			out[m.Key] = toAny(m.Value)
		}
		return out
	}
}

func decodeStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	// json.Unmarshal also validates the whole input (trailing garbage).
	if !json.Valid(data) {
		return nil, errors.New("invalid")
	}
	return v, nil
}

var parseCases = []struct {
	name string
	in   string
	err  error // nil: must parse and equal encoding/json's result
}{
	{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, nil},
	{"whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", nil},
	{"numbers", `[0,-0,1.5,-2e10,3E+2,4e-2,123456789012345678901234567890]`, nil},
	{"escapes", `"\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00\u0000"`, nil},
	{"utf8", `"héllo €😀"`, nil},
	{"empty containers", `[{},[],""]`, nil},
	{"jwt header", `{"alg":"EdDSA","kid":"k1","typ":"JWT"}`, nil},
	{"empty input", ``, ErrSyntax},
	{"trailing data", `{} {}`, ErrSyntax},
	{"trailing comma object", `{"a":1,}`, ErrSyntax},
	{"trailing comma array", `[1,]`, ErrSyntax},
	{"leading zero", `01`, ErrSyntax},
	{"bare minus", `-`, ErrSyntax},
	{"dot without digits", `1.`, ErrSyntax},
	{"exponent without digits", `1e`, ErrSyntax},
	{"plus sign", `+1`, ErrSyntax},
	{"single quotes", `'a'`, ErrSyntax},
	{"unquoted key", `{a:1}`, ErrSyntax},
	{"control char", "\"a\x01\"", ErrSyntax},
	{"bad escape", `"\x"`, ErrSyntax},
	{"short unicode escape", `"\u12"`, ErrSyntax},
	{"invalid utf8", "\"\xff\"", ErrUTF8},
	{"invalid utf8 after escape", "\"\\n\xc3\"", ErrUTF8},
	{"lone high surrogate", `"\ud83d"`, ErrUTF8},
	{"lone low surrogate", `"\ude00"`, ErrUTF8},
	{"high then non-low", `"\ud83d\u0041"`, ErrUTF8},
	{"duplicate key", `{"a":1,"a":2}`, ErrDuplicateKey},
	{"duplicate key via escape", `{"a":1,"\u0061":2}`, ErrDuplicateKey},
	{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), ErrDepth},
	{"max depth", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), nil},
	{"truncated literal", `tru`, ErrSyntax},
	{"unterminated string", `"abc`, ErrSyntax},
	{"unterminated object", `{"a":1`, ErrSyntax},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Parse([]byte(tc.in))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			want, err := decodeStd([]byte(tc.in))
			if err != nil {
				t.Fatalf("encoding/json rejects %q: %v", tc.in, err)
			}
			if got := toAny(v); !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse(%q) = %#v, encoding/json = %#v", tc.in, got, want)
			}
		})
	}
}

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-12", -12, true}, {"1700000000", 1700000000, true},
		{"999999999999999999", 999999999999999999, true},
		{"1000000000000000000", 0, false}, {"1.5", 0, false}, {"1e3", 0, false},
		{`"1"`, 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := v.Int()
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Int(%s) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzParse checks that whatever Parse accepts, encoding/json accepts and
// decodes to the same value, and that Parse rejects valid JSON only for the
// reasons it documents.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","alg":"EdDSA"}]}`))
	f.Add([]byte(`{"iss":"edgeflix-origin","aud":["edgeflix-edge"],"exp":1700000000,"pfx":"/v1/media/a/","dev":{"cls":"tv","mh":2160,"mbr":16000000,"cdc":["avc1","mp4a"],"hdr":true}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		want, stdErr := decodeStd(data)
		if err == nil {
			if stdErr != nil {
				t.Fatalf("Parse accepts %q, encoding/json rejects: %v", data, stdErr)
			}
			if got := toAny(v); !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse(%q) = %#v, encoding/json = %#v", data, got, want)
			}
			return
		}
		if stdErr == nil && utf8.Valid(data) && !bytes.Contains(data, []byte(`\u`)) &&
			!errors.Is(err, ErrDuplicateKey) && !errors.Is(err, ErrDepth) {
			t.Fatalf("Parse rejects valid JSON %q: %v", data, err)
		}
	})
}

func BenchmarkParseClaims(b *testing.B) {
	data := []byte(`{"iss":"edgeflix-origin","aud":"edgeflix-edge","sub":"acc_123","sid":"ses_456","iat":1700000000,"nbf":1700000000,"exp":1700003600,"pfx":"/v1/media/a/","dev":{"cls":"tv","mh":2160,"mbr":16000000,"cdc":["avc1","hvc1","mp4a"],"hdr":true}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
