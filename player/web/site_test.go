package web

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSiteLayers(t *testing.T) {
	index, err := fs.ReadFile(Files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	site := Site(fstest.MapFS{"player.wasm": {Data: []byte("wasm")}, "index.html": {Data: []byte("shadowed")}})
	tests := []struct {
		name, want string
		err        error
	}{
		{"index.html", string(index), nil},
		{"player.wasm", "wasm", nil},
		{"missing.js", "", fs.ErrNotExist},
		{"../etc/passwd", "", fs.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := site.Open(tc.name)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Open = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b, _ := io.ReadAll(f)
			if string(b) != tc.want {
				t.Fatalf("got %q, want %q", b, tc.want)
			}
		})
	}
}

func TestSiteWalk(t *testing.T) {
	site := Site(fstest.MapFS{"player.wasm": {Data: []byte("wasm")}, "index.html": {Data: []byte("shadowed")}, "sub/x.js": {Data: []byte("x")}})
	var names []string
	err := fs.WalkDir(site, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, name)
		}
		return err
	})
	want := "api.js app.css app.js decode.js dom.js index.html keys.js loader.js oauth.js player.js player.wasm qoe.js resume.js session.js sub/x.js"
	if got := strings.Join(names, " "); err != nil || got != want {
		t.Fatalf("walked %q (%v), want %q", got, err, want)
	}
	if _, err := fs.ReadDir(site, "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadDir(nope) = %v", err)
	}
}
