package uri

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
)

func TestResolve(t *testing.T) {
	const base = "https://edge.example:8443/v1/media/b/t/TOKEN/title/master.m3u8?caps=x#f"
	for _, tt := range []struct{ ref, want string }{
		{"720p/index.m3u8", "https://edge.example:8443/v1/media/b/t/TOKEN/title/720p/index.m3u8"},
		{"../other/a.ts", "https://edge.example:8443/v1/media/b/t/TOKEN/other/a.ts"},
		{"/abs/x.ts?y=1", "https://edge.example:8443/abs/x.ts?y=1"},
		{"//cdn.example/x", "https://cdn.example/x"},
		{"http://Other.example/a/./b/../c", "http://Other.example/a/c"},
		{"", "https://edge.example:8443/v1/media/b/t/TOKEN/title/master.m3u8?caps=x#f"},
		{"?q", "https://edge.example:8443/v1/media/b/t/TOKEN/title/master.m3u8?q"},
		{"#g", "https://edge.example:8443/v1/media/b/t/TOKEN/title/master.m3u8?caps=x#g"},
		{"a b.vtt", "https://edge.example:8443/v1/media/b/t/TOKEN/title/a%20b.vtt"},
		{"seg%41.ts", "https://edge.example:8443/v1/media/b/t/TOKEN/title/seg%41.ts"},
		{"../../../../../../x", "https://edge.example:8443/x"},
		{"sub/", "https://edge.example:8443/v1/media/b/t/TOKEN/title/sub/"},
		{"HTTP://h/", "http://h/"},
	} {
		got, err := Resolve(base, tt.ref)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	for _, tt := range []struct {
		base, ref string
		want      error
	}{
		{"https://h/a", "x%zz", ErrSyntax},
		{"https://h/a", "a:b", ErrUnsupported},
		{"https://h/a", "1a:b", ErrSyntax},
		{"https://h/a", "x\n", ErrSyntax},
		{"https://h/a", "http://[::1]/", ErrUnsupported},
		{"https://h/a", "http://user@h/", ErrUnsupported},
		{"https://h/a", "http://h:8a/", ErrSyntax},
		{"https://h/a", "http:///x", ErrUnsupported},
		{"/relative", "x", ErrUnsupported},
		{"https://h/a", ":x", ErrSyntax},
	} {
		if _, err := Resolve(tt.base, tt.ref); !errors.Is(err, tt.want) {
			t.Errorf("Resolve(%q, %q) error %v, want %v", tt.base, tt.ref, err, tt.want)
		}
	}
}

func TestQuery(t *testing.T) {
	v := Values{"b": {"2 3", "&"}, "a": {"é/?"}}
	v.Set("c", "x")
	if got, want := v.Encode(), "a=%C3%A9%2F%3F&b=2+3&b=%26&c=x"; got != want {
		t.Errorf("Encode = %q, want %q", got, want)
	}
	q, err := ParseQuery("code=a%2Bb+c&state=s&&state=t")
	if err != nil || q.Get("code") != "a+b c" || q.Get("state") != "s" || len(q["state"]) != 2 || q.Get("none") != "" {
		t.Errorf("ParseQuery = %v, %v", q, err)
	}
	for _, bad := range []string{"a=%zz", "a=1;b=2", "a=%4"} {
		if _, err := ParseQuery(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseQuery(%q) error %v, want ErrSyntax", bad, err)
		}
	}
	if got := PathEscape("a/b;c d"); got != "a%2Fb%3Bc%20d" {
		t.Errorf("PathEscape = %q", got)
	}
}

// netResolve is what net/url makes of base and ref.
func netResolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}

// FuzzResolve: whatever Resolve accepts, net/url accepts and resolves to
// the same string; an input net/url refuses, Resolve refuses too.
func FuzzResolve(f *testing.F) {
	for _, s := range [][2]string{
		{"https://edge.example:8443/v1/t/TOKEN/master.m3u8?a=b#c", "720p/i.m3u8"},
		{"http://h", "a"}, {"http://h/a/b/", "../../../x/./y/.."}, {"http://h/a?q#f", ""},
		{"http://h/a", "//g/./x"}, {"http://h/%7e", "b%2F c*?#frag%20x"}, {"http://h/a", "///x"},
		{"http://h/a", "?"}, {"http://h/a?x", "#"}, {"HTTP://h:80/a", "*"}, {"http://h/a", "é?ü#ö"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, base, ref string) {
		got, err := Resolve(base, ref)
		want, werr := netResolve(base, ref)
		if err == nil && (werr != nil || got != want) {
			t.Fatalf("Resolve(%q, %q) = %q; net/url: %q, %v", base, ref, got, want, werr)
		}
		if werr != nil && err == nil {
			t.Fatalf("Resolve(%q, %q) accepted what net/url refuses: %v", base, ref, werr)
		}
		if err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Resolve(%q, %q): unclassified error %v", base, ref, err)
		}
	})
}

// FuzzQuery compares escaping, ParseQuery and Encode with net/url's.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"", "a=b&c=d", "a=%zz&b=1", "x;y", "é+ %41&&=&k", "a=1&a=2&b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := QueryEscape(s), url.QueryEscape(s); got != want {
			t.Fatalf("QueryEscape(%q) = %q, want %q", s, got, want)
		}
		if got, want := PathEscape(s), url.PathEscape(s); got != want {
			t.Fatalf("PathEscape(%q) = %q, want %q", s, got, want)
		}
		got, err := ParseQuery(s)
		want, werr := url.ParseQuery(s)
		if (err == nil) != (werr == nil) || !reflect.DeepEqual(map[string][]string(got), map[string][]string(want)) {
			t.Fatalf("ParseQuery(%q) = %v, %v; net/url %v, %v", s, got, err, want, werr)
		}
		if g, w := got.Encode(), want.Encode(); g != w {
			t.Fatalf("Encode of %q = %q, want %q", s, g, w)
		}
	})
}
