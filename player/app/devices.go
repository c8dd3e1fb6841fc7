//go:build js && wasm

package main

import (
	"strings"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/rfc3339"
	"github.com/edgeflix/edgeflix/player/uri"
)

// devices shows GET /v1/devices with rename and sign-out buttons.
func (a *app) devices() {
	a.show("view-devices", true)
	list := byID("device-list")
	list.Set("textContent", "")
	status, body, err := a.auth.api("GET", "/v1/devices", nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if missing(status) {
		setStatus("Device management is not available yet.", true)
		return
	}
	if status != 200 {
		setStatus("Could not load devices: "+problemOr(body, status), true)
		return
	}
	var ds deviceList
	if err := jsonUnmarshal(body, &ds); err != nil {
		setStatus("Could not load devices: "+err.Error(), true)
		return
	}
	setStatus("", false)
	for _, d := range ds {
		list.Call("appendChild", a.deviceItem(d))
	}
	if len(ds) == 0 {
		list.Call("appendChild", el("li", "dim", "No devices are signed in."))
	}
	focusFirst(list, ".nav-item")
}

func (a *app) deviceItem(d deviceInfo) js.Value {
	li := el("li", "device nav-row", "")
	li.Get("dataset").Set("deviceId", string(d.ID))
	if d.Current {
		li.Get("classList").Call("add", "current")
	}
	info := el("div", "device-info", "")
	name := d.Name
	if name == "" {
		name = strings.ToUpper(d.Class[:min(1, len(d.Class))]) + d.Class[min(1, len(d.Class)):]
	}
	info.Call("appendChild", el("strong", "device-name", name))
	facts := []string{d.Class}
	if d.LastSeen != "" {
		if t, err := rfc3339.Parse(d.LastSeen); err == nil {
			facts = append(facts, "last used "+shortDate(t.Local()))
		}
	}
	info.Call("appendChild", el("span", "dim", " "+strings.Join(facts, " · ")))
	if d.Current {
		info.Call("appendChild", el("span", "badge", "This device"))
	}
	li.Call("appendChild", info)
	input := el("input", "nav-item rename-input", "")
	input.Set("type", "text")
	input.Set("value", name)
	input.Set("maxLength", 64)
	input.Set("hidden", true)
	input.Call("setAttribute", "aria-label", "Device name")
	rename := el("button", "btn nav-item", "Rename")
	rename.Set("type", "button")
	on(rename, "click", false, func(js.Value) {
		if input.Get("hidden").Bool() {
			input.Set("hidden", false)
			rename.Set("textContent", "Save")
			input.Call("focus")
			return
		}
		a.renameDevice(d, strings.TrimSpace(input.Get("value").String()))
	})
	revoke := el("button", "btn nav-item danger", "Sign out")
	revoke.Set("type", "button")
	on(revoke, "click", false, func(js.Value) { a.revokeDevice(d) })
	li.Call("appendChild", input)
	li.Call("appendChild", rename)
	li.Call("appendChild", revoke)
	return li
}

func (a *app) renameDevice(d deviceInfo, name string) {
	if name == "" {
		setStatus("Enter a name for the device.", true)
		return
	}
	status, body, err := a.auth.api("PATCH", "/v1/devices/"+uri.PathEscape(string(d.ID)), map[string]any{"name": name})
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status < 200 || status > 299 {
		setStatus("Could not rename the device: "+problemOr(body, status), true)
		return
	}
	a.refreshDevices()
}

func (a *app) revokeDevice(d deviceInfo) {
	status, body, err := a.auth.api("DELETE", "/v1/devices/"+uri.PathEscape(string(d.ID)), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status < 200 || status > 299 {
		setStatus("Could not sign the device out: "+problemOr(body, status), true)
		return
	}
	if d.Current {
		a.auth.signOut()
		sessionSet(keyProfile, "")
		byID("topnav").Set("hidden", true)
		a.show("view-welcome", false)
		setStatus("This device is signed out.", false)
		return
	}
	a.refreshDevices()
}

func (a *app) refreshDevices() {
	a.mu.Lock()
	if n := len(a.history); n > 0 && a.history[n-1] == "view-devices" {
		a.history = a.history[:n-1]
	}
	a.mu.Unlock()
	a.devices()
}

func (a *app) bindActivate() {
	on(byID("activate-form"), "submit", true, func(js.Value) { a.decideDevice("approve") })
	on(byID("activate-deny"), "click", false, func(js.Value) { a.decideDevice("deny") })
}

// activate shows the "Activate a TV" form, pre-filled with code.
func (a *app) activate(code string) {
	a.show("view-activate", true)
	setStatus("", false)
	message(byID("activate-message"), "", false)
	in := byID("user-code")
	in.Set("value", code)
	in.Call("focus")
}

// decideDevice posts the code to /v1/device/approve or /v1/device/deny.
func (a *app) decideDevice(verb string) {
	code := strings.ToUpper(strings.TrimSpace(byID("user-code").Get("value").String()))
	msg := byID("activate-message")
	if code == "" {
		message(msg, "Enter the code shown on your TV.", true)
		return
	}
	status, body, err := a.auth.api("POST", "/v1/device/"+verb, map[string]any{"user_code": code})
	if err != nil {
		a.apiFailed(err)
		return
	}
	switch {
	case status >= 200 && status < 300 && verb == "approve":
		message(msg, "Your TV is activated. It will sign in in a few seconds.", false)
		byID("user-code").Set("value", "")
	case status >= 200 && status < 300:
		message(msg, "The request was denied. The TV will not be signed in.", false)
		byID("user-code").Set("value", "")
	case missing(status) && problemDetail(body) == "":
		message(msg, "Activating TVs is not available yet.", true)
	default:
		message(msg, "That code did not work: "+problemOr(body, status), true)
	}
}
