// Package fnhost runs the edge Wasm module (wasm/ABI.md) under wazero: it
// compiles the module once, keeps a pool of instantiated and configured
// instances, bounds every call by a deadline and a memory limit, and
// replaces an instance that errors or traps instead of reusing it.
package fnhost

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgeflix/edgeflix/wasm/gate"
)

// ABIVersion is the module ABI version this host speaks.
const ABIVersion = 1

// Defaults for zero Options fields.
const (
	DefaultMemoryLimitPages = 2048 // 128 MiB, Lambda@Edge viewer-trigger memory
	DefaultCallTimeout      = time.Second
)

var (
	// ErrClosed reports use of a closed Host.
	ErrClosed = errors.New("fnhost: closed")
	// ErrModule reports a module that lacks the exports or ABI version the host needs.
	ErrModule = errors.New("fnhost: unusable module")
	// ErrConfig reports a configuration the module refused.
	ErrConfig = errors.New("fnhost: module refused configuration")
	// ErrCall reports a call that failed inside the module (trap, deadline,
	// malformed answer); the instance has been replaced.
	ErrCall = errors.New("fnhost: module call failed")
)

// Options configure a Host.
type Options struct {
	// Module is the .wasm file (required).
	Module []byte
	// CacheDir, if set, is a directory for wazero's compilation cache, so a
	// restart skips compiling the module. It is made 0700 if missing and
	// refused if it is a symlink, owned by another user or writable by
	// group or others (PrepareCacheDir).
	CacheDir string
	// Cache, if set, is an in-process compilation cache shared between
	// hosts (tests use it); it takes precedence over CacheDir.
	Cache wazero.CompilationCache
	// PoolSize is the number of instances; 0 means GOMAXPROCS.
	PoolSize int
	// MemoryLimitPages caps each instance's linear memory in 64 KiB pages;
	// 0 means DefaultMemoryLimitPages.
	MemoryLimitPages uint32
	// CallTimeout bounds each call into the module; 0 means DefaultCallTimeout.
	// A shared watchdog enforces it (and a caller's earlier context
	// deadline) with a granularity of a quarter of CallTimeout.
	CallTimeout time.Duration
	// Unguarded compiles the module without wazero's termination checks.
	// Guarded code leaves the JIT-compiled code at every loop back-edge to
	// ask whether the module was closed, which makes a warm gate call about
	// eight times slower (docs/BENCHMARKS.md). Unguarded, a call that
	// overruns its deadline is still detected, reported as ErrCall and its
	// instance replaced, but only once the call returns by itself: a call
	// stuck in a loop that never returns cannot be stopped. False (the
	// default) keeps the hard stop.
	Unguarded bool
	// Stderr receives the module's stderr (Go panics); nil discards it.
	Stderr io.Writer
	// Logger receives instance replacement events; nil discards them.
	Logger *slog.Logger
}

// Stats count pool events.
type Stats struct {
	Calls    uint64 // gate calls that reached an instance
	Replaced uint64 // instances discarded after an error
	Overruns uint64 // calls the watchdog found past their deadline
}

// configState is one configuration generation.
type configState struct {
	doc []byte
	gen uint64
}

// Host runs the edge module.
type Host struct {
	opts     Options
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	modCfg   wazero.ModuleConfig
	pool     chan *instance
	done     chan struct{}
	wg       sync.WaitGroup // replacement goroutines and the watchdog

	// config is the current configuration; nil until Configure succeeds.
	config atomic.Pointer[configState]
	mu     sync.Mutex // guards closed, live and Configure's generation bump
	closed bool
	live   map[*instance]struct{} // every instance not yet discarded
	isDone atomic.Bool            // closed, readable without mu

	calls    atomic.Uint64
	replaced atomic.Uint64
	overruns atomic.Uint64
}

