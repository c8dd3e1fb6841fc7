//go:build js && wasm

package main

import (
	"errors"
	"math"
	"strconv"
	"syscall/js"
	"time"

	"github.com/edgeflix/edgeflix/player/renew"
	"github.com/edgeflix/edgeflix/player/resume"
	"github.com/edgeflix/edgeflix/player/tracks"
	"github.com/edgeflix/edgeflix/player/uri"
	"github.com/edgeflix/edgeflix/player/vtt"
)

// Local storage keys for the viewer's track choices.
const (
	keyAudioLang    = "edgeflix.audioLang"
	keySubtitleLang = "edgeflix.subtitleLang"
)

// nowPlaying is the running playback session.
type nowPlaying struct {
	session playbackSession
	title   title
	episode *episode
	// stop ends the heartbeat; closed once.
	stop chan struct{}
	// obs reports the session's QoE (observe.go).
	obs *observer
}

func (a *app) bindPlayer() {
	on(byID("back"), "click", false, func(js.Value) { a.back() })
	on(byID("audio-menu"), "change", false, func(js.Value) {
		i, _ := strconv.Atoi(byID("audio-menu").Get("value").String())
		if e := a.currentEngine(); e != nil {
			if err := e.SetAudio(i); err != nil {
				setStatus("Could not switch audio: "+err.Error(), true)
				return
			}
			if i >= 0 && i < len(e.audioTracks) {
				localSet(keyAudioLang, e.audioTracks[i].Language)
			}
		}
	})
	on(byID("subtitle-menu"), "change", false, func(js.Value) {
		i, _ := strconv.Atoi(byID("subtitle-menu").Get("value").String())
		if e := a.currentEngine(); e != nil {
			if err := e.SetSubtitle(i); err != nil {
				setStatus("Could not switch subtitles: "+err.Error(), true)
				return
			}
			if i >= 0 && i < len(e.subTracks) {
				localSet(keySubtitleLang, e.subTracks[i].Language)
			} else {
				localSet(keySubtitleLang, tracks.Off)
			}
		}
	})
	on(byID("next-episode-play"), "click", false, func(js.Value) { a.playNextEpisode() })
	scrub := byID("scrub")
	on(scrub, "input", false, func(js.Value) {
		scrub.Get("dataset").Set("dragging", "1")
		a.preview(scrub.Get("valueAsNumber").Float(), -1)
	})
	on(scrub, "change", false, func(js.Value) {
		scrub.Get("dataset").Set("dragging", "")
		byID("player").Set("currentTime", scrub.Get("valueAsNumber").Float())
		byID("thumb-preview").Set("hidden", true)
	})
	on(scrub, "mousemove", false, func(ev js.Value) {
		w := scrub.Get("clientWidth").Float()
		max := scrub.Get("max").String()
		d, _ := strconv.ParseFloat(max, 64)
		if w <= 0 || d <= 0 {
			return
		}
		x := ev.Get("offsetX").Float()
		a.preview(d*x/w, x)
	})
	on(scrub, "mouseleave", false, func(js.Value) {
		if scrub.Get("dataset").Get("dragging").String() != "1" {
			byID("thumb-preview").Set("hidden", true)
		}
	})
	// Leaving the page ends the session and saves the position.
	global.Call("addEventListener", "pagehide", js.FuncOf(func(js.Value, []js.Value) any {
		a.mu.Lock()
		p := a.playing
		a.mu.Unlock()
		if p != nil {
			go a.endSession(p, byID("player").Get("currentTime").Float(), true)
		}
		return nil
	}))
}

func (a *app) currentEngine() *Engine {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.engine
}

// preview shows the scrub thumbnail for time t at x pixels (x < 0: at the
// range's value).
func (a *app) preview(t float64, x float64) {
	box := byID("thumb-preview")
	e := a.currentEngine()
	if e == nil {
		box.Set("hidden", true)
		return
	}
	img, th, ok := e.Thumbnail(t)
	if !ok {
		box.Set("hidden", true)
		return
	}
	scrub := byID("scrub")
	if x < 0 {
		d, _ := strconv.ParseFloat(scrub.Get("max").String(), 64)
		if d > 0 {
			x = scrub.Get("clientWidth").Float() * t / d
		}
	}
	showThumb(byID("thumb-image"), img, th)
	byID("thumb-time").Set("textContent", clock(t))
	box.Get("style").Set("left", fixed(math.Max(0, x-float64(th.W)/2), 0)+"px")
	box.Set("hidden", false)
}

