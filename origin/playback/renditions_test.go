package playback

import (
	"slices"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/catalog"
)

// TestGrantRenditions checks that the rendition folders a token opens are
// those the master rewrite keeps for its caps, plus the track folders.
func TestGrantRenditions(t *testing.T) {
	rows := []catalog.Rendition{
		{Name: "360p", Width: 640, Height: 360, Bandwidth: 900_000, Codecs: "avc1.64001e,mp4a.40.2", VideoRange: "SDR"},
		{Name: "720p", Width: 1280, Height: 720, Bandwidth: 3_000_000, Codecs: "avc1.64001f,mp4a.40.2", VideoRange: "SDR"},
		{Name: "1080p", Width: 1920, Height: 1080, Bandwidth: 6_000_000, Codecs: "avc1.640028,mp4a.40.2", VideoRange: "SDR"},
		{Name: "1080p_hevc", Width: 1920, Height: 1080, Bandwidth: 4_000_000, Codecs: "hvc1.1.6.L120.90,mp4a.40.2", VideoRange: "SDR"},
		{Name: "720p_av1", Width: 1280, Height: 720, Bandwidth: 2_000_000, Codecs: "av01.0.08M.08,mp4a.40.2", VideoRange: "SDR"},
		{Name: "2160p_hdr", Width: 3840, Height: 2160, Bandwidth: 15_000_000, Codecs: "hvc1.2.4.L150.90,mp4a.40.2", VideoRange: "PQ"},
		{Name: "../x", Width: 1, Height: 1, Bandwidth: 1, Codecs: "avc1.64001e"},
	}
	dev := func(class string, h int64, codecs []string, hdr bool) contract.DeviceReport {
		return contract.DeviceReport{Class: class, MaxHeight: h, Codecs: codecs, HDR: hdr}
	}
	for _, tc := range []struct {
		name string
		plan string
		dev  contract.DeviceReport
		want []string
	}{
		{"basic desktop gets 720p avc", "basic", dev("desktop", 2160, []string{"avc1.640028", "hvc1.1.6.L120.90", "av01.0.08M.08", "mp4a.40.2"}, true),
			[]string{"360p", "720p", "720p_av1", "audio", "subs"}},
		{"premium tv gets everything it decodes", "premium", dev("tv", 2160, []string{"avc1.640028", "hvc1.1.6.L120.90", "mp4a.40.2"}, true),
			[]string{"360p", "720p", "1080p", "1080p_hevc", "2160p_hdr", "audio", "subs"}},
		{"premium avc-only sdr phone", "premium", dev("phone", 720, []string{"avc1.640028", "mp4a.40.2"}, false),
			[]string{"360p", "720p", "audio", "subs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			caps, err := Decide(PlanOf(tc.plan), tc.dev)
			if err != nil {
				t.Fatal(err)
			}
			got := GrantRenditions(rows, caps)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("GrantRenditions() = %v, want %v (caps %s)", got, want, caps.Header())
			}
			caps.Renditions = got
			if err := caps.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
