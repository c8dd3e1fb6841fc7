package playback

import (
	"errors"
	"slices"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/plans"

	"github.com/edgeflix/edgeflix/origin/httpx"
)

func TestDecide(t *testing.T) {
	cases := []struct {
		name   string
		plan   string
		dev    contract.DeviceReport
		mh     int64
		mbr    int64
		codecs []string
		hdr    bool
		err    error
	}{
		{"plan caps height", "basic", contract.DeviceReport{Class: "tv", MaxHeight: 2160, Codecs: []string{"avc1.640028", "mp4a.40.2"}, HDR: true}, 720, 3_000_000, []string{"avc1", "mp4a"}, false, nil},
		{"class caps height", "premium", contract.DeviceReport{Class: "phone", MaxHeight: 2160, Codecs: []string{"avc1.640028"}, HDR: false}, 720, 5_000_000, []string{"avc1"}, false, nil},
		{"device caps height", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 540, Codecs: []string{"avc1.640028"}, HDR: false}, 540, 25_000_000, []string{"avc1"}, false, nil},
		{"hdr needs premium", "standard", contract.DeviceReport{Class: "tv", MaxHeight: 2160, Codecs: []string{"hvc1.2.4.L153.B0"}, HDR: true}, 1080, 8_000_000, []string{"hvc1"}, false, nil},
		{"hdr on premium", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 2160, Codecs: []string{"hvc1.2.4.L153.B0"}, HDR: true}, 2160, 25_000_000, []string{"hvc1"}, true, nil},
		{"basic has no surround", "basic", contract.DeviceReport{Class: "tv", MaxHeight: 720, Codecs: []string{"avc1", "ec-3", "ac-3", "mp4a"}, HDR: false}, 720, 3_000_000, []string{"avc1", "mp4a"}, false, nil},
		{"duplicates collapse", "standard", contract.DeviceReport{Class: "desktop", MaxHeight: 1080, Codecs: []string{"avc1.64001f", "avc1.42e01e", "avc3.64001f"}, HDR: false}, 1080, 8_000_000, []string{"avc1"}, false, nil},
		{"no video", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 1080, Codecs: []string{"mp4a.40.2", "opus"}, HDR: false}, 0, 0, nil, false, ErrNoCodec},
		{"hev1 is hvc1", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 2160, Codecs: []string{"hev1.1.6.L93.B0", "Opus"}, HDR: false}, 2160, 25_000_000, []string{"hvc1"}, false, nil},
		// Dolby Vision is no alias of hvc1 (RATIONALE.md, "Why one contract package").
		{"dolby vision is not hevc", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 2160, Codecs: []string{"dvh1.05.06", "mp4a.40.2"}, HDR: true}, 0, 0, nil, false, ErrNoCodec},
		{"bad class", "premium", contract.DeviceReport{Class: "car", MaxHeight: 1080, Codecs: []string{"avc1"}, HDR: false}, 0, 0, nil, false, ErrInvalidDevice},
		{"bad height", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 5000, Codecs: []string{"avc1"}, HDR: false}, 0, 0, nil, false, ErrInvalidDevice},
		{"bad codec", "premium", contract.DeviceReport{Class: "tv", MaxHeight: 1080, Codecs: []string{"avc1;x"}, HDR: false}, 0, 0, nil, false, ErrInvalidDevice},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decide(PlanOf(c.plan), c.dev)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			if got.MaxHeight != c.mh || got.MaxBitrate != c.mbr || !slices.Equal(got.Codecs, c.codecs) || got.HDR != c.hdr {
				t.Fatalf("%+v", got)
			}
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"title_id":"movie","device":{"class":"tv","max_height":2160,"codecs":["avc1.640028","mp4a.40.2"],"hdr":true}}`))
	f.Add([]byte(`{"title_id":"m","profile_id":"p","device":{"class":"phone","max_height":1,"codecs":["hev1.1.6.L93.B0"],"hdr":false}}`))
	f.Add([]byte(`{"device":{"codecs":[]}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var req Request
		if err := httpx.DecodeJSON(in, &req); err != nil {
			return
		}
		for _, pl := range plans.All() {
			name, plan := pl.Name, PlanOf(pl.Name)
			caps, err := Decide(plan, req.Device)
			if err != nil {
				if !errors.Is(err, ErrInvalidDevice) && !errors.Is(err, ErrNoCodec) {
					t.Fatalf("error %v", err)
				}
				continue
			}
			if caps.MaxHeight < 1 || caps.MaxHeight > plan.MaxHeight || caps.MaxHeight > req.Device.MaxHeight ||
				caps.MaxBitrate > plan.MaxBitrate || (caps.HDR && !req.Device.HDR) || len(caps.Codecs) == 0 {
				t.Fatalf("plan %s: caps %+v exceed %+v", name, caps, req.Device)
			}
			for _, c := range caps.Codecs {
				if !slices.Contains(plan.Codecs, c) {
					t.Fatalf("plan %s allows no %s", name, c)
				}
			}
		}
	})
}
