//go:build js && wasm

package main

import (
	"strings"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/oauth"
	"github.com/edgeflix/edgeflix/player/uri"
)

// selectedProfile returns the profile chosen in this browser session.
func selectedProfile() (profile, bool) {
	var p profile
	s := sessionGet(keyProfile)
	if s == "" || jsonUnmarshal(s, &p) != nil || p.ID == "" {
		return profile{}, false
	}
	return p, true
}

func rememberProfile(p profile) {
	b, _ := jsonMarshal(map[string]any{"id": string(p.ID), "name": p.Name, "kids": p.Kids, "has_pin": p.HasPIN})
	sessionSet(keyProfile, b)
	byID("nav-profile").Set("textContent", p.Name)
}

func (a *app) bindProfiles() {
	on(byID("profiles-manage"), "click", false, func(js.Value) {
		a.mu.Lock()
		a.managing = !a.managing
		m := a.managing
		a.mu.Unlock()
		byID("profiles-manage").Set("textContent", map[bool]string{true: "Done", false: "Manage profiles"}[m])
		byID("profiles-manage").Call("setAttribute", "aria-pressed", map[bool]string{true: "true", false: "false"}[m])
		byID("profiles-heading").Set("textContent", map[bool]string{true: "Manage profiles", false: "Who's watching?"}[m])
		a.closeProfileForms()
		a.renderProfiles()
	})
	on(byID("profile-form"), "submit", true, func(js.Value) { a.saveProfile() })
	on(byID("profile-cancel"), "click", false, func(js.Value) { a.closeProfileForms() })
	on(byID("profile-delete"), "click", false, func(js.Value) { a.deleteProfile() })
	on(byID("pin-form"), "submit", true, func(js.Value) {
		a.mu.Lock()
		p := a.pinFor
		a.mu.Unlock()
		if p != nil {
			a.selectProfile(*p, byID("pin-input").Get("value").String())
		}
	})
	on(byID("pin-cancel"), "click", false, func(js.Value) { a.closeProfileForms() })
}

