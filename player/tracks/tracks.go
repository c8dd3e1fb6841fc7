// Package tracks decides what the player fetches from a master playlist:
// which variants this browser can decode (by asking MediaSource about
// their CODECS), whether a variant's audio is muxed into it or comes from
// an EXT-X-MEDIA AUDIO rendition (demuxed), and which audio and subtitle
// renditions to select for the viewer's languages.
//
// It is plain Go with table tests; player/app supplies the browser's
// isTypeSupported and languages.
package tracks

import (
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/player/device"
	"github.com/edgeflix/edgeflix/player/hls"
)

// DefaultCodecs are assumed for a variant without CODECS.
var DefaultCodecs = []string{"avc1.42e01e", "mp4a.40.2"}

// DefaultAudioCodec is assumed for an audio rendition whose variant's
// CODECS names no audio codec.
const DefaultAudioCodec = "mp4a.40.2"

// IsAudioCodec reports whether an RFC 6381 codec string names an audio
// codec (AAC, AC-3, E-AC-3, Opus, FLAC, MP3).
func IsAudioCodec(c string) bool {
	c = strings.ToLower(strings.TrimSpace(c))
	for _, p := range []string{"mp4a", "ac-3", "ec-3", "opus", "flac", "mp3", "ac-4", "alac"} {
		if c == p || strings.HasPrefix(c, p+".") {
			return true
		}
	}
	return false
}

// Split separates codecs into video and audio codec strings, keeping
// their order.
func Split(codecs []string) (video, audio []string) {
	for _, c := range codecs {
		if IsAudioCodec(c) {
			audio = append(audio, c)
		} else {
			video = append(video, c)
		}
	}
	return video, audio
}

// Family is the family of a codec string from a playlist's CODECS
// (spaces around it ignored): contract.FamilyName, so aliases collapse
// (hev1 is hvc1) as everywhere else in edgeflix.
func Family(c string) string {
	return contract.FamilyName(strings.TrimSpace(c))
}

// Track is one EXT-X-MEDIA rendition of type AUDIO or SUBTITLES.
type Track struct {
	// Index is the rendition's position in Master.Renditions.
	Index int
	// Type is AUDIO or SUBTITLES.
	Type string
	// GroupID, Name, Language, URI, Default, Autoselect, Forced and
	// Channels are the rendition's attributes.
	GroupID, Name, Language, URI string
	Default, Autoselect, Forced  bool
	Channels                     string
}

// Group returns the renditions of type typ (AUDIO or SUBTITLES) in group,
// in playlist order. An empty group gives nil.
func Group(m *hls.Master, typ, group string) []Track {
	if m == nil || group == "" {
		return nil
	}
	var out []Track
	for i, r := range m.Renditions {
		if r.Type != typ || r.GroupID != group {
			continue
		}
		out = append(out, Track{
			Index: i, Type: r.Type, GroupID: r.GroupID, Name: r.Name, Language: r.Language, URI: r.URI,
			Default: r.Default, Autoselect: r.Autoselect, Forced: r.Forced, Channels: r.Channels,
		})
	}
	return out
}

// Playable is a variant the browser can decode, with the MIME types of
// the SourceBuffers it needs.
type Playable struct {
	// Index is the variant's position in Master.Variants.
	Index int
	// Variant is the variant itself.
	Variant hls.Variant
	// VideoMIME is the MIME type of the main SourceBuffer: video and, for
	// a muxed variant, audio codecs.
	VideoMIME string
	// AudioMIME is the MIME type of the audio SourceBuffer of a demuxed
	// variant, empty for a muxed one.
	AudioMIME string
	// Demuxed is set when the variant's audio comes from EXT-X-MEDIA AUDIO
	// renditions with their own URI.
	Demuxed bool
}

// Demuxed reports whether v takes its audio from separate renditions: it
// names an AUDIO group in which at least one rendition has a URI.
func Demuxed(m *hls.Master, v hls.Variant) bool {
	for _, t := range Group(m, "AUDIO", v.Audio) {
		if t.URI != "" {
			return true
		}
	}
	return false
}

