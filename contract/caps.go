package contract

import (
	"errors"
	"strconv"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Caps are a device's capabilities as granted by the origin: what a
// playback token carries in its dev claim, what the gate hands on as the
// X-Edgeflix-Caps header, and what the master playlist rewrite filters by.
// The JSON tags are the dev claim's members. Renditions is a claim member
// only: the gate enforces it on every fetch, the rewrite does not need it,
// so the header (and the caches keyed by it) leave it out.
type Caps struct {
	// Class is the device class (cls): phone, tablet, desktop or tv.
	Class string `json:"cls"`
	// MaxHeight is the tallest picture in pixels (mh).
	MaxHeight int64 `json:"mh"`
	// MaxBitrate is the highest variant BANDWIDTH in bits/s (mbr).
	MaxBitrate int64 `json:"mbr"`
	// Codecs are the codec families the device may play (cdc): canonical
	// names of known families (Family) or other family names.
	Codecs []string `json:"cdc"`
	// HDR allows variants whose VIDEO-RANGE is not SDR (hdr).
	HDR bool `json:"hdr"`
	// Renditions are the asset folders the session may fetch (rnd): the
	// video renditions the master rewrite keeps for these caps and the
	// audio and subtitle track folders. A fetch below the token's prefix
	// in any other folder is refused by the gate; files at the asset root
	// (the master playlist) are not folders. A token without rnd opens no
	// folder.
	Renditions []string `json:"rnd,omitempty"`
}

// Bounds of the caps' values.
const (
	// MaxHeaderLength is the longest X-Edgeflix-Caps value ParseHeader reads.
	MaxHeaderLength = 1024
	// MaxNumber bounds mh and mbr.
	MaxNumber = 1_000_000_000_000_000
	// MaxCodecLength bounds one name in cdc.
	MaxCodecLength = 32
	// MaxCodecs bounds the names in cdc.
	MaxCodecs = 32
	// MaxRenditions bounds the folder names in rnd.
	MaxRenditions = 64
)

// ErrCaps reports caps that are malformed or out of bounds.
var ErrCaps = errors.New("contract: invalid caps")

// Validate checks what the origin signs and the verifier accepts: a known
// class, mh and mbr in 0..MaxNumber, at most MaxCodecs codec names of
// 1..MaxCodecLength bytes of [A-Za-z0-9.-]. Its errors wrap ErrCaps.
func (c *Caps) Validate() error {
	if !ValidClass(c.Class) {
		return errdetail.Wrap(ErrCaps, "unknown device class")
	}
	if c.MaxHeight < 0 || c.MaxHeight > MaxNumber {
		return errdetail.Wrap(ErrCaps, "bad "+FieldMaxHeight)
	}
	if c.MaxBitrate < 0 || c.MaxBitrate > MaxNumber {
		return errdetail.Wrap(ErrCaps, "bad "+FieldMaxBitrate)
	}
	if len(c.Codecs) > MaxCodecs {
		return errdetail.Wrap(ErrCaps, "too many codecs")
	}
	for _, n := range c.Codecs {
		if !ValidCodecName(n) {
			return errdetail.Wrap(ErrCaps, "bad codec name")
		}
	}
	if len(c.Renditions) > MaxRenditions {
		return errdetail.Wrap(ErrCaps, "too many renditions")
	}
	for _, n := range c.Renditions {
		if !ValidFolderName(n) {
			return errdetail.Wrap(ErrCaps, "bad rendition name")
		}
	}
	return nil
}

// ValidFolderName reports whether s can name a folder in rnd: 1..32 bytes
// of [A-Za-z0-9_-] (ingest's rendition and track folder names).
func ValidFolderName(s string) bool {
	if s == "" || len(s) > MaxCodecLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// MayFetch reports whether a session with caps c may fetch rel, a path
// relative to the token's prefix: a file at the asset root (no '/'), or a
// file below a folder that c.Renditions names exactly.
func (c *Caps) MayFetch(rel string) bool {
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' {
			folder := rel[:i]
			for _, n := range c.Renditions {
				if n == folder {
					return true
				}
			}
			return false
		}
	}
	return true
}

// ValidCodecName reports whether s can travel in the caps: 1..MaxCodecLength
// bytes of [A-Za-z0-9.-].
func ValidCodecName(s string) bool {
	return s != "" && len(s) <= MaxCodecLength && isToken(s)
}

// isToken reports whether s is made of [A-Za-z0-9.-].
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Header is c's X-Edgeflix-Caps value, e.g.
//
//	cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0
//
// It is canonical: cdc lists the known families first, in Family order,
// by their canonical names (aliases and case collapsed), then the other
// names lower-cased in their order, each once; so caps that the rewrite
// treats alike have the same Header whatever order a token listed them in,
// and caches key rewritten masters by it.
func (c *Caps) Header() string {
	return string(c.AppendHeader(make([]byte, 0, 64)))
}

