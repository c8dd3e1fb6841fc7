package playback

import (
	"errors"
	"fmt"
	"slices"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/plans"
)

// Plan is what an account's plan allows.
type Plan struct {
	// Caps are the plan's limits (Class is empty).
	contract.Caps
	// Screens is how many streams may play at once (stream leases).
	Screens int
}

// basicFamilies are the codec families the basic plan streams: no
// surround-sound audio (ec-3, ac-3).
const basicFamilies = contract.GrantableFamilies &^ (contract.EAC3 | contract.AC3)

// PlanOf returns what the account plan name allows (the table is
// origin/plans; an unknown name gets basic), with the codec families each
// plan streams.
func PlanOf(name string) Plan {
	p := plans.Of(name)
	families := contract.GrantableFamilies
	if p.Name == plans.Basic {
		families = basicFamilies
	}
	return Plan{Caps: contract.Caps{MaxHeight: int64(p.MaxHeight), MaxBitrate: int64(p.MaxBitrate), Codecs: families.Names(), HDR: p.HDR},
		Screens: p.Screens}
}

// Sentinel errors, tested with errors.Is.
var (
	// ErrInvalidDevice means the device report is malformed.
	ErrInvalidDevice = errors.New("invalid device")
	// ErrNoCodec means no video codec the device reports is allowed.
	ErrNoCodec = errors.New("no playable codec in common")
)

// validateDevice checks a device report's syntax; it is the only check of
// a report (Decide runs it).
func validateDevice(d contract.DeviceReport) error {
	if !contract.ValidClass(d.Class) {
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
		if !validCodecString(c) {
			return fmt.Errorf("%w: codec %q is not a codec string", ErrInvalidDevice, c)
		}
	}
	return nil
}

// validCodecString reports whether c looks like an RFC 6381 codec string:
// 1..64 bytes of [A-Za-z0-9._-].
func validCodecString(c string) bool {
	return c != "" && len(c) <= 64 && validIDBytes(c)
}

// Decide validates a device report and returns the caps a token grants it
// on plan: the minimum of the plan's, the class's (contract.ClassDefaults)
// and the reported height; the reported codec families (contract.FamilyName)
// both allow, in canonical order; HDR only when reported and allowed by
// both.
func Decide(plan Plan, d contract.DeviceReport) (contract.Caps, error) {
	if err := validateDevice(d); err != nil {
		return contract.Caps{}, err
	}
	class, _ := contract.ClassDefaults(d.Class)
	out := contract.Caps{
		Class:      d.Class,
		MaxHeight:  min(plan.MaxHeight, class.MaxHeight, d.MaxHeight),
		MaxBitrate: min(plan.MaxBitrate, class.MaxBitrate),
		HDR:        d.HDR && plan.HDR && class.HDR,
		Codecs:     []string{},
	}
	var reported contract.Family
	for _, c := range d.Codecs {
		reported |= contract.FamilyOf(contract.FamilyName(c))
	}
	for _, f := range (reported & contract.GrantableFamilies).Names() { // canonical order keeps tokens stable
		if slices.Contains(plan.Codecs, f) && slices.Contains(class.Codecs, f) {
			out.Codecs = append(out.Codecs, f)
		}
	}
	if !hasVideo(out.Codecs) {
		return contract.Caps{}, ErrNoCodec
	}
	return out, nil
}

// hasVideo reports whether codecs name a video family.
func hasVideo(codecs []string) bool {
	known, _ := contract.Families(codecs)
	return known&contract.VideoFamilies != 0
}

func validDeviceID(id string) bool {
	return len(id) <= 64 && validIDBytes(id)
}

// validIDBytes reports whether s is made of [A-Za-z0-9._-].
func validIDBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
