//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"syscall/js"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/player/device"
	"github.com/edgeflix/edgeflix/player/nav"
	"github.com/edgeflix/edgeflix/player/uri"
)

// Session storage keys of the app.
const (
	keyProfile = "edgeflix.profile" // the selected profile (JSON)
	keyAfter   = "edgeflix.after"   // where to go after signing in
)

// views are the app's top-level sections.
var views = []string{"view-loading", "view-welcome", "view-profiles", "view-browse", "view-detail",
	"view-devices", "view-activate", "view-player", "view-operator"}

// app is the web app's state.
type app struct {
	auth *auth

	mu sync.Mutex // guards the fields below
	// engine is the running player, nil when none.
	engine *Engine
	// playing is the running playback session, nil when none.
	playing *nowPlaying
	next    string // cursor of the next title page
	// view is the visible view; history the views Back returns to.
	view    string
	history []string
	// grids keep each view's focus model.
	grids map[string]*nav.Grid
	// detail is the title shown in view-detail, nil before any.
	detail *title
	// profiles is the last GET /v1/profiles answer; managing is set
	// while the picker is in manage mode; editing is the profile in the
	// form ("" to add one); pinFor the profile waiting for its PIN.
	profiles []profile
	managing bool
	editing  flexID
	pinFor   *profile
	// searchSeq numbers search input so only the latest query renders.
	searchSeq int
	// hero is the featured title of the home view.
	hero *title
}

func (a *app) start() {
	a.grids = map[string]*nav.Grid{}
	video := byID("player")
	video.Set("muted", false)

	global.Set("edgeflixPlay", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeString {
			return "edgeflixPlay(url): url must be a string"
		}
		u := args[0].String()
		go a.playURL(u, u, EngineOptions{Autoplay: true})
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
		a.leavePlayback()
		a.auth.signOut()
		sessionSet(keyProfile, "")
		byID("topnav").Set("hidden", true)
		setStatus("You are signed out.", false)
		a.show("view-welcome", false)
	})
	on(byID("nav-home"), "click", false, func(js.Value) { a.leavePlayback(); a.home() })
	on(byID("nav-devices"), "click", false, func(js.Value) { a.leavePlayback(); a.devices() })
	on(byID("nav-activate"), "click", false, func(js.Value) { a.leavePlayback(); a.activate("") })
	on(byID("devices-activate"), "click", false, func(js.Value) { a.activate("") })
	on(byID("qoe-refresh"), "click", false, func(js.Value) { go a.operator() }) // observe
	on(byID("nav-profile"), "click", false, func(js.Value) { a.leavePlayback(); a.pickProfile(true) })
	on(byID("more"), "click", false, func(js.Value) { a.browse(true) })
	a.bindProfiles()
	a.bindBrowse()
	a.bindDetail()
	a.bindActivate()
	a.bindPlayer()
	a.bindKeys()

	go a.route()
}

// show makes view visible. push records the current view for Back.
func (a *app) show(view string, push bool) {
	a.mu.Lock()
	if push && a.view != "" && a.view != view && a.view != "view-loading" {
		a.history = append(a.history, a.view)
		if len(a.history) > 20 {
			a.history = a.history[1:]
		}
	}
	if !push {
		a.history = a.history[:0]
	}
	a.view = view
	a.mu.Unlock()
	for _, v := range views {
		byID(v).Set("hidden", v != view)
	}
	global.Call("scrollTo", 0, 0)
}

func (a *app) currentView() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.view
}

// back goes to the previous view (Back/Escape, the Back buttons).
func (a *app) back() {
	view := a.currentView()
	switch view {
	case "view-player":
		a.leavePlayback()
	case "view-profiles":
		if !byID("pin-form").Get("hidden").Bool() || !byID("profile-form").Get("hidden").Bool() {
			a.closeProfileForms()
			return
		}
	case "view-browse":
		if byID("search").Get("value").String() != "" {
			byID("search").Set("value", "")
			a.showRows()
			return
		}
	}
	a.mu.Lock()
	prev := ""
	if n := len(a.history); n > 0 {
		prev = a.history[n-1]
		a.history = a.history[:n-1]
	}
	a.mu.Unlock()
	switch {
	case prev == "view-browse":
		a.home()
	case prev == "view-detail":
		a.mu.Lock()
		d := a.detail
		a.mu.Unlock()
		if d != nil {
			a.openDetail(*d, false)
			return
		}
		a.home()
	case prev != "":
		a.show(prev, false)
	case view == "view-player" || view == "view-detail" || view == "view-devices" || view == "view-activate":
		if _, ok := a.auth.tokens(); ok {
			a.home()
		} else {
			a.show("view-welcome", false)
		}
	}
}

