// Package wasmsize reads a WebAssembly module's sections and attributes
// its code to Go packages through the name section, the size breakdown
// behind `make size-player`.
package wasmsize

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ErrFormat reports a module that is not well-formed WebAssembly.
var ErrFormat = errors.New("wasmsize: malformed module")

// Report is a module's size breakdown.
type Report struct {
	// Raw and Gzip are the module's size and its gzip -9 size.
	Raw, Gzip int
	// Sections maps a section name ("code", "data", "name", ...) to its
	// size in bytes, headers included.
	Sections map[string]int
	// Packages are code bytes per Go package, largest first. Empty when the
	// module has no name section.
	Packages []Package
}

// Package is one Go package's share of the code section.
type Package struct {
	Name  string
	Bytes int
	Funcs int
}

var sectionNames = map[byte]string{
	0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
	7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}

// Analyze reads module b, built from a Go program whose dependencies are
// pkgs (import paths, as `go list -deps` prints them): a function belongs
// to the longest of them that prefixes its symbol.
func Analyze(b []byte, pkgs []string) (*Report, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, fmt.Errorf("%w: no wasm header", ErrFormat)
	}
	r := &Report{Raw: len(b), Sections: map[string]int{}}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	r.Gzip = gz.Len()

	var bodies []int // code body sizes, by defined-function index
	imported := 0
	names := map[int]string{}
	rd := reader{b: b, i: 8}
	for rd.i < len(b) {
		start := rd.i
		id := rd.byte()
		size := rd.uleb()
		if rd.err != nil || size > uint64(len(b)-rd.i) {
			return nil, fmt.Errorf("%w: section at %d", ErrFormat, start)
		}
		body := reader{b: b[rd.i : rd.i+int(size)]}
		rd.i += int(size)
		name, ok := sectionNames[id]
		if !ok {
			return nil, fmt.Errorf("%w: section id %d", ErrFormat, id)
		}
		switch id {
		case 0:
			name = body.name()
			if name == "name" {
				if err := readNames(&body, names); err != nil {
					return nil, err
				}
			}
			name = "custom " + name
		case 2:
			imported = countFuncImports(&body)
		case 10:
			n := body.uleb()
			for k := uint64(0); k < n && body.err == nil; k++ {
				sz := body.uleb()
				if sz > uint64(len(body.b)-body.i) {
					body.err = ErrFormat
					break
				}
				body.i += int(sz)
				bodies = append(bodies, int(sz))
			}
		}
		if body.err != nil {
			return nil, fmt.Errorf("%w: %s section", ErrFormat, name)
		}
		r.Sections[name] += rd.i - start
	}
	if len(names) > 0 {
		byPkg := map[string]*Package{}
		m := newMatcher(pkgs)
		for k, sz := range bodies {
			p := m.packageOf(names[imported+k])
			if byPkg[p] == nil {
				byPkg[p] = &Package{Name: p}
			}
			byPkg[p].Bytes += sz
			byPkg[p].Funcs++
		}
		for _, p := range byPkg {
			r.Packages = append(r.Packages, *p)
		}
		sort.Slice(r.Packages, func(i, j int) bool {
			if r.Packages[i].Bytes != r.Packages[j].Bytes {
				return r.Packages[i].Bytes > r.Packages[j].Bytes
			}
			return r.Packages[i].Name < r.Packages[j].Name
		})
	}
	return r, nil
}

// matcher finds a symbol's package. The linker writes import paths into
// the name section with '/' as '_' ("github.com_x_y_hls.ParseMaster"), so
// a symbol is matched against the mangled paths, longest first.
type matcher struct{ mangled map[string]string }

func newMatcher(pkgs []string) matcher {
	m := matcher{mangled: map[string]string{}}
	for _, p := range pkgs {
		m.mangled[strings.ReplaceAll(p, "/", "_")] = p
	}
	return m
}

