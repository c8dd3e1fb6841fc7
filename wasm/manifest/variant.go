package manifest

import "math/bits"

// The attributes judgeVariant reads, as indexes into its value table; an
// attribute's bit is 1 << its index. Every other attribute is iOther.
const (
	iBandwidth = iota
	iResolution
	iCodecs
	iRange
	iAudio
	iVideo
	iSubtitles
	iCC
	iURI
	iOther = 15

	known = 1<<iOther - 1
)

// slack is how many bytes past a variant line's end judgeVariant reads
// (its three-word scans); the last lines of an input are judged on a
// padded copy (Rewriter.judge).
const slack = 32

// judgeVariant reads a variant's attribute list, b[p:z], into e and
// decides e.ok; b holds at least slack bytes past z, and b[i] is the
// playlist's byte base+i (the spans it records in e are the playlist's).
//
// It reads the grammar attrScanner reads (FuzzRewriteDiff holds the
// rewrite to a reference built on attrScanner) but is shaped for the Wasm
// module, where Go's code generator turns every jump between basic blocks
// into a pass through the function's dispatch loop, which wazero's code
// pays for with a save and reload of every live value (some 50 to 100
// instructions), and every call into a save and check of a resume point
// (some 250), while arithmetic costs one instruction. So the loop over
// attributes is straight-line arithmetic on three words loaded at once for
// the name and three for the value, with branches only where a rare case
// (blanks around values, names or values longer than the words, errors)
// leaves it; values are only recorded in the loop and judged after it.
//
// Scans look past z, where b[z] is the line's '\n' or '\r' or a zero byte
// of the padding, so a name ends there at the latest, and quote or comma
// positions found past z count as z.
func judgeVariant(e *entry, b []byte, base, p, z int, caps *Caps) {
	var vals [16]span
	var seen, dup, quotedSet uint16
	for p < z {
		if blank[b[p]] {
			if p = skipBlanks(b, p, z); p == z {
				break
			}
		}
		// The name runs to the first byte that is not a name byte (at z
		// at the latest), which must be '='.
		w0, w1, w2 := rawLoad(b, p), rawLoad(b, p+8), rawLoad(b, p+16)
		n := firstOf3(notNameBytes(w0), notNameBytes(w1), notNameBytes(w2))
		if n == 24 {
			n += nameLen(b[p+24 : z])
		}
		if n == 0 || b[p+n] != '=' {
			return // a malformed list
		}
		w0, w1 = w0&lowBytes(n), w1&lowBytes(n-8)
		slot := &variantKeys[keySlot(w0)]
		idx := slot.idx
		if slot.key.w0^w0|slot.key.w1^w1|uint64(slot.key.n^n) != 0 {
			idx = iOther // AVERAGE-BANDWIDTH, FRAME-RATE, NAME, …
		}
		// The value ends at the closing quote of a quoted string, else at
		// the first ',' or '"' (a '"' there is an error).
		v := p + n + 1
		x0, x1, x2 := rawLoad(b, v), rawLoad(b, v+8), rawLoad(b, v+16)
		q := 0
		comma, open := ^uint64(0), uint64(0)
		if byte(x0) == '"' {
			q, comma, open = 1, 0, 0x80 // commas are data; skip the opening quote
		}
		c := v + firstOf3((eqBytes(x0, '"')|eqBytes(x0, ',')&comma)&^open,
			eqBytes(x1, '"')|eqBytes(x1, ',')&comma, eqBytes(x2, '"')|eqBytes(x2, ',')&comma)
		if c == v+24 {
			c = scanStop(b, c, z, q == 1)
		}
		// Unquoted, the stop must not be a quote; quoted, it must be
		// before z. Either way the value is b[v+q:min(c, z)] and what
		// follows it (after the closing quote) must be ',' or the end.
		stopQuote, inLine := 0, 0
		if b[c] == '"' {
			stopQuote = 1
		}
		if c < z {
			inLine = 1
		}
		if q&^inLine|(1-q)&inLine&stopQuote != 0 {
			return // an unterminated quoted string, or a quote in an unquoted value
		}
		va, vz := v+q, min(c, z)
		if blank[b[vz-1]] && q == 0 && vz > va {
			vz = trimBlanks(b, va, vz)
		}
		if c += q; c < z && b[c] != ',' {
			if c = skipBlanks(b, c, z); c < z && b[c] != ',' {
				return // something after the closing quote
			}
		}
		p = c + 1 // past the comma
		bit := uint16(1) << idx
		dup |= seen & bit
		seen |= bit
		quotedSet |= bit * uint16(q)
		vals[idx] = span{off: int32(va), n: int32(vz - va)}
	}
	if dup&known != 0 {
		return // a repeated attribute: which one would a player read?
	}
	if seen&(1<<iBandwidth|1<<iResolution)&quotedSet != 0 {
		return // numbers are never quoted
	}
	value := func(i int) []byte { return b[vals[i].off : vals[i].off+vals[i].n] }
	if seen&(1<<iCC) != 0 && quotedSet&(1<<iCC) == 0 && string(value(iCC)) != "NONE" {
		return
	}
	e.groups[groupAudio] = vals[iAudio].group(base, quotedSet>>iAudio)
	e.groups[groupVideo] = vals[iVideo].group(base, quotedSet>>iVideo)
	e.groups[groupSubtitles] = vals[iSubtitles].group(base, quotedSet>>iSubtitles)
	e.groups[groupCC] = vals[iCC].group(base, quotedSet>>iCC)
	bandwidth, ok := parseDecimal(value(iBandwidth))
	if seen&(1<<iBandwidth) == 0 || !ok {
		return
	}
	e.bandwidth = bandwidth
	if seen&(1<<iResolution) != 0 {
		h, ok := parseResolution(value(iResolution))
		if !ok || h > caps.MaxHeight {
			return
		}
	}
	switch {
	case bandwidth > caps.MaxBandwidth:
		return
	case e.kind == kindIFrame && seen&(1<<iURI) == 0:
		return
	case seen&(1<<iRange) != 0 && string(value(iRange)) != "SDR" && !caps.HDR:
		return
	}
	if c := value(iCodecs); seen&(1<<iCodecs) != 0 && len(skipSpace(c)) > 0 {
		e.ok = playableCodecs(b, int(vals[iCodecs].off), int(vals[iCodecs].off+vals[iCodecs].n), caps)
		return
	}
	need := AVC | AAC
	if e.kind == kindIFrame {
		need = AVC
	}
	e.ok = caps.Families&need == need
}

