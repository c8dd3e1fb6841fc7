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
	// restart skips compiling the module.
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
	CallTimeout time.Duration
	// Stderr receives the module's stderr (Go panics); nil discards it.
	Stderr io.Writer
	// Logger receives instance replacement events; nil discards them.
	Logger *slog.Logger
}

// Stats count pool events.
type Stats struct {
	Calls    uint64 // gate calls that reached an instance
	Replaced uint64 // instances discarded after an error
}

// Host runs the edge module.
type Host struct {
	opts     Options
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	modCfg   wazero.ModuleConfig
	pool     chan *instance
	done     chan struct{}
	wg       sync.WaitGroup // replacement goroutines

	mu     sync.Mutex // guards config, gen and closed
	config []byte
	gen    uint64
	closed bool

	calls    atomic.Uint64
	replaced atomic.Uint64
}

// instance is one module instance; it is used by one goroutine at a time.
type instance struct {
	mod       api.Module
	alloc     api.Function
	configure api.Function
	gate      api.Function
	stack     [3]uint64
	gen       uint64 // configuration generation applied; 0 = none
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
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(opts.MemoryLimitPages)
	switch {
	case opts.Cache != nil:
		rc = rc.WithCompilationCache(opts.Cache)
	case opts.CacheDir != "":
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
	}
	v, err := mod.ExportedFunction("abi_version").Call(ctx)
	if err != nil || len(v) != 1 || v[0] != ABIVersion {
		_ = mod.Close(ctx)
		return nil, fmt.Errorf("%w: abi_version = %v (%v), want %d", ErrModule, v, err, ABIVersion)
	}
	return inst, nil
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
	h.mu.Lock()
	cfg, gen, closed := h.config, h.gen, h.closed
	h.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if inst.gen != gen {
		if err := h.apply(ctx, inst, cfg); err != nil {
			h.discard(inst, err)
			return nil, err
		}
		inst.gen = gen
	}
	return inst, nil
}

func (h *Host) release(inst *instance) {
	h.pool <- inst // never blocks: the pool holds at most PoolSize instances
}

// discard closes inst and starts a replacement.
func (h *Host) discard(inst *instance, cause error) {
	h.replaced.Add(1)
	_ = inst.mod.Close(context.Background())
	h.mu.Lock()
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
			h.opts.Logger.Error("edge module instantiation failed", "err", err)
			select {
			case <-h.done:
				return
			case <-time.After(delay):
			}
		}
	}()
}

// call runs fn on inst with input written to the module's input buffer and
// returns a copy of the packed result bytes. Any failure poisons inst.
func (h *Host) call(ctx context.Context, inst *instance, fn api.Function, input []byte, extra ...uint64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.opts.CallTimeout)
	defer cancel()
	st := inst.stack[:]
	st[0] = uint64(len(input))
	if err := inst.alloc.CallWithStack(ctx, st); err != nil {
		return nil, err
	}
	ptr := uint32(st[0])
	if !inst.mod.Memory().Write(ptr, input) {
		return nil, errors.New("input buffer outside memory")
	}
	st[0], st[1] = uint64(ptr), uint64(len(input))
	copy(st[2:], extra)
	if err := fn.CallWithStack(ctx, st); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// The watcher may close the module at any moment now.
		return nil, err
	}
	packed := st[0]
	out, ok := inst.mod.Memory().Read(uint32(packed>>32), uint32(packed))
	if !ok {
		return nil, errors.New("result outside memory")
	}
	return append([]byte(nil), out...), nil
}

func (h *Host) apply(ctx context.Context, inst *instance, cfg []byte) error {
	out, err := h.call(ctx, inst, inst.configure, cfg)
	if err != nil {
		return fmt.Errorf("%w: configure: %v", ErrCall, err)
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
		if errors.Is(err, ErrConfig) {
			h.release(inst) // the module kept its previous configuration
		} else {
			h.discard(inst, err)
		}
		return err
	}
	h.mu.Lock()
	h.gen++
	h.config = append([]byte(nil), cfg...)
	inst.gen = h.gen
	h.mu.Unlock()
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
	out, err := h.call(ctx, inst, inst.gate, []byte(rawPath), uint64(now.UnixMilli()))
	if err == nil {
		var r gate.Result
		if r, err = gate.ParseResult(out); err == nil {
			h.release(inst)
			return r, nil
		}
	}
	h.discard(inst, err)
	return gate.Result{}, fmt.Errorf("%w: %v", ErrCall, err)
}

// Stats returns counters since New.
func (h *Host) Stats() Stats {
	return Stats{Calls: h.calls.Load(), Replaced: h.replaced.Load()}
}

// Close closes every instance and the runtime. Calls in flight fail.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.done)
	h.mu.Unlock()
	err := h.runtime.Close(ctx)
	h.wg.Wait()
	return err
}