// packageOf returns the package of a symbol such as "fmt.(*pp).doPrintf":
// the longest known package it starts with, else the text before its
// first dot. Compiler-generated equality and hash functions ("type_.eq.…")
// are reported as "type_".
func (m matcher) packageOf(sym string) string {
	if sym == "" {
		return "(unnamed)"
	}
	for end := len(sym); end > 0; end-- {
		end = strings.LastIndexByte(sym[:end], '.')
		if end <= 0 {
			break
		}
		if p, ok := m.mangled[sym[:end]]; ok {
			return p
		}
	}
	if dot := strings.IndexByte(sym, '.'); dot > 0 {
		return sym[:dot]
	}
	return sym
}

// readNames reads the function names subsection (id 1) of a name section.
func readNames(r *reader, names map[int]string) error {
	for r.i < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.uleb()
		if r.err != nil || size > uint64(len(r.b)-r.i) {
			return fmt.Errorf("%w: name subsection", ErrFormat)
		}
		sub := reader{b: r.b[r.i : r.i+int(size)]}
		r.i += int(size)
		if id != 1 {
			continue
		}
		n := sub.uleb()
		for k := uint64(0); k < n && sub.err == nil; k++ {
			idx := sub.uleb()
			names[int(idx)] = sub.name()
		}
		if sub.err != nil {
			return fmt.Errorf("%w: function names", ErrFormat)
		}
	}
	return r.err
}

// countFuncImports counts the function imports, which take the first
// function indices.
func countFuncImports(r *reader) int {
	n := r.uleb()
	funcs := 0
	for k := uint64(0); k < n && r.err == nil; k++ {
		r.name() // module
		r.name() // field
		switch r.byte() {
		case 0: // func: type index
			r.uleb()
			funcs++
		case 1: // table: reftype, limits
			r.byte()
			r.limits()
		case 2: // memory
			r.limits()
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
		default:
			r.err = ErrFormat
		}
	}
	return funcs
}

// Write prints the report: sizes, sections and the top packages.
func (r *Report) Write(w io.Writer, top int) {
	fmt.Fprintf(w, "module: %d bytes raw, %d bytes gzip -9\n", r.Raw, r.Gzip)
	var secs []string
	for s := range r.Sections {
		secs = append(secs, s)
	}
	sort.Slice(secs, func(i, j int) bool { return r.Sections[secs[i]] > r.Sections[secs[j]] })
	for _, s := range secs {
		fmt.Fprintf(w, "  section %-22s %9d\n", s, r.Sections[s])
	}
	if len(r.Packages) == 0 {
		fmt.Fprintln(w, "no name section: build without -ldflags=-s for a per-package breakdown")
		return
	}
	code := 0
	for _, p := range r.Packages {
		code += p.Bytes
	}
	fmt.Fprintf(w, "code by package (%d bytes in %d packages):\n", code, len(r.Packages))
	for i, p := range r.Packages {
		if i == top {
			fmt.Fprintf(w, "  ... %d more\n", len(r.Packages)-top)
			break
		}
		fmt.Fprintf(w, "  %9d %5.1f%% %5d funcs  %s\n", p.Bytes, 100*float64(p.Bytes)/float64(code), p.Funcs, p.Name)
	}
}

// Deps is a build's package graph.
type Deps struct {
	// Packages are the build's packages.
	Packages []string
	// Importers maps a package to the packages that import it.
	Importers map[string][]string
}

// ParseDeps reads the output of
// `go list -deps -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}'`.
func ParseDeps(goList string) Deps {
	d := Deps{Importers: map[string][]string{}}
	for _, line := range strings.Split(goList, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		d.Packages = append(d.Packages, f[0])
		for _, imp := range f[1:] {
			d.Importers[imp] = append(d.Importers[imp], f[0])
		}
	}
	return d
}

// reader decodes the module's LEB128 integers and names, remembering the
// first error.
type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || r.i >= len(r.b) {
		r.err = ErrFormat
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = ErrFormat
	return 0
}

func (r *reader) name() string {
	n := r.uleb()
	if r.err != nil || n > uint64(len(r.b)-r.i) {
		r.err = ErrFormat
		return ""
	}
	s := string(r.b[r.i : r.i+int(n)])
	r.i += int(n)
	return s
}

func (r *reader) limits() {
	if r.byte()&1 == 1 {
		r.uleb()
	}
	r.uleb()
}