// pickProfile shows "Who's watching?". Unless force is set, an account
// with a profile already chosen in this session goes home, and one whose
// only profile has no PIN selects it without asking. Without the
// profiles API (404) the app goes home.
func (a *app) pickProfile(force bool) {
	if _, ok := selectedProfile(); ok && !force {
		a.home()
		return
	}
	status, body, err := a.auth.api("GET", "/v1/profiles", nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if missing(status) {
		a.home()
		return
	}
	if status != 200 {
		setStatus("Could not load profiles: "+problemOr(body, status), true)
		a.home()
		return
	}
	var list profileList
	if err := jsonUnmarshal(body, &list); err != nil {
		setStatus("Could not load profiles: "+err.Error(), true)
		return
	}
	a.mu.Lock()
	a.profiles = list
	a.mu.Unlock()
	if !force && len(list) == 1 && !list[0].HasPIN {
		a.selectProfile(list[0], "")
		return
	}
	setStatus("", false)
	a.show("view-profiles", false)
	a.closeProfileForms()
	a.renderProfiles()
}

// renderProfiles draws the profile tiles (and "Add profile").
func (a *app) renderProfiles() {
	a.mu.Lock()
	list, managing := a.profiles, a.managing
	a.mu.Unlock()
	box := byID("profile-list")
	box.Set("textContent", "")
	for _, p := range list {
		p := p
		b := el("button", "profile-tile nav-item", "")
		b.Set("type", "button")
		b.Get("dataset").Set("profileId", string(p.ID))
		b.Call("appendChild", el("span", "avatar", avatarLetter(p.Name)))
		b.Call("appendChild", el("span", "profile-name", p.Name))
		switch {
		case managing:
			b.Call("appendChild", el("span", "badge", "✎ Edit"))
		case p.Kids:
			b.Call("appendChild", el("span", "badge", "Kids"))
		case p.HasPIN:
			b.Call("appendChild", el("span", "badge", "🔒 PIN"))
		}
		on(b, "click", false, func(js.Value) {
			a.mu.Lock()
			m := a.managing
			a.mu.Unlock()
			if m {
				a.editProfile(&p)
				return
			}
			if p.HasPIN {
				a.askPIN(p)
				return
			}
			a.selectProfile(p, "")
		})
		box.Call("appendChild", b)
	}
	if len(list) < 5 {
		add := el("button", "profile-tile add nav-item", "")
		add.Set("type", "button")
		add.Set("id", "profile-add")
		add.Call("appendChild", el("span", "avatar", "+"))
		add.Call("appendChild", el("span", "profile-name", "Add profile"))
		on(add, "click", false, func(js.Value) { a.editProfile(nil) })
		box.Call("appendChild", add)
	}
	if first := box.Get("firstElementChild"); first.Truthy() {
		first.Call("focus")
	}
}

func avatarLetter(name string) string {
	for _, r := range strings.ToUpper(name) {
		return string(r)
	}
	return "?"
}

func (a *app) closeProfileForms() {
	byID("profile-form").Set("hidden", true)
	byID("pin-form").Set("hidden", true)
	message(byID("pin-message"), "", false)
	message(byID("profile-message"), "", false)
	byID("pin-input").Set("value", "")
	a.mu.Lock()
	a.pinFor = nil
	a.mu.Unlock()
}

func (a *app) askPIN(p profile) {
	a.closeProfileForms()
	a.mu.Lock()
	a.pinFor = &p
	a.mu.Unlock()
	byID("pin-title").Set("textContent", "Enter the PIN for "+p.Name)
	byID("pin-form").Set("hidden", false)
	byID("pin-input").Call("focus")
}

// selectProfile binds the session to p: POST /v1/profiles/{id}/select
// answers a token response carrying the profile. Without the route the
// choice is kept in the browser and sent as profile_id.
func (a *app) selectProfile(p profile, pin string) {
	var body any = map[string]any{}
	if pin != "" {
		body = map[string]any{"pin": pin}
	}
	status, text, err := a.auth.api("POST", "/v1/profiles/"+uri.PathEscape(string(p.ID))+"/select", body)
	if err != nil {
		a.apiFailed(err)
		return
	}
	switch {
	case status == 200 || status == 201:
		prev, _ := a.auth.tokens()
		t, err := oauth.ParseTokenResponse([]byte(text), a.auth.now(), prev)
		if err != nil {
			setStatus("Could not switch profile: "+err.Error(), true)
			return
		}
		a.auth.store(t)
	case missing(status):
	case p.HasPIN && (status == 401 || status == 403 || status == 400):
		byID("pin-input").Set("value", "")
		message(byID("pin-message"), "That PIN is not right. "+problemDetail(text), true)
		byID("pin-input").Call("focus")
		return
	default:
		setStatus("Could not switch profile: "+problemOr(text, status), true)
		return
	}
	rememberProfile(p)
	a.closeProfileForms()
	setStatus("", false)
	a.home()
}

// editProfile opens the profile form for p, or for a new profile.
func (a *app) editProfile(p *profile) {
	a.closeProfileForms()
	a.mu.Lock()
	a.editing = ""
	if p != nil {
		a.editing = p.ID
	}
	a.mu.Unlock()
	title, name, kids := "Add profile", "", false
	if p != nil {
		title, name, kids = "Edit "+p.Name, p.Name, p.Kids
	}
	byID("profile-form-title").Set("textContent", title)
	byID("profile-name").Set("value", name)
	byID("profile-kids").Set("checked", kids)
	byID("profile-delete").Set("hidden", p == nil)
	byID("profile-form").Set("hidden", false)
	byID("profile-name").Call("focus")
}

// saveProfile posts a new profile or patches the edited one.
func (a *app) saveProfile() {
	name := strings.TrimSpace(byID("profile-name").Get("value").String())
	kids := byID("profile-kids").Get("checked").Bool()
	msg := byID("profile-message")
	if name == "" {
		message(msg, "Enter a name.", true)
		return
	}
	a.mu.Lock()
	id := a.editing
	a.mu.Unlock()
	method, path := "POST", "/v1/profiles"
	if id != "" {
		method, path = "PATCH", "/v1/profiles/"+uri.PathEscape(string(id))
	}
	status, body, err := a.auth.api(method, path, map[string]any{"name": name, "kids": kids})
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status < 200 || status > 299 {
		message(msg, "Could not save the profile: "+problemOr(body, status), true)
		return
	}
	a.reloadProfiles()
}

func (a *app) deleteProfile() {
	a.mu.Lock()
	id := a.editing
	a.mu.Unlock()
	if id == "" {
		return
	}
	status, body, err := a.auth.api("DELETE", "/v1/profiles/"+uri.PathEscape(string(id)), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status < 200 || status > 299 {
		message(byID("profile-message"), "Could not delete the profile: "+problemOr(body, status), true)
		return
	}
	if p, ok := selectedProfile(); ok && p.ID == id {
		sessionSet(keyProfile, "")
	}
	a.reloadProfiles()
}

func (a *app) reloadProfiles() {
	status, body, err := a.auth.api("GET", "/v1/profiles", nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	var list profileList
	if status != 200 || jsonUnmarshal(body, &list) != nil {
		setStatus("Could not load profiles: "+problemOr(body, status), true)
		return
	}
	a.mu.Lock()
	a.profiles = list
	a.mu.Unlock()
	a.closeProfileForms()
	a.renderProfiles()
}

// profileParam returns the selected profile's id, "" if none.
func profileParam() string {
	if p, ok := selectedProfile(); ok {
		return string(p.ID)
	}
	return ""
}