// instance is one module instance; it is used by one goroutine at a time.
type instance struct {
	mod       api.Module
	alloc     api.Function
	configure api.Function
	gate      api.Function
	rewrite   api.Function // nil when the module has no rewrite export
	stack     [3]uint64
	gen       uint64 // configuration generation applied; 0 = none
	// in and inSize are the input buffer alloc last returned and the size
	// asked for: the ABI keeps it valid until the next alloc, so a call
	// whose input fits skips the alloc call.
	in, inSize uint32
	// exports caches CallExport's function lookups (wazero builds a new
	// call engine per ExportedFunction).
	exports map[string]api.Function

	// ctx is the instance's long-lived call context: with guarded code,
	// the watchdog cancels it to stop a runaway call (wazero then closes
	// the module). Calls share it, so no context or timer is made per call.
	ctx    context.Context
	cancel context.CancelFunc
	// deadline is the running call's deadline in Unix nanoseconds, 0 when
	// idle; the watchdog reads it.
	deadline atomic.Int64
	// overrun is set by the watchdog when the call ran past deadline.
	overrun atomic.Bool
}

// New compiles opts.Module, checks its exports and instantiates the pool.
// Instances answer "not_configured" until Configure succeeds.
func New(ctx context.Context, opts Options) (*Host, error) {
	if len(opts.Module) == 0 {
		return nil, fmt.Errorf("%w: no module bytes", ErrModule)
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = runtime.GOMAXPROCS(0)
	}
	if opts.MemoryLimitPages == 0 {
		opts.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(!opts.Unguarded).
		WithMemoryLimitPages(opts.MemoryLimitPages)
	switch {
	case opts.Cache != nil:
		rc = rc.WithCompilationCache(opts.Cache)
	case opts.CacheDir != "":
		if err := PrepareCacheDir(opts.CacheDir); err != nil {
			return nil, err
		}
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("fnhost: compilation cache: %w", err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	h := &Host{
		opts:    opts,
		runtime: wazero.NewRuntimeWithConfig(ctx, rc),
		pool:    make(chan *instance, opts.PoolSize),
		done:    make(chan struct{}),
		live:    make(map[*instance]struct{}),
		// A real clock: wazero's default fake clock stops Go's GC from
		// reclaiming memory (ARCHITECTURE.md, known pitfalls).
		modCfg: wazero.NewModuleConfig().
			WithName("").
			WithStartFunctions("_initialize").
			WithSysNanotime().WithSysWalltime().WithSysNanosleep().
			WithRandSource(rand.Reader).
			WithStderr(opts.Stderr),
	}
	if err := h.init(ctx); err != nil {
		_ = h.runtime.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	h.wg.Add(1)
	go h.watchdog()
	return h, nil
}

func (h *Host) init(ctx context.Context) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, h.runtime); err != nil {
		return fmt.Errorf("fnhost: wasi: %w", err)
	}
	compiled, err := h.runtime.CompileModule(ctx, h.opts.Module)
	if err != nil {
		return fmt.Errorf("%w: compile: %v", ErrModule, err)
	}
	h.compiled = compiled
	exports := compiled.ExportedFunctions()
	for _, name := range []string{"_initialize", "abi_version", "alloc", "configure", "gate"} {
		if _, ok := exports[name]; !ok {
			return fmt.Errorf("%w: missing export %q", ErrModule, name)
		}
	}
	for range h.opts.PoolSize {
		inst, err := h.instantiate(ctx)
		if err != nil {
			return err
		}
		h.pool <- inst
	}
	return nil
}

func (h *Host) instantiate(ctx context.Context) (*instance, error) {
	mod, err := h.runtime.InstantiateModule(ctx, h.compiled, h.modCfg)
	if err != nil {
		return nil, fmt.Errorf("%w: instantiate: %v", ErrModule, err)
	}
	inst := &instance{
		mod:       mod,
		alloc:     mod.ExportedFunction("alloc"),
		configure: mod.ExportedFunction("configure"),
		gate:      mod.ExportedFunction("gate"),
		rewrite:   mod.ExportedFunction("rewrite"),
	}
	inst.ctx, inst.cancel = context.WithCancel(context.Background())
	v, err := mod.ExportedFunction("abi_version").Call(ctx)
	if err != nil || len(v) != 1 || v[0] != ABIVersion {
		inst.cancel()
		_ = mod.Close(ctx)
		return nil, fmt.Errorf("%w: abi_version = %v (%v), want %d", ErrModule, v, err, ABIVersion)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		inst.cancel()
		_ = mod.Close(ctx)
		return nil, ErrClosed
	}
	h.live[inst] = struct{}{}
	return inst, nil
}

// watchdog enforces call deadlines: every quarter of CallTimeout it looks
// at the instances with a call in flight and stops (guarded) or marks
// (unguarded) those past their deadline.
func (h *Host) watchdog() {
	defer h.wg.Done()
	tick := time.NewTicker(max(h.opts.CallTimeout/4, time.Millisecond))
	defer tick.Stop()
	var busy []*instance
	for {
		select {
		case <-h.done:
			return
		case t := <-tick.C:
			now := t.UnixNano()
			busy = busy[:0]
			h.mu.Lock()
			for inst := range h.live {
				if d := inst.deadline.Load(); d != 0 && now > d {
					busy = append(busy, inst)
				}
			}
			h.mu.Unlock()
			for _, inst := range busy {
				if inst.overrun.CompareAndSwap(false, true) {
					h.overruns.Add(1)
					// Guarded code sees the cancellation at its next loop
					// back-edge or call and wazero closes the module;
					// unguarded code is discarded when the call returns.
					inst.cancel()
				}
			}
		}
	}
}

// acquire takes an instance from the pool and brings it to the current
// configuration.
func (h *Host) acquire(ctx context.Context) (*instance, error) {
	var inst *instance
	select {
	case inst = <-h.pool:
	default:
		select {
		case inst = <-h.pool:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-h.done:
			return nil, ErrClosed
		}
	}
	if h.isDone.Load() {
		return nil, ErrClosed
	}
	if cfg := h.config.Load(); cfg != nil && inst.gen != cfg.gen {
		if err := h.apply(ctx, inst, cfg.doc); err != nil {
			if errors.Is(err, ErrConfig) || errors.Is(err, errNotStarted) {
				h.release(inst) // the module kept its previous configuration
			} else {
				h.discard(inst, err)
			}
			return nil, err
		}
		inst.gen = cfg.gen
	}
	return inst, nil
}

func (h *Host) release(inst *instance) {
	h.pool <- inst // never blocks: the pool holds at most PoolSize instances
}

// discard closes inst and starts a replacement.
func (h *Host) discard(inst *instance, cause error) {
	h.replaced.Add(1)
	inst.cancel()
	_ = inst.mod.Close(context.Background())
	h.mu.Lock()
	delete(h.live, inst)
	closed := h.closed
	if !closed {
		h.wg.Add(1)
	}
	h.mu.Unlock()
	if closed {
		return
	}
	h.opts.Logger.Warn("edge module instance replaced", "cause", cause)
	go func() {
		defer h.wg.Done()
		for delay := 10 * time.Millisecond; ; delay = min(2*delay, time.Second) {
			inst, err := h.instantiate(context.Background())
			if err == nil {
				h.pool <- inst
				return
			}
			if errors.Is(err, ErrClosed) {
				return
			}
			h.opts.Logger.Error("edge module instantiation failed", "err", err)
			select {
			case <-h.done:
				return
			case <-time.After(delay):
			}
		}
	}()
}

var (
	// errOverrun reports a call the watchdog found past its deadline.
	errOverrun = errors.New("call overran its deadline")
	// errNotStarted reports a call refused because its context was already
	// done; the instance was not touched and stays usable.
	errNotStarted = errors.New("call not started")
)

// callView runs fn on inst with input written to the module's input
// buffer (extra values follow ptr and len) and returns the packed result
// bytes as a view into the module's memory, valid until the next call on
// inst. The call's deadline is CallTimeout from now or ctx's deadline,
// whichever is earlier; a ctx already done fails before the call and
// leaves inst usable. Any other failure poisons inst: the caller discards
// it.
func (h *Host) callView(ctx context.Context, inst *instance, fn api.Function, input string, extra ...uint64) ([]byte, error) {
	return h.callView2(ctx, inst, fn, "", input, extra...)
}

// callView2 is callView with the input head+input written one after the
// other, so a caller need not join them first.
func (h *Host) callView2(ctx context.Context, inst *instance, fn api.Function, head, input string, extra ...uint64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotStarted, err)
	}
	deadline := time.Now().Add(h.opts.CallTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	inst.deadline.Store(deadline.UnixNano())
	defer inst.deadline.Store(0)
	mem := inst.mod.Memory()
	st := inst.stack[:]
	n := len(head) + len(input)
	if n > 1<<31 {
		return nil, errors.New("input too large")
	}
	if inst.inSize == 0 || uint32(n) > inst.inSize {
		st[0] = uint64(n)
		if err := inst.alloc.CallWithStack(inst.ctx, st); err != nil {
			inst.in, inst.inSize = 0, 0
			return nil, err
		}
		inst.in, inst.inSize = uint32(st[0]), uint32(max(n, 1))
	}
	ptr := inst.in
	if !mem.WriteString(ptr, head) || !mem.WriteString(ptr+uint32(len(head)), input) {
		return nil, errors.New("input buffer outside memory")
	}
	st[0], st[1] = uint64(ptr), uint64(n)
	copy(st[2:], extra)
	if err := fn.CallWithStack(inst.ctx, st); err != nil {
		return nil, err
	}
	if inst.overrun.Load() {
		return nil, errOverrun
	}
	packed := st[0]
	out, ok := mem.Read(uint32(packed>>32), uint32(packed))
	if !ok {
		return nil, errors.New("result outside memory")
	}
	return out, nil
}

// call is callView with input as bytes and a copy of the result, which
// stays valid after further calls.
func (h *Host) call(ctx context.Context, inst *instance, fn api.Function, input []byte, extra ...uint64) ([]byte, error) {
	out, err := h.callView(ctx, inst, fn, unsafeString(input), extra...)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), out...), nil
}

