// Package vtt parses WebVTT: the subtitle segments of an HLS SUBTITLES
// rendition (with their X-TIMESTAMP-MAP header) and the thumbnail maps
// that pair scrub-preview times with regions of sprite images
// (`sprite.jpg#xywh=0,0,160,90`).
//
// The parser follows the WebVTT parsing algorithm closely enough for
// player use: BOM, CRLF and CR line ends, NOTE/STYLE/REGION blocks, cue
// identifiers, hh:mm:ss.ttt and mm:ss.ttt timestamps, cue settings. Cues
// with malformed timings or an end not after their start are dropped, as
// browsers drop them. It never panics on any input.
package vtt

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// ErrNotWebVTT is returned for input that does not start with the WEBVTT
// signature.
var ErrNotWebVTT = errors.New("vtt: not a WebVTT file")

// ErrTimestamp is wrapped by errors for malformed timestamps.
var ErrTimestamp = errors.New("vtt: malformed timestamp")

// maxHours bounds timestamps so that seconds stay exact in a float64.
const maxHours = 1_000_000

// Cue is one WebVTT cue.
type Cue struct {
	// ID is the cue identifier, empty if absent.
	ID string
	// Start and End are the cue's times in seconds, exact to the
	// millisecond; End > Start.
	Start, End float64
	// Settings is the text after the end timestamp (position, align, …),
	// trimmed.
	Settings string
	// Text is the cue payload, lines joined by "\n".
	Text string
}

// TimestampMap is the HLS X-TIMESTAMP-MAP header of a subtitle segment:
// cue time Local corresponds to MPEG-2 90 kHz time MPEGTS on the media
// timeline.
type TimestampMap struct {
	// MPEGTS is the 90 kHz media timestamp.
	MPEGTS int64
	// Local is the cue time in seconds that MPEGTS corresponds to.
	Local float64
}

// Offset returns the seconds to add to a cue time to place it on the
// media timeline: MPEGTS/90000 − Local.
func (m TimestampMap) Offset() float64 { return float64(m.MPEGTS)/90000 - m.Local }

// File is a parsed WebVTT file.
type File struct {
	// Map is the X-TIMESTAMP-MAP header, nil if absent.
	Map *TimestampMap
	// Cues are the valid cues in file order.
	Cues []Cue
}

