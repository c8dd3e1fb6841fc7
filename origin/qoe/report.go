// Package qoe records the player's quality-of-experience reports, one row
// per playback session in MySQL, and summarizes them per edge function
// version and device class for operators: video startup time, rebuffer
// ratio, time-weighted bitrate, exits before video start (EBVS) and video
// start failures (VSF), as Mux and Conviva define them (RATIONALE.md "Why
// these QoE definitions?").
package qoe

import (
	"errors"
	"fmt"

	"github.com/edgeflix/edgeflix/contract"
)

// Bounds of report fields; a report outside them is refused.
const (
	MaxSeq       = 1_000_000
	MaxStartupMS = 10 * 60 * 1000      // ten minutes: a start slower than this is a failure
	MaxWatchMS   = 24 * 60 * 60 * 1000 // one day of playback in one session
	MaxBitrate   = 200_000             // kbit/s
	MaxCount     = 1_000_000           // rebuffers, switches, errors
	MaxDropped   = 100_000_000         // frames
	MaxLastError = 200                 // bytes
	MaxFnVersion = 64                  // bytes
)

// Report is the body of POST /v1/playback/{sid}/qoe, as the player sends
// it (contract.QoEReport).
type Report = contract.QoEReport

// ErrInvalidReport is wrapped by every validation error.
var ErrInvalidReport = errors.New("invalid qoe report")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidReport}, args...)...)
}

// Validate checks a report's ranges and consistency.
func Validate(r *Report) error {
	switch {
	case r.Seq < 1 || r.Seq > MaxSeq:
		return invalid("seq must be 1..%d", MaxSeq)
	case len(r.FnVersion) > MaxFnVersion || !isToken(r.FnVersion):
		return invalid("fn_version must be at most %d letters, digits, '.', '_' or '-'", MaxFnVersion)
	case r.StartupMS != nil && (*r.StartupMS < 0 || *r.StartupMS > MaxStartupMS):
		return invalid("startup_ms must be 0..%d", MaxStartupMS)
	case r.ExitBeforeStart && r.StartFailed:
		return invalid("exit_before_start and start_failed exclude each other")
	case r.StartupMS != nil && (r.ExitBeforeStart || r.StartFailed):
		return invalid("a session with startup_ms did start: no exit_before_start or start_failed")
	case r.ExitBeforeStart && !r.Final:
		return invalid("exit_before_start is only known in the final report")
	case r.WatchMS < 0 || r.WatchMS > MaxWatchMS:
		return invalid("watch_ms must be 0..%d", MaxWatchMS)
	case r.StartupMS == nil && (r.WatchMS > 0 || r.RebufferCount > 0 || r.AvgBitrateKbps > 0):
		return invalid("watch_ms, rebuffers and bitrate need startup_ms")
	case r.RebufferCount < 0 || r.RebufferCount > MaxCount:
		return invalid("rebuffer_count must be 0..%d", MaxCount)
	case r.RebufferMS < 0 || r.RebufferMS > MaxWatchMS:
		return invalid("rebuffer_ms must be 0..%d", MaxWatchMS)
	case (r.RebufferCount == 0) != (r.RebufferMS == 0):
		return invalid("rebuffer_ms and rebuffer_count must both be zero or both positive")
	case r.AvgBitrateKbps < 0 || r.AvgBitrateKbps > MaxBitrate:
		return invalid("avg_bitrate_kbps must be 0..%d", MaxBitrate)
	case r.Switches < 0 || r.Switches > MaxCount:
		return invalid("switches must be 0..%d", MaxCount)
	case r.DroppedFrames < 0 || r.DroppedFrames > MaxDropped:
		return invalid("dropped_frames must be 0..%d", MaxDropped)
	case r.Errors < 0 || r.Errors > MaxCount:
		return invalid("errors must be 0..%d", MaxCount)
	case r.StartFailed && r.Errors == 0:
		return invalid("start_failed needs errors ≥ 1")
	case len(r.LastError) > MaxLastError || !isPrintable(r.LastError):
		return invalid("last_error must be at most %d printable bytes", MaxLastError)
	case r.LastError != "" && r.Errors == 0:
		return invalid("last_error needs errors ≥ 1")
	}
	return nil
}

// isToken reports whether s holds only letters, digits, '.', '_' and '-'.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isPrintable reports whether s has no control characters.
func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}
