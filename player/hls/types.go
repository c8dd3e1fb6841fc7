package hls

import (
	"sort"
	"strconv"
	"strings"
)

// Master is a master (multivariant) playlist.
type Master struct {
	// Version is #EXT-X-VERSION, 0 if absent.
	Version int
	// IndependentSegments is #EXT-X-INDEPENDENT-SEGMENTS.
	IndependentSegments bool
	// Variants are the #EXT-X-STREAM-INF entries in playlist order.
	Variants []Variant
	// Renditions are the #EXT-X-MEDIA entries in playlist order.
	Renditions []Rendition
	// IFrames are the #EXT-X-I-FRAME-STREAM-INF entries in playlist order.
	IFrames []IFrameStream
}

// Variant is one #EXT-X-STREAM-INF tag and the URI line after it.
type Variant struct {
	// URI is the media playlist's URI as written (usually relative).
	URI string
	// Bandwidth is BANDWIDTH, the peak bit rate in bits per second.
	Bandwidth int64
	// AverageBandwidth is AVERAGE-BANDWIDTH, 0 if absent.
	AverageBandwidth int64
	// Codecs is CODECS split at commas, nil if absent.
	Codecs []string
	// Width and Height are RESOLUTION, 0 if absent.
	Width, Height int
	// FrameRate is FRAME-RATE, 0 if absent.
	FrameRate float64
	// VideoRange is VIDEO-RANGE (SDR, PQ, HLG), empty if absent.
	VideoRange string
	// HDCPLevel is HDCP-LEVEL, empty if absent.
	HDCPLevel string
	// Audio, Video, Subtitles and ClosedCaptions name EXT-X-MEDIA groups.
	Audio, Video, Subtitles, ClosedCaptions string
}

// CodecsString returns the CODECS attribute value, as for a MIME type's
// codecs parameter.
func (v Variant) CodecsString() string { return strings.Join(v.Codecs, ",") }

// Rendition is one #EXT-X-MEDIA tag: an alternative audio, video,
// subtitle or closed-caption rendition.
type Rendition struct {
	// Type is TYPE: AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS.
	Type string
	// GroupID is GROUP-ID.
	GroupID string
	// Name is NAME.
	Name string
	// Language and AssocLanguage are LANGUAGE and ASSOC-LANGUAGE.
	Language, AssocLanguage string
	// URI is URI, empty if absent (the rendition is in the variant).
	URI string
	// Default, Autoselect and Forced are the YES/NO attributes.
	Default, Autoselect, Forced bool
	// InstreamID is INSTREAM-ID for closed captions.
	InstreamID string
	// Characteristics is CHARACTERISTICS.
	Characteristics string
	// Channels is CHANNELS, such as "2" or "16/JOC".
	Channels string
}

// IFrameStream is one #EXT-X-I-FRAME-STREAM-INF tag.
type IFrameStream struct {
	// URI is the I-frame playlist's URI.
	URI string
	// Bandwidth and AverageBandwidth are in bits per second.
	Bandwidth, AverageBandwidth int64
	// Codecs is CODECS split at commas.
	Codecs []string
	// Width and Height are RESOLUTION, 0 if absent.
	Width, Height int
	// VideoRange is VIDEO-RANGE.
	VideoRange string
	// Video names an EXT-X-MEDIA VIDEO group.
	Video string
}

// Media is a media playlist.
type Media struct {
	// Version is #EXT-X-VERSION, 0 if absent.
	Version int
	// TargetDuration is #EXT-X-TARGETDURATION in seconds.
	TargetDuration int
	// MediaSequence is #EXT-X-MEDIA-SEQUENCE, the first segment's number.
	MediaSequence int64
	// PlaylistType is #EXT-X-PLAYLIST-TYPE (VOD or EVENT), empty if absent.
	PlaylistType string
	// EndList is #EXT-X-ENDLIST: no segment will be added.
	EndList bool
	// IFramesOnly is #EXT-X-I-FRAMES-ONLY.
	IFramesOnly bool
	// IndependentSegments is #EXT-X-INDEPENDENT-SEGMENTS.
	IndependentSegments bool
	// Segments are the media segments in order.
	Segments []Segment
}

// Segment is one media segment.
type Segment struct {
	// URI is the segment's URI as written.
	URI string
	// Duration is the #EXTINF duration in seconds.
	Duration float64
	// Title is the #EXTINF title, usually empty.
	Title string
	// Start is the segment's start time: the sum of the durations before it.
	Start float64
	// ByteRange is #EXT-X-BYTERANGE with its offset made explicit, nil if
	// the segment is the whole resource.
	ByteRange *ByteRange
	// Map is the #EXT-X-MAP initialization section in effect, nil if none.
	Map *Map
	// Key is the #EXT-X-KEY in effect, nil if none (or METHOD=NONE).
	Key *Key
	// Discontinuity is #EXT-X-DISCONTINUITY before this segment.
	Discontinuity bool
}

// ByteRange is a sub-range of a resource.
type ByteRange struct {
	// Length is the number of bytes.
	Length int64
	// Offset is the first byte's offset in the resource.
	Offset int64
}

// HTTPRange returns the value for an HTTP Range request header.
func (b ByteRange) HTTPRange() string {
	return "bytes=" + strconv.FormatInt(b.Offset, 10) + "-" + strconv.FormatInt(b.Offset+b.Length-1, 10)
}

// Map is an #EXT-X-MAP media initialization section.
type Map struct {
	// URI is URI.
	URI string
	// ByteRange is BYTERANGE, nil if the section is the whole resource.
	ByteRange *ByteRange
}

// Key is an #EXT-X-KEY tag whose METHOD is not NONE.
type Key struct {
	// Method is METHOD: AES-128, SAMPLE-AES, ...
	Method string
	// URI is URI.
	URI string
	// IV is IV as written, empty if absent.
	IV string
	// KeyFormat is KEYFORMAT, empty if absent.
	KeyFormat string
}

// Duration returns the sum of the segment durations in seconds.
func (m *Media) Duration() float64 {
	if len(m.Segments) == 0 {
		return 0
	}
	last := m.Segments[len(m.Segments)-1]
	return last.Start + last.Duration
}

// SegmentAt returns the index of the segment that contains time t seconds:
// the last segment starting at or before t. Times before the first segment
// give 0 and times past the end give len(Segments). It returns -1 if there
// are no segments.
func (m *Media) SegmentAt(t float64) int {
	n := len(m.Segments)
	if n == 0 {
		return -1
	}
	if t >= m.Duration() {
		return n
	}
	i := sort.Search(n, func(i int) bool { return m.Segments[i].Start > t })
	if i == 0 {
		return 0
	}
	return i - 1
}
