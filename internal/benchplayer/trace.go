// Package benchplayer holds what make bench-player measures with: the
// scripted network traces, the in-page measurement every player is scored
// by, and the side-by-side table. cmd/bench-player drives Chromium with
// them against the local stack.
package benchplayer

import (
	"fmt"
	"strings"
	"time"
)

// Link is one network condition, applied with CDP's
// Network.emulateNetworkConditions.
type Link struct {
	// Kbps is the download throughput in kbit/s.
	Kbps int
	// Latency is the added round-trip latency.
	Latency time.Duration
}

// Step holds Link from At (since playback was asked for) until the next
// step or the end of the trace.
type Step struct {
	At time.Duration
	Link
}

// Trace is a named network schedule.
type Trace struct {
	Name string
	// Desc says what it models, for the table.
	Desc  string
	Steps []Step
	// Length is how long a player is watched under the trace.
	Length time.Duration
}

// TraceLength is how long every trace runs: long enough that the
// displayed picture catches up with what was fetched after a change.
const TraceLength = 40 * time.Second

// Traces are the five shapes of issue #13, in table order.
var Traces = []Trace{
	{Name: "steady", Desc: "4 Mbit/s, 40 ms", Length: TraceLength,
		Steps: []Step{{0, Link{4000, 40 * time.Millisecond}}}},
	{Name: "drop", Desc: "4 Mbit/s, 0.6 Mbit/s at 10–22 s, back to 4", Length: TraceLength,
		Steps: []Step{{0, Link{4000, 40 * time.Millisecond}}, {10 * time.Second, Link{600, 80 * time.Millisecond}}, {22 * time.Second, Link{4000, 40 * time.Millisecond}}}},
	{Name: "oscillating", Desc: "4 ↔ 1.2 Mbit/s every 5 s", Length: TraceLength,
		Steps: oscillate(4000, 1200, 40*time.Millisecond, 5*time.Second, TraceLength)},
	{Name: "slow3g", Desc: "750 kbit/s, 300 ms", Length: TraceLength,
		Steps: []Step{{0, Link{750, 300 * time.Millisecond}}}},
	{Name: "slowstart", Desc: "0.6 Mbit/s for 10 s, then 5 Mbit/s", Length: TraceLength,
		Steps: []Step{{0, Link{600, 80 * time.Millisecond}}, {10 * time.Second, Link{5000, 40 * time.Millisecond}}}},
}

// oscillate alternates between hi and lo kbit/s every period until length.
func oscillate(hi, lo int, latency, period, length time.Duration) []Step {
	var out []Step
	for i, at := 0, time.Duration(0); at < length; i, at = i+1, at+period {
		k := hi
		if i%2 == 1 {
			k = lo
		}
		out = append(out, Step{at, Link{k, latency}})
	}
	return out
}

// At returns the link in force at d since the start.
func (t Trace) At(d time.Duration) Link {
	l := t.Steps[0].Link
	for _, s := range t.Steps {
		if s.At <= d {
			l = s.Link
		}
	}
	return l
}

// Select returns the items of all whose name is in the comma-separated
// list filter, in all's order; an empty filter selects all. An unknown
// name is an error that lists the known ones.
func Select[T any](all []T, name func(T) string, filter string) ([]T, error) {
	if strings.TrimSpace(filter) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, f := range strings.Split(filter, ",") {
		if f = strings.TrimSpace(f); f != "" {
			want[f] = true
		}
	}
	var out []T
	var known []string
	for _, x := range all {
		n := name(x)
		known = append(known, n)
		if want[n] {
			out = append(out, x)
			delete(want, n)
		}
	}
	for n := range want {
		return nil, fmt.Errorf("unknown name %q (known: %s)", n, strings.Join(known, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("nothing selected by %q", filter)
	}
	return out, nil
}
