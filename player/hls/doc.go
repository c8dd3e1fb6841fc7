// Package hls parses HTTP Live Streaming playlists (RFC 8216 and its
// successor draft): master playlists with variant streams, alternative
// renditions (EXT-X-MEDIA) and I-frame streams, and media playlists with
// initialization sections (EXT-X-MAP), segment durations and byte ranges.
//
// The parser is strict about structure and lenient about content: it
// requires the #EXTM3U header, rejects malformed attribute lists and
// missing URIs with errors that name the line, and ignores tags it does not
// know, as the specification asks. It never panics on any input.
//
// URIs are returned as they appear in the playlist; Resolve turns them into
// absolute URLs against the playlist's own URL.
package hls
