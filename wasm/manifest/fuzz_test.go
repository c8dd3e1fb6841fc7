package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
)

// addPlaylistSeeds adds every testdata playlist with every golden caps
// value to f's corpus.
func addPlaylistSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.m3u8"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range goldenCaps {
			f.Add(b, c)
		}
	}
}

// FuzzRewrite feeds arbitrary playlists and caps to the rewrite: it must
// not panic, must return one of its documented errors or a valid master
// made of the input's lines, and the module's Call framing must agree.
func FuzzRewrite(f *testing.F) {
	addPlaylistSeeds(f)
	f.Add([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"), capsPhone)
	f.Add([]byte("#EXT-X-KEY:\n0"), capsPhone)
	f.Fuzz(func(t *testing.T, in []byte, capsValue string) {
		caps, err := contract.ParseHeader(capsValue)
		if err != nil {
			if !errors.Is(err, contract.ErrCaps) {
				t.Fatalf("ParseCaps error %v does not wrap contract.ErrCaps", err)
			}
			return
		}
		var r Rewriter
		out, err := r.Rewrite(nil, in, &caps)
		if err != nil {
			if !errors.Is(err, ErrNothingPlayable) && !errors.Is(err, ErrNotMaster) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("undocumented error %v", err)
			}
			if out != nil {
				t.Fatal("dst changed on error")
			}
		} else {
			checkOutput(t, in, out)
			// A second rewrite for the same caps changes nothing but the order.
			again, err := r.Rewrite(nil, out, &caps)
			if err != nil {
				t.Fatalf("rewriting the output failed: %v\n%s", err, out)
			}
			checkOutput(t, out, again)
		}
		res, perr := ParseResult(r.Call(nil, AppendInput(nil, capsValue, in)))
		if perr != nil {
			t.Fatal(perr)
		}
		if (res.Err() == nil) != (err == nil) || err == nil && string(res.Body) != string(out) {
			t.Fatalf("Call = %s %q, Rewrite = %v", res.Status, res.Body, err)
		}
	})
}

// FuzzAttrScanner checks that the attribute-list scanner never panics and
// always makes progress.
func FuzzAttrScanner(f *testing.F) {
	for _, s := range []string{`BANDWIDTH=1,CODECS="a,b",RESOLUTION=1x2`, `A="`, `A=1,,`, ` X = 1`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc := attrScanner{s: []byte(s)}
		for n := 0; ; n++ {
			if n > len(s)+1 {
				t.Fatal("no progress")
			}
			if _, _, _, ok := sc.next(); !ok {
				break
			}
		}
	})
}

// FuzzNameKey: the scanner's packed key always equals keyOf of the name
// it returned, whatever follows the name.
func FuzzNameKey(f *testing.F) {
	f.Add("BANDWIDTH=1,CODECS=\"a\"")
	f.Add("CLOSED-CAPTIONS=NONE,AVERAGE-BANDWIDTH=1")
	f.Fuzz(func(t *testing.T, s string) {
		sc := attrScanner{s: []byte(s)}
		for {
			name, _, _, ok := sc.next()
			if !ok {
				return
			}
			if sc.key != keyOf(string(name)) {
				t.Fatalf("key of %q = %+v, want %+v", name, sc.key, keyOf(string(name)))
			}
		}
	})
}
