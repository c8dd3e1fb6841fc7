package cloudfront

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
	"github.com/edgeflix/edgeflix/wasm/gate"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

var (
	benchWasm   = flag.Bool("bench-wasm", false, "run TestBenchWasm (make bench-wasm): native vs wazero vs Node, memory, bundle sizes")
	benchN      = flag.Int("bench-n", 20000, "TestBenchWasm: timed calls per warm measurement")
	memoryCalls = flag.Int("memory-calls", 1_000_000, "TestBenchWasm: gate calls for the memory check")
	baseline    = flag.String("baseline", "", "TestBenchWasm: an edge.wasm to time against this tree's module (wazero unguarded, calls interleaved)")
)

// timing is a latency distribution.
type timing struct{ p50, p99 time.Duration }

func (t timing) String() string {
	if t.p50 == 0 {
		return "—"
	}
	return fmt.Sprintf("%v / %v", t.p50, t.p99)
}

// measure times n calls of fn one by one (after a warm-up) and returns p50
// and p99.
func measure(t *testing.T, n int, fn func() error) timing {
	t.Helper()
	for range min(n, 1000) {
		if err := fn(); err != nil {
			t.Fatal(err)
		}
	}
	d := make([]time.Duration, n)
	for i := range d {
		s := time.Now()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		d[i] = time.Since(s)
	}
	slices.Sort(d)
	return timing{d[n/2], d[n*99/100]}
}

// measurePair is measure for two functions whose calls alternate, so that
// the machine's load falls on both alike.
func measurePair(t *testing.T, n int, a, b func() error) (timing, timing) {
	t.Helper()
	for range min(n, 1000) {
		if err := a(); err != nil {
			t.Fatal(err)
		}
		if err := b(); err != nil {
			t.Fatal(err)
		}
	}
	d := [2][]time.Duration{make([]time.Duration, n), make([]time.Duration, n)}
	for i := range n {
		for k, fn := range []func() error{a, b} {
			s := time.Now()
			if err := fn(); err != nil {
				t.Fatal(err)
			}
			d[k][i] = time.Since(s)
		}
	}
	slices.Sort(d[0])
	slices.Sort(d[1])
	return timing{d[0][n/2], d[0][n*99/100]}, timing{d[1][n/2], d[1][n*99/100]}
}

