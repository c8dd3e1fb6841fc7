// Package maturity is the one table of content ratings (docs/CONTRACTS.md):
// the labels titles carry, their levels, the highest level and the ceiling
// of a kids profile. The catalog, profiles and ingest all read it.
package maturity

// Labels names each level; a label's index is its level.
var Labels = [...]string{"G", "PG", "PG-13", "R", "NC-17"}

// Max is the highest level (NC-17, adults).
const Max = len(Labels) - 1

// KidsMax is the ceiling of a kids profile (PG).
const KidsMax = 1

// Level returns the level of a label, false if unknown.
func Level(label string) (int, bool) {
	for i, l := range Labels {
		if l == label {
			return i, true
		}
	}
	return 0, false
}

// Label returns the label of a level ("" when out of range).
func Label(level int) string {
	if level < 0 || level > Max {
		return ""
	}
	return Labels[level]
}
