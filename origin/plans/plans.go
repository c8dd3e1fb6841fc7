// Package plans is the one table of subscription plans: what each plan
// allows (picture height, concurrent screens, bitrate, HDR). Accounts store
// a plan name; playback reads the limits from here.
package plans

import "sort"

// Names of the plans.
const (
	Basic    = "basic"
	Standard = "standard"
	Premium  = "premium"
)

// Default is the plan every new account gets.
const Default = Standard

// Plan is what a subscription allows.
type Plan struct {
	// Name is the plan's name, e.g. "standard".
	Name string `json:"name"`
	// MaxHeight is the tallest picture in pixels.
	MaxHeight int `json:"max_height"`
	// Screens is how many streams may play at once.
	Screens int `json:"screens"`
	// MaxBitrate is the highest rendition bandwidth in bits/s.
	MaxBitrate int `json:"max_bitrate"`
	// HDR says whether HDR renditions may play.
	HDR bool `json:"hdr"`
}

// table holds every plan by name.
var table = map[string]Plan{
	Basic:    {Name: Basic, MaxHeight: 720, Screens: 1, MaxBitrate: 3_000_000},
	Standard: {Name: Standard, MaxHeight: 1080, Screens: 2, MaxBitrate: 8_000_000},
	Premium:  {Name: Premium, MaxHeight: 2160, Screens: 4, MaxBitrate: 25_000_000, HDR: true},
}

// Get returns the plan called name and whether it exists.
func Get(name string) (Plan, bool) {
	p, ok := table[name]
	return p, ok
}

// Of returns the plan called name, or Basic for an unknown name (the
// least a paying account can get, never more than it paid for).
func Of(name string) Plan {
	if p, ok := table[name]; ok {
		return p
	}
	return table[Basic]
}

// All returns every plan, smallest first.
func All() []Plan {
	out := make([]Plan, 0, len(table))
	for _, p := range table {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MaxHeight < out[j].MaxHeight })
	return out
}