// splitLines normalises line ends (CRLF, CR, LF) and drops a leading BOM.
func splitLines(data []byte) []string {
	s := strings.TrimPrefix(string(data), "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	return strings.Split(s, "\n")
}

// isBlockKeyword reports whether line starts a NOTE, STYLE or REGION block.
func isBlockKeyword(line string) bool {
	for _, k := range []string{"NOTE", "STYLE", "REGION"} {
		if line == k || strings.HasPrefix(line, k+" ") || strings.HasPrefix(line, k+"\t") {
			return true
		}
	}
	return false
}

// Parse parses a WebVTT file.
func Parse(data []byte) (*File, error) {
	lines := splitLines(data)
	sig := lines[0]
	if !strings.HasPrefix(sig, "WEBVTT") || (len(sig) > 6 && sig[6] != ' ' && sig[6] != '\t') {
		return nil, ErrNotWebVTT
	}
	f := &File{}
	i := 1
	// Header: up to the first blank line.
	for ; i < len(lines) && lines[i] != ""; i++ {
		if strings.Contains(lines[i], "-->") {
			break // a cue without the blank line; let the cue loop take it
		}
		if v, ok := strings.CutPrefix(lines[i], "X-TIMESTAMP-MAP="); ok {
			if m, err := parseTimestampMap(v); err == nil {
				f.Map = &m
			}
		}
	}
	for i < len(lines) {
		if lines[i] == "" {
			i++
			continue
		}
		if isBlockKeyword(lines[i]) {
			for i < len(lines) && lines[i] != "" {
				i++
			}
			continue
		}
		id := ""
		if !strings.Contains(lines[i], "-->") {
			id = lines[i]
			i++
			if i >= len(lines) || !strings.Contains(lines[i], "-->") {
				for i < len(lines) && lines[i] != "" {
					i++
				}
				continue
			}
		}
		timing := lines[i]
		i++
		var text []string
		for i < len(lines) && lines[i] != "" && !strings.Contains(lines[i], "-->") {
			text = append(text, lines[i])
			i++
		}
		start, end, settings, err := parseTiming(timing)
		if err != nil || end <= start {
			continue
		}
		f.Cues = append(f.Cues, Cue{ID: id, Start: start, End: end, Settings: settings, Text: strings.Join(text, "\n")})
	}
	return f, nil
}

// parseTiming parses "start --> end settings".
func parseTiming(line string) (start, end float64, settings string, err error) {
	a, b, _ := strings.Cut(line, "-->")
	if start, err = ParseTimestamp(strings.TrimSpace(a)); err != nil {
		return 0, 0, "", err
	}
	b = strings.TrimLeft(b, " \t")
	endText, rest := b, ""
	if j := strings.IndexAny(b, " \t"); j >= 0 {
		endText, rest = b[:j], b[j:]
	}
	if end, err = ParseTimestamp(endText); err != nil {
		return 0, 0, "", err
	}
	return start, end, strings.TrimSpace(rest), nil
}

// ParseTimestamp parses a WebVTT timestamp, "hh:mm:ss.ttt" (hours of two
// or more digits) or "mm:ss.ttt", into seconds.
func ParseTimestamp(s string) (float64, error) {
	main, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 3 || !digits(frac) {
		return 0, badTimestamp(s)
	}
	parts := strings.Split(main, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, badTimestamp(s)
	}
	var h int64
	if len(parts) == 3 {
		if len(parts[0]) < 2 || len(parts[0]) > 7 || !digits(parts[0]) {
			return 0, badTimestamp(s)
		}
		h, _ = strconv.ParseInt(parts[0], 10, 64)
		if h > maxHours {
			return 0, badTimestamp(s)
		}
		parts = parts[1:]
	}
	if len(parts[0]) != 2 || len(parts[1]) != 2 || !digits(parts[0]) || !digits(parts[1]) {
		return 0, badTimestamp(s)
	}
	m, _ := strconv.Atoi(parts[0])
	sec, _ := strconv.Atoi(parts[1])
	ms, _ := strconv.Atoi(frac)
	if m > 59 || sec > 59 {
		return 0, badTimestamp(s)
	}
	total := ((h*60+int64(m))*60+int64(sec))*1000 + int64(ms)
	return float64(total) / 1000, nil
}

func badTimestamp(s string) error { return errdetail.Wrap(ErrTimestamp, strconv.Quote(s)) }

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseTimestampMap parses "MPEGTS:900000,LOCAL:00:00:00.000" (members in
// either order).
func parseTimestampMap(v string) (TimestampMap, error) {
	var m TimestampMap
	var haveTS, haveLocal bool
	for _, part := range strings.Split(v, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(part), ":")
		switch name {
		case "MPEGTS":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || n >= 1<<33 {
				return m, errdetail.Wrap(ErrTimestamp, "MPEGTS "+strconv.Quote(val))
			}
			m.MPEGTS, haveTS = n, true
		case "LOCAL":
			t, err := ParseTimestamp(val)
			if err != nil {
				return m, err
			}
			m.Local, haveLocal = t, true
		}
	}
	if !haveTS || !haveLocal {
		return m, errdetail.Wrap(ErrTimestamp, "X-TIMESTAMP-MAP "+strconv.Quote(v))
	}
	return m, nil
}

// FormatTimestamp writes seconds as "hh:mm:ss.ttt", rounded to the
// millisecond; negative values give 00:00:00.000.
func FormatTimestamp(sec float64) string {
	if sec < 0 || math.IsNaN(sec) {
		sec = 0
	}
	ms := int64(math.Round(sec * 1000))
	b := appendPadded(nil, ms/3_600_000, 2)
	b = appendPadded(append(b, ':'), ms/60_000%60, 2)
	b = appendPadded(append(b, ':'), ms/1000%60, 2)
	return string(appendPadded(append(b, '.'), ms%1000, 3))
}

// appendPadded appends the non-negative n in decimal, zero-padded to width.
func appendPadded(b []byte, n int64, width int) []byte {
	for w := int64(10); width > 1; width, w = width-1, w*10 {
		if n < w {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, n, 10)
}

// Format writes cues as a WebVTT file.
func Format(cues []Cue) []byte {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for _, c := range cues {
		b.WriteString("\n")
		if c.ID != "" {
			b.WriteString(c.ID + "\n")
		}
		b.WriteString(FormatTimestamp(c.Start) + " --> " + FormatTimestamp(c.End))
		if c.Settings != "" {
			b.WriteString(" " + c.Settings)
		}
		b.WriteString("\n")
		if c.Text != "" {
			b.WriteString(c.Text + "\n")
		}
	}
	return []byte(b.String())
}
