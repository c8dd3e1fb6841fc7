package manifest

import (
	"errors"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
	"sort"
	"strconv"
	"strings"
)

// ErrCaps reports an X-Edgeflix-Caps value ParseCaps cannot read.
var ErrCaps = errors.New("manifest: invalid caps")

// MaxCapsLength is the longest caps value ParseCaps reads.
const MaxCapsLength = 1024

// Family is a bit set of the codec families the rewrite knows by name.
type Family uint16

// Known codec families. Aliases map onto one family: avc3 is avc1, hev1 is
// hvc1.
const (
	AVC    Family = 1 << iota // avc1, avc3 (H.264)
	HEVC                      // hvc1, hev1 (H.265)
	AV1                       // av01
	VP9                       // vp09
	AAC                       // mp4a
	EAC3                      // ec-3
	AC3                       // ac-3
	Opus                      // opus (Opus)
	FLAC                      // flac (fLaC)
	WebVTT                    // wvtt
	IMSC                      // stpp (TTML/IMSC1 in fMP4)
)

// familyNames are the canonical names of the known families, in bit order.
var familyNames = [...]string{"avc1", "hvc1", "av01", "vp09", "mp4a", "ec-3", "ac-3", "opus", "flac", "wvtt", "stpp"}

// familyOf maps a codec family name (the part of an RFC 6381 codec string
// before the first dot, compared without regard to case) to its Family, or
// 0 if the name is not a known family.
func familyOf(name []byte) Family {
	if len(name) != 4 {
		return 0
	}
	// One integer switch instead of string comparisons: in the Wasm module
	// every string comparison is a call.
	switch lower(name[0])<<24 | lower(name[1])<<16 | lower(name[2])<<8 | lower(name[3]) {
	case 'a'<<24 | 'v'<<16 | 'c'<<8 | '1', 'a'<<24 | 'v'<<16 | 'c'<<8 | '3':
		return AVC
	case 'h'<<24 | 'v'<<16 | 'c'<<8 | '1', 'h'<<24 | 'e'<<16 | 'v'<<8 | '1':
		return HEVC
	case 'a'<<24 | 'v'<<16 | '0'<<8 | '1':
		return AV1
	case 'v'<<24 | 'p'<<16 | '0'<<8 | '9':
		return VP9
	case 'm'<<24 | 'p'<<16 | '4'<<8 | 'a':
		return AAC
	case 'e'<<24 | 'c'<<16 | '-'<<8 | '3':
		return EAC3
	case 'a'<<24 | 'c'<<16 | '-'<<8 | '3':
		return AC3
	case 'o'<<24 | 'p'<<16 | 'u'<<8 | 's':
		return Opus
	case 'f'<<24 | 'l'<<16 | 'a'<<8 | 'c':
		return FLAC
	case 'w'<<24 | 'v'<<16 | 't'<<8 | 't':
		return WebVTT
	case 's'<<24 | 't'<<16 | 'p'<<8 | 'p':
		return IMSC
	}
	return 0
}

// lower lower-cases an ASCII letter.
func lower(c byte) uint32 {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return uint32(c)
}

// Caps are the device capabilities a master playlist is rewritten for, read
// from the X-Edgeflix-Caps header value.
type Caps struct {
	// Class is the device class (cls): phone, tablet, desktop or tv. It
	// picks the start bitrate budget (StartBudget).
	Class string
	// MaxHeight is the tallest picture in pixels (mh).
	MaxHeight int64
	// MaxBandwidth is the highest variant BANDWIDTH in bits/s (mbr).
	MaxBandwidth int64
	// Families are the known codec families the device may play (cdc).
	Families Family
	// Other are cdc names that are not known families, lower-cased; a codec
	// string whose family is one of them is playable too.
	Other []string
	// HDR allows variants whose VIDEO-RANGE is not SDR (hdr=1).
	HDR bool
}

