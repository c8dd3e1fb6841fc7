package renew

import (
	"strings"
	"testing"
)

func TestFresh(t *testing.T) {
	var tk Tokens
	const old = "https://edge.example/t/OLD.tok.sig/v1/media/a1/720p/seg_00001.m4s"
	if got := tk.Fresh(old); got != old {
		t.Fatalf("zero Tokens rewrote %q", got)
	}
	if !tk.Set("https://edge.example/t/NEW.tok.sig/v1/media/a1/master.m3u8") {
		t.Fatal("set refused a manifest url")
	}
	for _, c := range []struct{ in, want string }{
		{old, "https://edge.example/t/NEW.tok.sig/v1/media/a1/720p/seg_00001.m4s"},
		{"https://edge.example/t/OLD/v1/media/a1/720p/index.m3u8?x=1", "https://edge.example/t/NEW.tok.sig/v1/media/a1/720p/index.m3u8?x=1"},
		{"https://edge.example/t/NEW.tok.sig/v1/media/a1/init.mp4", "https://edge.example/t/NEW.tok.sig/v1/media/a1/init.mp4"},
		// Another host, the API, and malformed paths are left alone.
		{"https://other.example/t/OLD/v1/media/a1/x", "https://other.example/t/OLD/v1/media/a1/x"},
		{"https://edge.example/v1/playback/s1/heartbeat", "https://edge.example/v1/playback/s1/heartbeat"},
		{"https://edge.example/t//v1/media/a1/x", "https://edge.example/t//v1/media/a1/x"},
		{"https://edge.example/t/OLD", "https://edge.example/t/OLD"},
		{"blob:https://edge.example/uuid", "blob:https://edge.example/uuid"},
	} {
		if got := tk.Fresh(c.in); got != c.want {
			t.Errorf("Fresh(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if tk.Set("https://edge.example/v1/media/a1/master.m3u8") {
		t.Fatal("set took a url without a token")
	}
	if got := tk.Fresh(old); !strings.Contains(got, "/t/NEW.tok.sig/") {
		t.Fatalf("a refused set changed the token: %q", got)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"https://e/t/tok/v1/media/a/m.m3u8", "http://h:1/t/x/", "://", "a://b", "https://e/t//x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		origin, token, rest, ok := Split(u)
		if !ok {
			return
		}
		if origin+tokenPrefix+token+rest != u || token == "" || strings.Contains(token, "/") || !strings.HasPrefix(rest, "/") {
			t.Fatalf("Split(%q) = %q %q %q", u, origin, token, rest)
		}
		var tk Tokens
		if !tk.Set(u) || tk.Fresh(u) != u {
			t.Fatalf("Fresh changed a url holding the current token: %q", u)
		}
	})
}
