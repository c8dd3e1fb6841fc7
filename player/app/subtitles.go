//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/vtt"
)

// subtitleLookahead is how far ahead of the playhead subtitle segments
// are fetched.
const subtitleLookahead = 120.0

// SetSubtitle shows subtitle track i, or none for i < 0.
func (e *Engine) SetSubtitle(i int) error {
	if i >= len(e.subTracks) {
		return errors.New("no subtitle track " + strconv.Itoa(i))
	}
	ok := e.do(func() {
		if e.subStop != nil {
			close(e.subStop)
			e.subStop = nil
		}
		for _, tt := range e.textTracks {
			tt.Set("mode", "disabled")
		}
		e.subSel = -1
		if i >= 0 {
			e.startSubtitles(i)
		}
		e.publish()
	})
	if !ok {
		return errors.New("player stopped")
	}
	return nil
}

// startSubtitles makes (or re-shows) the TextTrack for subtitle track i
// and starts filling it with cues from the rendition's WebVTT segments.
func (e *Engine) startSubtitles(i int) {
	t := e.subTracks[i]
	e.subSel = i
	tt, ok := e.textTracks[i]
	if !ok {
		tt = e.video.Call("addTextTrack", "subtitles", t.Name, t.Language)
		e.textTracks[i] = tt
	}
	tt.Set("mode", "showing")
	if ok {
		return // cues already loaded or loading
	}
	stop := make(chan struct{})
	e.subStop = stop
	go e.loadSubtitles(i, tt, stop)
}

// loadSubtitles fetches the rendition's playlist and its segments in
// order, a lookahead window ahead of the playhead, adding their cues to
// tt. A segment that fails is skipped after a retry.
func (e *Engine) loadSubtitles(i int, tt js.Value, stop chan struct{}) {
	t := e.subTracks[i]
	u, err := resolve(e.base, t.URI)
	if err != nil {
		e.addError(errors.New("subtitles " + t.Language + ": " + err.Error()))
		return
	}
	p, err := fetchPlaylist(e.tokens.Fresh(u), t.URI)
	if err != nil {
		e.addError(errors.New("subtitles " + t.Language + ": " + err.Error()))
		return
	}
	cueClass := global.Get("VTTCue")
	for _, seg := range p.Segments {
		for seg.Start > e.currentTime()+subtitleLookahead {
			select {
			case <-stop:
				return
			case <-e.stop:
				return
			case <-after(1):
			}
		}
		select {
		case <-stop:
			return
		case <-e.stop:
			return
		default:
		}
		su, err := resolve(u, seg.URI)
		if err != nil {
			continue
		}
		status, body, err := fetchText(request{url: e.tokens.Fresh(su)})
		if err == nil && status != 200 {
			err = &httpError{Status: status}
		}
		if err != nil {
			e.addError(errors.New("subtitles " + t.Language + ": " + shortURL(su) + ": " + err.Error()))
			continue
		}
		f, err := vtt.Parse([]byte(body))
		if err != nil {
			e.addError(errors.New("subtitles " + t.Language + ": " + shortURL(su) + ": " + err.Error()))
			continue
		}
		offset := 0.0
		if f.Map != nil {
			offset = f.Map.Offset()
		}
		for _, c := range f.Cues {
			_ = try(func() {
				cue := cueClass.New(c.Start+offset, c.End+offset, c.Text)
				if c.ID != "" {
					cue.Set("id", c.ID)
				}
				tt.Call("addCue", cue)
			})
			e.subCues++
		}
		e.publish()
	}
}

// loadThumbnails fetches the scrub-preview thumbnail map beside the
// master playlist, if the asset has one.
func (e *Engine) loadThumbnails() {
	for _, name := range thumbFiles {
		u, err := resolve(e.base, name)
		if err != nil {
			return
		}
		status, body, err := fetchText(request{url: u})
		if err != nil || status != 200 {
			continue
		}
		thumbs, err := vtt.ParseThumbnails([]byte(body))
		if err != nil {
			e.addError(errors.New("thumbnails: " + err.Error()))
			return
		}
		e.thumbsMu.Lock()
		e.thumbs, e.thumbsBase = thumbs, u
		e.thumbsMu.Unlock()
		e.publish()
		return
	}
}

// Thumbnail returns the preview image URL and region for time t; ok is
// false when the asset has no thumbnail there.
func (e *Engine) Thumbnail(t float64) (img string, th vtt.Thumbnail, ok bool) {
	e.thumbsMu.Lock()
	thumbs, base := e.thumbs, e.thumbsBase
	e.thumbsMu.Unlock()
	i := vtt.At(thumbs, t)
	if i < 0 {
		return "", th, false
	}
	img, err := resolve(base, thumbs[i].URI)
	if err != nil {
		return "", th, false
	}
	return e.tokens.Fresh(img), thumbs[i], true
}