// AppendHeader appends Header() to dst.
func (c *Caps) AppendHeader(dst []byte) []byte {
	dst = append(dst, FieldClass+"="...)
	dst = append(dst, c.Class...)
	dst = append(dst, ";"+FieldMaxHeight+"="...)
	dst = strconv.AppendInt(dst, c.MaxHeight, 10)
	dst = append(dst, ";"+FieldMaxBitrate+"="...)
	dst = strconv.AppendInt(dst, c.MaxBitrate, 10)
	dst = append(dst, ";"+FieldCodecs+"="...)
	var known Family
	for _, n := range c.Codecs {
		known |= FamilyOf(n)
	}
	first := true
	for i, n := range familyNames {
		if known&(1<<i) != 0 {
			if !first {
				dst = append(dst, ',')
			}
			dst, first = append(dst, n...), false
		}
	}
	for i, n := range c.Codecs {
		if FamilyOf(n) != 0 || repeated(c.Codecs[:i], n) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		for j := 0; j < len(n); j++ {
			dst = append(dst, byte(lower(n[j])))
		}
		first = false
	}
	if c.HDR {
		return append(dst, ";"+FieldHDR+"=1"...)
	}
	return append(dst, ";"+FieldHDR+"=0"...)
}

// repeated reports whether names holds n without regard to ASCII case.
func repeated(names []string, n string) bool {
	for _, m := range names {
		if len(m) == len(n) {
			same := true
			for j := 0; j < len(n) && same; j++ {
				same = lower(m[j]) == lower(n[j])
			}
			if same {
				return true
			}
		}
	}
	return false
}

// Families splits codec family names into the known families and the
// other names (lower-cased, in their order, repeats kept).
func Families(codecs []string) (known Family, other []string) {
	for _, n := range codecs {
		if f := FamilyOf(n); f != 0 {
			known |= f
		} else {
			other = append(other, lowerASCII(n))
		}
	}
	return known, other
}

// ParseHeader reads an X-Edgeflix-Caps value. cls, mh, mbr and cdc are
// required (cdc may be empty), hdr is 0 or 1 and defaults to 0; fields may
// come in any order. Unknown, repeated or malformed fields are errors
// wrapping ErrCaps: the caps restrict what a device gets, so a field the
// reader does not understand fails closed instead of being ignored. The
// class may be any name of [A-Za-z0-9.-] (an unknown one gets the phone's
// start budget). Codecs come back as listed; Header() of the result is
// canonical, and ParseHeader(h).Header() == h for a canonical h.
func ParseHeader(s string) (Caps, error) {
	if len(s) > MaxHeaderLength {
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
		case FieldClass:
			bit = sCls
			if v == "" || !isToken(v) {
				return Caps{}, errdetail.Wrap(ErrCaps, "bad "+FieldClass)
			}
			c.Class = v
		case FieldMaxHeight, FieldMaxBitrate:
			n, ok := parseDecimal(v)
			if !ok {
				return Caps{}, errdetail.Wrap(ErrCaps, "bad "+k)
			}
			if k == FieldMaxHeight {
				bit, c.MaxHeight = sMH, n
			} else {
				bit, c.MaxBitrate = sMBR, n
			}
		case FieldCodecs:
			bit = sCdc
			if v == "" {
				break
			}
			for list := v; list != ""; {
				name, more, cont := cut(list, ',')
				list = more
				if !ValidCodecName(name) || cont && more == "" || len(c.Codecs) == MaxCodecs {
					return Caps{}, errdetail.Wrap(ErrCaps, "bad "+FieldCodecs)
				}
				c.Codecs = append(c.Codecs, name)
			}
		case FieldHDR:
			bit = sHDR
			switch v {
			case "0":
			case "1":
				c.HDR = true
			default:
				return Caps{}, errdetail.Wrap(ErrCaps, "bad "+FieldHDR)
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

// parseDecimal reads a non-empty run of ASCII digits up to MaxNumber.
func parseDecimal(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= MaxNumber
}

// DeviceReport is the "device" object of POST /v1/playback
// (docs/openapi.yaml): what a device says it can do. The player sends it;
// the origin validates it once and decides the Caps a token grants
// (origin/playback.Decide). It is a request body, not caps: its codecs are
// whole RFC 6381 codec strings and nothing in it is trusted.
type DeviceReport struct {
	// Class is the device class the device claims (Classes).
	Class string `json:"class"`
	// MaxHeight is the tallest picture worth sending it, in pixels.
	MaxHeight int64 `json:"max_height"`
	// Codecs are RFC 6381 codec strings its decoders accept.
	Codecs []string `json:"codecs"`
	// HDR says whether its display shows HDR.
	HDR bool `json:"hdr"`
	// ID is an optional stable id the app keeps for the device (1..64
	// bytes of [A-Za-z0-9._-]); a new start from the same device replaces
	// that device's stream instead of counting against the plan.
	ID string `json:"id,omitempty"`
}
