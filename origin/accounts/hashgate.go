package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Defaults of the password-hash gate.
const (
	// DefaultHashMemoryBudget is the memory Argon2id may use at once in one
	// process: 13 checks at the current m=19 MiB.
	DefaultHashMemoryBudget = 256 << 20
	// DefaultHashWait is how long a password check waits for room before it
	// gives up with ErrBusy: a few check durations (~22 ms each), long
	// enough to ride out a burst, short enough that a flood gets answers.
	DefaultHashWait = 500 * time.Millisecond
)

// ErrBusy means every slot of the Argon2id memory budget stayed taken for
// the gate's whole wait; the password was not checked. Callers answer 503
// with Retry-After.
var ErrBusy = errors.New("password checks are at capacity")

// HashGate bounds the memory that concurrent Argon2id hashes take: each
// hash holds its parameter m (KiB) of a budget for as long as it runs, so
// a flood of logins from many addresses queues instead of exhausting
// memory. It is safe for concurrent use.
type HashGate struct {
	budgetKiB int64
	wait      time.Duration
	sem       *semaphore.Weighted

	inFlight atomic.Int64 // hashes running now
	peak     atomic.Int64 // the most hashes ever running at once
	runs     atomic.Int64 // hashes run so far
}

// NewHashGate returns a gate over budgetBytes of memory (at least one
// hash at the current parameters is always admitted) whose callers wait at
// most wait for room. budgetBytes <= 0 means DefaultHashMemoryBudget;
// wait < 0 means DefaultHashWait (0: do not wait).
func NewHashGate(budgetBytes int64, wait time.Duration) *HashGate {
	if budgetBytes <= 0 {
		budgetBytes = DefaultHashMemoryBudget
	}
	if wait < 0 {
		wait = DefaultHashWait
	}
	kib := max(budgetBytes>>10, argonMemoryKiB)
	return &HashGate{budgetKiB: kib, wait: wait, sem: semaphore.NewWeighted(kib)}
}

// Slots returns how many hashes at the current parameters may run at once.
func (g *HashGate) Slots() int { return int(g.budgetKiB / argonMemoryKiB) }

// Peak returns the most hashes that ever ran at once through g.
func (g *HashGate) Peak() int { return int(g.peak.Load()) }

// Runs returns how many hashes have run through g.
func (g *HashGate) Runs() int { return int(g.runs.Load()) }

// InFlight returns how many hashes run through g now.
func (g *HashGate) InFlight() int { return int(g.inFlight.Load()) }

// Wait returns how long a caller waits for room before ErrBusy.
func (g *HashGate) Wait() time.Duration { return g.wait }

// Run runs fn, an Argon2id hash at the current parameters (e.g. a PIN
// check), holding its memory of the budget; it returns ErrBusy without
// running fn when no room came within the gate's wait.
func (g *HashGate) Run(ctx context.Context, fn func()) error {
	return g.run(ctx, argonMemoryKiB, fn)
}

// run runs fn holding memKiB of the budget (capped at the whole budget, so
// a stored hash with a larger m runs alone rather than never).
func (g *HashGate) run(ctx context.Context, memKiB uint32, fn func()) error {
	w := min(int64(memKiB), g.budgetKiB)
	if !g.sem.TryAcquire(w) {
		if g.wait == 0 {
			return ErrBusy
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("accounts: waiting for a password check: %w", err)
		}
		// The wait is bounded by the gate alone, detached from ctx: a
		// fasthttp.RequestCtx must not be reached by a timer after its
		// handler returned.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.wait)
		err := g.sem.Acquire(wctx, w)
		cancel()
		if err != nil {
			return ErrBusy
		}
	}
	defer g.sem.Release(w)
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	g.runs.Add(1)
	fn()
	return nil
}

// check verifies password against encoded inside the budget.
func (g *HashGate) check(ctx context.Context, encoded, password string) (bool, error) {
	p, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := g.run(ctx, p.memory, func() { ok = p.matches(password) }); err != nil {
		return false, err
	}
	return ok, nil
}

// hash returns a new hash of password inside the budget.
func (g *HashGate) hash(ctx context.Context, password string) (string, error) {
	var h string
	var herr error
	if err := g.Run(ctx, func() { h, herr = HashPassword(password) }); err != nil {
		return "", err
	}
	return h, herr
}
