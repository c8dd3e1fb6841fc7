package ingest

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Group ids of the master playlist's alternate renditions.
const (
	// AudioGroup is the GROUP-ID of demuxed AAC audio renditions.
	AudioGroup = "aac"
	// SubtitleGroup is the GROUP-ID of WebVTT subtitle renditions.
	SubtitleGroup = "subs"
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
	// VideoRange is VIDEO-RANGE (SDR, PQ, HLG); omitted when empty.
	VideoRange string
	// Audio and Subtitles are the AUDIO and SUBTITLES group ids; omitted
	// when empty.
	Audio, Subtitles string
}

// IFrameVariant is one #EXT-X-I-FRAME-STREAM-INF entry.
type IFrameVariant struct {
	// URI is the I-frame playlist, relative to the master.
	URI string
	// Bandwidth and AverageBandwidth are the I-frame playlist's bit rates.
	Bandwidth, AverageBandwidth int64
	// Codecs is the video codec string.
	Codecs string
	// Width and Height are RESOLUTION.
	Width, Height int
	// VideoRange is VIDEO-RANGE; omitted when empty.
	VideoRange string
}

// Media is one #EXT-X-MEDIA entry (an audio or subtitle rendition).
type Media struct {
	// Type is AUDIO or SUBTITLES.
	Type string
	// GroupID, Language and Name are GROUP-ID, LANGUAGE and NAME.
	GroupID, Language, Name string
	// Default sets DEFAULT=YES; every entry is AUTOSELECT=YES.
	Default bool
	// Channels is CHANNELS for audio; omitted when empty.
	Channels string
	// URI is the rendition's media playlist, relative to the master.
	URI string
}

// Master is a whole master playlist.
type Master struct {
	// Media are the alternate renditions.
	Media []Media
	// Variants are the variant streams.
	Variants []Variant
	// IFrames are the I-frame playlists.
	IFrames []IFrameVariant
}

// BuildMaster describes the master playlist of an encoded asset.
func BuildMaster(e *Encoded) Master {
	var m Master
	for _, a := range e.Audio {
		m.Media = append(m.Media, Media{Type: "AUDIO", GroupID: AudioGroup, Language: a.Lang, Name: a.Name,
			Default: a.Default, Channels: "2", URI: a.Dir + "/index.m3u8"})
	}
	for _, s := range e.Subtitles {
		m.Media = append(m.Media, Media{Type: "SUBTITLES", GroupID: SubtitleGroup, Language: s.Lang, Name: s.Name,
			URI: s.Dir + "/index.m3u8"})
	}
	for _, r := range e.Renditions {
		v := Variant{URI: r.Name + "/index.m3u8", Bandwidth: r.Bandwidth, AverageBandwidth: r.AverageBandwidth,
			Codecs: r.Codecs, Width: r.Width, Height: r.Height, FrameRate: r.FrameRate, VideoRange: r.VideoRange}
		if len(e.Audio) > 0 {
			v.Audio = AudioGroup
		}
		if len(e.Subtitles) > 0 {
			v.Subtitles = SubtitleGroup
		}
		m.Variants = append(m.Variants, v)
		if r.IFrameBandwidth > 0 {
			video := r.VideoCodecs
			if video == "" {
				video, _, _ = strings.Cut(r.Codecs, ",")
			}
			m.IFrames = append(m.IFrames, IFrameVariant{URI: r.Name + "/iframes.m3u8", Bandwidth: r.IFrameBandwidth,
				AverageBandwidth: r.IFrameAverageBandwidth, Codecs: video, Width: r.Width, Height: r.Height, VideoRange: r.VideoRange})
		}
	}
	return m
}

// WriteMaster writes an HLS master playlist listing variants by ascending
// bandwidth (the first, lowest, is the safe start for an unknown network;
// the edge reorders per device). Every URI must be relative.
func WriteMaster(w io.Writer, variants []Variant) error {
	return Master{Variants: variants}.Write(w)
}

// safeAttr reports whether s can sit inside a quoted attribute.
func safeAttr(s string) bool { return !strings.ContainsAny(s, "\"\r\n") }

