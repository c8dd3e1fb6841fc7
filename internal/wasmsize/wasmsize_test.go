package wasmsize

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// section encodes one section: id, LEB128 size, body (sizes here < 128).
func section(id byte, body ...byte) []byte { return append([]byte{id, byte(len(body))}, body...) }

func name(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// module builds a module with one imported function (index 0), three
// defined functions (1..3) with bodies of 5, 3 and 7 bytes, and a name
// section naming them.
func module() []byte {
	imp := cat([]byte{1}, name("go"), name("debug"), []byte{0, 0})
	code := cat([]byte{3}, []byte{5, 0, 0, 0, 0, 0x0b}, []byte{3, 0, 0, 0x0b}, []byte{7, 0, 0, 0, 0, 0, 0, 0x0b})
	funcs := cat([]byte{4},
		[]byte{0}, name("go.debug"),
		[]byte{1}, name("fmt.Sprintf"),
		[]byte{2}, name("github.com_x_y_hls.(*P).parse"),
		[]byte{3}, name("fmt.(*pp).doPrintf"))
	names := cat(name("name"), []byte{1, byte(len(funcs))}, funcs)
	return cat([]byte("\x00asm\x01\x00\x00\x00"), section(2, imp...), section(10, code...), section(0, names...))
}

func TestAnalyze(t *testing.T) {
	r, err := Analyze(module(), []string{"fmt", "github.com/x/y/hls", "github.com/x/y"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{{"fmt", 12, 2}, {"github.com/x/y/hls", 3, 1}}
	if len(r.Packages) != len(want) {
		t.Fatalf("packages %+v, want %+v", r.Packages, want)
	}
	for i := range want {
		if r.Packages[i] != want[i] {
			t.Fatalf("packages %+v, want %+v", r.Packages, want)
		}
	}
	if r.Sections["code"] != 2+19 || r.Raw != len(module()) || r.Gzip == 0 {
		t.Fatalf("sections %v raw %d gzip %d", r.Sections, r.Raw, r.Gzip)
	}
	var out strings.Builder
	r.Write(&out, 1)
	if !strings.Contains(out.String(), "fmt") || !strings.Contains(out.String(), "1 more") {
		t.Fatalf("report:\n%s", out.String())
	}
}

func TestAnalyzeRejects(t *testing.T) {
	good := module()
	tests := map[string][]byte{
		"empty":            nil,
		"not wasm":         []byte("\x7fELF\x02\x01\x01\x00"),
		"section too long": cat(good[:8], []byte{10, 100, 0}),
		"unknown section":  cat(good[:8], section(42, 0)),
		"code body past":   cat(good[:8], section(10, 1, 9, 0)),
	}
	for name, b := range tests {
		if _, err := Analyze(b, nil); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err %v, want ErrFormat", name, err)
		}
	}
}

func TestParseDeps(t *testing.T) {
	d := ParseDeps("errors\nfmt errors os\nmain fmt errors\n")
	if len(d.Packages) != 3 || strings.Join(d.Importers["errors"], " ") != "fmt main" {
		t.Fatalf("%+v", d)
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(module())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Analyze(b, []string{"fmt"})
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		total := 0
		for _, n := range r.Sections {
			total += n
		}
		if total != len(b)-8 {
			t.Fatalf("sections add to %d, module body is %d", total, len(b)-8)
		}
	})
}
