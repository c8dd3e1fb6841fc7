// Package manifest rewrites an HLS master playlist for one device: it drops
// the variants the device may not or cannot play, puts the right start
// variant first, drops EXT-X-MEDIA groups no remaining variant references,
// and keeps every other byte as it was. It is the edge module's
// origin-request function as plain Go (wasm/ABI.md, export rewrite): it
// builds for the host and for GOOS=wasip1 and imports nothing heavy (no fmt,
// no regexp, no encoding/json) to keep the module small.
//
// The rewrite works on lines, never parsing and re-serialising the
// playlist, so comments, unknown and vendor tags, EXT-X-SESSION-DATA,
// EXT-X-SESSION-KEY, EXT-X-START, EXT-X-DEFINE, blank lines, CRLF line
// endings and a UTF-8 byte order mark come out exactly as they went in.
package manifest

import (
	"bytes"
	"errors"
	"math/bits"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Limits on the input.
const (
	// MaxSize is the largest playlist Rewrite reads (1 MiB, also the
	// largest response a Lambda@Edge origin-request function may generate).
	MaxSize = 1 << 20
	// MaxEntries bounds the variants and EXT-X-MEDIA entries of a playlist.
	MaxEntries = 1024
)

var (
	// ErrNothingPlayable reports a master in which no EXT-X-STREAM-INF
	// variant is left for the device. The edge answers it with a clear
	// status, never with an empty master.
	ErrNothingPlayable = errors.New("manifest: no rendition playable by this device")
	// ErrNotMaster reports a playlist that is not a master playlist (a media
	// playlist, or one without any variant): serve it unchanged.
	ErrNotMaster = errors.New("manifest: not a master playlist")
	// ErrInvalid reports input that is not a usable master playlist: no
	// #EXTM3U header, master and media playlist tags mixed, a tag hidden in
	// another line, larger than MaxSize or with more than MaxEntries entries.
	ErrInvalid = errors.New("manifest: invalid master playlist")
)

// kind is what an entry is.
type kind uint8

const (
	kindVariant kind = iota + 1 // EXT-X-STREAM-INF and its URI line
	kindIFrame                  // EXT-X-I-FRAME-STREAM-INF
	kindMedia                   // EXT-X-MEDIA
)

// Rendition group types, the index into entry.groups.
const (
	groupAudio = iota
	groupVideo
	groupSubtitles
	groupCC
	numGroups
)

// span is a byte range of the input.
type span struct{ off, n int32 }

// entry is one variant or EXT-X-MEDIA line(s) of the input.
type entry struct {
	start, end int // byte range: whole lines, line terminators included
	bandwidth  int64
	// groups are the GROUP-IDs a variant references by type; for a media
	// entry, groups[typ] is its GROUP-ID.
	groups [numGroups]span
	kind   kind
	typ    int8 // media TYPE (group index), -1 if unusable
	ok     bool // variant: playable; media: its CODECS (if any) playable
	keep   bool
}

// Rewriter rewrites master playlists, reusing its scratch memory from one
// call to the next. The zero value is ready to use. A Rewriter is not safe
// for concurrent use.
type Rewriter struct {
	entries []entry
	// tail is the padded copy of a variant line near the input's end.
	tail []byte
	// vals is judgeVariant's scratch memory.
	vals [16]span
	// caps, parsed from capsText, are the last caps Call read; capsOK
	// says they are set.
	caps     contract.Caps
	capsText string
	capsOK   bool
	// filter is the caps of the call under way, as the rewrite reads them.
	filter filter
}

// Rewrite is (&Rewriter{}).Rewrite(nil, master, &caps).
func Rewrite(master []byte, caps contract.Caps) ([]byte, error) {
	var r Rewriter
	return r.Rewrite(nil, master, &caps)
}

// Rewrite appends master, rewritten for caps, to dst and returns the
// extended slice. On error it returns dst unchanged and an error wrapping
// ErrNothingPlayable, ErrNotMaster or ErrInvalid.
//
// A variant (EXT-X-STREAM-INF with its URI line, or EXT-X-I-FRAME-STREAM-INF)
// is dropped when:
//   - its RESOLUTION height is over caps.MaxHeight;
//   - its BANDWIDTH is over caps.MaxBitrate;
//   - a CODECS entry's family (contract.FamilyName: a known family with
//     its aliases, or another name in caps.Codecs) is not one the device
//     plays;
//   - its VIDEO-RANGE is not SDR (PQ, HLG or unknown) and HDR is not allowed;
//   - it is malformed: no or bad BANDWIDTH, a bad RESOLUTION, a repeated
//     attribute the rewrite reads, an unterminated quoted string, an empty
//     CODECS entry, an EXT-X-STREAM-INF without a URI line (only blank and
//     comment lines may sit between them), an I-frame variant without URI.
//
// Missing attributes get a safe treatment: without RESOLUTION a variant is
// kept, judged by BANDWIDTH alone (audio-only variants have none); without
// CODECS it is kept only if the device plays avc1 and mp4a, which HLS
// clients assume then (avc1 alone for an I-frame variant).
//
// The start variant, the highest BANDWIDTH kept variant within
// caps.StartBudget (else the lowest), moves to where the first kept variant
// was; the others keep their order. An EXT-X-MEDIA entry is kept only if a
// kept variant references its GROUP-ID through the attribute of its TYPE
// (AUDIO, VIDEO, SUBTITLES, CLOSED-CAPTIONS); an AUDIO rendition whose
// (non-standard) CODECS the device cannot play is dropped only if its group
// keeps a playable one. Every other line is copied unchanged. A variant
// block moved from the end of an input without a final newline gets the
// playlist's line ending (CRLF if its first line has one).
func (r *Rewriter) Rewrite(dst, master []byte, c *contract.Caps) ([]byte, error) {
	r.filter.set(c)
	caps := &r.filter
	end, eol, err := header(master)
	if err != nil {
		return dst, err
	}
	// The loop below works on indexes into master and finds line ends a
	// word at a time, inline: in the Wasm module every call and every
	// taken branch is dear (RATIONALE.md), and variant blocks, which are
	// most of a master, take no call here but judgeVariant.
	n := len(master)
	r.entries = r.entries[:0]
	pending := -1 // entry awaiting its URI line
	mediaTags := false
	for pos := end; pos < n; {
		start := pos
		// The line's content ends at the first '\n' or '\r'. Bytes below
		// 0x0e are found 32 bytes per loop turn (a turn costs more than the
		// arithmetic), the last 32 bytes of the input with load's zero
		// padding; one that is neither (a tab, a control byte) is passed.
		i := pos
	scan:
		for i+32 <= n {
			m0, m1, m2, m3 := ctlBytes(master, i), ctlBytes(master, i+8), ctlBytes(master, i+16), ctlBytes(master, i+24)
			if m0|m1|m2|m3 != 0 {
				i += firstOf4(m0, m1, m2, m3)
				goto found
			}
			i += 32
		}
		for {
			x := load(master, i)
			if m := (x - 0x0e*swarLo) &^ x & swarHi; m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			if i += 8; i >= n {
				break
			}
		}
	found:
		switch {
		case i < n && master[i] == '\n':
			pos = i + 1
		case i >= n:
			i, pos = n, n
		case master[i] != '\r':
			i++ // a tab or a control byte: the line goes on
			goto scan
		case i+1 < n && master[i+1] == '\n':
			pos = i + 2
		default:
			return dst, errdetail.Wrap(ErrInvalid, "carriage return inside a line")
		}
		lineEnd := i
		// The usual lines take the first two branches: a line that starts
		// with a URI byte (a variant's URI line), a tag outside a variant
		// block. Blank starts, empty lines and tags or comments inside a
		// variant block take the general path.
		if uriStart[master[start]] {
			if pending >= 0 {
				r.entries[pending].end = pos // the variant's URI line
				pending = -1
			} else if hidesTag(master, start, lineEnd) {
				return dst, errdetail.Wrap(ErrInvalid, "variant tag hidden inside another line")
			}
			continue
		}
		t := start // the line's first byte that is not a blank
		if pending >= 0 || master[start] != '#' {
			for t < lineEnd && (master[t] == ' ' || master[t] == '\t') {
				t++
			}
			if pending >= 0 {
				switch {
				case t == lineEnd || master[t] == '#' && !hasPrefixAt(master, t, lineEnd, "#EXT"):
					continue // blank or comment line inside a variant block
				case master[t] != '#':
					r.entries[pending].end = pos // the URI line
					pending = -1
					continue
				default:
					// A tag before the URI line: the variant is malformed.
					r.entries[pending].ok = false
					pending = -1
				}
			}
			if t == lineEnd || master[t] != '#' {
				if t < lineEnd && hidesTag(master, t, lineEnd) {
					return dst, errdetail.Wrap(ErrInvalid, "variant tag hidden inside another line")
				}
				continue
			}
		}
		k, attrs := entryAt(master, t+1, lineEnd)
		if k == 0 {
			switch {
			case isMediaTag(master, t+1, lineEnd):
				mediaTags = true
			case hidesTag(master, t+1, lineEnd):
				return dst, errdetail.Wrap(ErrInvalid, "variant tag hidden inside another line")
			}
			continue
		}
		if len(r.entries) >= MaxEntries {
			return dst, errdetail.Wrap(ErrInvalid, "too many entries")
		}
		r.entries = append(r.entries, entry{start: start, end: pos, kind: k})
		e := &r.entries[len(r.entries)-1]
		if k == kindMedia {
			parseMedia(e, master, master[attrs:lineEnd], caps)
			continue
		}
		b, base := master, 0
		if lineEnd+slack > n { // the last lines: judged on a padded copy
			r.tail = append(append(r.tail[:0], master[attrs:lineEnd]...), zeros[:]...)
			b, base = r.tail, attrs
		}
		judgeVariant(e, b, base, attrs-base, lineEnd-base, caps, &r.vals)
		if k == kindVariant {
			pending = len(r.entries) - 1
		}
	}
	if pending >= 0 {
		r.entries[pending].ok = false // no URI line before the end
	}
	return r.emit(dst, master, caps, eol, mediaTags)
}

// ctlBytes marks the first byte of b[i:i+8] below 0x0e ('\t', '\n', '\r',
// other control bytes): the lowest bit set is exact, higher ones may be
// false (firstZeroByte's borrow); the caller ensures i+8 <= len(b).
func ctlBytes(b []byte, i int) uint64 {
	x := rawLoad(b, i)
	return (x - 0x0e*swarLo) &^ x & swarHi
}

// hasPrefixAt reports whether b[i:end] starts with the short prefix p.
func hasPrefixAt(b []byte, i, end int, p string) bool {
	return end-i >= len(p) && string(b[i:i+len(p)]) == p
}

// header checks master's size and its #EXTM3U line (after an optional
// BOM) and returns where the next line starts and the playlist's line
// ending (CRLF if the header line has one).
func header(master []byte) (next int, eol []byte, err error) {
	if len(master) > MaxSize {
		return 0, nil, errdetail.Wrap(ErrInvalid, "larger than 1 MiB")
	}
	pos := 0
	if bytes.HasPrefix(master, bom) {
		pos = len(bom)
	}
	end, first := nextLine(master, pos)
	if string(trimSpaceRight(first)) != "#EXTM3U" {
		return 0, nil, errdetail.Wrap(ErrInvalid, "no #EXTM3U header")
	}
	eol = lf
	if end >= 2 && master[end-2] == '\r' && master[end-1] == '\n' {
		eol = crlf
	}
	return end, eol, nil
}

// uriStart marks the bytes a URI line may start with: not a blank, '#' or
// a line end (one load instead of four compares and their branches).
var uriStart = func() (t [256]bool) {
	for c := range t {
		t[c] = c != ' ' && c != '\t' && c != '#' && c != '\n' && c != '\r'
	}
	return t
}()

// zeros pads Rewriter.tail.
var zeros [slack]byte

var (
	bom  = []byte("\xef\xbb\xbf")
	lf   = []byte("\n")
	crlf = []byte("\r\n")
)

// nextLine returns the end of the line starting at pos (after its '\n', or
// len(b)) and the line's content without "\n" or "\r\n".
func nextLine(b []byte, pos int) (int, []byte) {
	end := len(b)
	if i := indexByte(b[pos:], '\n'); i >= 0 {
		end = pos + i + 1
	}
	line := b[pos:end]
	if len(line) > 0 && line[len(line)-1] == '\n' {
		line = line[:len(line)-1]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
	}
	return end, line
}

// Bits of the EXT-X-MEDIA attributes parseMedia reads, to find repeats.
const (
	mType = 1 << iota
	mGroupID
	mCodecs
)

// codecsPlayable reports whether every entry of a CODECS value is of a
// family the device plays; an empty entry is not.
func codecsPlayable(codecs []byte, caps *filter) bool {
	for len(codecs) > 0 {
		c := codecs
		if i := indexByte(codecs, ','); i >= 0 {
			c, codecs = codecs[:i], codecs[i+1:]
			if len(codecs) == 0 {
				return false // a trailing comma: an empty entry
			}
		} else {
			codecs = nil
		}
		// The usual entry, a four-letter family and '.' ("avc1.640028"),
		// without the trims and the '.' search below: a known family has
		// no space, '.' or ',' in it, so they would find the same name.
		if len(c) >= 5 && c[4] == '.' {
			if f := contract.FamilyOf(string(c[:4])); f != 0 {
				if caps.families&f == 0 {
					return false
				}
				continue
			}
		}
		c = trimSpaceRight(skipSpace(c))
		if i := indexByte(c, '.'); i >= 0 {
			c = c[:i]
		}
		if len(c) == 0 || !caps.plays(c) {
			return false
		}
	}
	return true
}

// parseResolution reads WIDTHxHEIGHT and returns the height.
func parseResolution(v []byte) (int64, bool) {
	i := indexByte(v, 'x')
	if i < 0 {
		return 0, false
	}
	if _, ok := parseDecimal(v[:i]); !ok {
		return 0, false
	}
	return parseDecimal(v[i+1:])
}

// spanOf locates sub, a subslice of master.
func spanOf(master, sub []byte) span {
	if len(sub) == 0 {
		return span{off: 0, n: 0}
	}
	off := cap(master) - cap(sub)
	return span{off: int32(off), n: int32(len(sub))}
}

// parseMedia reads an EXT-X-MEDIA entry's TYPE, GROUP-ID and CODECS.
func parseMedia(e *entry, master, attrs []byte, caps *filter) {
	e.typ = -1
	sc := attrScanner{s: attrs}
	var seen uint16
	typ := int8(-1)
	var group span
	hasGroup := false
	var codecs []byte
	hasCodecs := false
	for {
		name, value, quoted, ok := sc.next()
		if !ok {
			break
		}
		var bit uint16
		switch string(name) {
		case "TYPE":
			bit = mType
			switch string(value) {
			case "AUDIO":
				typ = groupAudio
			case "VIDEO":
				typ = groupVideo
			case "SUBTITLES":
				typ = groupSubtitles
			case "CLOSED-CAPTIONS":
				typ = groupCC
			}
		case "GROUP-ID":
			bit = mGroupID
			if !quoted {
				return
			}
			group, hasGroup = spanOf(master, value), true
		case "CODECS":
			bit, codecs, hasCodecs = mCodecs, value, true
		default:
			continue
		}
		if seen&bit != 0 {
			return
		}
		seen |= bit
	}
	if sc.bad || typ < 0 || !hasGroup {
		return
	}
	e.typ = typ
	e.groups[typ] = group
	e.ok = !hasCodecs || codecsPlayable(codecs, caps)
}

// decide marks the entries that stay (entry.keep) and returns the first
// kept variant and the start variant, or ErrNotMaster, ErrInvalid or
// ErrNothingPlayable.
func (r *Rewriter) decide(master []byte, caps *filter, mediaTags bool) (firstKept, startIdx int, err error) {
	es := r.entries
	if len(es) == 0 {
		return 0, 0, ErrNotMaster
	}
	if mediaTags {
		return 0, 0, errdetail.Wrap(ErrInvalid, "master and media playlist tags mixed")
	}
	firstKept, startIdx = -1, -1
	budget := caps.budget
	media := false
	for i := range es {
		e := &es[i]
		if e.kind == kindMedia {
			media = true
			continue
		}
		e.keep = e.ok
		if !e.keep || e.kind != kindVariant {
			continue
		}
		if firstKept < 0 {
			firstKept, startIdx = i, i
			continue
		}
		s := &es[startIdx]
		switch {
		case e.bandwidth <= budget && (s.bandwidth > budget || e.bandwidth > s.bandwidth):
			startIdx = i // a better start within the budget
		case s.bandwidth > budget && e.bandwidth < s.bandwidth:
			startIdx = i // nothing within the budget yet: the lowest
		}
	}
	if firstKept < 0 {
		return 0, 0, ErrNothingPlayable
	}
	if !media {
		return firstKept, startIdx, nil
	}
	for i := range es {
		m := &es[i]
		if m.kind != kindMedia || m.typ < 0 {
			continue
		}
		g := m.groups[m.typ]
		for j := range es {
			v := &es[j]
			if v.kind != kindMedia && v.keep && sameBytes(master, v.groups[m.typ], g) {
				m.keep = true
				break
			}
		}
	}
	for i := range es {
		m := &es[i]
		if m.kind != kindMedia || !m.keep || m.ok || m.typ != groupAudio {
			continue
		}
		for j := range es {
			o := &es[j]
			if o.kind == kindMedia && o.keep && o.ok && o.typ == groupAudio && sameBytes(master, o.groups[groupAudio], m.groups[groupAudio]) {
				m.keep = false // the group keeps a rendition the device plays
				break
			}
		}
	}
	return firstKept, startIdx, nil
}

// emit decides which entries stay and writes the result.
func (r *Rewriter) emit(dst, master []byte, caps *filter, eol []byte, mediaTags bool) ([]byte, error) {
	firstKept, startIdx, err := r.decide(master, caps, mediaTags)
	if err != nil {
		return dst, err
	}
	es := r.entries
	// The output is runs of the input: a gap between entries, a kept
	// entry in place and the next gap are one run, one append (in the
	// Wasm module each append is a call). The start variant's block is
	// appended where the first kept variant was, with a line ending if it
	// was the input's last line without one (only then is more text after
	// it); an entry kept in place at the very end stays as it was.
	cs, ce, pos := 0, 0, 0 // the run master[cs:ce]; pos: the end of the last entry
	for i := range es {
		e := &es[i]
		if pos != ce { // an entry was left out: the run ends
			dst = append(dst, master[cs:ce]...)
			cs = pos
		}
		ce, pos = e.start, e.end
		if i == firstKept && startIdx != firstKept {
			s := &es[startIdx]
			dst = append(dst, master[cs:ce]...)
			dst = append(dst, master[s.start:s.end]...)
			if master[s.end-1] != '\n' {
				dst = append(dst, eol...)
			}
			cs = ce
		}
		if e.keep && (i != startIdx || startIdx == firstKept) {
			ce = e.end
		}
	}
	if pos != ce {
		dst = append(dst, master[cs:ce]...)
		cs = pos
	}
	return append(dst, master[cs:]...), nil
}

// sameBytes reports whether two non-empty spans of master hold equal bytes.
func sameBytes(master []byte, a, b span) bool {
	return a.n > 0 && a.n == b.n &&
		string(master[a.off:a.off+a.n]) == string(master[b.off:b.off+b.n])
}
