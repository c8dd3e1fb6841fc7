// Package abr chooses which variant of an adaptive stream to fetch next.
//
// An Estimator turns segment downloads into a throughput estimate: two
// exponentially weighted moving averages, a fast one and a slow one (the
// scheme of hls.js and Shaka). Each sample weighs the longer of its
// download time and the media time it brought: a slow download counts for
// as long as it took, so a drop shows at once, and a fast one counts for
// its media time, so the estimate also recovers within a few segments
// after the link does (weighting by download time alone, as hls.js and
// Shaka do, leaves it stuck low for tens of seconds: their users' "no
// up-switch after recovery"). The estimate is the smaller of the two
// averages; the fast one alone, and the newest download's rate, are
// offered for switching up when the buffer can absorb a mistake.
//
// A Controller combines the estimate with the forward buffer: it starts
// at what the estimate (or the browser's own downlink figure) allows,
// switches up with headroom once the buffer covers the next download,
// switches down as soon as the current variant cannot be sustained or the
// buffer runs low, and never picks a variant taller than the device
// allows.
//
// Both are plain Go with no clock of their own: callers pass durations and
// buffer levels in, which keeps them deterministic and host-tested.
package abr

import "math"

// ewma is an exponentially weighted moving average whose weight decays by
// half every halfLife units of sample weight.
type ewma struct {
	alpha       float64
	estimate    float64
	totalWeight float64
}

func newEWMA(halfLife float64) ewma {
	return ewma{alpha: math.Exp(math.Log(0.5) / halfLife)}
}

func (e *ewma) sample(weight, value float64) {
	a := math.Pow(e.alpha, weight)
	e.estimate = value*(1-a) + a*e.estimate
	e.totalWeight += weight
}

// value corrects the zero-initialisation bias of the average.
func (e *ewma) value() float64 {
	zero := 1 - math.Pow(e.alpha, e.totalWeight)
	if zero <= 0 {
		return 0
	}
	return e.estimate / zero
}

// EstimatorConfig tunes an Estimator. Zero fields take the defaults shown.
type EstimatorConfig struct {
	// FastHalfLife is the fast average's half-life in seconds of sample
	// weight (download or media time, see Sample). Default 3.
	FastHalfLife float64
	// SlowHalfLife is the slow average's half-life. Default 9, as hls.js's
	// (of download time; Shaka's is 5): long enough that a link swinging
	// every few seconds is judged by its mean, short enough to follow a
	// lasting change within a few segments.
	SlowHalfLife float64
	// Default is the estimate in bits/s before enough has been measured.
	// Default 500 000.
	Default float64
	// MinBytes is how many bytes must have been measured before the
	// estimate replaces Default. Default 128 KiB.
	MinBytes int64
	// MinDuration is the shortest download time in seconds a sample is
	// credited with, so cached responses do not produce absurd rates.
	// Default 0.02 (20 ms).
	MinDuration float64
}

func (c *EstimatorConfig) defaults() {
	if c.FastHalfLife <= 0 {
		c.FastHalfLife = 3
	}
	if c.SlowHalfLife <= 0 {
		c.SlowHalfLife = 9
	}
	if c.Default <= 0 {
		c.Default = 500_000
	}
	if c.MinBytes <= 0 {
		c.MinBytes = 128 << 10
	}
	if c.MinDuration <= 0 {
		c.MinDuration = 0.020
	}
}

// Estimator estimates network throughput from completed downloads. The
// zero value is not ready; use NewEstimator. It is not safe for concurrent
// use.
type Estimator struct {
	cfg        EstimatorConfig
	fast, slow ewma
	bytes      int64
	samples    int
	last       float64 // the newest sample's rate, bits/s
}

// NewEstimator returns an Estimator with cfg (zero fields defaulted).
func NewEstimator(cfg EstimatorConfig) *Estimator {
	cfg.defaults()
	return &Estimator{cfg: cfg, fast: newEWMA(cfg.FastHalfLife), slow: newEWMA(cfg.SlowHalfLife)}
}

// Sample records a download of n bytes that took d seconds and brought
// media seconds of media (0 if unknown). Samples with n <= 0 are ignored.
func (e *Estimator) Sample(n int64, d, media float64) {
	if n <= 0 {
		return
	}
	if d < e.cfg.MinDuration {
		d = e.cfg.MinDuration
	}
	bps := float64(n) * 8 / d
	weight := max(d, media)
	e.fast.sample(weight, bps)
	e.slow.sample(weight, bps)
	e.bytes += n
	e.samples++
	e.last = bps
}

// Estimate returns the throughput estimate in bits per second: the smaller
// of the fast and slow averages, or the configured default until MinBytes
// have been measured.
func (e *Estimator) Estimate() float64 {
	if e.bytes < e.cfg.MinBytes {
		return e.cfg.Default
	}
	return math.Min(e.fast.value(), e.slow.value())
}

// Fast returns the fast average alone (bits/s), or the default until
// MinBytes have been measured: quicker to follow a recovered link, for
// switching up with a buffer that absorbs a mistake.
func (e *Estimator) Fast() float64 {
	if e.bytes < e.cfg.MinBytes {
		return e.cfg.Default
	}
	return e.fast.value()
}

// Last returns the newest download's rate in bits/s, 0 before any or
// since Restart: the first sign of a link that opened up.
func (e *Estimator) Last() float64 { return e.last }

// Samples returns how many downloads have been recorded.
func (e *Estimator) Samples() int { return e.samples }

// Restart forgets what was measured and starts again from bps, which
// stands as the estimate until MinBytes have been measured anew (bps <= 0
// keeps the previous default). After an abandoned download the averages
// describe a link that no longer exists.
func (e *Estimator) Restart(bps float64) {
	if bps > 0 {
		e.cfg.Default = bps
	}
	e.fast, e.slow = newEWMA(e.cfg.FastHalfLife), newEWMA(e.cfg.SlowHalfLife)
	e.bytes = 0
	e.last = 0
}
