//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	"github.com/edgeflix/edgeflix/player/device"
)

// title is one item of GET /v1/titles.
type title struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Synopsis  string `json:"synopsis"`
	Year      int    `json:"year"`
	Maturity  string `json:"maturity"`
	RuntimeS  int    `json:"runtime_s"`
	PosterURL string `json:"poster_url"`
}

type titlePage struct {
	Items []title `json:"items"`
	Next  *string `json:"next"`
}

// playbackSession is the answer of POST /v1/playback.
type playbackSession struct {
	SessionID          string `json:"session_id"`
	ManifestURL        string `json:"manifest_url"`
	ExpiresAt          string `json:"expires_at"`
	HeartbeatIntervalS int    `json:"heartbeat_interval_s"`
}

// app is the web app's state.
type app struct {
	auth *auth

	mu sync.Mutex // guards the fields below
	// engine is the running player, nil when none.
	engine *Engine
	// stopHeartbeat ends the running session's heartbeat, nil when none.
	stopHeartbeat chan struct{}
	next          string // cursor of the next title page
}

func (a *app) start() {
	video := byID("player")
	video.Set("muted", false)

	global.Set("edgeflixPlay", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeString {
			return "edgeflixPlay(url): url must be a string"
		}
		u := args[0].String()
		go a.playURL(u, u, true)
		return nil
	}))

	on(byID("signup-form"), "submit", true, func(js.Value) { a.signUp() })
	on(byID("signin"), "click", false, func(js.Value) {
		setStatus("Redirecting to sign in…", false)
		if err := a.auth.signIn(); err != nil {
			setStatus("Sign in failed: "+err.Error(), true)
		}
	})
	on(byID("signout"), "click", false, func(js.Value) {
		a.stopPlayback()
		a.auth.signOut()
		byID("signout").Set("hidden", true)
		setStatus("You are signed out.", false)
		show("view-welcome")
	})
	on(byID("back"), "click", false, func(js.Value) {
		a.stopPlayback()
		if _, ok := a.auth.tokens(); ok {
			show("view-browse")
			setStatus("", false)
			if byID("grid").Get("childElementCount").Int() == 0 {
				a.browse(false)
			}
			return
		}
		show("view-welcome")
	})
	on(byID("more"), "click", false, func(js.Value) { a.browse(true) })

	go a.route()
}

// route picks the first view from the URL and the stored session.
func (a *app) route() {
	loc := global.Get("location")
	q, _ := url.ParseQuery(trimQ(loc.Get("search").String()))
	if p := q.Get("play"); p != "" { // debug hook: play a master playlist directly
		video := byID("player")
		video.Set("muted", true)
		a.playURL(p, p, true)
		return
	}
	if path := loc.Get("pathname").String(); len(path) >= 9 && path[len(path)-9:] == "/callback" {
		setStatus("Signing in…", false)
		err := a.auth.callback(loc.Get("search").String())
		global.Get("history").Call("replaceState", nil, "", "/app/")
		if err != nil {
			setStatus("Sign in failed: "+err.Error(), true)
			show("view-welcome")
			return
		}
		setStatus("", false)
	}
	if _, ok := a.auth.tokens(); ok {
		a.browse(false)
		return
	}
	show("view-welcome")
}

func trimQ(s string) string {
	if len(s) > 0 && s[0] == '?' {
		return s[1:]
	}
	return s
}

