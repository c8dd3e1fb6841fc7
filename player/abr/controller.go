package abr

import (
	"cmp"
	"errors"
	"slices"
	"time"
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

// Config tunes a Controller. Zero fields take the defaults shown.
type Config struct {
	// MaxHeight is the tallest picture the device can show; 0 means no
	// limit. If no variant fits, the shortest ones are allowed.
	MaxHeight int
	// StartFactor is the share of the estimate the start variant may use.
	// Default 0.5: start conservatively.
	StartFactor float64
	// UpFactor is the share of the estimate a higher variant may use before
	// switching up to it. Default 0.8.
	UpFactor float64
	// DownFactor is the share of the estimate the current variant may use
	// before the controller switches down. Default 1.0.
	DownFactor float64
	// UpBuffer is the forward buffer needed before switching up. Default 4 s.
	UpBuffer time.Duration
	// LowBuffer is the forward buffer under which the controller switches
	// down to what the estimate sustains with LowBufferFactor. Default 4 s.
	LowBuffer time.Duration
	// LowBufferFactor is the share of the estimate allowed while the buffer
	// is low. Default 0.7.
	LowBufferFactor float64
	// ComfortBuffer is the forward buffer above which an unsustainable
	// variant is kept, because the buffer absorbs a short dip. Default 20 s.
	ComfortBuffer time.Duration
}

func (c *Config) defaults() {
	if c.StartFactor <= 0 {
		c.StartFactor = 0.5
	}
	if c.UpFactor <= 0 {
		c.UpFactor = 0.8
	}
	if c.DownFactor <= 0 {
		c.DownFactor = 1
	}
	if c.UpBuffer <= 0 {
		c.UpBuffer = 4 * time.Second
	}
	if c.LowBuffer <= 0 {
		c.LowBuffer = 4 * time.Second
	}
	if c.LowBufferFactor <= 0 {
		c.LowBufferFactor = 0.7
	}
	if c.ComfortBuffer <= 0 {
		c.ComfortBuffer = 20 * time.Second
	}
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

// Next chooses the variant for the next segment, given the current
// variant's index, the throughput estimate in bits/s and the forward
// buffer.
func (c *Controller) Next(current int, estimate float64, buffer time.Duration) Decision {
	if current < 0 || current >= len(c.variants) || c.rank[current] < 0 {
		return Decision{Index: c.allowed[c.best(estimate*c.cfg.LowBufferFactor)], Reason: ReasonCapped}
	}
	cur := c.rank[current]
	bw := float64(c.variants[current].Bandwidth)
	switch {
	case buffer < c.cfg.LowBuffer:
		if r := c.best(estimate * c.cfg.LowBufferFactor); r < cur {
			return Decision{Index: c.allowed[r], Reason: ReasonLowBuffer}
		}
	case bw > estimate*c.cfg.DownFactor && buffer < c.cfg.ComfortBuffer:
		if r := c.best(estimate * c.cfg.UpFactor); r < cur {
			return Decision{Index: c.allowed[r], Reason: ReasonDown}
		}
	case buffer >= c.cfg.UpBuffer:
		if r := c.best(estimate * c.cfg.UpFactor); r > cur {
			return Decision{Index: c.allowed[r], Reason: ReasonUp}
		}
	}
	return Decision{Index: current, Reason: ReasonHold}
}