// unsafeString views b as a string for the duration of a call that only
// reads it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (h *Host) apply(ctx context.Context, inst *instance, cfg []byte) error {
	out, err := h.callView(ctx, inst, inst.configure, unsafeString(cfg))
	if err != nil {
		return fmt.Errorf("%w: configure: %w", ErrCall, err)
	}
	if string(out) != "ok\n" {
		return fmt.Errorf("%w: %s", ErrConfig, out)
	}
	return nil
}

// Configure validates cfg (gate.ParseConfig's document) on one instance
// and makes it the configuration of every instance: the others apply it
// before their next call. If the module refuses cfg, the previous
// configuration stays in force and the error wraps ErrConfig.
func (h *Host) Configure(ctx context.Context, cfg []byte) error {
	inst, err := h.acquire(ctx)
	if err != nil {
		return err
	}
	if err := h.apply(ctx, inst, cfg); err != nil {
		if errors.Is(err, ErrConfig) || errors.Is(err, errNotStarted) {
			h.release(inst) // the module kept its previous configuration
		} else {
			h.discard(inst, err)
		}
		return err
	}
	h.mu.Lock()
	gen := uint64(1)
	if old := h.config.Load(); old != nil {
		gen = old.gen + 1
	}
	h.config.Store(&configState{doc: append([]byte(nil), cfg...), gen: gen})
	h.mu.Unlock()
	inst.gen = gen
	h.release(inst)
	return nil
}

