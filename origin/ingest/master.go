package ingest

import (
	"bytes"
	"fmt"
	"io"
	"sort"
)

// Variant is one #EXT-X-STREAM-INF entry of a master playlist.
type Variant struct {
	// URI is the variant's media playlist, relative to the master.
	URI string
	// Bandwidth is BANDWIDTH, the measured peak bit rate in bits/s.
	Bandwidth int64
	// AverageBandwidth is AVERAGE-BANDWIDTH in bits/s; omitted when zero.
	AverageBandwidth int64
	// Codecs is CODECS, RFC 6381 codec strings joined by commas.
	Codecs string
	// Width and Height are RESOLUTION.
	Width, Height int
	// FrameRate is FRAME-RATE; omitted when zero.
	FrameRate float64
}

// WriteMaster writes an HLS master playlist listing variants by ascending
// bandwidth (the first, lowest, is the safe start for an unknown network;
// the edge reorders per device). Every URI must be relative.
func WriteMaster(w io.Writer, variants []Variant) error {
	if len(variants) == 0 {
		return fmt.Errorf("%w: master playlist without variants", ErrInvalidConfig)
	}
	vs := append([]Variant(nil), variants...)
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Bandwidth < vs[j].Bandwidth })
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, v := range vs {
		if !IsRelativeMediaURI(v.URI) {
			return fmt.Errorf("%w: variant URI %q is not relative", ErrInvalidConfig, v.URI)
		}
		if v.Bandwidth <= 0 || v.Codecs == "" || v.Width <= 0 || v.Height <= 0 {
			return fmt.Errorf("%w: variant %q lacks bandwidth, codecs or resolution", ErrInvalidConfig, v.URI)
		}
		for _, c := range v.Codecs {
			if c == '"' || c == '\n' || c == '\r' {
				return fmt.Errorf("%w: codecs %q", ErrInvalidConfig, v.Codecs)
			}
		}
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d", v.Bandwidth)
		if v.AverageBandwidth > 0 {
			fmt.Fprintf(&b, ",AVERAGE-BANDWIDTH=%d", v.AverageBandwidth)
		}
		fmt.Fprintf(&b, ",CODECS=\"%s\",RESOLUTION=%dx%d", v.Codecs, v.Width, v.Height)
		if v.FrameRate > 0 {
			fmt.Fprintf(&b, ",FRAME-RATE=%.3f", v.FrameRate)
		}
		fmt.Fprintf(&b, "\n%s\n", v.URI)
	}
	_, err := w.Write(b.Bytes())
	return err
}
