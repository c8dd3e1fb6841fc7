package plans

import "testing"

func TestPlans(t *testing.T) {
	cases := []struct {
		name            string
		height, screens int
		bitrate         int
		hdr             bool
	}{
		{Basic, 720, 1, 3_000_000, false},
		{Standard, 1080, 2, 8_000_000, false},
		{Premium, 2160, 4, 25_000_000, true},
		{"unknown", 720, 1, 3_000_000, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Of(c.name)
			if p.MaxHeight != c.height || p.Screens != c.screens || p.MaxBitrate != c.bitrate || p.HDR != c.hdr {
				t.Fatalf("%+v", p)
			}
		})
	}
	if _, ok := Get(Default); !ok {
		t.Fatal("default plan missing")
	}
	if all := All(); len(all) != 3 || all[0].Name != Basic || all[2].Name != Premium {
		t.Fatalf("%+v", all)
	}
}
