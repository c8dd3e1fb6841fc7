package vtt

import (
	"cmp"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// ErrThumbnail is wrapped by errors for a thumbnail cue whose payload is
// not an image reference.
var ErrThumbnail = errors.New("vtt: malformed thumbnail cue")

// Thumbnail is one entry of a thumbnail map: from Start to End the scrub
// preview shows region (X, Y, W, H) of image URI. W and H are 0 when the
// cue names the whole image.
type Thumbnail struct {
	// Start and End are seconds.
	Start, End float64
	// URI is the image reference as written, without its fragment.
	URI string
	// X, Y, W and H are the media fragment's xywh region in pixels.
	X, Y, W, H int
}

// ParseThumbnails parses a WebVTT thumbnail map: each cue's text is an
// image URI, optionally with a `#xywh=x,y,w,h` (or `xywh=pixel:…`)
// spatial media fragment. The result is sorted by Start.
func ParseThumbnails(data []byte) ([]Thumbnail, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	out := make([]Thumbnail, 0, len(f.Cues))
	for _, c := range f.Cues {
		t, err := parseThumbnailText(strings.TrimSpace(c.Text))
		if err != nil {
			return nil, errdetail.Prefix("cue at "+FormatTimestamp(c.Start), err)
		}
		t.Start, t.End = c.Start, c.End
		out = append(out, t)
	}
	slices.SortStableFunc(out, func(a, b Thumbnail) int { return cmp.Compare(a.Start, b.Start) })
	return out, nil
}

func parseThumbnailText(s string) (Thumbnail, error) {
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return Thumbnail{}, errdetail.Wrap(ErrThumbnail, strconv.Quote(s))
	}
	uri, frag, hasFrag := strings.Cut(s, "#")
	if uri == "" {
		return Thumbnail{}, errdetail.Wrap(ErrThumbnail, "no image in "+strconv.Quote(s))
	}
	t := Thumbnail{URI: uri}
	if !hasFrag {
		return t, nil
	}
	v, ok := strings.CutPrefix(frag, "xywh=")
	if !ok {
		return Thumbnail{}, errdetail.Wrap(ErrThumbnail, "fragment "+strconv.Quote(frag)+" is not xywh")
	}
	v = strings.TrimPrefix(v, "pixel:")
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return Thumbnail{}, errdetail.Wrap(ErrThumbnail, "xywh "+strconv.Quote(v))
	}
	var n [4]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || x > 1<<20 || !digits(p) {
			return Thumbnail{}, errdetail.Wrap(ErrThumbnail, "xywh "+strconv.Quote(v))
		}
		n[i] = x
	}
	if n[2] == 0 || n[3] == 0 {
		return Thumbnail{}, errdetail.Wrap(ErrThumbnail, "empty region "+strconv.Quote(v))
	}
	t.X, t.Y, t.W, t.H = n[0], n[1], n[2], n[3]
	return t, nil
}

// At returns the index of the thumbnail shown at time t: the last one
// starting at or before t that has not ended; -1 if none.
func At(thumbs []Thumbnail, t float64) int {
	i := sort.Search(len(thumbs), func(i int) bool { return thumbs[i].Start > t }) - 1
	if i < 0 || t >= thumbs[i].End {
		return -1
	}
	return i
}