// ParseCaps reads an X-Edgeflix-Caps value such as
//
//	cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0
//
// cls, mh, mbr and cdc are required (cdc may be empty), hdr is 0 or 1 and
// defaults to 0. Unknown, repeated or malformed fields are errors wrapping
// ErrCaps: the caps restrict what a device gets, so a field the rewrite
// does not understand fails closed instead of being ignored.
func ParseCaps(s string) (Caps, error) {
	if len(s) > MaxCapsLength {
		return Caps{}, errdetail.Wrap(ErrCaps, "too long")
	}
	var c Caps
	var seen uint8
	const (
		sCls = 1 << iota
		sMH
		sMBR
		sCdc
		sHDR
	)
	for rest := s; ; {
		field, more, cont := cut(rest, ';')
		rest = more
		k, v, ok := cut(field, '=')
		if !ok {
			return Caps{}, errdetail.Wrap(ErrCaps, "field without '='")
		}
		var bit uint8
		switch k {
		case "cls":
			bit = sCls
			if v == "" || !isToken(v) {
				return Caps{}, errdetail.Wrap(ErrCaps, "bad cls")
			}
			c.Class = v
		case "mh", "mbr":
			n, ok := parseDecimal([]byte(v))
			if !ok {
				return Caps{}, errdetail.Wrap(ErrCaps, "bad "+k)
			}
			if k == "mh" {
				bit, c.MaxHeight = sMH, n
			} else {
				bit, c.MaxBandwidth = sMBR, n
			}
		case "cdc":
			bit = sCdc
			if v == "" {
				break
			}
			for list := v; list != ""; {
				name, more, cont := cut(list, ',')
				list = more
				if name == "" || !isToken(name) || cont && more == "" {
					return Caps{}, errdetail.Wrap(ErrCaps, "bad cdc")
				}
				if f := familyOf([]byte(name)); f != 0 {
					c.Families |= f
				} else {
					c.Other = append(c.Other, lowerASCII(name))
				}
			}
		case "hdr":
			bit = sHDR
			switch v {
			case "0":
			case "1":
				c.HDR = true
			default:
				return Caps{}, errdetail.Wrap(ErrCaps, "bad hdr")
			}
		default:
			return Caps{}, errdetail.Wrap(ErrCaps, "unknown field")
		}
		if seen&bit != 0 {
			return Caps{}, errdetail.Wrap(ErrCaps, "repeated field "+k)
		}
		seen |= bit
		if !cont {
			break
		}
	}
	if seen&(sCls|sMH|sMBR|sCdc) != sCls|sMH|sMBR|sCdc {
		return Caps{}, errdetail.Wrap(ErrCaps, "missing field")
	}
	return c, nil
}

// cut splits s at the first sep: before, after, and whether sep was found.
func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// isToken reports whether s is made of [A-Za-z0-9.-], the characters the
// token verifier allows in class and codec names.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Key is c in a canonical X-Edgeflix-Caps form: two caps values that the
// rewrite treats alike (codec aliases, order and repeats in cdc) have the
// same Key, so a cache can key rewritten masters by it.
func (c Caps) Key() string {
	var b strings.Builder
	b.WriteString("cls=")
	b.WriteString(c.Class)
	b.WriteString(";mh=")
	b.WriteString(strconv.FormatInt(c.MaxHeight, 10))
	b.WriteString(";mbr=")
	b.WriteString(strconv.FormatInt(c.MaxBandwidth, 10))
	b.WriteString(";cdc=")
	n := 0
	for i, name := range familyNames {
		if c.Families&(1<<i) != 0 {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(name)
			n++
		}
	}
	other := append([]string(nil), c.Other...)
	sort.Strings(other)
	for i, name := range other {
		if i > 0 && other[i-1] == name {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		n++
	}
	if c.HDR {
		b.WriteString(";hdr=1")
	} else {
		b.WriteString(";hdr=0")
	}
	return b.String()
}

// Start bitrate budgets by device class (StartBudget).
const (
	PhoneStart   = 1_500_000
	TabletStart  = 3_000_000
	DesktopStart = 5_000_000
	TVStart      = 8_000_000
)

// StartBudget is the highest BANDWIDTH the first (start) variant may have:
// the class's start bitrate (phone 1.5, tablet 3, desktop 5, tv 8 Mb/s; an
// unknown class gets the phone's), but never more than MaxBandwidth.
func (c *Caps) StartBudget() int64 {
	var b int64
	switch c.Class {
	case "tablet":
		b = TabletStart
	case "desktop":
		b = DesktopStart
	case "tv":
		b = TVStart
	default:
		b = PhoneStart
	}
	return min(b, c.MaxBandwidth)
}

// plays reports whether the device plays the codec family name.
func (c *Caps) plays(name []byte) bool {
	if f := familyOf(name); f != 0 {
		return c.Families&f != 0
	}
	for _, o := range c.Other {
		if len(o) == len(name) && lowerASCII(string(name)) == o {
			return true
		}
	}
	return false
}

// lowerASCII lower-cases the ASCII letters of s (codec and class names are
// ASCII; strings.ToLower would pull Unicode tables into the module).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// maxDecimal bounds the numbers the rewrite reads (heights, bandwidths).
const maxDecimal = 1_000_000_000_000_000

// parseDecimal reads a non-empty run of ASCII digits up to maxDecimal.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= maxDecimal
}
