package cli

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

type drainer struct{ drained atomic.Bool }

func (d *drainer) Drain() { d.drained.Store(true) }

// TestDrain: drain marks the server not ready at once, then waits its
// delay, or less when the server stops serving first.
func TestDrain(t *testing.T) {
	stopped := make(chan error, 1)
	stopped <- errors.New("serve: closed")
	for _, tc := range []struct {
		name     string
		delay    time.Duration
		errc     chan error
		min, max time.Duration
	}{
		{"no delay", 0, make(chan error), 0, time.Second},
		{"waits its delay", 200 * time.Millisecond, make(chan error), 200 * time.Millisecond, 5 * time.Second},
		{"server stopped first", time.Hour, stopped, 0, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d drainer
			start := time.Now()
			drain(&d, tc.delay, tc.errc)
			if took := time.Since(start); !d.drained.Load() || took < tc.min || took > tc.max {
				t.Fatalf("drained %v after %v, want within [%v, %v]", d.drained.Load(), took, tc.min, tc.max)
			}
		})
	}
}
