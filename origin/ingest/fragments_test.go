package ingest

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// box builds an ISO BMFF box of type typ around the concatenated parts.
func box(typ string, parts ...[]byte) []byte {
	body := concat(parts...)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// concat joins byte slices into a new one.
func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// largeBox builds a box with a 64-bit size (size field 1).
func largeBox(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = append(b, typ...)
	b = binary.BigEndian.AppendUint64(b, uint64(16+len(body)))
	return append(b, body...)
}

// fields concatenates big-endian uint32s, and uint64s given as uint64.
func fields(vals ...any) []byte {
	var b []byte
	for _, v := range vals {
		switch v := v.(type) {
		case int:
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		case uint64:
			b = binary.BigEndian.AppendUint64(b, v)
		case string:
			b = append(b, v...)
		}
	}
	return b
}

// versionFlags is a full box's first word.
func versionFlags(v byte, flags int) int { return int(v)<<24 | flags }

// testTrak is a trak box: tkhd (version 0), mdhd and hdlr.
func testTrak(id, timescale int, handler string) []byte {
	tkhd := box("tkhd", fields(versionFlags(0, 3), 0, 0, id, 0, 0))
	mdhd := box("mdhd", fields(versionFlags(1, 0), uint64(0), uint64(0), timescale, uint64(0)))
	hdlr := box("hdlr", fields(0, 0, handler, 0, 0, 0, "x\x00"))
	return box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf")))
}

// testInit declares video track 1 (timescale 15360) and audio track 2
// (48000, trex defaults 1024 samples of 300 bytes).
var testInit = concat(box("ftyp", []byte("iso6mp41")), box("moov",
	box("mvhd", make([]byte, 100)),
	testTrak(1, 15360, "vide"),
	testTrak(2, 48000, "soun"),
	box("mvex", box("trex", fields(0, 1, 1, 0, 0, 0)), box("trex", fields(0, 2, 1, 1024, 300, 0))),
))

func TestParseFragments(t *testing.T) {
	styp := box("styp", []byte("msdh0000msdhmsix"))
	mfhd := box("mfhd", fields(0, 7))
	tests := []struct {
		name    string
		init    []byte
		seg     []byte
		want    []trackRun
		wantErr bool
	}{
		{
			name: "per-sample durations and sizes, 64-bit tfdt",
			init: testInit,
			seg: concat(styp, box("moof", mfhd,
				box("traf", box("tfhd", fields(versionFlags(0, 0x020000), 1)), box("tfdt", fields(versionFlags(1, 0), uint64(30720))),
					box("trun", fields(versionFlags(0, 0x000b05), 2, 120, 0x02000000, 512, 9000, 0, 512, 700, 1024))),
				box("traf", box("tfhd", fields(versionFlags(0, 0), 2)), box("tfdt", fields(versionFlags(1, 0), uint64(96000))),
					box("trun", fields(versionFlags(0, 0x000301), 2, 9900, 1024, 371, 1025, 368))),
			), box("mdat", make([]byte, 32))),
			want: []trackRun{
				{TrackID: 1, BaseDecodeTime: 30720, Durations: []uint32{512, 512}, Sizes: []uint32{9000, 700}},
				{TrackID: 2, BaseDecodeTime: 96000, Durations: []uint32{1024, 1025}, Sizes: []uint32{371, 368}},
			},
		},
		{
			name: "tfhd defaults, 32-bit tfdt, two truns, large moof",
			init: testInit,
			seg: largeBox("moof", concat(mfhd, box("traf",
				box("tfhd", fields(versionFlags(0, 0x3b), 2, uint64(0), 1, 1000, 200, 0)),
				box("tfdt", fields(versionFlags(0, 0), 48000)),
				box("trun", fields(versionFlags(0, 0), 2)),
				box("trun", fields(versionFlags(0, 0x200), 1, 150))))),
			want: []trackRun{{TrackID: 2, BaseDecodeTime: 48000, Durations: []uint32{1000, 1000, 1000}, Sizes: []uint32{200, 200, 150}}},
		},
		{
			name: "trex defaults",
			init: testInit,
			seg:  box("moof", mfhd, box("traf", box("tfhd", fields(versionFlags(0, 0), 2)), box("tfdt", fields(0, 0)), box("trun", fields(0, 3)))),
			want: []trackRun{{TrackID: 2, BaseDecodeTime: 0, Durations: []uint32{1024, 1024, 1024}, Sizes: []uint32{300, 300, 300}}},
		},
		{name: "empty init", init: nil, seg: box("moof"), wantErr: true},
		{name: "init without moov", init: box("ftyp", []byte("iso6")), seg: box("moof"), wantErr: true},
		{name: "trak without mdhd", init: box("moov", box("trak", box("tkhd", fields(0, 0, 0, 1, 0, 0)))), wantErr: true},
		{name: "track declared twice", init: box("moov", testTrak(1, 90000, "vide"), testTrak(1, 90000, "vide")), wantErr: true},
		{name: "short tkhd", init: box("moov", box("trak", box("tkhd", fields(0, 0)))), wantErr: true},
		{name: "short version 1 mdhd", init: box("moov", box("trak", box("tkhd", fields(0, 0, 0, 1)),
			box("mdia", box("mdhd", fields(versionFlags(1, 0), 0, 0, 0))))), wantErr: true},
		{name: "box larger than file", init: testInit[:len(testInit)-1], wantErr: true},
		{name: "trailing bytes", init: concat(testInit, []byte{0, 0, 0}), wantErr: true},
		{name: "zero box size means to the end", init: concat(testInit[:16], []byte{0, 0, 0, 0}, testInit[20:]), seg: box("moof", mfhd,
			box("traf", box("tfhd", fields(0, 1)), box("tfdt", fields(0, 5)), box("trun", fields(0x100, 1, 512)))),
			want: []trackRun{{TrackID: 1, BaseDecodeTime: 5, Durations: []uint32{512}, Sizes: []uint32{0}}}},
		{name: "segment without moof", init: testInit, seg: box("mdat", []byte{1}), wantErr: true},
		{name: "undeclared track", init: testInit, seg: box("moof", box("traf", box("tfhd", fields(0, 9)), box("tfdt", fields(0, 0)))), wantErr: true},
		{name: "traf without tfdt", init: testInit, seg: box("moof", box("traf", box("tfhd", fields(0, 2)), box("trun", fields(0, 1)))), wantErr: true},
		{name: "trun before tfhd", init: testInit, seg: box("moof", box("traf", box("trun", fields(0, 1)), box("tfhd", fields(0, 2)))), wantErr: true},
		{name: "tfhd missing its default duration", init: testInit, seg: box("moof", box("traf", box("tfhd", fields(0x08, 2)), box("tfdt", fields(0, 0)))), wantErr: true},
		{name: "trun count beyond its bytes", init: testInit, seg: box("moof", box("traf", box("tfhd", fields(0, 2)), box("tfdt", fields(0, 0)),
			box("trun", fields(0x300, 3, 1024, 300, 1024, 300)))), wantErr: true},
		{name: "trun missing its data offset", init: testInit, seg: box("moof", box("traf", box("tfhd", fields(0, 2)), box("tfdt", fields(0, 0)),
			box("trun", fields(0x01, 0)))), wantErr: true},
		{name: "short 64-bit tfdt", init: testInit, seg: box("moof", box("traf", box("tfhd", fields(0, 2)), box("tfdt", fields(versionFlags(1, 0), 5)))), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tracks, err := parseInit(tt.init)
			if err == nil {
				var runs []trackRun
				runs, err = parseSegment(tt.seg, tracks)
				if err == nil && !reflect.DeepEqual(runs, tt.want) {
					t.Fatalf("runs = %+v, want %+v", runs, tt.want)
				}
			}
			if tt.wantErr != (err != nil) {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadFragment) {
				t.Fatalf("err = %v, want ErrBadFragment", err)
			}
		})
	}
	tracks, err := parseInit(testInit)
	want := []track{{ID: 1, Handler: "vide", Timescale: 15360}, {ID: 2, Handler: "soun", Timescale: 48000, DefaultDuration: 1024, DefaultSize: 300}}
	if err != nil || !reflect.DeepEqual(tracks, want) {
		t.Fatalf("parseInit = %+v, %v; want %+v", tracks, err, want)
	}
}

