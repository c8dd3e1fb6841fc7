package contract

// Device classes (Caps.Class).
const (
	ClassPhone   = "phone"
	ClassTablet  = "tablet"
	ClassDesktop = "desktop"
	ClassTV      = "tv"
)

// Classes are the device classes, smallest screen first.
var Classes = []string{ClassPhone, ClassTablet, ClassDesktop, ClassTV}

// GrantableFamilies are the codec families the origin may put in a token,
// in canonical order: what ingest produces (avc1, hvc1, av01, mp4a) and
// the other video and surround-audio families a plan may stream.
const GrantableFamilies = AVC | HEVC | AV1 | VP9 | AAC | EAC3 | AC3

// ClassDefaults returns the default caps of a device class (the most a
// device of that class gets, whatever it reports) and whether class is a
// known class.
func ClassDefaults(class string) (Caps, bool) {
	c := Caps{Class: class, Codecs: GrantableFamilies.Names(), HDR: true}
	switch class {
	case ClassPhone:
		c.MaxHeight, c.MaxBitrate = 720, 5_000_000
	case ClassTablet:
		c.MaxHeight, c.MaxBitrate = 1080, 10_000_000
	case ClassDesktop, ClassTV:
		c.MaxHeight, c.MaxBitrate = 2160, 25_000_000
	default:
		return Caps{}, false
	}
	return c, true
}

// StartBitrate is the BANDWIDTH budget of the first variant a master
// playlist offers a device class: phone 1.5, tablet 3, desktop 5, tv 8
// Mb/s; an unknown class gets the phone's.
func StartBitrate(class string) int64 {
	switch class {
	case ClassTablet:
		return 3_000_000
	case ClassDesktop:
		return 5_000_000
	case ClassTV:
		return 8_000_000
	}
	return 1_500_000
}

// ValidClass reports whether class is a known device class.
func ValidClass(class string) bool {
	switch class {
	case ClassPhone, ClassTablet, ClassDesktop, ClassTV:
		return true
	}
	return false
}

// StartBudget is the highest BANDWIDTH the first (start) variant of a
// master playlist may have: StartBitrate(c.Class), but never more than
// c.MaxBitrate.
func (c *Caps) StartBudget() int64 {
	return min(StartBitrate(c.Class), c.MaxBitrate)
}

// Names lists the canonical names of the families in f, in canonical order.
func (f Family) Names() []string {
	var out []string
	for i, n := range familyNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}