// showThumb paints thumbnail th of image img into div.
func showThumb(div js.Value, img string, th vtt.Thumbnail) {
	s := div.Get("style")
	s.Set("backgroundImage", "url("+cssURL(img)+")")
	if th.W > 0 {
		s.Set("width", strconv.Itoa(th.W)+"px")
		s.Set("height", strconv.Itoa(th.H)+"px")
		s.Set("backgroundPosition", "-"+strconv.Itoa(th.X)+"px -"+strconv.Itoa(th.Y)+"px")
		s.Set("backgroundSize", "auto")
	} else {
		s.Set("width", "160px")
		s.Set("height", "90px")
		s.Set("backgroundPosition", "0 0")
		s.Set("backgroundSize", "cover")
	}
}

func clock(t float64) string {
	s := int(t)
	if s >= 3600 {
		return strconv.Itoa(s/3600) + ":" + pad2(s/60%60) + ":" + pad2(s%60)
	}
	return strconv.Itoa(s/60) + ":" + pad2(s%60)
}

// playSummary plays a title from a card, the hero or the detail page:
// a movie from its saved position, a series from the episode in progress
// or its first episode.
func (a *app) playSummary(t title) {
	var pos, dur float64
	epID := ""
	if p := t.Progress; p != nil {
		pos, dur, epID = p.PositionS, p.DurationS, p.EpisodeID
	}
	if t.Kind == "series" {
		if len(t.Seasons) == 0 { // a summary: fetch the episodes
			if status, body, err := a.auth.api("GET", withProfile("/v1/titles/"+uri.PathEscape(t.ID)), nil); err == nil && status == 200 {
				var d title
				if jsonUnmarshal(body, &d) == nil && d.ID == t.ID {
					if d.Progress == nil {
						d.Progress = t.Progress
					}
					t = d
				}
			}
		}
		if ep, ok := findEpisode(t, epID); ok {
			if (resume.Rules{}).Finished(pos, dur) {
				if next, ok := nextEpisode(t, ep.ID); ok {
					a.playEpisode(t, next, 0)
					return
				}
			}
			a.playEpisode(t, ep, (resume.Rules{}).Start(pos, dur))
			return
		}
		if ep, ok := firstEpisode(t); ok {
			a.playEpisode(t, ep, 0)
			return
		}
	}
	a.playTitle(t, nil, (resume.Rules{}).Start(pos, dur))
}

func (a *app) playEpisode(t title, ep episode, startAt float64) {
	a.playTitle(t, &ep, startAt)
}

// playTitle starts a playback session (POST /v1/playback) and plays it.
func (a *app) playTitle(t title, ep *episode, startAt float64) {
	name := t.Title
	if ep != nil {
		name += " · " + ep.label()
	}
	asked := time.Now() // observe: video startup time starts here
	setStatus("Starting "+name+"…", false)
	c := caps()
	req := map[string]any{"title_id": t.ID, "device": map[string]any{
		"class": c.Class, "max_height": c.MaxHeight, "codecs": c.Codecs, "hdr": c.HDR,
	}}
	if ep != nil {
		req["episode_id"] = ep.ID
	}
	if id := profileParam(); id != "" {
		req["profile_id"] = id
	}
	status, body, err := a.auth.api("POST", "/v1/playback", req)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status != 201 && status != 200 {
		setStatus("Cannot play "+name+": "+problemOr(body, status), true)
		return
	}
	var s playbackSession
	if err := jsonUnmarshal(body, &s); err != nil || s.ManifestURL == "" {
		setStatus("Cannot play "+name+": bad playback answer", true)
		return
	}
	prefs := []string{}
	if l := localGet(keyAudioLang); l != "" {
		prefs = append(prefs, l)
	}
	langs := global.Get("navigator").Get("languages")
	for i := 0; langs.Truthy() && i < langs.Length(); i++ {
		prefs = append(prefs, langs.Index(i).String())
	}
	opt := EngineOptions{Autoplay: true, StartAt: startAt, Languages: prefs, Subtitle: localGet(keySubtitleLang)}
	obs := startObserving(a, s, t.ID, asked) // observe: CMCD and QoE of this session
	p := &nowPlaying{session: s, title: t, episode: ep, stop: make(chan struct{}), obs: obs}
	if !a.playURL(s.ManifestURL, name, opt) {
		obs.failed(errors.New("the player could not start"))
		a.endSession(p, 0, false)
		return
	}
	obs.attach(a.currentEngine(), byID("player"), p.stop)
	a.mu.Lock()
	a.playing = p
	a.mu.Unlock()
	go a.heartbeat(p)
}

