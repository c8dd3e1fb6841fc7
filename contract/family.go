package contract

// Family is a bit set of the codec families edgeflix knows by name.
//
// A codec family is the part of an RFC 6381 codec string before the first
// dot (the ISO-BMFF sample entry type), compared without regard to case.
// Aliases are other sample entries of the same bitstream that any decoder
// of the family plays: avc3 is avc1 (parameter sets in band), hev1 is hvc1.
// Nothing else is an alias (RATIONALE.md, "Why one contract package"):
// dvh1/dvhe are Dolby Vision, which a plain HEVC decoder need not play,
// and vp9, ec3, eac3, ac3 are not codec strings at all.
type Family uint16

// Known codec families, in canonical order (Caps.Header lists them so).
const (
	AVC    Family = 1 << iota // avc1, avc3 (H.264)
	HEVC                      // hvc1, hev1 (H.265)
	AV1                       // av01
	VP9                       // vp09
	AAC                       // mp4a
	EAC3                      // ec-3 (Dolby Digital Plus)
	AC3                       // ac-3 (Dolby Digital)
	Opus                      // opus (sample entry Opus)
	FLAC                      // flac (sample entry fLaC)
	WebVTT                    // wvtt
	IMSC                      // stpp (TTML/IMSC1 in fMP4)
)

// Families by kind.
const (
	VideoFamilies = AVC | HEVC | AV1 | VP9
	AudioFamilies = AAC | EAC3 | AC3 | Opus | FLAC
	TextFamilies  = WebVTT | IMSC
)

// familyNames are the canonical names of the known families, in bit order.
var familyNames = [...]string{"avc1", "hvc1", "av01", "vp09", "mp4a", "ec-3", "ac-3", "opus", "flac", "wvtt", "stpp"}

// String is f's canonical name if f is one family, else "".
func (f Family) String() string {
	for i, n := range familyNames {
		if f == 1<<i {
			return n
		}
	}
	return ""
}

// FamilyOf maps a codec family name (four bytes, any case; not a whole
// codec string, see FamilyName) to its Family, or 0 if it is not a known
// family.
func FamilyOf(name string) Family {
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

// FamilyName is the family of an RFC 6381 codec string: the canonical name
// of a known family ("avc3.64001f" → "avc1", "hev1.1.6.L93.B0" → "hvc1"),
// else the lower-cased part before the first dot ("dvh1.05.06" → "dvh1").
func FamilyName(codec string) string {
	name := codec
	for i := 0; i < len(codec); i++ {
		if codec[i] == '.' {
			name = codec[:i]
			break
		}
	}
	if f := FamilyOf(name); f != 0 {
		return f.String()
	}
	return lowerASCII(name)
}

// lower lower-cases an ASCII letter.
func lower(c byte) uint32 {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return uint32(c)
}

// lowerASCII lower-cases the ASCII letters of s (strings.ToLower would
// pull Unicode tables into the module).
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

// FamilySpellings are every name FamilyOf knows, in lower case: the
// canonical names and their aliases (for tables that must hold them all).
var FamilySpellings = [...]string{"avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "mp4a", "ec-3", "ac-3", "opus", "flac", "wvtt", "stpp"}
