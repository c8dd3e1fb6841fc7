package hls

import (
	"errors"
	"strconv"
)

// Sentinel errors, wrapped by *ParseError; test them with errors.Is.
var (
	// ErrNotPlaylist means the input does not start with #EXTM3U.
	ErrNotPlaylist = errors.New("hls: not a playlist: missing #EXTM3U")
	// ErrWrongKind means a media playlist was given to ParseMaster or a
	// master playlist to ParseMedia.
	ErrWrongKind = errors.New("hls: wrong playlist kind")
	// ErrAttributes means a tag's attribute list is malformed.
	ErrAttributes = errors.New("hls: malformed attribute list")
	// ErrMissingAttribute means a tag lacks an attribute it requires.
	ErrMissingAttribute = errors.New("hls: missing required attribute")
	// ErrInvalidValue means a tag or attribute value cannot be decoded.
	ErrInvalidValue = errors.New("hls: invalid value")
	// ErrMissingURI means a tag that must be followed by a URI line is not.
	ErrMissingURI = errors.New("hls: missing URI line")
	// ErrMissingTag means a playlist lacks a tag it requires.
	ErrMissingTag = errors.New("hls: missing required tag")
	// ErrNoVariants means a master playlist lists no variant stream.
	ErrNoVariants = errors.New("hls: master playlist has no variant streams")
)

// ParseError reports where in a playlist parsing failed.
type ParseError struct {
	// Line is the 1-based line number, or 0 for the whole playlist.
	Line int
	// Tag is the tag being parsed, such as "#EXT-X-STREAM-INF", if any.
	Tag string
	// Err is the underlying error, usually one of the sentinels above.
	Err error
}

// Error implements error.
func (e *ParseError) Error() string {
	switch {
	case e.Line == 0:
		return e.Err.Error()
	case e.Tag == "":
		return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	default:
		return "line " + strconv.Itoa(e.Line) + ": " + e.Tag + ": " + e.Err.Error()
	}
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
