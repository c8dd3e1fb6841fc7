package abr

import (
	"cmp"
	"errors"
	"math"
	"slices"
)

// ErrNoVariants is returned by NewController for an empty variant list.
var ErrNoVariants = errors.New("abr: no variants")

// Variant is what the controller needs to know of one variant stream.
type Variant struct {
	// Bandwidth is the variant's peak bit rate in bits/s (HLS BANDWIDTH).
	Bandwidth int64
	// Height is the picture height in pixels, 0 if unknown (audio only or
	// no RESOLUTION): such variants are never excluded by MaxHeight.
	Height int
}

// Config tunes a Controller. Zero fields take the defaults shown; buffers
// and durations are in seconds.
type Config struct {
	// MaxHeight is the tallest picture the device can show; 0 means no
	// limit. If no variant fits, the shortest ones are allowed.
	MaxHeight int
	// StartFactor is the share of the estimate the start variant may use.
	// Default 0.8, as UpFactor: the start estimate is the browser's
	// downlink figure or a low default, not a guess to discount twice.
	StartFactor float64
	// UpFactor is the share of the estimate a higher variant may use before
	// switching up to it. Default 0.8 (Shaka's upgrade target is 0.85,
	// hls.js's abrBandWidthUpFactor 0.7).
	UpFactor float64
	// DownFactor is the share of the estimate the current variant may use
	// before the controller switches down. Default 1.0.
	DownFactor float64
	// LowBuffer is the forward buffer under which the controller switches
	// down to what the estimate sustains with LowBufferFactor, when the
	// next segment of the current variant would take longer to fetch than
	// the buffer lasts. Default 4 s.
	LowBuffer float64
	// LowBufferFactor is the share of the estimate allowed while the buffer
	// is low. Default 0.7.
	LowBufferFactor float64
	// ComfortBuffer is the forward buffer an unsustainable variant may
	// spend down to: the current variant is kept while its next segment
	// would still arrive with this much buffer left, and the next rung up
	// is taken (ReasonSpend) while the buffer covers its deficit for Spend
	// segments on top of that. Default 4 s.
	ComfortBuffer float64
	// Spend is how many segments of an unsustainable next rung the buffer
	// must pay for, beyond ComfortBuffer, before the controller takes it.
	// Default 4.
	Spend float64
	// Segment is the segment duration assumed when State.Segment is 0.
	// Default 4 s.
	Segment float64
}

func (c *Config) defaults() {
	if c.StartFactor <= 0 {
		c.StartFactor = 0.8
	}
	if c.UpFactor <= 0 {
		c.UpFactor = 0.8
	}
	if c.DownFactor <= 0 {
		c.DownFactor = 1
	}
	if c.LowBuffer <= 0 {
		c.LowBuffer = 4
	}
	if c.LowBufferFactor <= 0 {
		c.LowBufferFactor = 0.7
	}
	if c.ComfortBuffer <= 0 {
		c.ComfortBuffer = 4
	}
	if c.Spend <= 0 {
		c.Spend = 4
	}
	if c.Segment <= 0 {
		c.Segment = 4
	}
}

// State is what the controller decides from.
type State struct {
	// Current is the current variant's index.
	Current int
	// Estimate is the throughput estimate in bits/s (Estimator.Estimate);
	// Fast the fast average alone (Estimator.Fast) and Last the newest
	// download's rate (Estimator.Last), 0 if unknown.
	Estimate, Fast, Last float64
	// Buffer is the forward buffer in seconds.
	Buffer float64
	// Segment is the next segment's duration in seconds; 0 means
	// Config.Segment.
	Segment float64
}

// Reason says why a Decision was taken.
type Reason string

// Reasons a Controller gives.
const (
	ReasonStart     Reason = "start"
	ReasonHold      Reason = "hold"
	ReasonUp        Reason = "up"
	ReasonDown      Reason = "down"
	ReasonLowBuffer Reason = "low-buffer"
	ReasonCapped    Reason = "capped"
	// ReasonSpend is a step up to a rung the estimate does not sustain,
	// paid for out of a long buffer; unlike ReasonUp it does not replace
	// what is buffered.
	ReasonSpend Reason = "spend"
)

// Decision is the variant to fetch next.
type Decision struct {
	// Index is the chosen variant's index in the list given to
	// NewController.
	Index int
	// Reason says why.
	Reason Reason
}

// Controller picks variants. It is immutable after NewController and safe
// for concurrent use.
type Controller struct {
	cfg      Config
	variants []Variant
	// allowed holds indexes of the variants within MaxHeight, by ascending
	// bandwidth.
	allowed []int
	// rank maps a variant index to its position in allowed, -1 if capped.
	rank []int
}

// NewController returns a Controller over variants (in any order).
func NewController(variants []Variant, cfg Config) (*Controller, error) {
	if len(variants) == 0 {
		return nil, ErrNoVariants
	}
	cfg.defaults()
	c := &Controller{cfg: cfg, variants: append([]Variant(nil), variants...), rank: make([]int, len(variants))}
	fits := func(v Variant) bool { return cfg.MaxHeight <= 0 || v.Height <= cfg.MaxHeight }
	minHeight := -1
	for i, v := range variants {
		if fits(v) {
			c.allowed = append(c.allowed, i)
		}
		if minHeight < 0 || v.Height < minHeight {
			minHeight = v.Height
		}
	}
	if len(c.allowed) == 0 {
		for i, v := range variants {
			if v.Height == minHeight {
				c.allowed = append(c.allowed, i)
			}
		}
	}
	slices.SortStableFunc(c.allowed, func(a, b int) int { // no sort.SliceStable: its reflection weighs on the player module
		return cmp.Compare(variants[a].Bandwidth, variants[b].Bandwidth)
	})
	for i := range c.rank {
		c.rank[i] = -1
	}
	for r, i := range c.allowed {
		c.rank[i] = r
	}
	return c, nil
}