// playableCodecs is codecsPlayable(b[a:z], caps) for a CODECS value of a
// variant line (b holds slack bytes past z). The usual value, up to 24
// bytes of entries that each start with a known four-letter family and a
// '.', is judged from three words with a comma bit set and a table lookup
// per entry; any other shape takes codecsPlayable.
func playableCodecs(b []byte, a, z int, caps *Caps) bool {
	n := z - a
	if n > 24 {
		return codecsPlayable(b[a:z], caps)
	}
	x0, x1, x2 := rawLoad(b, a), rawLoad(b, a+8), rawLoad(b, a+16)
	commas := (gather(eqBytes(x0, ',')) | gather(eqBytes(x1, ','))<<8 | gather(eqBytes(x2, ','))<<16) & (1<<n - 1)
	for s := 0; ; {
		// The entry at s: a family, then '.' before any comma.
		f := familyOfWord(uint32(rawLoad(b, a+s)))
		if f == 0 || s+4 >= n || b[a+s+4] != '.' || commas>>s&0x1f != 0 {
			return codecsPlayable(b[a:z], caps)
		}
		if caps.Families&f == 0 {
			return false
		}
		rest := commas >> s
		if rest == 0 {
			return true
		}
		if s += bits.TrailingZeros32(rest) + 1; s == n {
			return false // a trailing comma: an empty entry
		}
	}
}

// gather packs the top bits of the eight bytes of m (only top bits set)
// into a byte, byte i's into bit i: each lands on bit 56+i of the product,
// with no two partial products on one bit.
func gather(m uint64) uint32 {
	return uint32((m >> 7) * 0x0102040810204080 >> 56)
}

// familyOfWord is familyOf for the four bytes of w (little-endian), with
// letters folded to lower case without a branch and the family found in a
// perfect hash table.
func familyOfWord(w uint32) Family {
	x := uint64(w)
	x |= inRange(x, 'A', 'Z') &^ (x & swarHi) >> 2 // 0x80>>2 is the case bit
	slot := &families[uint32(x)*familyHash>>27]
	if slot.name != uint32(x) {
		return 0
	}
	return slot.family
}