// route picks the first view from the URL and the stored session.
func (a *app) route() {
	loc := global.Get("location")
	q, _ := uri.ParseQuery(trimQ(loc.Get("search").String()))
	if p := q.Get("play"); p != "" { // debug hook: play a master playlist directly
		video := byID("player")
		video.Set("muted", true)
		a.playURL(p, p, EngineOptions{Autoplay: true})
		return
	}
	path := loc.Get("pathname").String()
	if strings.HasSuffix(path, "/callback") {
		setStatus("Signing in…", false)
		err := a.auth.callback(loc.Get("search").String())
		after := sessionGet(keyAfter)
		sessionSet(keyAfter, "")
		if after == "" {
			after = "/app/"
		}
		global.Get("history").Call("replaceState", nil, "", after)
		if err != nil {
			setStatus("Sign in failed: "+err.Error(), true)
			a.show("view-welcome", false)
			return
		}
		setStatus("", false)
		a.route()
		return
	}
	if strings.HasSuffix(strings.TrimSuffix(path, "/"), "/activate") {
		code := q.Get("user_code")
		if _, ok := a.auth.tokens(); !ok {
			sessionSet(keyAfter, "/app/activate?user_code="+uri.QueryEscape(code))
			setStatus("Sign in to activate your TV.", false)
			a.show("view-welcome", false)
			return
		}
		a.signedIn()
		a.activate(code)
		return
	}
	if strings.HasSuffix(strings.TrimSuffix(path, "/"), "/operator") { // observe: the operator's QoE view
		if _, ok := a.auth.tokens(); !ok {
			sessionSet(keyAfter, "/app/operator")
			setStatus("Sign in to see playback quality.", false)
			a.show("view-welcome", false)
			return
		}
		a.signedIn()
		a.operator()
		return
	}
	if _, ok := a.auth.tokens(); ok {
		a.signedIn()
		a.pickProfile(false)
		return
	}
	a.show("view-welcome", false)
}

// signedIn shows the signed-in chrome.
func (a *app) signedIn() {
	byID("topnav").Set("hidden", false)
	byID("signout").Set("hidden", false)
	if p, ok := selectedProfile(); ok {
		byID("nav-profile").Set("textContent", p.Name)
	} else {
		byID("nav-profile").Set("textContent", "Profiles")
	}
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
	say := func(text string, isErr bool) { message(msg, text, isErr) }
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
		say("Could not sign up: "+problemOr(text, status), true)
	}
}

// message shows text in a form's message line.
func message(msg js.Value, text string, isErr bool) {
	msg.Set("textContent", text)
	msg.Get("classList").Call("toggle", "error", isErr)
	msg.Set("hidden", text == "")
}

func factsLine(t title) string {
	var parts []string
	if t.Year > 0 {
		parts = append(parts, strconv.Itoa(t.Year))
	}
	if t.Kind == "series" && len(t.Seasons) > 0 {
		n := len(t.Seasons)
		parts = append(parts, strconv.Itoa(n)+" season"+plural(n))
	} else if t.RuntimeS > 0 {
		parts = append(parts, minutes(t.RuntimeS))
	}
	return strings.Join(parts, " · ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// caps describes this browser for POST /v1/playback.
func caps() contract.DeviceReport {
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
	return contract.DeviceReport{
		Class:     device.Class(nav.Get("userAgent").String(), s),
		MaxHeight: int64(device.MaxHeight(s)),
		Codecs:    device.SupportedCodecs(supported),
		HDR:       hdr,
	}
}

// apiFailed reports an API failure, back to sign-in if the session ended.
func (a *app) apiFailed(err error) {
	if errors.Is(err, errSignedOut) {
		byID("topnav").Set("hidden", true)
		a.show("view-welcome", false)
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