// Write writes the master playlist: alternate renditions, then variants
// by ascending bandwidth, then I-frame playlists by ascending bandwidth.
func (m Master) Write(w io.Writer) error {
	if len(m.Variants) == 0 {
		return fmt.Errorf("%w: master playlist without variants", ErrInvalidConfig)
	}
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	groups := map[string]bool{}
	for _, md := range m.Media {
		if md.Type != "AUDIO" && md.Type != "SUBTITLES" {
			return fmt.Errorf("%w: media type %q", ErrInvalidConfig, md.Type)
		}
		if !IsRelativeMediaURI(md.URI) || md.GroupID == "" || md.Name == "" ||
			!safeAttr(md.GroupID) || !safeAttr(md.Name) || !safeAttr(md.Language) || !safeAttr(md.Channels) {
			return fmt.Errorf("%w: media %+v", ErrInvalidConfig, md)
		}
		groups[md.Type+"/"+md.GroupID] = true
		def := "NO"
		if md.Default {
			def = "YES"
		}
		fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=%s,GROUP-ID=\"%s\"", md.Type, md.GroupID)
		if md.Language != "" {
			fmt.Fprintf(&b, ",LANGUAGE=\"%s\"", md.Language)
		}
		fmt.Fprintf(&b, ",NAME=\"%s\",DEFAULT=%s,AUTOSELECT=YES", md.Name, def)
		if md.Channels != "" {
			fmt.Fprintf(&b, ",CHANNELS=\"%s\"", md.Channels)
		}
		fmt.Fprintf(&b, ",URI=\"%s\"\n", md.URI)
	}
	vs := append([]Variant(nil), m.Variants...)
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Bandwidth < vs[j].Bandwidth })
	for _, v := range vs {
		if !IsRelativeMediaURI(v.URI) {
			return fmt.Errorf("%w: variant URI %q is not relative", ErrInvalidConfig, v.URI)
		}
		if v.Bandwidth <= 0 || v.Codecs == "" || v.Width <= 0 || v.Height <= 0 {
			return fmt.Errorf("%w: variant %q lacks bandwidth, codecs or resolution", ErrInvalidConfig, v.URI)
		}
		if !safeAttr(v.Codecs) || !safeAttr(v.VideoRange) || strings.Contains(v.VideoRange, ",") {
			return fmt.Errorf("%w: codecs %q", ErrInvalidConfig, v.Codecs)
		}
		if (v.Audio != "" && !groups["AUDIO/"+v.Audio]) || (v.Subtitles != "" && !groups["SUBTITLES/"+v.Subtitles]) {
			return fmt.Errorf("%w: variant %q names a missing group", ErrInvalidConfig, v.URI)
		}
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d", v.Bandwidth)
		if v.AverageBandwidth > 0 {
			fmt.Fprintf(&b, ",AVERAGE-BANDWIDTH=%d", v.AverageBandwidth)
		}
		fmt.Fprintf(&b, ",CODECS=\"%s\",RESOLUTION=%dx%d", v.Codecs, v.Width, v.Height)
		if v.FrameRate > 0 {
			fmt.Fprintf(&b, ",FRAME-RATE=%.3f", v.FrameRate)
		}
		if v.VideoRange != "" {
			fmt.Fprintf(&b, ",VIDEO-RANGE=%s", v.VideoRange)
		}
		if v.Audio != "" {
			fmt.Fprintf(&b, ",AUDIO=\"%s\"", v.Audio)
		}
		if v.Subtitles != "" {
			fmt.Fprintf(&b, ",SUBTITLES=\"%s\"", v.Subtitles)
		}
		fmt.Fprintf(&b, "\n%s\n", v.URI)
	}
	ifs := append([]IFrameVariant(nil), m.IFrames...)
	sort.SliceStable(ifs, func(i, j int) bool { return ifs[i].Bandwidth < ifs[j].Bandwidth })
	for _, v := range ifs {
		if !IsRelativeMediaURI(v.URI) || v.Bandwidth <= 0 || v.Codecs == "" || v.Width <= 0 || v.Height <= 0 ||
			!safeAttr(v.Codecs) || strings.ContainsAny(v.VideoRange, ",\"\r\n") {
			return fmt.Errorf("%w: I-frame variant %+v", ErrInvalidConfig, v)
		}
		fmt.Fprintf(&b, "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=%d", v.Bandwidth)
		if v.AverageBandwidth > 0 {
			fmt.Fprintf(&b, ",AVERAGE-BANDWIDTH=%d", v.AverageBandwidth)
		}
		fmt.Fprintf(&b, ",CODECS=\"%s\",RESOLUTION=%dx%d", v.Codecs, v.Width, v.Height)
		if v.VideoRange != "" {
			fmt.Fprintf(&b, ",VIDEO-RANGE=%s", v.VideoRange)
		}
		fmt.Fprintf(&b, ",URI=\"%s\"\n", v.URI)
	}
	_, err := w.Write(b.Bytes())
	return err
}
