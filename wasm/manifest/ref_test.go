package manifest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// rewriteRef is Rewriter.Rewrite (after the shared header) as it was before its loops were fused
// for the Wasm module (line by line over slices, attributes through
// attrScanner): the reference FuzzRewriteDiff holds Rewrite to.
func (r *Rewriter) rewriteRef(dst, master []byte, caps *filter) ([]byte, error) {
	pos, eol, err := header(master)
	if err != nil {
		return dst, err
	}
	r.entries = r.entries[:0]
	pending := -1 // entry awaiting its URI line
	mediaTags := false
	for pos < len(master) {
		start := pos
		end, line, cr := nextLineCRRef(master, pos)
		pos = end
		if cr {
			return dst, errdetail.Wrap(ErrInvalid, "carriage return inside a line")
		}
		t := skipSpace(line)
		if pending >= 0 {
			switch {
			case len(t) == 0 || t[0] == '#' && !bytes.HasPrefix(t, []byte("#EXT")):
				continue // blank or comment line inside a variant block
			case t[0] != '#':
				r.entries[pending].end = end // the URI line
				pending = -1
				continue
			default:
				// A tag before the URI line: the variant is malformed.
				r.entries[pending].ok = false
				pending = -1
			}
		}
		if len(t) == 0 || t[0] != '#' {
			if len(t) > 0 && hidesTagRef(t) {
				return dst, errdetail.Wrap(ErrInvalid, "variant tag hidden inside another line")
			}
			continue
		}
		name, attrs := t[1:], []byte(nil)
		if i := indexByte(name, ':'); i >= 0 {
			name, attrs = name[:i], name[i+1:]
		}
		// The three entry tags are told apart with word compares
		// (entryKind); in the Wasm module a string switch is a call to a
		// byte-at-a-time comparison per case tried.
		k := entryKindRef(name)
		if k == 0 {
			switch {
			case isMediaTagRef(name):
				mediaTags = true
			case hidesTagRef(t[1:]):
				return dst, errdetail.Wrap(ErrInvalid, "variant tag hidden inside another line")
			}
			continue
		}
		if len(r.entries) >= MaxEntries {
			return dst, errdetail.Wrap(ErrInvalid, "too many entries")
		}
		r.entries = append(r.entries, entry{start: start, end: end, kind: k})
		e := &r.entries[len(r.entries)-1]
		if k == kindMedia {
			parseMedia(e, master, attrs, caps)
			continue
		}
		judgeVariantRef(e, master, attrs, caps)
		if k == kindVariant {
			pending = len(r.entries) - 1
		}
	}
	if pending >= 0 {
		r.entries[pending].ok = false // no URI line before the end
	}
	return r.emitRef(dst, master, caps, eol, mediaTags)
}

// entryKindRef returns the kind of entry a tag name (without '#') starts, or
// 0, with word compares (TestEntryKind).
func entryKindRef(name []byte) kind {
	switch len(name) {
	case 16: // EXT-X-STREAM-INF
		if loadWordRef(name, 0) == tagEXTXST && loadWordRef(name, 8) == tagREAMINF {
			return kindVariant
		}
	case 11: // EXT-X-MEDIA
		if loadWordRef(name, 0) == tagEXTXME && loadWordRef(name, 3) == tagXMEDIA {
			return kindMedia
		}
	case 24: // EXT-X-I-FRAME-STREAM-INF
		if loadWordRef(name, 0) == tagEXTXI && loadWordRef(name, 8) == tagFRAMEST && loadWordRef(name, 16) == tagREAMINF {
			return kindIFrame
		}
	}
	return 0
}

