package manifest

import "math/bits"

// What a tag line is: an entry (entryAt), a media playlist tag
// (isMediaTag) or another tag, which must hide no entry tag (hidesTag).
// Each is told from words loaded at the line, not by string compares: in
// the Wasm module a string compare is a call into a byte-at-a-time loop
// (RATIONALE.md).

// Words of the entry tag names, little-endian, for entryAt.
const (
	tagEXTXST  = 0x54532d582d545845 // "EXT-X-ST"
	tagREAMINF = 0x464e492d4d414552 // "REAM-INF"
	tagEXTXME  = 0x454d2d582d545845 // "EXT-X-ME"
	tagXMEDIA  = 0x414944454d2d582d // "-X-MEDIA"
	tagEXTXI   = 0x2d492d582d545845 // "EXT-X-I-"
	tagFRAMEST = 0x54532d454d415246 // "FRAME-ST"
)

// entryAt returns the kind of entry the tag whose name starts at b[i]
// (after '#') opens, or 0, and where its attribute list starts (end if it
// has none), with word compares (TestEntryAt): the name must be followed
// by ':' or the line's end.
func entryAt(b []byte, i, end int) (kind, int) {
	var k kind
	var n int
	switch load(b, i) {
	case tagEXTXST: // EXT-X-STREAM-INF
		k, n = kindVariant, 16
		if load(b, i+8) != tagREAMINF {
			return 0, 0
		}
	case tagEXTXME: // EXT-X-MEDIA
		k, n = kindMedia, 11
		if load(b, i+3) != tagXMEDIA {
			return 0, 0
		}
	case tagEXTXI: // EXT-X-I-FRAME-STREAM-INF
		k, n = kindIFrame, 24
		if load(b, i+8) != tagFRAMEST || load(b, i+16) != tagREAMINF {
			return 0, 0
		}
	default:
		return 0, 0
	}
	switch j := i + n; {
	case j == end:
		return k, end
	case j < end && b[j] == ':':
		return k, j + 1
	}
	return 0, 0
}

// isMediaTag reports whether the tag whose name starts at b[i] (after
// '#') and ends at the first ':' or at end is one of a media playlist
// (EXTINF, EXT-X-TARGETDURATION, …): a master holding one is invalid. The
// name's first word and length pick the one candidate in mediaTagNames,
// and only a candidate is compared whole.
func isMediaTag(b []byte, i, end int) bool {
	w0 := load(b, i)
	n := firstOf4(eqBytes(w0, ':'), eqBytes(load(b, i+8), ':'),
		eqBytes(load(b, i+16), ':'), eqBytes(load(b, i+24), ':'))
	n = min(n, end-i) // 32 (no ':' in the first 32 bytes) names no media tag
	w0 &= nameMasks[n&31][0]
	slot := &mediaTagNames[(w0^uint64(n))*mediaTagHash>>59]
	return n > 0 && slot.w0 == w0 && len(slot.name) == n && string(b[i:i+n]) == slot.name
}

// mediaTagNames is a perfect hash table of the media playlist tag names,
// slot (w0^len)*mediaTagHash>>59 for a name whose first word (zero
// padded) is w0.
var mediaTagNames = func() (t [32]struct {
	w0   uint64
	name string
}) {
	for _, name := range []string{
		"EXTINF", "EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE",
		"EXT-X-ENDLIST", "EXT-X-PLAYLIST-TYPE", "EXT-X-I-FRAMES-ONLY", "EXT-X-MAP", "EXT-X-BYTERANGE",
		"EXT-X-PART-INF", "EXT-X-PART", "EXT-X-DISCONTINUITY", "EXT-X-PROGRAM-DATE-TIME",
	} {
		w0 := keyOf(name).w0
		s := &t[(w0^uint64(len(name)))*mediaTagHash>>59]
		if s.name != "" {
			panic("manifest: media tag names collide in mediaTagHash")
		}
		s.w0, s.name = w0, name
	}
	return t
}()

// mediaTagHash spreads the media tag names over mediaTagNames' 32 slots
// without collisions (found by search; the table panics at start-up
// otherwise).
const mediaTagHash = 0x2ead854756d71f03

// Words of the tags hidesTag looks for besides tagEXTXME, little-endian.
const (
	tagSTREAMI = 0x492d4d4145525453 // "STREAM-I"
	tagDIA     = 0x3a414944         // "DIA:"
)

// hidesTag reports whether b[i:end], a line the rewrite would copy
// unchanged, holds a variant or rendition tag ("STREAM-INF",
// "EXT-X-MEDIA:") somewhere inside it: lenient players (hls.js matches
// tags anywhere in a line) could play what the rewrite dropped. Both
// have an 'M'; the line is searched for 'M' a word per loop turn and only
// an 'M' is looked at.
func hidesTag(b []byte, i, end int) bool {
	for p := i; p < end; p += 8 {
		for m := eqBytes(load(b, p), 'M') & nameMasks[min(end-p, 8)][0]; m != 0; m &= m - 1 {
			q := p + bits.TrailingZeros64(m)>>3 // an 'M'
			if q-5 >= i && q+5 <= end && load(b, q-5) == tagSTREAMI && b[q+3] == 'N' && b[q+4] == 'F' ||
				q-6 >= i && q+6 <= end && load(b, q-6) == tagEXTXME && uint32(load(b, q+2)) == tagDIA {
				return true
			}
		}
	}
	return false
}