// playURL shows the player and plays a master playlist; it reports
// whether playback started.
func (a *app) playURL(masterURL, name string, opt EngineOptions) bool {
	a.leavePlayback()
	a.show("view-player", true)
	byID("now-playing").Set("textContent", name)
	byID("next-episode").Set("hidden", true)
	video := byID("player")
	opt.MaxHeight = int(caps().MaxHeight)
	e, err := NewEngine(video, masterURL, opt)
	if err != nil {
		setStatus("Cannot play: "+err.Error(), true)
		return false
	}
	a.mu.Lock()
	a.engine = e
	a.mu.Unlock()
	e.Start()
	a.fillMenus(e)
	setStatus("", false)
	go a.watch(e)
	video.Call("focus")
	return true
}

// fillMenus lists the engine's audio and subtitle tracks in the menus.
func (a *app) fillMenus(e *Engine) {
	am := byID("audio-menu")
	am.Set("textContent", "")
	for i, t := range e.audioTracks {
		o := el("option", "", tracks.Label(t, i))
		o.Set("value", strconv.Itoa(i))
		o.Set("selected", i == e.audioSel)
		o.Get("dataset").Set("language", t.Language)
		am.Call("appendChild", o)
	}
	am.Set("disabled", len(e.audioTracks) < 2)
	sm := byID("subtitle-menu")
	sm.Set("textContent", "")
	off := el("option", "", "Off")
	off.Set("value", "-1")
	sm.Call("appendChild", off)
	for i, t := range e.subTracks {
		o := el("option", "", tracks.Label(t, i))
		o.Set("value", strconv.Itoa(i))
		o.Set("selected", i == e.subSel)
		o.Get("dataset").Set("language", t.Language)
		sm.Call("appendChild", o)
	}
	sm.Set("disabled", len(e.subTracks) == 0)
}

// watch refreshes the stats line, the scrub bar and the next-episode
// prompt while e runs.
func (a *app) watch(e *Engine) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	video, scrub := byID("player"), byID("scrub")
	for {
		select {
		case <-e.Stopped():
			return
		case <-t.C:
		}
		byID("player-stats").Set("textContent", e.stats())
		if e.state == "error" && len(e.errs) > 0 {
			setStatus("Playback failed: "+e.errs[len(e.errs)-1], true)
			return
		}
		pos, dur := video.Get("currentTime").Float(), video.Get("duration").Float()
		if dur > 0 && !math.IsInf(dur, 0) && !math.IsNaN(dur) {
			scrub.Set("max", strconv.FormatFloat(dur, 'f', 1, 64))
			if scrub.Get("dataset").Get("dragging").String() != "1" {
				scrub.Set("value", strconv.FormatFloat(pos, 'f', 1, 64))
			}
		}
		a.mu.Lock()
		p := a.playing
		a.mu.Unlock()
		if p == nil || p.episode == nil {
			continue
		}
		next, ok := nextEpisode(p.title, p.episode.ID)
		prompt := byID("next-episode")
		if (resume.Rules{}).OfferNext(pos, dur, ok) {
			if prompt.Get("hidden").Bool() {
				byID("next-episode-name").Set("textContent", "Up next: "+next.label())
				prompt.Set("hidden", false)
				byID("next-episode-play").Call("focus")
			}
		} else {
			prompt.Set("hidden", true)
		}
	}
}

func (a *app) playNextEpisode() {
	a.mu.Lock()
	p := a.playing
	a.mu.Unlock()
	if p == nil || p.episode == nil {
		return
	}
	if next, ok := nextEpisode(p.title, p.episode.ID); ok {
		a.playEpisode(p.title, next, 0)
	}
}