func loadWordRef(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// nextLineCRRef returns the end of the line starting at pos, its content
// and whether the content holds a '\r'.
func nextLineCRRef(b []byte, pos int) (int, []byte, bool) {
	end, line := nextLine(b, pos)
	return end, line, bytes.IndexByte(line, '\r') >= 0
}

// Attribute bits, to find repeated attributes.
const (
	aBandwidth = 1 << iota
	aResolution
	aCodecs
	aRange
	aAudio
	aVideo
	aSubtitles
	aCC
	aURI
	aType
	aGroupID
)

// Keys of the variant attributes judgeVariantRef reads.
var (
	keyBandwidth  = keyOf("BANDWIDTH")
	keyResolution = keyOf("RESOLUTION")
	keyCodecs     = keyOf("CODECS")
	keyVideoRange = keyOf("VIDEO-RANGE")
	keyAudio      = keyOf("AUDIO")
	keyVideo      = keyOf("VIDEO")
	keySubtitles  = keyOf("SUBTITLES")
	keyCC         = keyOf("CLOSED-CAPTIONS")
	keyURI        = keyOf("URI")
)

// The first words (nameKey.w0) of those keys as constants, so that
// judgeVariant dispatches with one integer switch (a binary search on
// constants) instead of a chain of struct compares with variables;
// TestKeyWords checks them against keyOf.
const (
	w0Bandwidth  = 0x54444957444e4142 // "BANDWIDT"
	w0Resolution = 0x4954554c4f534552 // "RESOLUTI"
	w0Codecs     = 0x534345444f43     // "CODECS"
	w0VideoRange = 0x41522d4f45444956 // "VIDEO-RA"
	w0Audio      = 0x4f49445541       // "AUDIO"
	w0Video      = 0x4f45444956       // "VIDEO"
	w0Subtitles  = 0x454c544954425553 // "SUBTITLE"
	w0CC         = 0x432d4445534f4c43 // "CLOSED-C"
	w0URI        = 0x495255           // "URI"
)

// variantAttr returns the attribute bit of the variant attribute whose key
// is k, or 0 for an attribute the rewrite does not read.
func variantAttr(k nameKey) uint16 {
	var want nameKey
	var bit uint16
	switch k.w0 {
	case w0Bandwidth:
		want, bit = keyBandwidth, aBandwidth
	case w0Resolution:
		want, bit = keyResolution, aResolution
	case w0Codecs:
		want, bit = keyCodecs, aCodecs
	case w0VideoRange:
		want, bit = keyVideoRange, aRange
	case w0Audio:
		want, bit = keyAudio, aAudio
	case w0Video:
		want, bit = keyVideo, aVideo
	case w0Subtitles:
		want, bit = keySubtitles, aSubtitles
	case w0CC:
		want, bit = keyCC, aCC
	case w0URI:
		want, bit = keyURI, aURI
	default:
		return 0
	}
	if k.w1 != want.w1 || k.n != want.n {
		return 0
	}
	return bit
}

// judgeVariantRef reads a variant's attributes into e and decides e.ok.
func judgeVariantRef(e *entry, master, attrs []byte, caps *filter) {
	sc := attrScanner{s: attrs}
	var seen uint16
	bandwidth, height := int64(-1), int64(-1)
	var codecs, videoRange []byte
	hasCodecs, hasRange := false, false
	for {
		_, value, quoted, ok := sc.next()
		if !ok {
			break
		}
		bit := variantAttr(sc.key)
		switch bit {
		case 0:
			continue // AVERAGE-BANDWIDTH, FRAME-RATE, NAME, …
		case aBandwidth:
			n, ok := parseDecimal(value)
			if !ok || quoted {
				return
			}
			bandwidth = n
		case aResolution:
			h, ok := parseResolution(value)
			if !ok || quoted {
				return
			}
			height = h
		case aCodecs:
			codecs, hasCodecs = value, true
		case aRange:
			videoRange, hasRange = value, true
		case aAudio:
			setGroupRef(e, groupAudio, master, value, quoted)
		case aVideo:
			setGroupRef(e, groupVideo, master, value, quoted)
		case aSubtitles:
			setGroupRef(e, groupSubtitles, master, value, quoted)
		case aCC:
			if !quoted && string(value) != "NONE" {
				return
			}
			setGroupRef(e, groupCC, master, value, quoted)
		}
		if seen&bit != 0 {
			return // a repeated attribute: which one would a player read?
		}
		seen |= bit
	}
	e.bandwidth = bandwidth
	switch {
	case sc.bad, bandwidth < 0, bandwidth > caps.maxBandwidth, height > caps.maxHeight:
		return
	case e.kind == kindIFrame && seen&aURI == 0:
		return
	case hasRange && string(videoRange) != "SDR" && !caps.hdr:
		return
	}
	if !hasCodecs || len(skipSpace(codecs)) == 0 {
		need := contract.AVC | contract.AAC
		if e.kind == kindIFrame {
			need = contract.AVC
		}
		e.ok = caps.families&need == need
		return
	}
	e.ok = codecsPlayable(codecs, caps)
}

// setGroupRef records a quoted group reference; an unquoted value (NONE) is
// no reference.
func setGroupRef(e *entry, g int, master, value []byte, quoted bool) {
	if quoted {
		e.groups[g] = spanOf(master, value)
	}
}

// emitRef is emit as it was (one append per piece); which entries stay is
// decided by the same decide.
func (r *Rewriter) emitRef(dst, master []byte, caps *filter, eol []byte, mediaTags bool) ([]byte, error) {
	firstKept, startIdx, err := r.decide(master, caps, mediaTags)
	if err != nil {
		return dst, err
	}
	es := r.entries
	mark := len(dst)
	pos := 0
	added := -1 // len(dst) right after an added line ending
	for i := range es {
		e := &es[i]
		dst = append(dst, master[pos:e.start]...)
		pos = e.end
		if i == firstKept && startIdx != firstKept {
			dst, added = appendBlockRef(dst, master, &es[startIdx], eol)
		}
		if e.keep && (i != startIdx || startIdx == firstKept) {
			dst, added = appendBlockRef(dst, master, e, eol)
		}
	}
	dst = append(dst, master[pos:]...)
	if added == len(dst) && added > mark && master[len(master)-1] != '\n' {
		dst = dst[:len(dst)-len(eol)] // the input ended without a newline
	}
	return dst, nil
}

// appendBlockRef appends an entry's lines, ending them with eol if the input
// did not (the last line of a file without a final newline).
func appendBlockRef(dst, master []byte, e *entry, eol []byte) ([]byte, int) {
	dst = append(dst, master[e.start:e.end]...)
	if master[e.end-1] != '\n' {
		dst = append(dst, eol...)
		return dst, len(dst)
	}
	return dst, -1
}

// FuzzRewriteDiff: Rewrite answers exactly what the reference answers (the
// same bytes, or the same error) for any playlist and caps, and leaves dst
// alone on error. Seeds: every testdata playlist and the TestRewrite
// inputs for every golden caps value, plus hostile shapes.
func FuzzRewriteDiff(f *testing.F) {
	addPlaylistSeeds(f)
	for _, s := range []string{
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n",
		"#EXTM3U\n#EXT-X-STREAM-INF: BANDWIDTH = 1 ,CODECS=\"avc1.4d401e\" , RESOLUTION=1x1\nu",
		"#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH-LONG-NAME-OVER-24=2\r\nu\r",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,X=\"a\"b\nu\n#EXT-X-STREAM-INF:BANDWIDTH=2,X=a\"b\nu",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1\nu\"\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,BANDWIDTH=2\nu\n#EXT-X-STREAM-INF:BANDWIDTH\nu\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CLOSED-CAPTIONS=NONE,CLOSED-CAPTIONS=\"x\"\nu",
		"#EXTM3U\n#EXT-X-STREAM-INF\nu\n#EXT-X-STREAM-INF:\nu\n#EXT-X-STREAM-INFX:BANDWIDTH=1\nu",
		"#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i\"\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\"\n",
		"\xef\xbb\xbf#EXTM3U \n\t#EXT-X-STREAM-INF:BANDWIDTH=0\n\t# c\n\nu",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\r#x\nu\n",
	} {
		for _, c := range goldenCaps {
			f.Add([]byte(s), c)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, capsValue string) {
		caps, err := contract.ParseHeader(capsValue)
		if err != nil {
			return
		}
		in = atPageEnd(t, in)
		var r, ref Rewriter
		prefix := []byte("dst:")
		got, err := r.Rewrite(prefix, in, &caps)
		var f filter
		f.set(&caps)
		want, wantErr := ref.rewriteRef(prefix, in, &f)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() ||
			!errors.Is(err, errors.Unwrap(wantErr)) && !errors.Is(err, wantErr) {
			t.Fatalf("%q for %s: Rewrite error %v, reference %v", in, capsValue, err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%q for %s:\nRewrite   %q\nreference %q", in, capsValue, got, want)
		}
	})
}

// hidesTagRef is the plain form of hidesTag.
func hidesTagRef(line []byte) bool {
	return bytes.Contains(line, []byte("STREAM-INF")) || bytes.Contains(line, []byte("EXT-X-MEDIA:"))
}