func FuzzParseFragments(f *testing.F) {
	f.Add(testInit, box("moof", box("traf", box("tfhd", fields(0x08, 2, 1024)), box("tfdt", fields(0, 0)), box("trun", fields(0x200, 2, 5, 6)))))
	f.Add(testInit, box("moof", box("traf", box("tfhd", fields(0, 1)), box("tfdt", fields(versionFlags(1, 0), uint64(1))), box("trun", fields(0xf05, 1, 0, 0, 1, 2, 3, 4)))))
	f.Add([]byte{0, 0, 0, 1, 'm', 'o', 'o', 'v'}, []byte{0, 0, 0, 0, 'm', 'o', 'o', 'f'})
	f.Fuzz(func(t *testing.T, init, seg []byte) {
		tracks, err := parseInit(init)
		if err != nil {
			if !errors.Is(err, ErrBadFragment) {
				t.Fatalf("parseInit error %v is not ErrBadFragment", err)
			}
			return
		}
		declared := map[uint32]bool{}
		for _, tr := range tracks {
			if tr.Timescale == 0 || declared[tr.ID] {
				t.Fatalf("parseInit accepted %+v", tracks)
			}
			declared[tr.ID] = true
		}
		runs, err := parseSegment(seg, tracks)
		if err != nil {
			if !errors.Is(err, ErrBadFragment) {
				t.Fatalf("parseSegment error %v is not ErrBadFragment", err)
			}
			return
		}
		for _, r := range runs {
			if !declared[r.TrackID] || len(r.Durations) != len(r.Sizes) {
				t.Fatalf("parseSegment returned %+v for tracks %+v", r, tracks)
			}
		}
	})
}
