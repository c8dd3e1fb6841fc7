package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrNoAVCConfig means an init segment holds no H.264 decoder
// configuration (avcC box).
var ErrNoAVCConfig = errors.New("ingest: no avcC box in init segment")

// containerBoxes are the ISO BMFF boxes on the path from the file to a
// video sample entry, with the bytes each carries before its children.
var containerBoxes = map[string]int{
	"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0,
	"stsd": 8,  // version/flags + entry count
	"avc1": 78, // VisualSampleEntry fields
	"avc3": 78,
}

// AVCCodecString reads the first avcC box of an fMP4 init segment and
// returns the RFC 6381 codec string, e.g. "avc1.64001e" for High profile,
// level 3.0.
func AVCCodecString(init []byte) (string, error) {
	cfg, err := findAVCC(init, 0)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("avc1.%02x%02x%02x", cfg[1], cfg[2], cfg[3]), nil
}

// findAVCC walks the boxes in b, descending into containerBoxes, and
// returns the body of the first avcC box (at least 4 bytes).
func findAVCC(b []byte, depth int) ([]byte, error) {
	if depth > 16 {
		return nil, ErrNoAVCConfig
	}
	for len(b) >= 8 {
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return nil, fmt.Errorf("%w: truncated box %q", ErrNoAVCConfig, typ)
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return nil, fmt.Errorf("%w: box %q has bad size %d", ErrNoAVCConfig, typ, size)
		}
		body := b[hdr:size]
		if typ == "avcC" {
			if len(body) < 4 || body[0] != 1 {
				return nil, fmt.Errorf("%w: malformed avcC", ErrNoAVCConfig)
			}
			return body, nil
		}
		if skip, ok := containerBoxes[typ]; ok && len(body) >= skip {
			if cfg, err := findAVCC(body[skip:], depth+1); err == nil {
				return cfg, nil
			}
		}
		b = b[size:]
	}
	return nil, ErrNoAVCConfig
}
