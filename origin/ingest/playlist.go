package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ErrBadPlaylist means a media playlist is not one ingest can publish.
var ErrBadPlaylist = errors.New("ingest: bad media playlist")

// MediaPlaylist is the part of an fMP4 VOD media playlist ingest checks and
// measures.
type MediaPlaylist struct {
	// TargetDuration is #EXT-X-TARGETDURATION in seconds.
	TargetDuration int
	// MapURI is #EXT-X-MAP's URI (the init segment).
	MapURI string
	// VOD reports #EXT-X-PLAYLIST-TYPE:VOD.
	VOD bool
	// Ended reports #EXT-X-ENDLIST.
	Ended bool
	// Segments are the media segments in order.
	Segments []PlaylistSegment
}

// PlaylistSegment is one #EXTINF entry.
type PlaylistSegment struct {
	// URI is the segment's relative URI.
	URI string
	// Duration is the #EXTINF duration in seconds.
	Duration float64
}

// relativeURIRE matches the relative media paths docs/CONTRACTS.md allows:
// slash-separated [A-Za-z0-9._-] segments.
var relativeURIRE = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)

// IsRelativeMediaURI reports whether uri is a relative media path as the
// contract requires: no scheme, no leading slash, no "." or ".." segment.
func IsRelativeMediaURI(uri string) bool {
	if !relativeURIRE.MatchString(uri) {
		return false
	}
	for _, seg := range strings.Split(uri, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// ParseMediaPlaylist reads an HLS media playlist, keeping the tags ingest
// needs. It rejects master playlists, non-relative URIs, and malformed
// #EXTINF or #EXT-X-MAP lines; unknown tags are ignored.
func ParseMediaPlaylist(data []byte) (*MediaPlaylist, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	p := &MediaPlaylist{}
	first := true
	pending := -1.0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != "#EXTM3U" {
				return nil, fmt.Errorf("%w: missing #EXTM3U", ErrBadPlaylist)
			}
			first = false
			continue
		}
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXTINF:"):
			v := strings.TrimPrefix(line, "#EXTINF:")
			if i := strings.IndexByte(v, ','); i >= 0 {
				v = v[:i]
			}
			d, err := strconv.ParseFloat(v, 64)
			if err != nil || d <= 0 || math.IsInf(d, 0) || math.IsNaN(d) {
				return nil, fmt.Errorf("%w: bad #EXTINF %q", ErrBadPlaylist, line)
			}
			pending = d
		case strings.HasPrefix(line, "#EXT-X-TARGETDURATION:"):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "#EXT-X-TARGETDURATION:"))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%w: bad %q", ErrBadPlaylist, line)
			}
			p.TargetDuration = n
		case strings.HasPrefix(line, "#EXT-X-MAP:"):
			uri, ok := quotedAttr(strings.TrimPrefix(line, "#EXT-X-MAP:"), "URI")
			if !ok || !IsRelativeMediaURI(uri) {
				return nil, fmt.Errorf("%w: bad %q", ErrBadPlaylist, line)
			}
			p.MapURI = uri
		case line == "#EXT-X-PLAYLIST-TYPE:VOD":
			p.VOD = true
		case line == "#EXT-X-ENDLIST":
			p.Ended = true
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF"):
			return nil, fmt.Errorf("%w: a master playlist", ErrBadPlaylist)
		case strings.HasPrefix(line, "#"):
		default:
			if pending < 0 {
				return nil, fmt.Errorf("%w: URI %q without #EXTINF", ErrBadPlaylist, line)
			}
			if !IsRelativeMediaURI(line) {
				return nil, fmt.Errorf("%w: URI %q is not relative", ErrBadPlaylist, line)
			}
			p.Segments = append(p.Segments, PlaylistSegment{URI: line, Duration: pending})
			pending = -1
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlaylist, err)
	}
	if first {
		return nil, fmt.Errorf("%w: empty", ErrBadPlaylist)
	}
	return p, nil
}

// quotedAttr finds NAME="value" in an attribute list.
func quotedAttr(list, name string) (string, bool) {
	for list != "" {
		eq := strings.IndexByte(list, '=')
		if eq < 0 {
			return "", false
		}
		key := strings.TrimSpace(list[:eq])
		rest := list[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return "", false
			}
			val, rest = rest[1:1+end], rest[2+end:]
			if key == name {
				return val, true
			}
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			rest = rest[end:]
		}
		rest = strings.TrimPrefix(rest, ",")
		list = rest
	}
	return "", false
}
