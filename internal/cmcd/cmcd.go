// Package cmcd reads and writes Common Media Client Data (CTA-5004): the
// key/value pairs a player attaches to each media request so the CDN can
// see the playback session, the buffer and the throughput behind it.
//
// The player (GOOS=js) encodes and the edge parses, so the package depends
// only on errors, strconv and strings: no fmt, no reflection, no net/url,
// nothing that would grow the player's Wasm module.
//
// Both forms of the spec are supported: the query form, one URL-encoded
// CMCD= argument (the default, as hls.js and Shaka send it), and the header
// form, the four CMCD-Object, CMCD-Request, CMCD-Session and CMCD-Status
// headers. Parsing is strict: an unknown reserved key, a duplicate, a value
// of the wrong type or out of range, a number not rounded as the spec asks
// or a key in the wrong header is an error wrapping ErrInvalid; custom keys
// (with a hyphen, e.g. com.example-x) are skipped as the spec allows.
package cmcd

import (
	"errors"
)

// QueryKey is the name of the query argument that carries CMCD.
const QueryKey = "CMCD"

// Header names of the header form, one per key group.
const (
	HeaderObject  = "CMCD-Object"
	HeaderRequest = "CMCD-Request"
	HeaderSession = "CMCD-Session"
	HeaderStatus  = "CMCD-Status"
)

// MaxLen bounds the payload the parser reads (the query value or all four
// headers together); longer input is refused unread.
const MaxLen = 2048

// MaxStringLen is the longest cid or sid the spec allows.
const MaxStringLen = 64

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("cmcd: invalid")

// Error says which key made a payload invalid and why.
type Error struct {
	Key    string
	Reason string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return "cmcd: " + e.Reason
	}
	return "cmcd: " + e.Key + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// ObjectType is the ot token: what the requested object holds.
type ObjectType string

// Object types (CTA-5004 §3.3).
const (
	ObjectManifest  ObjectType = "m"
	ObjectAudio     ObjectType = "a"
	ObjectVideo     ObjectType = "v"
	ObjectMuxed     ObjectType = "av"
	ObjectInit      ObjectType = "i"
	ObjectCaption   ObjectType = "c"
	ObjectTimedText ObjectType = "tt"
	ObjectKey       ObjectType = "k"
	ObjectOther     ObjectType = "o"
)

// Streaming formats (sf) and stream types (st).
const (
	FormatHLS    = "h"
	FormatDASH   = "d"
	FormatSmooth = "s"
	FormatOther  = "o"
	StreamVOD    = "v"
	StreamLive   = "l"
)

// roundUnit is the step bl and dl (ms) and mtp and rtp (kbps) are rounded to.
const roundUnit = 100

// Data is one request's CMCD. Integers are present only when their key's
// bit is in Has (use the Set… methods); strings and tokens are present when
// not empty, flags when true.
type Data struct {
	// Has records which integer and decimal keys are present (Key bits).
	Has Keys

	// Object keys.
	Bitrate    int        // br: encoded bitrate of the object, kbps
	Duration   int        // d: playback duration of the object, ms
	ObjectType ObjectType // ot
	TopBitrate int        // tb: highest bitrate the client may pick, kbps

	// Request keys.
	BufferLength       int    // bl: buffer ahead, ms, rounded to 100
	Deadline           int    // dl: time until the buffer runs dry at pr, ms, rounded to 100
	MeasuredThroughput int    // mtp: kbps, rounded to 100
	NextObject         string // nor: relative URL of the next object
	NextRange          string // nrr: byte range of the next object, "<start>-<end>"
	Startup            bool   // su: the object is needed urgently (start-up, seek, rebuffer)

	// Session keys.
	ContentID       string  // cid: at most 64 characters
	PlaybackRate    float64 // pr: 1 is real time; SHOULD be omitted when 1
	StreamingFormat string  // sf: h (HLS), d (DASH), s (Smooth), o
	SessionID       string  // sid: at most 64 characters
	StreamType      string  // st: v (VOD) or l (live)
	Version         int     // v: only 1 is understood

	// Status keys.
	BufferStarvation    bool // bs: the buffer ran dry since the last request
	RequestedThroughput int  // rtp: kbps the client asks the CDN for, rounded to 100
}

// Keys is a set of numeric keys (bits of Key values).
type Keys uint16

// Numeric keys, whose presence Data.Has records.
const (
	KeyBitrate Keys = 1 << iota
	KeyDuration
	KeyTopBitrate
	KeyBufferLength
	KeyDeadline
	KeyMeasuredThroughput
	KeyPlaybackRate
	KeyVersion
	KeyRequestedThroughput
)

// SetBitrate sets br (kbps).
func (d *Data) SetBitrate(kbps int) { d.Bitrate, d.Has = max(kbps, 0), d.Has|KeyBitrate }

// SetDuration sets d (ms).
func (d *Data) SetDuration(ms int) { d.Duration, d.Has = max(ms, 0), d.Has|KeyDuration }

// SetTopBitrate sets tb (kbps).
func (d *Data) SetTopBitrate(kbps int) { d.TopBitrate, d.Has = max(kbps, 0), d.Has|KeyTopBitrate }

// SetBufferLength sets bl, rounding ms to the nearest 100.
func (d *Data) SetBufferLength(ms int) {
	d.BufferLength, d.Has = round(ms, roundUnit), d.Has|KeyBufferLength
}

// SetDeadline sets dl, rounding ms to the nearest 100.
func (d *Data) SetDeadline(ms int) { d.Deadline, d.Has = round(ms, roundUnit), d.Has|KeyDeadline }

// SetMeasuredThroughput sets mtp, rounding kbps to the nearest 100.
func (d *Data) SetMeasuredThroughput(kbps int) {
	d.MeasuredThroughput, d.Has = round(kbps, roundUnit), d.Has|KeyMeasuredThroughput
}

// SetRequestedThroughput sets rtp, rounding kbps to the nearest 100.
func (d *Data) SetRequestedThroughput(kbps int) {
	d.RequestedThroughput, d.Has = round(kbps, roundUnit), d.Has|KeyRequestedThroughput
}

// SetPlaybackRate sets pr.
func (d *Data) SetPlaybackRate(rate float64) { d.PlaybackRate, d.Has = rate, d.Has|KeyPlaybackRate }

// SetVersion sets v.
func (d *Data) SetVersion(v int) { d.Version, d.Has = v, d.Has|KeyVersion }

func round(v, unit int) int {
	if v <= 0 {
		return 0
	}
	return (v + unit/2) / unit * unit
}

// Empty reports whether d has no key at all.
func (d *Data) Empty() bool { return *d == Data{} }