// PlayableVariants returns the variants whose codecs supported accepts,
// in playlist order. supported answers MediaSource.isTypeSupported for a
// MIME type such as `video/mp4; codecs="av01.0.04M.08"`. All returned
// variants share the first playable variant's audio group and muxing, so
// that switching between them never changes the audio track.
func PlayableVariants(m *hls.Master, supported func(mime string) bool) []Playable {
	if m == nil {
		return nil
	}
	var out []Playable
	for i, v := range m.Variants {
		codecs := v.Codecs
		if len(codecs) == 0 {
			codecs = DefaultCodecs
		}
		p := Playable{Index: i, Variant: v, Demuxed: Demuxed(m, v)}
		if p.Demuxed {
			video, audio := Split(codecs)
			if len(video) == 0 {
				continue // audio-only variants are not played
			}
			if len(audio) == 0 {
				audio = []string{DefaultAudioCodec}
			}
			p.VideoMIME = device.MIME("video", video)
			p.AudioMIME = device.MIME("audio", audio)
			if !supported(p.VideoMIME) || !supported(p.AudioMIME) {
				continue
			}
		} else {
			p.VideoMIME = device.MIME("video", codecs)
			if !supported(p.VideoMIME) {
				continue
			}
		}
		if len(out) > 0 && (out[0].Demuxed != p.Demuxed || out[0].Variant.Audio != v.Audio) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// primary returns a language tag's primary subtag, lower-cased.
func primary(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		return tag[:i]
	}
	return tag
}

// matchLanguage returns the index of the first track, in preference
// order of prefs, whose language matches a preference exactly or by
// primary subtag; -1 if none.
func matchLanguage(ts []Track, prefs []string) int {
	for _, p := range prefs {
		if p == "" {
			continue
		}
		for i, t := range ts {
			if strings.EqualFold(t.Language, p) {
				return i
			}
		}
		for i, t := range ts {
			if t.Language != "" && primary(t.Language) == primary(p) {
				return i
			}
		}
	}
	return -1
}

// PickAudio chooses the audio track for a viewer who prefers the
// languages prefs (a stored choice first, then navigator.languages): the
// first language match, else the DEFAULT=YES track, else the first. It
// returns -1 for no tracks.
func PickAudio(ts []Track, prefs []string) int {
	if len(ts) == 0 {
		return -1
	}
	if i := matchLanguage(ts, prefs); i >= 0 {
		return i
	}
	for i, t := range ts {
		if t.Default {
			return i
		}
	}
	return 0
}

// Off is the subtitle choice that shows none.
const Off = "off"

// PickSubtitle chooses the subtitle track. pref is the viewer's stored
// choice: a language, Off, or empty for none made. A language picks its
// track; otherwise a FORCED track in the audio language is shown (forced
// narrative subtitles), and with no stored choice a DEFAULT=YES,
// AUTOSELECT=YES track is shown. It returns -1 for subtitles off.
func PickSubtitle(ts []Track, pref, audioLanguage string) int {
	if pref != "" && pref != Off {
		if i := matchLanguage(ts, []string{pref}); i >= 0 {
			return i
		}
	}
	for i, t := range ts {
		if t.Forced && audioLanguage != "" && primary(t.Language) == primary(audioLanguage) {
			return i
		}
	}
	if pref == "" {
		for i, t := range ts {
			if t.Default && t.Autoselect && !t.Forced {
				return i
			}
		}
	}
	return -1
}

// Label is a track's menu label: its NAME, else its language, else
// "Track n" (n from 1).
func Label(t Track, n int) string {
	switch {
	case t.Name != "":
		return t.Name
	case t.Language != "":
		return t.Language
	}
	return "Track " + itoa(n+1)
}

func itoa(n int) string { return strconv.Itoa(n) }