func rssKB() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// TestBenchWasm is `make bench-wasm`: the gate (warm = token remembered,
// cold = first-seen token, a signature check) and the rewrite of an
// 8-variant master, natively, in wazero (guarded and unguarded code) and in
// Node.js WASI; the instance's linear memory over -memory-calls gate calls
// (must stay flat within 10 %); the Lambda@Edge zip sizes. It prints one
// side-by-side table.
func TestBenchWasm(t *testing.T) {
	if !*benchWasm {
		t.Skip("run with -bench-wasm (make bench-wasm)")
	}
	ctx := context.Background()
	n := *benchN
	path := "/t/" + corpusKeys.Token("/v1/media/a1/", time.Now(), time.Now().Add(24*time.Hour)) + "/v1/media/a1/720p/seg_00001.m4s"
	now := time.Now()
	master, err := os.ReadFile(filepath.Join(lambdaDir, "testdata", "origin", "v1", "media", "a1", "master.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	const caps = "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0"
	cfgFor := func(cacheSize int) []byte {
		cfg := contract.ModuleConfig{Issuer: contract.DefaultIssuer, Audience: contract.DefaultAudience, LeewaySeconds: 30, CacheSize: int64(cacheSize), JWKS: testJWKS()}
		return cfg.AppendJSON(nil)
	}
	rows := map[string][4]timing{} // native, wazero guarded, wazero unguarded, node

	// Native.
	nativeGate := func(cacheSize int) func() error {
		cfg, err := gate.ParseConfig(cfgFor(cacheSize))
		if err != nil {
			t.Fatal(err)
		}
		g, err := gate.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return func() error {
			if r := g.Check(path, now.UnixMilli()); r.Status != gate.Allow {
				return fmt.Errorf("native gate: %+v", r)
			}
			return nil
		}
	}
	var rw manifest.Rewriter
	input := manifest.AppendInput(nil, caps, master)
	var dst []byte
	nativeRewrite := func() error {
		dst = rw.Call(dst[:0], input)
		if !bytes.HasPrefix(dst, []byte("ok\n")) {
			return fmt.Errorf("native rewrite: %.40q", dst)
		}
		return nil
	}
	gw := rows["gate warm"]
	gc := rows["gate cold"]
	rr := rows["rewrite 8-variant master"]
	gw[0] = measure(t, n, nativeGate(0))
	gc[0] = measure(t, n/20, nativeGate(-1))
	rr[0] = measure(t, n, nativeRewrite)

	// wazero, guarded and unguarded code.
	mod := wasmbuild.Edge(t)
	for i, unguarded := range []bool{false, true} {
		hostGate := func(cacheSize int) (*fnhost.Host, func() error) {
			h, err := fnhost.New(ctx, fnhost.Options{Module: mod, PoolSize: 1, Unguarded: unguarded})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = h.Close(ctx) })
			if err := h.Configure(ctx, cfgFor(cacheSize)); err != nil {
				t.Fatal(err)
			}
			return h, func() error {
				r, err := h.Gate(ctx, path, now)
				if err == nil && r.Status != gate.Allow {
					err = fmt.Errorf("wazero gate: %+v", r)
				}
				return err
			}
		}
		h, warm := hostGate(0)
		gw[1+i] = measure(t, n, warm)
		_, cold := hostGate(-1)
		gc[1+i] = measure(t, n/20, cold)
		// The edge's own path (edge/fnhost.Host.Rewrite: the input written
		// straight into the module, one copy of the result), not
		// HostModule.Rewrite's CallExport with its joined input.
		rr[1+i] = measure(t, n, func() error {
			_, err := h.Rewrite(ctx, master, caps)
			return err
		})
	}

	// This tree's module against a baseline module, calls interleaved.
	var baseRows [][3]string
	if *baseline != "" {
		baseMod, err := os.ReadFile(*baseline)
		if err != nil {
			t.Fatal(err)
		}
		var warm, cold, rewrites []func() error
		for _, m := range [][]byte{mod, baseMod} {
			for _, cacheSize := range []int{0, -1} {
				h, err := fnhost.New(ctx, fnhost.Options{Module: m, PoolSize: 1, Unguarded: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = h.Close(ctx) })
				if err := h.Configure(ctx, cfgFor(cacheSize)); err != nil {
					t.Fatal(err)
				}
				call := func() error {
					r, err := h.Gate(ctx, path, now)
					if err == nil && r.Status != gate.Allow {
						err = fmt.Errorf("wazero gate: %+v", r)
					}
					return err
				}
				if cacheSize < 0 {
					cold = append(cold, call)
					continue
				}
				warm = append(warm, call)
				rewrites = append(rewrites, func() error {
					_, err := h.Rewrite(ctx, master, caps)
					return err
				})
			}
		}
		for _, m := range []struct {
			name  string
			calls int
			fns   []func() error
		}{{"gate warm", n, warm}, {"gate cold", n / 20, cold}, {"rewrite 8-variant master", n, rewrites}} {
			this, base := measurePair(t, m.calls, m.fns[0], m.fns[1])
			baseRows = append(baseRows, [3]string{m.name, this.String(), base.String()})
		}
	}

	// Node.js WASI.
	dir := lambdaBundle(t, cfgFor(0))
	for _, f := range []string{"bench.mjs"} {
		b, err := os.ReadFile(filepath.Join(lambdaDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	coldCfg := filepath.Join(dir, "config_cold.json")
	if err := os.WriteFile(coldCfg, cfgFor(-1), 0o644); err != nil {
		t.Fatal(err)
	}
	masterFile := filepath.Join(dir, "master.m3u8")
	if err := os.WriteFile(masterFile, master, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "bench.mjs"), filepath.Join(dir, "edge.wasm"),
		filepath.Join(dir, "config.json"), coldCfg, path, masterFile, caps, fmt.Sprint(n))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node bench.mjs: %v\n%s", err, stderr.String())
	}
	type nodeTiming struct {
		P50 int64 `json:"p50_ns"`
		P99 int64 `json:"p99_ns"`
	}
	var nb struct {
		GateWarm    nodeTiming `json:"gate_warm"`
		GateCold    nodeTiming `json:"gate_cold"`
		Rewrite     nodeTiming `json:"rewrite"`
		MemoryBytes int64      `json:"memory_bytes"`
	}
	if err := json.Unmarshal(bytes.SplitN(out, []byte("\n"), 2)[0], &nb); err != nil {
		t.Fatalf("node bench output: %v: %s", err, out)
	}
	nt := func(x nodeTiming) timing { return timing{time.Duration(x.P50), time.Duration(x.P99)} }
	gw[3], gc[3], rr[3] = nt(nb.GateWarm), nt(nb.GateCold), nt(nb.Rewrite)
	rows["gate warm"], rows["gate cold"], rows["rewrite 8-variant master"] = gw, gc, rr

	// Memory over many gate calls (unguarded: same module, faster).
	h, err := fnhost.New(ctx, fnhost.Options{Module: mod, PoolSize: 1, Unguarded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	if err := h.Configure(ctx, cfgFor(0)); err != nil {
		t.Fatal(err)
	}
	// The Go heap inside the instance grows to its steady state (GOGC) in
	// the first calls; flat means flat from there on.
	warmup := max(*memoryCalls/10, 1000)
	memFirst := uint64(0)
	for i := range warmup {
		if _, err := h.Gate(ctx, path, now); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			m, err := h.MemoryBytes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			memFirst = m[0]
		}
	}
	mem0, err := h.MemoryBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rss0 := rssKB()
	start := time.Now()
	for i := range *memoryCalls {
		if r, err := h.Gate(ctx, path, now); err != nil || r.Status != gate.Allow {
			t.Fatalf("call %d: %+v %v", i, r, err)
		}
	}
	memDur := time.Since(start)
	mem1, err := h.MemoryBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rss1 := rssKB()

	// Bundles.
	sizes := map[string]string{}
	for _, z := range []string{"viewer-request.zip", "origin-request.zip"} {
		if fi, err := os.Stat(filepath.Join("..", "..", "dist", "lambda", z)); err == nil {
			sizes[z] = fmt.Sprintf("%d bytes (%.0f KB)", fi.Size(), float64(fi.Size())/1000)
		} else {
			sizes[z] = "not built (make lambda)"
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\nedge module benchmarks, p50 / p99 per call (%d calls; cold %d)\n\n", n, n/20)
	fmt.Fprintf(&b, "| measurement | native Go | wazero guarded | wazero unguarded | Node.js WASI |\n|---|---|---|---|---|\n")
	for _, k := range []string{"gate warm", "gate cold", "rewrite 8-variant master"} {
		r := rows[k]
		fmt.Fprintf(&b, "| %s | %v | %v | %v | %v |\n", k, r[0], r[1], r[2], r[3])
	}
	if len(baseRows) > 0 {
		fmt.Fprintf(&b, "\nwazero unguarded, this tree's module and %s, calls interleaved:\n\n| measurement | this tree | baseline |\n|---|---|---|\n", *baseline)
		for _, r := range baseRows {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", r[0], r[1], r[2])
		}
	}
	fmt.Fprintf(&b, "\nwazero instance linear memory: %d bytes after the first call, %d after %d warm-up calls, %d after %d more (%v); process RSS %s → %s\n",
		memFirst, mem0[0], warmup, mem1[0], *memoryCalls, memDur.Round(time.Millisecond), rss0, rss1)
	fmt.Fprintf(&b, "Node.js instance linear memory after the bench: %d bytes\n", nb.MemoryBytes)
	for _, z := range []string{"viewer-request.zip", "origin-request.zip"} {
		fmt.Fprintf(&b, "dist/lambda/%s: %s\n", z, sizes[z])
	}
	fmt.Println(b.String())
	if float64(mem1[0]) > 1.1*float64(mem0[0]) {
		t.Errorf("linear memory grew more than 10 %%: %d → %d bytes", mem0[0], mem1[0])
	}
}
