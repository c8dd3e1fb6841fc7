package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBadFragment means an fMP4 init or media segment is malformed: a box
// overruns its parent, a required box is missing, or a fragment names a
// track the init segment does not declare.
var ErrBadFragment = errors.New("ingest: malformed fMP4")

// track is one track an fMP4 init segment declares.
type track struct {
	// ID is the tkhd track_ID.
	ID uint32
	// Handler is the hdlr handler type: "vide", "soun", "text", …
	Handler string
	// Timescale is the mdhd time units per second.
	Timescale uint32
	// DefaultDuration and DefaultSize are the trex defaults, used when a
	// fragment gives neither per-sample nor tfhd values (zero if no trex).
	DefaultDuration, DefaultSize uint32
}

// trackRun is the samples one traf box of a media segment carries for a
// track: their decode times and sizes.
type trackRun struct {
	// TrackID is the track the samples belong to.
	TrackID uint32
	// BaseDecodeTime is the tfdt decode time of the first sample, in the
	// track's timescale.
	BaseDecodeTime uint64
	// Durations and Sizes are per sample, in timescale units and bytes.
	Durations []uint32
	Sizes     []uint32
}

// End is the decode time just after the run's last sample.
func (r trackRun) End() uint64 {
	end := r.BaseDecodeTime
	for _, d := range r.Durations {
		end += uint64(d)
	}
	return end
}

// Bytes is the total size of the run's samples.
func (r trackRun) Bytes() int64 {
	var n int64
	for _, s := range r.Sizes {
		n += int64(s)
	}
	return n
}

// maxSamplesPerRun bounds a trun's sample count so a corrupt count cannot
// make the parser allocate without limit.
const maxSamplesPerRun = 1 << 20

