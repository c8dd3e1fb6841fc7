package hls

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// line is one logical playlist line.
type line struct {
	no   int
	text string
}

// lines splits data into trimmed, non-blank lines, removing a UTF-8 BOM
// and CR of CRLF line ends, and checks the #EXTM3U header.
func lines(data []byte) ([]line, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []line
	no := 0
	for len(data) > 0 {
		no++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		s := strings.TrimSpace(string(l))
		if s == "" {
			continue
		}
		out = append(out, line{no: no, text: s})
	}
	if len(out) == 0 || out[0].text != "#EXTM3U" {
		return nil, &ParseError{Line: 1, Err: ErrNotPlaylist}
	}
	return out[1:], nil
}

// splitTag splits "#EXT-X-NAME:value" into its name and value.
func splitTag(s string) (name, value string) {
	name, value, _ = strings.Cut(s, ":")
	return name, value
}

func isMediaTag(name string) bool {
	switch name {
	case "#EXTINF", "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-ENDLIST",
		"#EXT-X-PLAYLIST-TYPE", "#EXT-X-MAP", "#EXT-X-BYTERANGE", "#EXT-X-I-FRAMES-ONLY":
		return true
	}
	return false
}

func isMasterTag(name string) bool {
	switch name {
	case "#EXT-X-STREAM-INF", "#EXT-X-MEDIA", "#EXT-X-I-FRAME-STREAM-INF", "#EXT-X-SESSION-DATA", "#EXT-X-SESSION-KEY":
		return true
	}
	return false
}

// IsMaster reports whether data looks like a master playlist: it has the
// #EXTM3U header and a master-only tag before any media-only tag.
func IsMaster(data []byte) bool {
	ls, err := lines(data)
	if err != nil {
		return false
	}
	for _, l := range ls {
		name, _ := splitTag(l.text)
		if isMasterTag(name) {
			return true
		}
		if isMediaTag(name) {
			return false
		}
	}
	return false
}

func parseVersion(value string) (int, error) {
	v, err := strconv.Atoi(value)
	if err != nil || v < 1 {
		return 0, errdetail.Wrap(ErrInvalidValue, "version "+strconv.Quote(value))
	}
	return v, nil
}

// ParseMaster parses a master playlist. It fails with ErrWrongKind on a
// media playlist and with ErrNoVariants if no variant stream is listed.
func ParseMaster(data []byte) (*Master, error) {
	ls, err := lines(data)
	if err != nil {
		return nil, err
	}
	m := &Master{}
	var pending *Variant
	pendingLine := 0
	for _, l := range ls {
		if !strings.HasPrefix(l.text, "#") {
			if pending == nil {
				return nil, &ParseError{Line: l.no, Err: errdetail.Wrap(ErrInvalidValue, "URI "+strconv.Quote(l.text)+" without #EXT-X-STREAM-INF")}
			}
			pending.URI = l.text
			m.Variants = append(m.Variants, *pending)
			pending = nil
			continue
		}
		if !strings.HasPrefix(l.text, "#EXT") {
			continue // comment
		}
		name, value := splitTag(l.text)
		fail := func(err error) error { return &ParseError{Line: l.no, Tag: name, Err: err} }
		if isMediaTag(name) {
			return nil, fail(errdetail.Wrap(ErrWrongKind, "media playlist tag in a master playlist"))
		}
		switch name {
		case "#EXT-X-VERSION":
			if m.Version, err = parseVersion(value); err != nil {
				return nil, fail(err)
			}
		case "#EXT-X-INDEPENDENT-SEGMENTS":
			m.IndependentSegments = true
		case "#EXT-X-STREAM-INF":
			if pending != nil {
				return nil, &ParseError{Line: pendingLine, Tag: name, Err: ErrMissingURI}
			}
			v, err := parseStreamInf(value)
			if err != nil {
				return nil, fail(err)
			}
			pending, pendingLine = &v, l.no
		case "#EXT-X-MEDIA":
			r, err := parseMedia(value)
			if err != nil {
				return nil, fail(err)
			}
			m.Renditions = append(m.Renditions, r)
		case "#EXT-X-I-FRAME-STREAM-INF":
			f, err := parseIFrame(value)
			if err != nil {
				return nil, fail(err)
			}
			m.IFrames = append(m.IFrames, f)
		}
	}
	if pending != nil {
		return nil, &ParseError{Line: pendingLine, Tag: "#EXT-X-STREAM-INF", Err: ErrMissingURI}
	}
	if len(m.Variants) == 0 {
		return nil, &ParseError{Err: ErrNoVariants}
	}
	return m, nil
}

