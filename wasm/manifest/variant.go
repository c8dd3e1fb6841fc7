package manifest

import (
	"math/bits"

	"github.com/edgeflix/edgeflix/contract"
)

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

// slack is how many bytes past a variant line's end scanAttrs and
// playableCodecs read (their word scans); a line nearer the end of the
// input than that is judged on a padded copy (Rewriter.tail).
const slack = 48

// judgeVariant reads a variant's attribute list, b[p:z], into e and
// decides e.ok; b holds at least slack bytes past z, and b[i] is the
// playlist's byte base+i (the group spans it records in e are the
// playlist's).
//
// It reads the grammar attrScanner reads (FuzzRewriteDiff holds the
// rewrite to the reference built on attrScanner, ref_test.go), shaped for
// the Wasm module under wazero (RATIONALE.md, "The rewrite is shaped for
// Go on wazero"): scanAttrs records the values in one branch-free pass per
// attribute and the verdict is made from them after it.
//
// vals is scratch memory kept from one variant to the next (clearing it
// per variant cost 2 % of a rewrite in the Wasm module): an entry is read
// only when its bit in seen says this variant set it.
func judgeVariant(e *entry, b []byte, base, p, z int, caps *filter, vals *[16]span) {
	seen, quotedSet, ok := scanAttrs(b, p, z, vals)
	if !ok || seen&(1<<iBandwidth) == 0 {
		return
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
	// Numbers of up to eight digits are read from a word (swarDigits),
	// longer ones by parseDecimal.
	var bandwidth int64
	if n := int(vals[iBandwidth].n); uint(n-1) < 8 {
		var d uint64
		d, ok = swarDigits(rawLoad(b, int(vals[iBandwidth].off)), n)
		bandwidth = swarValue(d)
	} else {
		bandwidth, ok = parseDecimal(value(iBandwidth))
	}
	if !ok {
		return
	}
	e.bandwidth = bandwidth
	if seen&(1<<iResolution) != 0 {
		// WIDTHxHEIGHT: the 'x' and the width's digits in the value's
		// first word, the height's in the word after the 'x'.
		a, n := int(vals[iResolution].off), int(vals[iResolution].n)
		x := rawLoad(b, a)
		i := bits.TrailingZeros64(eqBytes(x, 'x')) >> 3 // 8 if none
		var h int64
		if m := n - i - 1; i > 0 && i < 8 && uint(m-1) < 8 {
			d, digits := swarDigits(rawLoad(b, a+i+1), m)
			h, ok = swarValue(d), digits && allDigits(x, nameMasks[i][0])
		} else {
			h, ok = parseResolution(value(iResolution))
		}
		if !ok || h > caps.maxHeight {
			return
		}
	}
	switch {
	case bandwidth > caps.maxBandwidth:
		return
	case e.kind == kindIFrame && seen&(1<<iURI) == 0:
		return
	case seen&(1<<iRange) != 0 && string(value(iRange)) != "SDR" && !caps.hdr:
		return
	}
	if seen&(1<<iCodecs) != 0 && len(skipSpace(value(iCodecs))) > 0 {
		e.ok = playableCodecs(b, int(vals[iCodecs].off), int(vals[iCodecs].off+vals[iCodecs].n), caps)
		return
	}
	need := contract.AVC | contract.AAC
	if e.kind == kindIFrame {
		need = contract.AVC
	}
	e.ok = caps.families&need == need
}

// scanAttrs reads the attribute list b[p:z] for judgeVariant: it records
// the value span (in b) of every attribute judgeVariant reads in vals and
// returns the bits of those seen and of those quoted, or ok false for a
// malformed list or a repeated attribute.
//
// Its loop handles the usual shape without a branch: a name of 1 to 23
// bytes and '=', then a value that ends within 32 bytes, quoted and
// followed by ',' or the line's end, or unquoted and ended by ',' or the
// line's end without a blank before it. Each attribute is classified from
// three words loaded at the name and four at the value; anything else
// (blanks, long names or values, errors) sends the whole list to
// scanAttrsSlow, which reads any list. In the Wasm module a branch that
// leaves the straight path costs a pass through the function's dispatch
// loop (50 to 100 instructions under wazero), so the straight path has
// one: the loop's.
//
// It reads b without Go's bounds checks (rawLoad, rawByte: they cost ~5 %
// of a rewrite in the module), and every read is within b: b holds slack
// bytes past z, and the byte at z (a line end, or the padding's zero) is
// no name byte, so a name ends by z, its value starts by z+1, and the
// value's four words and the byte after its stop end by z+34. TestGolden
// and FuzzRewriteDiff run their inputs against a guard page (atPageEnd).
func scanAttrs(b []byte, p, z int, vals *[16]span) (seen, quotedSet uint16, ok bool) {
	var dup uint16
	for p < z {
		w0, w1, w2 := rawLoad(b, p), rawLoad(b, p+8), rawLoad(b, p+16)
		n := firstOf3(notNameBytes(w0), notNameBytes(w1), notNameBytes(w2))
		// The value starts after '='; quoted (q = 1), commas are data and
		// the opening quote is no stop.
		v := p + n + 1
		x0, x1, x2, x3 := rawLoad(b, v), rawLoad(b, v+8), rawLoad(b, v+16), rawLoad(b, v+24)
		open := eqBytes(x0, '"') & 0x80
		q := int(open >> 7)
		comma := uint64(q) - 1
		// Only the first stop counts, so firstEq's cheaper marks serve but
		// for the quotes of x0: with the opening one cleared, the next must
		// be exact.
		f := firstOf4((eqBytes(x0, '"')|firstEq(x0, ',')&comma)&^open, firstEq(x1, '"')|firstEq(x1, ',')&comma,
			firstEq(x2, '"')|firstEq(x2, ',')&comma, firstEq(x3, '"')|firstEq(x3, ',')&comma)
		c := v + f                                                            // the stop: closing quote, or ',' or '"'
		vz := c + (z-c)&((z-c)>>63)                                           // min(c, z)
		next := c + q                                                         // the ',' (or the end) after the value
		inLine := (c - z) >> 63 & 1                                           // c < z
		unusual := (n-1)>>63&1 | (23-n)>>63&1 | isNot(rawByte(b, p+n), '=') | // no name, a long one, no '='
			(31-f)>>63&1&((v+32-z)>>63&1) | // no stop in 32 bytes, line goes on
			q&(1-inLine) | q&((next-z)>>63&1)&isNot(rawByte(b, next), ',') | // quoted: closed, then ','
			(1-q)&inLine&isNot(rawByte(b, c), ',') | // unquoted: ended by ','
			(1-q)&blankBit[rawByte(b, vz-1)]&((v-vz)>>63&1) // unquoted: no blank before the end
		if unusual != 0 {
			return scanAttrsSlow(b, p, z, vals, seen, quotedSet, dup)
		}
		mask := &nameMasks[n&31] // n < 24 here
		idx := variantIndex(nameKey{w0 & mask[0], w1 & mask[1], n})
		bit := uint16(1) << (idx & 15)
		dup |= seen & bit
		seen |= bit
		quotedSet |= bit * uint16(q)
		vals[idx&15] = span{off: int32(v + q), n: int32(vz - v - q)}
		p = next + 1
	}
	return seen, quotedSet, dup&known == 0
}

// nameMasks[n] masks the first n bytes of a name in its first two words
// (lowBytes(n), lowBytes(n-8)): a table load instead of variable shifts,
// which Go's wasm code guards with a comparison each.
var nameMasks = func() (t [32][2]uint64) {
	for n := range t {
		t[n] = [2]uint64{lowBytes(n), lowBytes(n - 8)}
	}
	return t
}()

// scanAttrsSlow is scanAttrs for the rest of any list, b[p:z], read with
// attrScanner; seen, quotedSet and dup carry what scanAttrs read before p.
func scanAttrsSlow(b []byte, p, z int, vals *[16]span, seen, quotedSet, dup uint16) (uint16, uint16, bool) {
	sc := attrScanner{s: b[p:z]}
	for {
		_, value, quoted, more := sc.next()
		if !more {
			break
		}
		idx := variantIndex(sc.key)
		bit := uint16(1) << idx
		dup |= seen & bit
		seen |= bit
		if quoted {
			quotedSet |= bit
		}
		vals[idx] = span{off: int32(cap(b) - cap(value)), n: int32(len(value))}
	}
	return seen, quotedSet, !sc.bad && dup&known == 0
}

// variantIndex is the index of the attribute whose name has key k, or
// iOther.
func variantIndex(k nameKey) uint8 {
	slot := &variantKeys[keySlot(k.w0)]
	idx := slot.idx
	// Parenthesised: in Go, ^ and | bind alike, left to right.
	if (slot.key.w0^k.w0)|(slot.key.w1^k.w1)|uint64(slot.key.n^k.n) != 0 {
		idx = iOther // AVERAGE-BANDWIDTH, FRAME-RATE, NAME, …
	}
	return idx
}

// swarDigits returns the digits' values of the first n bytes of x (a
// little-endian word, 0 < n <= 8) moved to the word's top bytes, for
// swarValue, and whether those bytes are all digits: parseDecimal
// without a loop, written as two inlinable halves because in the Wasm
// module a loop turn per digit, or a call, costs more than the whole of
// it (RATIONALE.md).
func swarDigits(x uint64, n int) (uint64, bool) {
	low := nameMasks[n&31][0] // the low n bytes
	return (x - '0'*swarLo) & low << (uint(8-n) * 8 & 63), allDigits(x, low)
}

// swarValue is the number whose digits' values are the bytes of y, the
// first (most significant) in the lowest byte: they are summed pairwise,
// by 10, 100 and 10000.
func swarValue(y uint64) int64 {
	y = (y*10 + y>>8) & 0x00ff00ff00ff00ff
	y = (y*100 + y>>16) & 0x0000ffff0000ffff
	return int64((y*10000 + y>>32) & 0xffffffff)
}

// allDigits reports whether the bytes of x that low masks are all ASCII
// digits.
func allDigits(x, low uint64) bool {
	return (inRange(x, '0', '9')&^x|^low)&swarHi == swarHi
}

// isNot is 1 if x is not c, else 0, without a branch.
func isNot(x, c byte) int { return -int(x^c) >> 63 & 1 }

// playableCodecs is codecsPlayable(b[a:z], caps) for a CODECS value of a
// variant line (b holds slack bytes past z). The usual value, up to 32
// bytes of entries that each start with a known four-letter family and a
// '.', is judged from four words with a comma bit set and a table lookup
// per entry; any other shape takes codecsPlayable.
func playableCodecs(b []byte, a, z int, caps *filter) bool {
	n := z - a
	if n > 32 {
		return codecsPlayable(b[a:z], caps)
	}
	x0, x1, x2, x3 := rawLoad(b, a), rawLoad(b, a+8), rawLoad(b, a+16), rawLoad(b, a+24)
	commas := (gather(eqBytes(x0, ',')) | gather(eqBytes(x1, ','))<<8 | gather(eqBytes(x2, ','))<<16 |
		gather(eqBytes(x3, ','))<<24) & uint32(1<<n-1)
	for s := 0; ; {
		// The entry at s: a family, then '.' before any comma.
		f := familyOfWord(uint32(rawLoad(b, a+s)))
		if f == 0 || s+4 >= n || b[a+s+4] != '.' || commas>>s&0x1f != 0 {
			return codecsPlayable(b[a:z], caps)
		}
		if caps.families&f == 0 {
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

// familyOfWord is contract.FamilyOf for the four bytes of w (little-endian), with
// letters folded to lower case without a branch and the family found in a
// perfect hash table.
func familyOfWord(w uint32) contract.Family {
	x := uint64(w)
	x |= inRange(x, 'A', 'Z') &^ (x & swarHi) >> 2 // 0x80>>2 is the case bit
	slot := &families[uint32(x)*familyHash>>27]
	if slot.name != uint32(x) {
		return 0
	}
	return slot.family
}

// families is a perfect hash table of the known codec family names (as
// little-endian words) and their contract.Family, slot uint32(name)*familyHash>>27.
var families = func() (t [32]struct {
	name   uint32
	family contract.Family
}) {
	for _, name := range contract.FamilySpellings {
		f := contract.FamilyOf(name)
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

// firstOf4 is firstOf3 for 32 bytes (32 if none is marked).
func firstOf4(m0, m1, m2, m3 uint64) int {
	t0 := bits.TrailingZeros64(m0) >> 3
	t1 := bits.TrailingZeros64(m1) >> 3
	t2 := bits.TrailingZeros64(m2) >> 3
	t3 := bits.TrailingZeros64(m3) >> 3
	return t0 + t0>>3*(t1+t1>>3*(t2+t2>>3*t3))
}

// blankBit is 1 for the bytes the attribute grammar skips around names
// and values (space, tab), else 0: a load instead of compares and branches.
var blankBit = [256]int{' ': 1, '\t': 1}

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