// Gate runs the viewer-request gate for a raw request path at now.
// An error means the module could not answer (the caller should deny).
func (h *Host) Gate(ctx context.Context, rawPath string, now time.Time) (gate.Result, error) {
	inst, err := h.acquire(ctx)
	if err != nil {
		return gate.Result{}, err
	}
	h.calls.Add(1)
	out, err := h.callView(ctx, inst, inst.gate, rawPath, uint64(now.UnixMilli()))
	if err == nil {
		var r gate.Result
		if r, err = gate.ParseResult(out); err == nil {
			h.release(inst)
			return r, nil
		}
	} else if errors.Is(err, errNotStarted) {
		h.release(inst)
		return gate.Result{}, err
	}
	h.discard(inst, err)
	return gate.Result{}, fmt.Errorf("%w: %v", ErrCall, err)
}

// CallExport runs the module export name, which must follow the ABI's
// (ptr i32, len i32) -> packed i64 convention (configure, rewrite and
// later exports of that shape), on a configured instance with input in the
// input buffer, and returns a copy of the packed result bytes. It is the
// operators' and tests' way to reach exports the host has no typed method
// for. A missing export is ErrModule; a failed call is ErrCall.
func (h *Host) CallExport(ctx context.Context, name string, input []byte) ([]byte, error) {
	inst, err := h.acquire(ctx)
	if err != nil {
		return nil, err
	}
	fn, err := inst.export(name)
	if err != nil {
		h.release(inst)
		return nil, err
	}
	out, err := h.call(ctx, inst, fn, input)
	if err != nil {
		if errors.Is(err, errNotStarted) {
			h.release(inst)
			return nil, err
		}
		h.discard(inst, err)
		return nil, fmt.Errorf("%w: %s: %w", ErrCall, name, err)
	}
	h.release(inst)
	return out, nil
}