// signUp posts the sign-up form to POST /v1/accounts.
func (a *app) signUp() {
	email := byID("signup-email").Get("value").String()
	password := byID("signup-password").Get("value").String()
	msg := byID("signup-message")
	submit := byID("signup-submit")
	say := func(text string, isErr bool) {
		msg.Set("textContent", text)
		msg.Get("classList").Call("toggle", "error", isErr)
		msg.Set("hidden", false)
	}
	if email == "" || password == "" {
		say("Enter an email and a password.", true)
		return
	}
	submit.Set("disabled", true)
	defer submit.Set("disabled", false)
	body, _ := jsonMarshal(map[string]string{"email": email, "password": password})
	status, text, err := fetchText(request{method: "POST", url: a.auth.origin + "/v1/accounts",
		headers: map[string]string{"Content-Type": "application/json", "Accept": "application/json"}, body: body})
	switch {
	case err != nil:
		say("Could not sign up: "+err.Error(), true)
	case status == 201:
		byID("signup-password").Set("value", "")
		say("Account created for "+email+". Sign in to start watching.", false)
		signin := byID("signin")
		signin.Set("hidden", false)
		signin.Call("focus")
	default:
		detail := problemDetail(text)
		if detail == "" {
			detail = "HTTP " + strconv.Itoa(status)
		}
		say("Could not sign up: "+detail, true)
	}
}

// browse shows the title grid; more appends the next page.
func (a *app) browse(more bool) {
	show("view-browse")
	byID("signout").Set("hidden", false)
	grid := byID("grid")
	path := "/v1/titles?limit=24"
	if more {
		a.mu.Lock()
		next := a.next
		a.mu.Unlock()
		if next == "" {
			return
		}
		path += "&cursor=" + url.QueryEscape(next)
	} else {
		grid.Set("textContent", "")
	}
	setStatus("Loading titles…", false)
	status, body, err := a.auth.api("GET", path, nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status != 200 {
		setStatus("Could not load titles: "+problemOr(body, status), true)
		return
	}
	var page titlePage
	if err := jsonUnmarshal(body, &page); err != nil {
		setStatus("Could not load titles: "+err.Error(), true)
		return
	}
	for _, t := range page.Items {
		grid.Call("appendChild", a.card(t))
	}
	a.mu.Lock()
	a.next = ""
	if page.Next != nil {
		a.next = *page.Next
	}
	hasMore := a.next != ""
	a.mu.Unlock()
	byID("more").Set("hidden", !hasMore)
	if grid.Get("childElementCount").Int() == 0 {
		setStatus("No titles yet.", false)
		return
	}
	setStatus("", false)
}

// card builds one .title-card.
func (a *app) card(t title) js.Value {
	c := el("article", "title-card", "")
	c.Set("role", "listitem")
	c.Get("dataset").Set("titleId", t.ID)
	img := el("img", "", "")
	img.Set("alt", t.Title)
	img.Set("loading", "lazy")
	if t.PosterURL != "" {
		img.Set("src", t.PosterURL)
	}
	c.Call("appendChild", img)
	meta := el("div", "meta", "")
	meta.Call("appendChild", el("h3", "", t.Title))
	facts := el("span", "facts", factsLine(t))
	if t.Maturity != "" {
		facts.Call("appendChild", el("span", "maturity", t.Maturity))
	}
	meta.Call("appendChild", facts)
	if t.Synopsis != "" {
		meta.Call("appendChild", el("p", "synopsis", t.Synopsis))
	}
	play := el("button", "btn play", "▶ Play")
	play.Set("type", "button")
	play.Call("setAttribute", "aria-label", "Play "+t.Title)
	on(play, "click", false, func(js.Value) { a.playTitle(t) })
	meta.Call("appendChild", play)
	c.Call("appendChild", meta)
	return c
}

func factsLine(t title) string {
	s := ""
	if t.Year > 0 {
		s = strconv.Itoa(t.Year)
	}
	if t.RuntimeS > 0 {
		if s != "" {
			s += " · "
		}
		s += fmt.Sprintf("%d min", (t.RuntimeS+59)/60)
	}
	return s
}

// caps describes this browser for POST /v1/playback.
func caps() device.Caps {
	nav, scr := global.Get("navigator"), global.Get("screen")
	s := device.Screen{
		Width: scr.Get("width").Int(), Height: scr.Get("height").Int(),
		PixelRatio: global.Get("devicePixelRatio").Float(),
	}
	if tp := nav.Get("maxTouchPoints"); tp.Type() == js.TypeNumber {
		s.TouchPoints = tp.Int()
	}
	ms := global.Get("MediaSource")
	supported := func(mime string) bool { return !ms.IsUndefined() && ms.Call("isTypeSupported", mime).Bool() }
	hdr := false
	if mm := global.Get("matchMedia"); mm.Type() == js.TypeFunction {
		hdr = global.Call("matchMedia", "(dynamic-range: high)").Get("matches").Bool()
	}
	return device.Caps{
		Class:     device.Class(nav.Get("userAgent").String(), s),
		MaxHeight: device.MaxHeight(s),
		Codecs:    device.SupportedCodecs(supported),
		HDR:       hdr,
	}
}

// playTitle starts a playback session for t and plays its manifest.
func (a *app) playTitle(t title) {
	setStatus("Starting "+t.Title+"…", false)
	status, body, err := a.auth.api("POST", "/v1/playback", map[string]any{"title_id": t.ID, "device": caps()})
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status != 201 && status != 200 {
		setStatus("Cannot play "+t.Title+": "+problemOr(body, status), true)
		return
	}
	var s playbackSession
	if err := jsonUnmarshal(body, &s); err != nil || s.ManifestURL == "" {
		setStatus("Cannot play "+t.Title+": bad playback answer", true)
		return
	}
	if a.playURL(s.ManifestURL, t.Title, true) {
		a.heartbeat(s)
	}
}

// playURL shows the player and plays a master playlist; it reports
// whether playback started.
func (a *app) playURL(masterURL, name string, autoplay bool) bool {
	a.stopPlayback()
	show("view-player")
	byID("now-playing").Set("textContent", name)
	video := byID("player")
	e, err := NewEngine(video, masterURL, caps().MaxHeight, autoplay)
	if err != nil {
		setStatus("Cannot play: "+err.Error(), true)
		return false
	}
	a.mu.Lock()
	a.engine = e
	a.mu.Unlock()
	e.Start()
	setStatus("", false)
	go a.showStats(e)
	video.Call("focus")
	return true
}

// showStats refreshes the stats line while e runs.
func (a *app) showStats(e *Engine) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			byID("player-stats").Set("textContent", e.stats())
			if e.state == "error" && len(e.errs) > 0 {
				setStatus("Playback failed: "+e.errs[len(e.errs)-1], true)
				return
			}
		}
	}
}

