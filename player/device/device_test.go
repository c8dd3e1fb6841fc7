package device

import (
	"reflect"
	"testing"

	"github.com/edgeflix/edgeflix/contract"
)

func TestClass(t *testing.T) {
	tests := []struct {
		name, ua string
		s        Screen
		want     string
	}{
		{"linux chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", Screen{}, contract.ClassDesktop},
		{"headless chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36", Screen{}, contract.ClassDesktop},
		{"iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", Screen{}, contract.ClassPhone},
		{"android phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36", Screen{}, contract.ClassPhone},
		{"android tablet", "Mozilla/5.0 (Linux; Android 14; SM-X700) AppleWebKit/537.36 Chrome/126 Safari/537.36", Screen{}, contract.ClassTablet},
		{"ipad", "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", Screen{}, contract.ClassTablet},
		{"ipados as mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15", Screen{TouchPoints: 5}, contract.ClassTablet},
		{"mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15", Screen{}, contract.ClassDesktop},
		{"tizen tv", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36", Screen{}, contract.ClassTV},
		{"webos tv", "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36", Screen{}, contract.ClassTV},
		{"android tv", "Mozilla/5.0 (Linux; Android 12; BRAVIA 4K) AppleWebKit/537.36", Screen{}, contract.ClassTV},
		{"fire tv", "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36", Screen{}, contract.ClassTV},
		{"empty", "", Screen{}, contract.ClassDesktop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Class(tt.ua, tt.s); got != tt.want {
				t.Errorf("Class = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMaxHeight(t *testing.T) {
	tests := []struct {
		s    Screen
		want int
	}{
		{Screen{Height: 1080, PixelRatio: 1}, 1080},
		{Screen{Height: 900, PixelRatio: 2}, 1800},
		{Screen{Height: 720}, 720},
		{Screen{Height: 600, PixelRatio: 1.5}, 900},
		{Screen{Height: 0, PixelRatio: 2}, 0},
		{Screen{Height: 1 << 30, PixelRatio: 2}, 0},
	}
	for _, tt := range tests {
		if got := MaxHeight(tt.s); got != tt.want {
			t.Errorf("MaxHeight(%+v) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestSupportedCodecs(t *testing.T) {
	var asked []string
	chromium := func(mime string) bool {
		asked = append(asked, mime)
		switch mime {
		case `video/mp4; codecs="avc1.640028"`, `video/mp4; codecs="av01.0.08M.08"`, `audio/mp4; codecs="mp4a.40.2"`:
			return true
		}
		return false
	}
	got := SupportedCodecs(chromium)
	want := []string{"avc1.640028", "av01.0.08M.08", "mp4a.40.2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SupportedCodecs = %v, want %v", got, want)
	}
	if len(asked) != len(CandidateCodecs) {
		t.Errorf("asked %d, want %d", len(asked), len(CandidateCodecs))
	}
}
