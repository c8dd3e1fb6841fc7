package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Errors for init segments without a usable decoder configuration.
var (
	// ErrNoAVCConfig means an init segment holds no H.264 decoder
	// configuration (avcC box).
	ErrNoAVCConfig = errors.New("ingest: no avcC box in init segment")
	// ErrNoHEVCConfig means an init segment holds no usable HEVC decoder
	// configuration (hvcC box).
	ErrNoHEVCConfig = errors.New("ingest: no hvcC box in init segment")
	// ErrNoAV1Config means an init segment holds no usable AV1 decoder
	// configuration (av1C box).
	ErrNoAV1Config = errors.New("ingest: no av1C box in init segment")
)

// containerBoxes are the ISO BMFF boxes on the path from the file to a
// video sample entry's configuration box, with the bytes each carries
// before its children.
var containerBoxes = map[string]int{
	"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0,
	"stsd": 8,  // version/flags + entry count
	"avc1": 78, // VisualSampleEntry fields
	"avc3": 78,
	"hvc1": 78,
	"hev1": 78,
	"av01": 78,
}

// AVCCodecString reads the first avcC box of an fMP4 init segment and
// returns the RFC 6381 codec string, e.g. "avc1.64001e" for High profile,
// level 3.0.
func AVCCodecString(init []byte) (string, error) {
	cfg, err := findConfigBox(init, "avcC", 0)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoAVCConfig, err)
	}
	if len(cfg) < 4 || cfg[0] != 1 {
		return "", fmt.Errorf("%w: malformed avcC", ErrNoAVCConfig)
	}
	return fmt.Sprintf("avc1.%02x%02x%02x", cfg[1], cfg[2], cfg[3]), nil
}

// HEVCCodecString reads the first hvcC box of an fMP4 init segment and
// returns the codec string ISO/IEC 14496-15 Annex E defines, e.g.
// "hvc1.1.6.L93.B0": profile space and profile, the 32 compatibility flags
// bit-reversed in hex, tier and level, then the constraint bytes without
// trailing zero bytes.
func HEVCCodecString(init []byte) (string, error) {
	cfg, err := findConfigBox(init, "hvcC", 0)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoHEVCConfig, err)
	}
	if len(cfg) < 13 || cfg[0] != 1 {
		return "", fmt.Errorf("%w: malformed hvcC", ErrNoHEVCConfig)
	}
	space := cfg[1] >> 6
	tier := "L"
	if cfg[1]&0x20 != 0 {
		tier = "H"
	}
	var b strings.Builder
	b.WriteString("hvc1.")
	if space > 0 {
		b.WriteByte("ABC"[space-1])
	}
	b.WriteString(strconv.Itoa(int(cfg[1] & 0x1f)))
	compat := bits.Reverse32(binary.BigEndian.Uint32(cfg[2:6]))
	fmt.Fprintf(&b, ".%X.%s%d", compat, tier, cfg[12])
	constraints := cfg[6:12]
	n := len(constraints)
	for n > 0 && constraints[n-1] == 0 {
		n--
	}
	for _, c := range constraints[:n] {
		fmt.Fprintf(&b, ".%X", c)
	}
	return b.String(), nil
}

// AV1CodecString reads the first av1C box of an fMP4 init segment and
// returns the codec string of the AV1 ISOBMFF binding §5, e.g.
// "av01.0.04M.08": profile, two-digit level, tier (M or H) and bit depth.
func AV1CodecString(init []byte) (string, error) {
	cfg, err := findConfigBox(init, "av1C", 0)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoAV1Config, err)
	}
	if len(cfg) < 4 || cfg[0] != 0x81 {
		return "", fmt.Errorf("%w: malformed av1C", ErrNoAV1Config)
	}
	profile := cfg[1] >> 5
	level := cfg[1] & 0x1f
	tier := "M"
	if cfg[2]&0x80 != 0 {
		tier = "H"
	}
	depth := 8
	if cfg[2]&0x40 != 0 {
		depth = 10
		if profile == 2 && cfg[2]&0x20 != 0 {
			depth = 12
		}
	}
	return fmt.Sprintf("av01.%d.%02d%s.%02d", profile, level, tier, depth), nil
}

// CodecString returns the RFC 6381 video codec string of an init segment
// for codec family "h264", "hevc" or "av1".
func CodecString(codec string, init []byte) (string, error) {
	switch codec {
	case CodecH264:
		return AVCCodecString(init)
	case CodecHEVC:
		return HEVCCodecString(init)
	case CodecAV1:
		return AV1CodecString(init)
	}
	return "", fmt.Errorf("%w: codec %q", ErrUnsupportedCodec, codec)
}

// errBoxNotFound is findConfigBox's miss.
var errBoxNotFound = errors.New("box not found")

// errBoxFound stops findConfigBox's walk once the box is found.
var errBoxFound = errors.New("box found")

// findConfigBox walks the boxes in b, descending into containerBoxes, and
// returns the body of the first box of type want.
func findConfigBox(b []byte, want string, depth int) ([]byte, error) {
	if depth > 16 {
		return nil, errBoxNotFound
	}
	var found []byte
	err := walkBoxes(b, func(typ string, body []byte) error {
		if typ == want {
			found = body
			return errBoxFound
		}
		if skip, ok := containerBoxes[typ]; ok && len(body) >= skip {
			if cfg, err := findConfigBox(body[skip:], want, depth+1); err == nil {
				found = cfg
				return errBoxFound
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errBoxFound):
		return found, nil
	case err != nil:
		return nil, err
	}
	return nil, errBoxNotFound
}