// walkBoxes calls fn with the type and body of each ISO BMFF box in b, in
// order, and fails when a box's size does not fit in b.
func walkBoxes(b []byte, fn func(typ string, body []byte) error) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return fmt.Errorf("%w: %d trailing bytes", ErrBadFragment, len(b))
		}
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return fmt.Errorf("%w: truncated box %q", ErrBadFragment, typ)
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return fmt.Errorf("%w: box %q has bad size %d", ErrBadFragment, typ, size)
		}
		if err := fn(typ, b[hdr:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}

// fullBox splits a full box's body into its version, flags and the rest.
func fullBox(typ string, body []byte, n int) (byte, uint32, []byte, error) {
	if len(body) < 4+n {
		return 0, 0, nil, fmt.Errorf("%w: %s box is %d bytes", ErrBadFragment, typ, len(body))
	}
	return body[0], binary.BigEndian.Uint32(body) & 0xffffff, body[4:], nil
}

// parseInit lists the tracks of an fMP4 init segment (moov: trak boxes
// and the mvex trex defaults).
func parseInit(init []byte) ([]track, error) {
	var tracks []track
	defaults := map[uint32][2]uint32{}
	sawMoov := false
	err := walkBoxes(init, func(typ string, body []byte) error {
		if typ != "moov" {
			return nil
		}
		sawMoov = true
		return walkBoxes(body, func(typ string, body []byte) error {
			switch typ {
			case "trak":
				t, err := parseTrak(body)
				if err != nil {
					return err
				}
				tracks = append(tracks, t)
			case "mvex":
				return walkBoxes(body, func(typ string, body []byte) error {
					if typ != "trex" {
						return nil
					}
					_, _, b, err := fullBox(typ, body, 20)
					if err != nil {
						return err
					}
					defaults[binary.BigEndian.Uint32(b)] = [2]uint32{binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])}
					return nil
				})
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if !sawMoov || len(tracks) == 0 {
		return nil, fmt.Errorf("%w: init segment has no tracks", ErrBadFragment)
	}
	seen := map[uint32]bool{}
	for i := range tracks {
		if seen[tracks[i].ID] {
			return nil, fmt.Errorf("%w: track %d declared twice", ErrBadFragment, tracks[i].ID)
		}
		seen[tracks[i].ID] = true
		d := defaults[tracks[i].ID]
		tracks[i].DefaultDuration, tracks[i].DefaultSize = d[0], d[1]
	}
	return tracks, nil
}

// versionedField reads the 32-bit field tkhd (track_ID) and mdhd
// (timescale) both keep after their creation and modification times,
// which are 32-bit in version 0 and 64-bit in version 1.
func versionedField(typ string, body []byte) (uint32, error) {
	v, _, b, err := fullBox(typ, body, 12)
	if err != nil {
		return 0, err
	}
	off := 8
	if v == 1 {
		off = 16
	}
	if len(b) < off+4 {
		return 0, fmt.Errorf("%w: %s box is %d bytes", ErrBadFragment, typ, len(body))
	}
	return binary.BigEndian.Uint32(b[off:]), nil
}

// parseTrak reads a trak box's track ID (tkhd), timescale (mdhd) and
// handler type (hdlr).
func parseTrak(trak []byte) (track, error) {
	var t track
	err := walkBoxes(trak, func(typ string, body []byte) error {
		switch typ {
		case "tkhd":
			id, err := versionedField(typ, body)
			if err != nil {
				return err
			}
			t.ID = id
		case "mdia":
			return walkBoxes(body, func(typ string, body []byte) error {
				switch typ {
				case "mdhd":
					scale, err := versionedField(typ, body)
					if err != nil {
						return err
					}
					t.Timescale = scale
				case "hdlr":
					_, _, b, err := fullBox(typ, body, 8)
					if err != nil {
						return err
					}
					t.Handler = string(b[4:8])
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return track{}, err
	}
	if t.ID == 0 || t.Timescale == 0 || t.Handler == "" {
		return track{}, fmt.Errorf("%w: trak lacks tkhd, mdhd or hdlr", ErrBadFragment)
	}
	return t, nil
}

// parseSegment lists the sample runs of an fMP4 media segment, one per
// traf box in file order, resolving sample durations and sizes from the
// trun, tfhd and the init segment's trex defaults.
func parseSegment(seg []byte, tracks []track) ([]trackRun, error) {
	byID := map[uint32]track{}
	for _, t := range tracks {
		byID[t.ID] = t
	}
	var runs []trackRun
	err := walkBoxes(seg, func(typ string, body []byte) error {
		if typ != "moof" {
			return nil
		}
		return walkBoxes(body, func(typ string, body []byte) error {
			if typ != "traf" {
				return nil
			}
			r, err := parseTraf(body, byID)
			if err != nil {
				return err
			}
			runs = append(runs, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%w: segment has no moof/traf", ErrBadFragment)
	}
	return runs, nil
}

// tfhd and trun flags (ISO/IEC 14496-12 §8.8.7, §8.8.8).
const (
	tfhdBaseDataOffset   = 0x01
	tfhdSampleDescIndex  = 0x02
	tfhdDefaultDuration  = 0x08
	tfhdDefaultSize      = 0x10
	tfhdDefaultFlags     = 0x20
	trunDataOffset       = 0x01
	trunFirstSampleFlags = 0x04
	trunSampleDuration   = 0x100
	trunSampleSize       = 0x200
	trunSampleFlags      = 0x400
	trunSampleCTO        = 0x800
)

// parseTraf reads one traf: its tfhd, tfdt and every trun.
func parseTraf(traf []byte, tracks map[uint32]track) (trackRun, error) {
	var r trackRun
	var defDur, defSize uint32
	sawTfhd, sawTfdt := false, false
	err := walkBoxes(traf, func(typ string, body []byte) error {
		switch typ {
		case "tfhd":
			_, flags, b, err := fullBox(typ, body, 4)
			if err != nil {
				return err
			}
			r.TrackID = binary.BigEndian.Uint32(b)
			t, ok := tracks[r.TrackID]
			if !ok {
				return fmt.Errorf("%w: fragment of undeclared track %d", ErrBadFragment, r.TrackID)
			}
			sawTfhd = true
			defDur, defSize = t.DefaultDuration, t.DefaultSize
			b = b[4:]
			for _, f := range []struct {
				flag uint32
				n    int
				dst  *uint32
			}{{tfhdBaseDataOffset, 8, nil}, {tfhdSampleDescIndex, 4, nil}, {tfhdDefaultDuration, 4, &defDur},
				{tfhdDefaultSize, 4, &defSize}, {tfhdDefaultFlags, 4, nil}} {
				if flags&f.flag == 0 {
					continue
				}
				if len(b) < f.n {
					return fmt.Errorf("%w: short tfhd", ErrBadFragment)
				}
				if f.dst != nil {
					*f.dst = binary.BigEndian.Uint32(b)
				}
				b = b[f.n:]
			}
		case "tfdt":
			v, _, b, err := fullBox(typ, body, 4)
			if err != nil {
				return err
			}
			if v == 1 {
				if len(b) < 8 {
					return fmt.Errorf("%w: short tfdt", ErrBadFragment)
				}
				r.BaseDecodeTime = binary.BigEndian.Uint64(b)
			} else {
				r.BaseDecodeTime = uint64(binary.BigEndian.Uint32(b))
			}
			sawTfdt = true
		case "trun":
			if !sawTfhd {
				return fmt.Errorf("%w: trun before tfhd", ErrBadFragment)
			}
			return parseTrun(body, defDur, defSize, &r)
		}
		return nil
	})
	if err != nil {
		return trackRun{}, err
	}
	if !sawTfhd || !sawTfdt {
		return trackRun{}, fmt.Errorf("%w: traf lacks tfhd or tfdt", ErrBadFragment)
	}
	return r, nil
}

// parseTrun appends a trun's samples to r.
func parseTrun(body []byte, defDur, defSize uint32, r *trackRun) error {
	_, flags, b, err := fullBox("trun", body, 4)
	if err != nil {
		return err
	}
	count := binary.BigEndian.Uint32(b)
	b = b[4:]
	for _, f := range []uint32{trunDataOffset, trunFirstSampleFlags} {
		if flags&f != 0 {
			if len(b) < 4 {
				return fmt.Errorf("%w: short trun", ErrBadFragment)
			}
			b = b[4:]
		}
	}
	per := 0
	for _, f := range []uint32{trunSampleDuration, trunSampleSize, trunSampleFlags, trunSampleCTO} {
		if flags&f != 0 {
			per += 4
		}
	}
	if count > maxSamplesPerRun || uint64(count)*uint64(per) > uint64(len(b)) {
		return fmt.Errorf("%w: trun of %d samples in %d bytes", ErrBadFragment, count, len(b))
	}
	for range count {
		d, s := defDur, defSize
		if flags&trunSampleDuration != 0 {
			d, b = binary.BigEndian.Uint32(b), b[4:]
		}
		if flags&trunSampleSize != 0 {
			s, b = binary.BigEndian.Uint32(b), b[4:]
		}
		if flags&trunSampleFlags != 0 {
			b = b[4:]
		}
		if flags&trunSampleCTO != 0 {
			b = b[4:]
		}
		r.Durations = append(r.Durations, d)
		r.Sizes = append(r.Sizes, s)
	}
	return nil
}