// export returns inst's export name if it has the ABI's (ptr i32, len i32)
// -> packed i64 type, looked up once per instance.
func (inst *instance) export(name string) (api.Function, error) {
	if fn, ok := inst.exports[name]; ok {
		return fn, nil
	}
	fn := inst.mod.ExportedFunction(name)
	if fn == nil || len(fn.Definition().ParamTypes()) != 2 || len(fn.Definition().ResultTypes()) != 1 {
		return nil, fmt.Errorf("%w: no export %q of type (i32, i32) -> i64", ErrModule, name)
	}
	if inst.exports == nil {
		inst.exports = make(map[string]api.Function)
	}
	inst.exports[name] = fn
	return fn, nil
}

// MemoryBytes returns the linear memory size of each pooled instance. It
// takes every instance out of the pool in turn, so it waits for calls in
// flight; it is for tests and operators, not the request path.
func (h *Host) MemoryBytes(ctx context.Context) ([]uint64, error) {
	insts := make([]*instance, 0, h.opts.PoolSize)
	defer func() {
		for _, inst := range insts {
			h.release(inst)
		}
	}()
	sizes := make([]uint64, 0, h.opts.PoolSize)
	for range h.opts.PoolSize {
		inst, err := h.acquire(ctx)
		if err != nil {
			return nil, err
		}
		insts = append(insts, inst)
		sizes = append(sizes, uint64(inst.mod.Memory().Size()))
	}
	return sizes, nil
}

// Stats returns counters since New.
func (h *Host) Stats() Stats {
	return Stats{Calls: h.calls.Load(), Replaced: h.replaced.Load(), Overruns: h.overruns.Load()}
}

// Close closes every instance and the runtime. Calls in flight fail.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.isDone.Store(true)
	close(h.done)
	for inst := range h.live {
		inst.cancel()
	}
	h.mu.Unlock()
	// Replacements under way finish (or see closed) before the runtime goes:
	// wazero must not close a runtime while it instantiates a module.
	h.wg.Wait()
	return h.runtime.Close(ctx)
}