func parseStreamInf(value string) (Variant, error) {
	a, err := ParseAttributes(value)
	if err != nil {
		return Variant{}, err
	}
	var v Variant
	bw, ok, err := a.Int("BANDWIDTH")
	if err != nil {
		return v, err
	}
	if !ok {
		return v, errdetail.Wrap(ErrMissingAttribute, "BANDWIDTH")
	}
	v.Bandwidth = bw
	if v.AverageBandwidth, _, err = a.Int("AVERAGE-BANDWIDTH"); err != nil {
		return v, err
	}
	if v.Width, v.Height, _, err = a.Resolution("RESOLUTION"); err != nil {
		return v, err
	}
	if v.FrameRate, _, err = a.Float("FRAME-RATE"); err != nil {
		return v, err
	}
	v.Codecs = splitCodecs(a["CODECS"])
	v.VideoRange = a["VIDEO-RANGE"]
	v.HDCPLevel = a["HDCP-LEVEL"]
	v.Audio, v.Video, v.Subtitles = a["AUDIO"], a["VIDEO"], a["SUBTITLES"]
	v.ClosedCaptions = a["CLOSED-CAPTIONS"]
	return v, nil
}

func parseMedia(value string) (Rendition, error) {
	a, err := ParseAttributes(value)
	if err != nil {
		return Rendition{}, err
	}
	r := Rendition{
		Type: a["TYPE"], GroupID: a["GROUP-ID"], Name: a["NAME"],
		Language: a["LANGUAGE"], AssocLanguage: a["ASSOC-LANGUAGE"], URI: a["URI"],
		Default: a.Bool("DEFAULT"), Autoselect: a.Bool("AUTOSELECT"), Forced: a.Bool("FORCED"),
		InstreamID: a["INSTREAM-ID"], Characteristics: a["CHARACTERISTICS"], Channels: a["CHANNELS"],
	}
	for _, req := range []string{"TYPE", "GROUP-ID", "NAME"} {
		if _, ok := a[req]; !ok {
			return r, errdetail.Wrap(ErrMissingAttribute, req)
		}
	}
	switch r.Type {
	case "AUDIO", "VIDEO", "SUBTITLES":
		if r.Type == "SUBTITLES" && r.URI == "" {
			return r, errdetail.Wrap(ErrMissingAttribute, "URI for SUBTITLES")
		}
	case "CLOSED-CAPTIONS":
		if r.URI != "" {
			return r, errdetail.Wrap(ErrInvalidValue, "CLOSED-CAPTIONS must not have a URI")
		}
	default:
		return r, errdetail.Wrap(ErrInvalidValue, "TYPE="+strconv.Quote(r.Type))
	}
	return r, nil
}

func parseIFrame(value string) (IFrameStream, error) {
	a, err := ParseAttributes(value)
	if err != nil {
		return IFrameStream{}, err
	}
	var f IFrameStream
	bw, ok, err := a.Int("BANDWIDTH")
	if err != nil {
		return f, err
	}
	if !ok {
		return f, errdetail.Wrap(ErrMissingAttribute, "BANDWIDTH")
	}
	f.Bandwidth = bw
	if f.AverageBandwidth, _, err = a.Int("AVERAGE-BANDWIDTH"); err != nil {
		return f, err
	}
	if f.Width, f.Height, _, err = a.Resolution("RESOLUTION"); err != nil {
		return f, err
	}
	f.URI = a["URI"]
	if f.URI == "" {
		return f, errdetail.Wrap(ErrMissingAttribute, "URI")
	}
	f.Codecs = splitCodecs(a["CODECS"])
	f.VideoRange = a["VIDEO-RANGE"]
	f.Video = a["VIDEO"]
	return f, nil
}

