// Package device describes what the browser the player runs in can do, for
// the contract.DeviceReport POST /v1/playback expects: a device class guessed from the user
// agent and screen, the tallest picture worth fetching, the codecs the
// browser's MediaSource accepts out of a candidate list, and HDR.
//
// It is plain Go; player/app supplies the browser's answers.
package device

import (
	"math"
	"strings"

	"github.com/edgeflix/edgeflix/contract"
)

// CandidateCodecs are the codec strings the player asks
// MediaSource.isTypeSupported about, in order of preference.
var CandidateCodecs = []string{
	"avc1.640028", "avc1.4d401f", "avc1.42e01e",
	"hvc1.1.6.L120.90", "hev1.1.6.L120.90",
	"av01.0.08M.08", "vp09.00.40.08",
	"mp4a.40.2", "mp4a.40.5", "ec-3", "ac-3", "opus",
}

// Screen is what the browser says about its display.
type Screen struct {
	// Width and Height are screen.width and screen.height in CSS pixels.
	Width, Height int
	// PixelRatio is window.devicePixelRatio; 0 means 1.
	PixelRatio float64
	// TouchPoints is navigator.maxTouchPoints.
	TouchPoints int
}

// Class guesses the device class from the user agent and screen; desktop
// is the default.
func Class(userAgent string, s Screen) string {
	ua := strings.ToLower(userAgent)
	for _, tv := range []string{"smart-tv", "smarttv", "googletv", "android tv", "appletv", "hbbtv", "netcast", "web0s", "webos", "tizen", "crkey", "aft", "bravia", "roku", "playstation", "xbox"} {
		if strings.Contains(ua, tv) {
			// "aft" is Amazon Fire TV's model prefix; require it as a word.
			if tv == "aft" && !strings.Contains(ua, " aft") {
				continue
			}
			return contract.ClassTV
		}
	}
	switch {
	case strings.Contains(ua, "ipad"), strings.Contains(ua, "tablet"),
		strings.Contains(ua, "android") && !strings.Contains(ua, "mobile"):
		return contract.ClassTablet
	case strings.Contains(ua, "iphone"), strings.Contains(ua, "ipod"), strings.Contains(ua, "mobile"):
		return contract.ClassPhone
	case strings.Contains(ua, "macintosh") && s.TouchPoints > 1:
		return contract.ClassTablet // iPadOS presents itself as a Mac
	}
	return contract.ClassDesktop
}

// MaxHeight returns the tallest useful picture in device pixels: the
// screen's height times its pixel ratio (at least 1 pixel ratio).
func MaxHeight(s Screen) int {
	r := s.PixelRatio
	if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		r = 1
	}
	h := float64(s.Height) * r
	if h <= 0 || h > 1<<20 {
		return 0
	}
	return int(math.Round(h))
}

// SupportedCodecs filters CandidateCodecs by supported, which answers
// whether a single-codec MIME type such as `video/mp4; codecs="avc1.640028"`
// can be played.
func SupportedCodecs(supported func(mime string) bool) []string {
	var out []string
	for _, c := range CandidateCodecs {
		kind := "video"
		if contract.FamilyOf(contract.FamilyName(c))&contract.AudioFamilies != 0 {
			kind = "audio"
		}
		if supported(MIME(kind, []string{c})) {
			out = append(out, c)
		}
	}
	return out
}

// MIME returns the MSE MIME type for fMP4 of kind ("video" or "audio")
// carrying codecs.
func MIME(kind string, codecs []string) string {
	return kind + `/mp4; codecs="` + strings.Join(codecs, ",") + `"`
}