// Allowed returns the indexes of the variants the controller may choose,
// by ascending bandwidth.
func (c *Controller) Allowed() []int { return append([]int(nil), c.allowed...) }

// best returns the rank of the highest allowed variant whose bandwidth is
// at most budget, or 0 (the lowest) if none is.
func (c *Controller) best(budget float64) int {
	r := 0
	for i, idx := range c.allowed {
		if float64(c.variants[idx].Bandwidth) <= budget {
			r = i
		}
	}
	return r
}

// Start chooses the first variant for a throughput estimate in bits/s.
func (c *Controller) Start(estimate float64) Decision {
	return Decision{Index: c.allowed[c.best(estimate*c.cfg.StartFactor)], Reason: ReasonStart}
}

// Next chooses the variant for the next segment. The recent rate is the
// higher of the fast average and the newest download: it follows a link
// that opened up within a segment or two, but only where a wrong guess is
// safe: where a segment fetched at the conservative estimate would still
// arrive with half a segment of buffer to spare. Next picks:
//   - down, to what the estimate sustains with UpFactor's headroom, when
//     the current variant needs more than the estimate and its next
//     segment would leave less than ComfortBuffer, unless the recent rate
//     sustains it and keeping it is safe (and then only as far down as is
//     safe);
//   - down, to what LowBufferFactor of the estimate allows, when the
//     buffer is under LowBuffer and the next segment would take longer to
//     fetch than the buffer lasts;
//   - up, to the best variant within UpFactor of the estimate (of the
//     recent rate where that is safe) whose next segment the buffer
//     outlasts while it downloads;
//   - up one rung (ReasonSpend) where the buffer pays for that rung's
//     deficit for Spend segments and keeps ComfortBuffer;
//   - else hold.
func (c *Controller) Next(s State) Decision {
	if s.Current < 0 || s.Current >= len(c.variants) || c.rank[s.Current] < 0 {
		return Decision{Index: c.allowed[c.best(s.Estimate*c.cfg.LowBufferFactor)], Reason: ReasonCapped}
	}
	cur := c.rank[s.Current]
	bw := float64(c.variants[s.Current].Bandwidth)
	seg := s.Segment
	if seg <= 0 {
		seg = c.cfg.Segment
	}
	// fetch is how many seconds a segment of bandwidth b takes at rate.
	fetch := func(b, rate float64) float64 {
		if rate <= 0 {
			return math.Inf(1)
		}
		return b / rate * seg
	}
	// safe reports whether a segment of bandwidth b, fetched at the
	// conservative estimate, arrives with half a segment of buffer left.
	safe := func(b float64) bool { return s.Buffer-fetch(b, s.Estimate) >= seg/2 }
	recent := max(s.Fast, s.Last, s.Estimate)
	if bw > s.Estimate*c.cfg.DownFactor && s.Buffer-fetch(bw, s.Estimate) < c.cfg.ComfortBuffer {
		sustained := bw <= recent*c.cfg.DownFactor
		if sustained && safe(bw) {
			return Decision{Index: s.Current, Reason: ReasonHold}
		}
		if r := c.best(s.Estimate * c.cfg.UpFactor); r < cur {
			// Where the recent rate sustains the current variant, down
			// only as far as a wrong guess is safe.
			for q := cur - 1; sustained && q > r; q-- {
				if safe(float64(c.variants[c.allowed[q]].Bandwidth)) {
					r = q
				}
			}
			return Decision{Index: c.allowed[r], Reason: ReasonDown}
		}
	}
	if s.Buffer < c.cfg.LowBuffer && fetch(bw, s.Estimate) > s.Buffer {
		if r := c.best(s.Estimate * c.cfg.LowBufferFactor); r < cur {
			return Decision{Index: c.allowed[r], Reason: ReasonLowBuffer}
		}
		return Decision{Index: s.Current, Reason: ReasonHold}
	}
	// The highest variant above the current one within UpFactor of the
	// rate it may follow whose segment downloads before the buffer runs
	// out.
	for r := c.best(recent * c.cfg.UpFactor); r > cur; r-- {
		b := float64(c.variants[c.allowed[r]].Bandwidth)
		rate := s.Estimate
		if safe(b) {
			rate = recent
		}
		if b <= rate*c.cfg.UpFactor && fetch(b, rate) <= s.Buffer {
			return Decision{Index: c.allowed[r], Reason: ReasonUp}
		}
	}
	// One rung above what the estimate sustains, while the buffer pays
	// for it: each of its segments takes longer to fetch than it plays,
	// and the buffer must cover that deficit for Spend segments and still
	// keep ComfortBuffer after the next download.
	if r := cur + 1; r < len(c.allowed) {
		took := fetch(float64(c.variants[c.allowed[r]].Bandwidth), s.Estimate)
		deficit := max(took-seg, 0)
		if s.Buffer-took-c.cfg.Spend*deficit >= c.cfg.ComfortBuffer {
			return Decision{Index: c.allowed[r], Reason: ReasonSpend}
		}
	}
	return Decision{Index: s.Current, Reason: ReasonHold}
}