// ParseMedia parses a media playlist. It fails with ErrWrongKind on a
// master playlist and with ErrMissingTag without #EXT-X-TARGETDURATION.
// Byte ranges without an offset get the end of the previous segment's
// range, which must be a range of the same resource.
func ParseMedia(data []byte) (*Media, error) {
	ls, err := lines(data)
	if err != nil {
		return nil, err
	}
	m := &Media{TargetDuration: -1}
	var (
		inf           *Segment // #EXTINF seen, waiting for its URI
		byteRange     *ByteRange
		rangeNoOffset bool
		curMap        *Map
		curKey        *Key
		discontinuity bool
		start         float64
	)
	for _, l := range ls {
		if !strings.HasPrefix(l.text, "#") {
			if inf == nil {
				return nil, &ParseError{Line: l.no, Err: errdetail.Wrap(ErrInvalidValue, "URI "+strconv.Quote(l.text)+" without #EXTINF")}
			}
			seg := *inf
			seg.URI = l.text
			seg.Start = start
			seg.Map, seg.Key, seg.Discontinuity = curMap, curKey, discontinuity
			if byteRange != nil {
				br := *byteRange
				if rangeNoOffset {
					prev := m.lastSegment()
					if prev == nil || prev.ByteRange == nil || prev.URI != seg.URI {
						return nil, &ParseError{Line: l.no, Tag: "#EXT-X-BYTERANGE", Err: errdetail.Wrap(ErrInvalidValue, "byte range without offset must follow a range of the same resource")}
					}
					br.Offset = prev.ByteRange.Offset + prev.ByteRange.Length
				}
				seg.ByteRange = &br
			}
			m.Segments = append(m.Segments, seg)
			start += seg.Duration
			inf, byteRange, rangeNoOffset, discontinuity = nil, nil, false, false
			continue
		}
		if !strings.HasPrefix(l.text, "#EXT") {
			continue
		}
		name, value := splitTag(l.text)
		fail := func(err error) error { return &ParseError{Line: l.no, Tag: name, Err: err} }
		if isMasterTag(name) {
			return nil, fail(errdetail.Wrap(ErrWrongKind, "master playlist tag in a media playlist"))
		}
		switch name {
		case "#EXT-X-VERSION":
			if m.Version, err = parseVersion(value); err != nil {
				return nil, fail(err)
			}
		case "#EXT-X-TARGETDURATION":
			v, err := strconv.Atoi(value)
			if err != nil || v < 0 {
				return nil, fail(errdetail.Wrap(ErrInvalidValue, strconv.Quote(value)))
			}
			m.TargetDuration = v
		case "#EXT-X-MEDIA-SEQUENCE":
			v, err := strconv.ParseInt(value, 10, 64)
			if err != nil || v < 0 {
				return nil, fail(errdetail.Wrap(ErrInvalidValue, strconv.Quote(value)))
			}
			m.MediaSequence = v
		case "#EXT-X-PLAYLIST-TYPE":
			if value != "VOD" && value != "EVENT" {
				return nil, fail(errdetail.Wrap(ErrInvalidValue, strconv.Quote(value)))
			}
			m.PlaylistType = value
		case "#EXT-X-ENDLIST":
			m.EndList = true
		case "#EXT-X-I-FRAMES-ONLY":
			m.IFramesOnly = true
		case "#EXT-X-INDEPENDENT-SEGMENTS":
			m.IndependentSegments = true
		case "#EXT-X-DISCONTINUITY":
			discontinuity = true
		case "#EXTINF":
			if inf != nil {
				return nil, fail(ErrMissingURI)
			}
			ds, title, _ := strings.Cut(value, ",")
			d, err := strconv.ParseFloat(strings.TrimSpace(ds), 64)
			if err != nil || d < 0 || d != d || d > 1e9 {
				return nil, fail(errdetail.Wrap(ErrInvalidValue, "duration "+strconv.Quote(ds)))
			}
			inf = &Segment{Duration: d, Title: title}
		case "#EXT-X-BYTERANGE":
			length, offset, hasOffset, err := parseByteRange(value)
			if err != nil {
				return nil, fail(err)
			}
			byteRange, rangeNoOffset = &ByteRange{Length: length, Offset: offset}, !hasOffset
		case "#EXT-X-MAP":
			mp, err := parseMap(value)
			if err != nil {
				return nil, fail(err)
			}
			curMap = mp
		case "#EXT-X-KEY":
			k, err := parseKey(value)
			if err != nil {
				return nil, fail(err)
			}
			curKey = k
		}
	}
	if inf != nil {
		return nil, &ParseError{Tag: "#EXTINF", Err: ErrMissingURI}
	}
	if m.TargetDuration < 0 {
		return nil, &ParseError{Err: errdetail.Wrap(ErrMissingTag, "#EXT-X-TARGETDURATION")}
	}
	return m, nil
}

func (m *Media) lastSegment() *Segment {
	if len(m.Segments) == 0 {
		return nil
	}
	return &m.Segments[len(m.Segments)-1]
}

func parseMap(value string) (*Map, error) {
	a, err := ParseAttributes(value)
	if err != nil {
		return nil, err
	}
	mp := &Map{URI: a["URI"]}
	if mp.URI == "" {
		return nil, errdetail.Wrap(ErrMissingAttribute, "URI")
	}
	if s, ok := a["BYTERANGE"]; ok {
		length, offset, _, err := parseByteRange(s)
		if err != nil {
			return nil, err
		}
		mp.ByteRange = &ByteRange{Length: length, Offset: offset}
	}
	return mp, nil
}

func parseKey(value string) (*Key, error) {
	a, err := ParseAttributes(value)
	if err != nil {
		return nil, err
	}
	method, ok := a["METHOD"]
	if !ok {
		return nil, errdetail.Wrap(ErrMissingAttribute, "METHOD")
	}
	if method == "NONE" {
		return nil, nil
	}
	k := &Key{Method: method, URI: a["URI"], IV: a["IV"], KeyFormat: a["KEYFORMAT"]}
	if k.URI == "" {
		return nil, errdetail.Wrap(ErrMissingAttribute, "URI")
	}
	return k, nil
}
