package ingest

import (
	"fmt"
	"regexp"
)

// RenditionSpec is one rung of an encoding ladder: the target picture
// height and bit rates. Width follows the source's aspect ratio.
type RenditionSpec struct {
	// Name names the rendition's folder and database row, e.g. "720p".
	Name string `json:"name"`
	// Height is the output height in pixels (even).
	Height int `json:"height"`
	// VideoBitrate is the target video bit rate in bits/s.
	VideoBitrate int `json:"video_bitrate"`
	// AudioBitrate is the AAC bit rate in bits/s.
	AudioBitrate int `json:"audio_bitrate"`
}

// DefaultLadder is the ladder ingest uses unless told otherwise, highest
// rung first.
var DefaultLadder = []RenditionSpec{
	{Name: "1080p", Height: 1080, VideoBitrate: 5_000_000, AudioBitrate: 128_000},
	{Name: "720p", Height: 720, VideoBitrate: 3_000_000, AudioBitrate: 128_000},
	{Name: "480p", Height: 480, VideoBitrate: 1_200_000, AudioBitrate: 96_000},
	{Name: "360p", Height: 360, VideoBitrate: 700_000, AudioBitrate: 96_000},
}

var renditionNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// SelectLadder returns the rungs of ladder whose height does not exceed
// sourceHeight, in ladder order. When the source is smaller than every rung
// it returns the lowest rung scaled to the source height (rounded down to
// even), so every playable source gets one rendition and none is upscaled.
func SelectLadder(sourceHeight int, ladder []RenditionSpec) []RenditionSpec {
	var out []RenditionSpec
	lowest := -1
	for i, r := range ladder {
		if r.Height <= sourceHeight {
			out = append(out, r)
		}
		if lowest < 0 || r.Height < ladder[lowest].Height {
			lowest = i
		}
	}
	if len(out) == 0 && lowest >= 0 && sourceHeight >= 2 {
		r := ladder[lowest]
		h := sourceHeight &^ 1
		r.VideoBitrate = int(int64(r.VideoBitrate) * int64(h) / int64(r.Height))
		r.Height = h
		r.Name = fmt.Sprintf("%dp", h)
		out = append(out, r)
	}
	return out
}

// validateLadder checks names are unique, usable as path segments, and
// rates and heights are positive.
func validateLadder(ladder []RenditionSpec) error {
	if len(ladder) == 0 {
		return fmt.Errorf("%w: empty ladder", ErrInvalidConfig)
	}
	seen := map[string]bool{}
	for _, r := range ladder {
		if !renditionNameRE.MatchString(r.Name) {
			return fmt.Errorf("%w: rendition name %q", ErrInvalidConfig, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("%w: duplicate rendition %q", ErrInvalidConfig, r.Name)
		}
		seen[r.Name] = true
		if r.Height < 2 || r.Height%2 != 0 || r.VideoBitrate <= 0 || r.AudioBitrate <= 0 {
			return fmt.Errorf("%w: rendition %q needs an even height and positive bit rates", ErrInvalidConfig, r.Name)
		}
	}
	return nil
}
