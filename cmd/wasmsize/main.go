// Command wasmsize breaks a Go-built WebAssembly module down by package:
// code bytes per Go package (from the module's name section), data and
// other sections, and the raw and gzip sizes. With -why it also names the
// packages of a build that import the given heavy packages.
//
//	GOOS=js GOARCH=wasm go build -trimpath -o /tmp/player.wasm ./player/app
//	go run ./cmd/wasmsize -top 25 -br 6,11 -why fmt,encoding/json,reflect -pkg ./player/app /tmp/player.wasm
//
// Build without -ldflags=-s: stripping removes the name section.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"

	"github.com/edgeflix/edgeflix/internal/wasmsize"
)

func main() {
	top := flag.Int("top", 30, "packages to list")
	why := flag.String("why", "", "comma-separated packages: list who imports them in -pkg's build")
	pkg := flag.String("pkg", "./player/app", "the Go package the module was built from")
	br := flag.String("br", "", "comma-separated brotli levels (0-11) to report the module's brotli size at")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] [-why pkg,pkg] [-pkg ./player/app] module.wasm")
		os.Exit(2)
	}
	if err := run(os.Stdout, flag.Arg(0), *top, *why, *pkg, *br); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, file string, top int, why, pkg, br string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, pkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list %s: %w", pkg, err)
	}
	deps := wasmsize.ParseDeps(string(out))
	r, err := wasmsize.Analyze(b, deps.Packages)
	if err != nil {
		return err
	}
	r.Write(w, top)
	for _, l := range strings.Split(br, ",") {
		if l == "" {
			continue
		}
		level, err := strconv.Atoi(l)
		if err != nil || level < 0 || level > 11 {
			return fmt.Errorf("brotli level %q: want 0-11", l)
		}
		var out bytes.Buffer
		bw := brotli.NewWriterLevel(&out, level)
		_, _ = bw.Write(b)
		if err := bw.Close(); err != nil {
			return err
		}
		fmt.Fprintf(w, "module: %d bytes brotli -%d\n", out.Len(), level)
	}
	if why == "" {
		return nil
	}
	importers := deps.Importers
	for _, p := range strings.Split(why, ",") {
		fmt.Fprintf(w, "imports %s: %s\n", p, strings.Join(importers[p], " "))
	}
	return nil
}