// heartbeat renews the session's stream lease every heartbeat interval
// with its position; each answer carries a renewed playback token, which
// the engine uses for every later fetch (the old one stays valid until its
// exp, so nothing in flight fails). A failed heartbeat (network, 429, 5xx)
// is retried soon (renew.RetryDelay), well within the token's lifetime.
// 409 means the lease is gone (too many screens, or the device was signed
// out): playback stops with a message. An origin without the endpoint
// (404) ends the heartbeat quietly.
func (a *app) heartbeat(p *nowPlaying) {
	s := p.session
	if s.SessionID == "" || s.HeartbeatIntervalS <= 0 {
		return
	}
	interval := time.Duration(s.HeartbeatIntervalS) * time.Second
	wait, failures := interval, 0
	for {
		select {
		case <-p.stop:
			return
		case <-time.After(wait):
		}
		pos := byID("player").Get("currentTime").Float()
		status, body, err := a.auth.api("POST", "/v1/playback/"+uri.PathEscape(s.SessionID)+"/heartbeat",
			map[string]any{"position_s": seconds(pos)})
		switch {
		case err != nil || status == 429 || status >= 500:
			failures++
			wait = renew.RetryDelay(failures, interval)
			continue
		case missing(status):
			return
		case status == 409:
			a.mu.Lock()
			current := a.playing == p
			a.mu.Unlock()
			if current {
				a.stopEngine()
				a.mu.Lock()
				a.playing = nil
				a.mu.Unlock()
				setStatus("Playback stopped: too many screens are playing on this account, or this device was signed out.", true)
			}
			return
		case status == 200:
			failures = 0
			r, err := jsonObject(body)
			if err != nil {
				break
			}
			if n := r.Get("heartbeat_interval_s").Int(); n > 0 {
				interval = time.Duration(n) * time.Second
			}
			a.mu.Lock()
			e := a.engine
			current := a.playing == p
			a.mu.Unlock()
			if m := r.Get("manifest_url").Str(); current && e != nil && m != "" {
				e.Renew(m)
			}
		}
		wait = interval
	}
}

// leavePlayback stops the player and ends the session, saving the
// position (DELETE /v1/playback/{sid}).
func (a *app) leavePlayback() {
	a.mu.Lock()
	p := a.playing
	a.playing = nil
	a.mu.Unlock()
	pos := byID("player").Get("currentTime").Float()
	a.stopEngine()
	if p != nil {
		a.endSession(p, pos, false)
	}
}

func (a *app) stopEngine() {
	a.mu.Lock()
	e := a.engine
	a.engine = nil
	a.mu.Unlock()
	if e != nil {
		e.Stop()
	}
	byID("player").Call("pause")
	byID("thumb-preview").Set("hidden", true)
	byID("next-episode").Set("hidden", true)
}

// endSession stops p's heartbeat and tells the origin where the viewer
// stopped; keepalive lets the request outlive the page.
func (a *app) endSession(p *nowPlaying, pos float64, keepalive bool) {
	select {
	case <-p.stop:
		return
	default:
		close(p.stop)
	}
	if p.session.SessionID == "" {
		return
	}
	if p.obs != nil {
		p.obs.finish(keepalive) // observe: the final QoE report, before the lease ends
	}
	if keepalive {
		t, ok := a.auth.tokens()
		if !ok {
			return
		}
		body, _ := jsonMarshal(map[string]any{"position_s": seconds(pos)})
		_, _ = doFetch(request{method: "DELETE", url: a.auth.origin + "/v1/playback/" + uri.PathEscape(p.session.SessionID),
			headers: map[string]string{"Authorization": "Bearer " + t.Access, "Content-Type": "application/json"}, body: body, keepalive: true})
		return
	}
	_, _, _ = a.auth.api("DELETE", "/v1/playback/"+uri.PathEscape(p.session.SessionID), map[string]any{"position_s": seconds(pos)})
}

// seconds is a position as the API takes it: whole seconds, 0 for
// anything that is not a finite non-negative number.
func seconds(pos float64) int {
	if math.IsNaN(pos) || math.IsInf(pos, 0) || pos < 0 {
		return 0
	}
	return int(pos)
}

// localGet and localSet wrap window.localStorage.
func localGet(key string) string {
	v := global.Get("localStorage").Call("getItem", key)
	if v.IsNull() {
		return ""
	}
	return v.String()
}

func localSet(key, value string) { global.Get("localStorage").Call("setItem", key, value) }
