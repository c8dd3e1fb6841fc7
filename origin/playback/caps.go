package playback

import (
	"errors"
	"fmt"
	"github.com/edgeflix/edgeflix/origin/plans"
	"slices"
	"strings"
)

// Device classes.
const (
	ClassPhone   = "phone"
	ClassTablet  = "tablet"
	ClassDesktop = "desktop"
	ClassTV      = "tv"
)

// Codec families a token can allow, video first.
var (
	VideoFamilies = []string{"avc1", "hvc1", "av01", "vp09"}
	AudioFamilies = []string{"mp4a", "ec-3", "ac-3"}
)

// Limits are caps: a plan's, a device class's, or the decided ones.
type Limits struct {
	// MaxHeight is the tallest picture in pixels.
	MaxHeight int
	// MaxBitrate is the highest rendition bandwidth in bits/s.
	MaxBitrate int
	// Codecs are the allowed codec families.
	Codecs []string
	// HDR says whether HDR renditions are allowed.
	HDR bool
}

// Plan is what an account's plan allows.
type Plan struct {
	Limits
	// Screens is how many streams may play at once (enforced by stream
	// leases, a later issue).
	Screens int
}

var allFamilies = append(slices.Clone(VideoFamilies), AudioFamilies...)

// basicCodecs are the codec families the basic plan streams: no
// surround-sound audio (ec-3, ac-3).
var basicCodecs = []string{"avc1", "hvc1", "av01", "vp09", "mp4a"}

// PlanOf returns what the account plan name allows (the table is
// origin/plans; an unknown name gets basic), with the codec families each
// plan streams.
func PlanOf(name string) Plan {
	p := plans.Of(name)
	codecs := allFamilies
	if p.Name == plans.Basic {
		codecs = basicCodecs
	}
	return Plan{Limits: Limits{MaxHeight: p.MaxHeight, MaxBitrate: p.MaxBitrate, Codecs: codecs, HDR: p.HDR}, Screens: p.Screens}
}

// Classes are the default caps of each device class.
var Classes = map[string]Limits{
	ClassPhone:   {MaxHeight: 720, MaxBitrate: 5_000_000, Codecs: allFamilies, HDR: true},
	ClassTablet:  {MaxHeight: 1080, MaxBitrate: 10_000_000, Codecs: allFamilies, HDR: true},
	ClassDesktop: {MaxHeight: 2160, MaxBitrate: 25_000_000, Codecs: allFamilies, HDR: true},
	ClassTV:      {MaxHeight: 2160, MaxBitrate: 25_000_000, Codecs: allFamilies, HDR: true},
}

// DeviceInfo is what a device reports about itself.
type DeviceInfo struct {
	Class     string   `json:"class"`
	MaxHeight int      `json:"max_height"`
	Codecs    []string `json:"codecs"`
	HDR       bool     `json:"hdr"`
	// ID is an optional stable id the app keeps for the device (1..64
	// bytes of [A-Za-z0-9._-]); a new start from the same device replaces
	// that device's stream instead of counting against the plan.
	ID string `json:"id,omitempty"`
}

// Sentinel errors, tested with errors.Is.
var (
	// ErrInvalidDevice means the device report is malformed.
	ErrInvalidDevice = errors.New("invalid device")
	// ErrNoCodec means no video codec the device reports is allowed.
	ErrNoCodec = errors.New("no playable codec in common")
)

// Validate checks a device report's syntax.
func (d DeviceInfo) Validate() error {
	if _, ok := Classes[d.Class]; !ok {
		return fmt.Errorf("%w: class must be phone, tablet, desktop or tv", ErrInvalidDevice)
	}
	if d.ID != "" && !validDeviceID(d.ID) {
		return fmt.Errorf("%w: id must be 1..64 of A-Z a-z 0-9 . _ -", ErrInvalidDevice)
	}
	if d.MaxHeight < 1 || d.MaxHeight > 4320 {
		return fmt.Errorf("%w: max_height must be 1..4320", ErrInvalidDevice)
	}
	if len(d.Codecs) == 0 || len(d.Codecs) > 32 {
		return fmt.Errorf("%w: codecs must list 1..32 codecs", ErrInvalidDevice)
	}
	for _, c := range d.Codecs {
		if !validCodecToken(c) {
			return fmt.Errorf("%w: codec %q is not a codec string", ErrInvalidDevice, c)
		}
	}
	return nil
}

func validCodecToken(c string) bool {
	if c == "" || len(c) > 64 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// Family maps an RFC 6381 codec string to its family ("avc1.64001f" →
// "avc1", "hev1.1.6.L93.B0" → "hvc1"); "" when edgeflix does not know it.
func Family(codec string) string {
	f := strings.ToLower(codec)
	if i := strings.IndexByte(f, '.'); i >= 0 {
		f = f[:i]
	}
	switch f {
	case "avc1", "avc3":
		return "avc1"
	case "hvc1", "hev1", "dvh1", "dvhe":
		return "hvc1"
	case "av01":
		return "av01"
	case "vp09", "vp9":
		return "vp09"
	case "mp4a":
		return "mp4a"
	case "ec-3", "ec3", "eac3":
		return "ec-3"
	case "ac-3", "ac3":
		return "ac-3"
	}
	return ""
}

// Decide returns the caps for a device of an account on plan: the minimum
// of the plan's, the class's and the reported height; the reported codec
// families both allow; HDR only when reported and allowed by both.
func Decide(plan Plan, d DeviceInfo) (Limits, error) {
	if err := d.Validate(); err != nil {
		return Limits{}, err
	}
	class := Classes[d.Class]
	out := Limits{
		MaxHeight:  min(plan.MaxHeight, class.MaxHeight, d.MaxHeight),
		MaxBitrate: min(plan.MaxBitrate, class.MaxBitrate),
		HDR:        d.HDR && plan.HDR && class.HDR,
		Codecs:     []string{},
	}
	reported := make(map[string]bool)
	for _, c := range d.Codecs {
		reported[Family(c)] = true
	}
	video := false
	for _, f := range allFamilies { // fixed order keeps tokens stable
		if reported[f] && slices.Contains(plan.Codecs, f) && slices.Contains(class.Codecs, f) {
			out.Codecs = append(out.Codecs, f)
			video = video || slices.Contains(VideoFamilies, f)
		}
	}
	if !video {
		return Limits{}, ErrNoCodec
	}
	return out, nil
}

func validDeviceID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
