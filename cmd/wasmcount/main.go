// Command wasmcount calls the edge module's rewrite export (wasm/ABI.md)
// a given number of times under wazero, unguarded, so that
// scripts/wasm-instr.sh can count the instructions of the module's
// compiled code per call with callgrind: a figure that, unlike a time,
// does not move with the machine's load. It only drives the module; the
// counting is the script's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

func main() {
	module := flag.String("module", "dist/edge.wasm", "the edge module")
	master := flag.String("master", "wasm/manifest/testdata/ladder8.m3u8", "the master playlist to rewrite")
	caps := flag.String("caps", "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0", "the device caps")
	calls := flag.Int("n", 1000, "rewrite calls")
	cache := flag.String("cache", ".cache/wasmcount", "wazero compilation cache, so that a counted run does not compile")
	flag.Parse()
	if err := run(*module, *master, *caps, *calls, *cache); err != nil {
		fmt.Fprintln(os.Stderr, "wasmcount:", err)
		os.Exit(1)
	}
}

func run(module, master, caps string, calls int, cacheDir string) error {
	ctx := context.Background()
	code, err := os.ReadFile(module)
	if err != nil {
		return err
	}
	playlist, err := os.ReadFile(master)
	if err != nil {
		return err
	}
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
	if err != nil {
		return err
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	m, err := r.InstantiateWithConfig(ctx, code, wazero.NewModuleConfig().
		// wazero's default clocks, which are fake and deterministic: with
		// real ones, the module's runtime does timed work (and so runs
		// more or fewer instructions) depending on how long callgrind
		// takes. No collection in the module either: the rewrite allocates
		// nothing, and a collection between calls would be counted.
		WithStartFunctions("_initialize").WithEnv("GOGC", "off"))
	if err != nil {
		return err
	}
	in := append([]byte(caps+"\n"), playlist...)
	res, err := m.ExportedFunction("alloc").Call(ctx, uint64(len(in)))
	if err != nil {
		return err
	}
	ptr := uint32(res[0])
	if !m.Memory().Write(ptr, in) {
		return fmt.Errorf("input buffer outside memory")
	}
	rewrite := m.ExportedFunction("rewrite")
	for i := range calls {
		res, err := rewrite.Call(ctx, uint64(ptr), uint64(len(in)))
		if err != nil {
			return err
		}
		out, ok := m.Memory().Read(uint32(res[0]>>32), uint32(res[0]))
		if !ok || len(out) < 3 || string(out[:3]) != "ok\n" {
			return fmt.Errorf("call %d: not an ok result: %.40q", i, out)
		}
	}
	return nil
}