// heartbeat renews the session's stream lease every heartbeat interval
// with POST /v1/playback/<session_id>/heartbeat until playback stops. An
// origin without the endpoint (404) ends the heartbeat quietly.
func (a *app) heartbeat(s playbackSession) {
	if s.SessionID == "" || s.HeartbeatIntervalS <= 0 {
		return
	}
	stop := make(chan struct{})
	a.mu.Lock()
	a.stopHeartbeat = stop
	a.mu.Unlock()
	go func() {
		t := time.NewTicker(time.Duration(s.HeartbeatIntervalS) * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				pos := byID("player").Get("currentTime").Float()
				status, _, err := a.auth.api("POST", "/v1/playback/"+url.PathEscape(s.SessionID)+"/heartbeat",
					map[string]any{"position_s": pos})
				if err == nil && (status == 404 || status == 405) {
					return
				}
				if err == nil && status == 409 {
					setStatus("This account is streaming on too many screens.", true)
					a.stopPlayback()
					return
				}
			}
		}
	}()
}

func (a *app) stopPlayback() {
	a.mu.Lock()
	e, hb := a.engine, a.stopHeartbeat
	a.engine, a.stopHeartbeat = nil, nil
	a.mu.Unlock()
	if e != nil {
		e.Stop()
	}
	if hb != nil {
		close(hb)
	}
	byID("player").Call("pause")
}

// apiFailed reports an API failure, back to sign-in if the session ended.
func (a *app) apiFailed(err error) {
	if errors.Is(err, errSignedOut) {
		byID("signout").Set("hidden", true)
		show("view-welcome")
		setStatus("Your session has ended. Please sign in again.", true)
		return
	}
	setStatus("Network error: "+err.Error(), true)
}

func problemOr(body string, status int) string {
	if d := problemDetail(body); d != "" {
		return d
	}
	return "HTTP " + strconv.Itoa(status)
}
