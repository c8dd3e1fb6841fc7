package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors for alternate audio and subtitle inputs.
var (
	// ErrBadSubtitles means a subtitle file is missing or not valid WebVTT.
	ErrBadSubtitles = errors.New("ingest: bad subtitles")
	// ErrBadAudio means an alternate audio input is missing or has no audio.
	ErrBadAudio = errors.New("ingest: bad audio track")
)

// langRE bounds language tags: a BCP 47 primary tag and optional subtags.
var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$`)

// ValidLang reports whether lang is a usable language tag such as "en" or
// "pt-BR" (it also names a folder, so it is restricted to [A-Za-z0-9-]).
func ValidLang(lang string) bool { return len(lang) <= 16 && langRE.MatchString(lang) }

// languageNames are display names for common language tags.
var languageNames = map[string]string{
	"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "it": "Italiano",
	"pt": "Português", "nl": "Nederlands", "sv": "Svenska", "ja": "日本語", "ko": "한국어",
	"zh": "中文", "hi": "हिन्दी", "ar": "العربية", "ru": "Русский", "pl": "Polski", "tr": "Türkçe",
}

// LanguageName returns a display name for lang: its own name for common
// languages, else the tag itself.
func LanguageName(lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	if n, ok := languageNames[strings.ToLower(base)]; ok {
		return n
	}
	return lang
}

// Cue is one WebVTT cue's timing.
type Cue struct {
	// Start and End are in seconds.
	Start, End float64
}

// vttTimeRE matches a WebVTT timestamp: [hh:]mm:ss.ttt.
var vttTimeRE = regexp.MustCompile(`^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$`)

// parseVTTTime parses a WebVTT timestamp into seconds.
func parseVTTTime(s string) (float64, bool) {
	m := vttTimeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h := 0
	if m[1] != "" {
		var err error
		if h, err = strconv.Atoi(m[1]); err != nil || h > 1_000_000 {
			return 0, false
		}
	}
	mi, _ := strconv.Atoi(m[2])
	se, _ := strconv.Atoi(m[3])
	ms, _ := strconv.Atoi(m[4])
	return float64(h*3600+mi*60+se) + float64(ms)/1000, true
}

// ParseWebVTT checks a WebVTT file (the "WEBVTT" signature, a blank line
// after the header, cue timing lines "start --> end" with end after start)
// and returns its cues. Cue text and settings are not interpreted.
func ParseWebVTT(data []byte) ([]Cue, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrBadSubtitles)
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	if first := lines[0]; first != "WEBVTT" && !strings.HasPrefix(first, "WEBVTT ") && !strings.HasPrefix(first, "WEBVTT\t") {
		return nil, fmt.Errorf("%w: missing WEBVTT signature", ErrBadSubtitles)
	}
	var cues []Cue
	i := 1
	for i < len(lines) && lines[i] != "" { // header lines
		if strings.Contains(lines[i], "-->") {
			return nil, fmt.Errorf("%w: line %d: cue without a blank line after the header", ErrBadSubtitles, i+1)
		}
		i++
	}
	for i < len(lines) {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		// A block: NOTE/STYLE/REGION, or a cue with an optional identifier.
		block := i
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			i++
		}
		head := lines[block]
		if strings.HasPrefix(head, "NOTE") || strings.HasPrefix(head, "STYLE") || strings.HasPrefix(head, "REGION") {
			continue
		}
		timing := head
		if !strings.Contains(head, "-->") {
			if block+1 >= i {
				return nil, fmt.Errorf("%w: line %d: cue %q has no timing line", ErrBadSubtitles, block+1, head)
			}
			timing = lines[block+1]
			block++
		}
		start, rest, ok := strings.Cut(timing, "-->")
		if !ok {
			return nil, fmt.Errorf("%w: line %d: bad timing %q", ErrBadSubtitles, block+1, timing)
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("%w: line %d: bad timing %q", ErrBadSubtitles, block+1, timing)
		}
		s, ok1 := parseVTTTime(strings.TrimSpace(start))
		e, ok2 := parseVTTTime(fields[0])
		if !ok1 || !ok2 || e <= s {
			return nil, fmt.Errorf("%w: line %d: bad timing %q", ErrBadSubtitles, block+1, timing)
		}
		cues = append(cues, Cue{Start: s, End: e})
	}
	return cues, nil
}

// checkedSubtitle is a subtitle input with its validated bytes.
type checkedSubtitle struct {
	SubtitleInput
	data []byte
}

// CheckSubtitles validates subtitle inputs: known language tags, no
// language twice, files present and valid WebVTT.
func CheckSubtitles(subs []SubtitleInput) ([]checkedSubtitle, error) {
	seen := map[string]bool{}
	var out []checkedSubtitle
	for _, s := range subs {
		if !ValidLang(s.Lang) {
			return nil, fmt.Errorf("%w: language %q", ErrBadSubtitles, s.Lang)
		}
		if seen[s.Lang] {
			return nil, fmt.Errorf("%w: language %q given twice", ErrBadSubtitles, s.Lang)
		}
		seen[s.Lang] = true
		b, err := os.ReadFile(s.Path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadSubtitles, s.Lang, err)
		}
		if _, err := ParseWebVTT(b); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Path, err)
		}
		if s.Name == "" {
			s.Name = LanguageName(s.Lang)
		}
		out = append(out, checkedSubtitle{SubtitleInput: s, data: b})
	}
	return out, nil
}

// CheckAudio validates alternate audio inputs: language tags distinct
// (from each other and from the source's own audio language), files
// present with an audio stream.
func CheckAudio(ctx context.Context, audio []AudioInput, sourceLang string) error {
	seen := map[string]bool{sourceLang: true}
	for _, a := range audio {
		if !ValidLang(a.Lang) {
			return fmt.Errorf("%w: language %q", ErrBadAudio, a.Lang)
		}
		if seen[a.Lang] {
			return fmt.Errorf("%w: language %q given twice (the source's audio is %q)", ErrBadAudio, a.Lang, sourceLang)
		}
		seen[a.Lang] = true
		var args []string
		switch {
		case a.Path != "":
			fi, err := os.Stat(a.Path)
			if err != nil {
				return fmt.Errorf("%w: %s: %w", ErrBadAudio, a.Lang, err)
			}
			if !fi.Mode().IsRegular() || fi.Size() == 0 {
				return fmt.Errorf("%w: %s: %s is empty or not a file", ErrBadAudio, a.Lang, a.Path)
			}
			args = []string{a.Path}
		case a.Lavfi != "":
			args = []string{"-f", "lavfi", "-i", a.Lavfi}
		default:
			return fmt.Errorf("%w: %s: no file", ErrBadAudio, a.Lang)
		}
		out, err := runFFprobe(ctx, args...)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadAudio, a.Lang, err)
		}
		ok := false
		for _, s := range out.Streams {
			ok = ok || (s.CodecType == "audio" && s.CodecName != "" && s.CodecName != "none")
		}
		if !ok {
			return fmt.Errorf("%w: %s: no audio stream", ErrBadAudio, a.Lang)
		}
	}
	return nil
}

// writeSubtitleTrack writes a validated WebVTT file as a single-file
// subtitle media playlist under subs/<lang>/.
func writeSubtitleTrack(outDir string, s checkedSubtitle, durationMS int64) (EncodedTrack, error) {
	rel := "subs/" + s.Lang
	dir := filepath.Join(outDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return EncodedTrack{}, fmt.Errorf("ingest: subtitles: %w", err)
	}
	data := bytes.TrimPrefix(s.data, []byte("\xEF\xBB\xBF"))
	if err := os.WriteFile(filepath.Join(dir, "subs.vtt"), data, 0o644); err != nil {
		return EncodedTrack{}, fmt.Errorf("ingest: subtitles: %w", err)
	}
	d := float64(durationMS) / 1000
	pl := fmt.Sprintf("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n"+
		"#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:%.3f,\nsubs.vtt\n#EXT-X-ENDLIST\n", int64(d+0.999), d)
	if err := os.WriteFile(filepath.Join(dir, "index.m3u8"), []byte(pl), 0o644); err != nil {
		return EncodedTrack{}, fmt.Errorf("ingest: subtitles: %w", err)
	}
	return EncodedTrack{Lang: s.Lang, Name: s.Name, Dir: rel, Codecs: "wvtt", Segments: []string{"subs.vtt"}}, nil
}