// families is a perfect hash table of the known codec family names (as
// little-endian words) and their Family, slot uint32(name)*familyHash>>27.
var families = func() (t [32]struct {
	name   uint32
	family Family
}) {
	for name, f := range map[string]Family{
		"avc1": AVC, "avc3": AVC, "hvc1": HEVC, "hev1": HEVC, "av01": AV1, "vp09": VP9, "mp4a": AAC,
		"ec-3": EAC3, "ac-3": AC3, "opus": Opus, "flac": FLAC, "wvtt": WebVTT, "stpp": IMSC,
	} {
		w := uint32(name[0]) | uint32(name[1])<<8 | uint32(name[2])<<16 | uint32(name[3])<<24
		s := &t[w*familyHash>>27]
		if s.family != 0 {
			panic("manifest: codec family names collide in familyHash")
		}
		s.name, s.family = w, f
	}
	return t
}()

// familyHash spreads the family names over families' 32 slots without
// collisions (found by search; the table panics at start-up otherwise).
const familyHash = 0x6513270f

// firstOf3 returns the index of the first byte whose top bit is set in
// the 24 bytes m0, m1, m2 (little-endian words, in that order), or 24,
// without a branch.
func firstOf3(m0, m1, m2 uint64) int {
	t0 := bits.TrailingZeros64(m0) >> 3 // 8 if m0 is 0
	t1 := bits.TrailingZeros64(m1) >> 3
	t2 := bits.TrailingZeros64(m2) >> 3
	return t0 + t0>>3*(t1+t1>>3*t2)
}

// firstOf4 is firstOf3 for 32 bytes; the caller ensures one is marked.
func firstOf4(m0, m1, m2, m3 uint64) int {
	t0 := bits.TrailingZeros64(m0) >> 3
	t1 := bits.TrailingZeros64(m1) >> 3
	t2 := bits.TrailingZeros64(m2) >> 3
	t3 := bits.TrailingZeros64(m3) >> 3
	return t0 + t0>>3*(t1+t1>>3*(t2+t2>>3*t3))
}

// blank marks the bytes the attribute grammar skips around names and
// values: one load and one branch instead of two compares and branches.
var blank = [256]bool{' ': true, '\t': true}

// skipBlanks returns the index of the first byte of b[i:z] that is not a
// space or tab, or z. It is judgeVariant's rare path, so it is kept out of
// line: a call marks the branch to it unlikely.
//
//go:noinline
func skipBlanks(b []byte, i, z int) int {
	for i < z && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// trimBlanks returns the end of b[a:z] without its trailing spaces and
// tabs (out of line, as skipBlanks).
//
//go:noinline
func trimBlanks(b []byte, a, z int) int {
	for z > a && (b[z-1] == ' ' || b[z-1] == '\t') {
		z--
	}
	return z
}

// scanStop returns the index of the first '"' in b from i (or, unless
// quoted, of the first ',' or '"'), or a value >= z if there is none before
// z: the end of a value longer than judgeVariant's three words.
//
//go:noinline
func scanStop(b []byte, i, z int, quoted bool) int {
	for ; i < z; i++ {
		if b[i] == '"' || b[i] == ',' && !quoted {
			return i
		}
	}
	return z
}

// group returns s moved by base, the playlist's span of a group reference,
// if the low bit of quoted is set, else the empty span (an unquoted value,
// NONE, is no reference), without a branch.
func (s span) group(base int, quoted uint16) span {
	m := -int32(quoted & 1)
	return span{off: (s.off + int32(base)) & m, n: s.n & m}
}

// variantKeys is a perfect hash table of the attributes judgeVariant
// reads: slot keySlot(k.w0) holds key k and its index; the other slots
// hold zero keys, which match no name (every name has a length).
var variantKeys = func() (t [16]struct {
	key nameKey
	idx uint8
}) {
	for idx, name := range [...]string{
		iBandwidth: "BANDWIDTH", iResolution: "RESOLUTION", iCodecs: "CODECS", iRange: "VIDEO-RANGE",
		iAudio: "AUDIO", iVideo: "VIDEO", iSubtitles: "SUBTITLES", iCC: "CLOSED-CAPTIONS", iURI: "URI",
	} {
		k := keyOf(name)
		s := &t[keySlot(k.w0)]
		if s.key.n != 0 {
			panic("manifest: variant attribute keys collide in keySlot")
		}
		s.key, s.idx = k, uint8(idx)
	}
	return t
}()

// keyHash spreads the first words of the variant attribute names over the
// 16 slots of variantKeys without collisions (found by search; the table's
// initialisation panics if a change of names breaks that).
const keyHash = 0x025b413f8a9a021f

// keySlot is the variantKeys slot of a name whose first word is w0.
func keySlot(w0 uint64) uint64 { return w0 * keyHash >> 60 }
