package manifest

import "github.com/edgeflix/edgeflix/contract"

// filter is what the rewrite needs of a contract.Caps, in the form its
// hot path reads: the codec families as a bit set.
type filter struct {
	maxHeight, maxBandwidth int64
	// families are the known codec families the device may play.
	families contract.Family
	// other are the caps' codec names that are not known families; a
	// codec string whose family is one of them (without regard to case) is
	// playable too.
	other []string
	hdr   bool
	// budget is caps.StartBudget().
	budget int64
}

// set reads caps into f, reusing f's memory.
func (f *filter) set(caps *contract.Caps) {
	f.families, f.other = 0, f.other[:0]
	for _, n := range caps.Codecs {
		if fam := contract.FamilyOf(n); fam != 0 {
			f.families |= fam
		} else {
			f.other = append(f.other, n)
		}
	}
	f.maxHeight, f.maxBandwidth, f.hdr, f.budget = caps.MaxHeight, caps.MaxBitrate, caps.HDR, caps.StartBudget()
}

// plays reports whether the device plays the codec family name.
func (f *filter) plays(name []byte) bool {
	if fam := contract.FamilyOf(string(name)); fam != 0 {
		return f.families&fam != 0
	}
	for _, o := range f.other {
		if len(o) == len(name) && equalFold(name, o) {
			return true
		}
	}
	return false
}

// equalFold reports whether b and s (of the same length) are equal
// without regard to ASCII case.
func equalFold(b []byte, s string) bool {
	for i := range len(b) {
		if lowerByte(b[i]) != lowerByte(s[i]) {
			return false
		}
	}
	return true
}

// lowerByte lower-cases an ASCII letter.
func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// maxDecimal bounds the numbers the rewrite reads (heights, bandwidths).
const maxDecimal = contract.MaxNumber

// parseDecimal reads a non-empty run of ASCII digits up to maxDecimal.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= maxDecimal
}
