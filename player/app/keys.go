//go:build js && wasm

package main

import (
	"math"
	"strings"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/nav"
)

// seekStep is how far Left/Right move the playhead in the player.
const seekStep = 10.0

// bindKeys makes the app drivable with arrow keys, Enter and Back/Escape
// (keyboards and TV remotes): focus moves between the visible .nav-item
// elements, which are grouped into rows by their position on screen.
func (a *app) bindKeys() {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		if ev.Get("defaultPrevented").Bool() || ev.Get("altKey").Bool() || ev.Get("ctrlKey").Bool() || ev.Get("metaKey").Bool() {
			return nil
		}
		key := ev.Get("key").String()
		action, dir := nav.Key(key)
		target := document.Get("activeElement")
		tag, typ := "", ""
		if target.Truthy() {
			tag = strings.ToLower(target.Get("tagName").String())
			if t := target.Get("type"); t.Type() == js.TypeString {
				typ = t.String()
			}
		}
		typing := tag == "textarea" || (tag == "input" && typ != "checkbox" && typ != "range" && typ != "button" && typ != "submit")
		switch action {
		case nav.Back:
			if typing && key != "Escape" {
				return nil
			}
			ev.Call("preventDefault")
			if typing {
				target.Call("blur")
			}
			go a.back()
		case nav.Select:
			if tag == "video" {
				ev.Call("preventDefault")
				togglePlay(target)
				return nil
			}
			if target.Truthy() && target.Get("classList").Call("contains", "nav-item").Bool() &&
				tag != "button" && tag != "input" && tag != "select" && tag != "a" && tag != "textarea" {
				ev.Call("preventDefault")
				target.Call("click")
			}
		case nav.Move:
			if tag == "video" && (dir == nav.Left || dir == nav.Right) {
				ev.Call("preventDefault")
				step := seekStep
				if dir == nav.Left {
					step = -step
				}
				t := target.Get("currentTime").Float() + step
				if d := target.Get("duration").Float(); !math.IsNaN(d) && !math.IsInf(d, 0) {
					t = math.Min(t, d)
				}
				target.Set("currentTime", math.Max(0, t))
				return nil
			}
			if typing && (dir == nav.Left || dir == nav.Right) {
				return nil // move the caret
			}
			if (tag == "select" || typ == "range") && dir != nav.None {
				if tag == "select" && (dir == nav.Up || dir == nav.Down) {
					return nil // change the option
				}
				if typ == "range" && (dir == nav.Left || dir == nav.Right) {
					return nil
				}
			}
			if a.moveFocus(dir) {
				ev.Call("preventDefault")
			}
		}
		return nil
	})
	document.Call("addEventListener", "keydown", f)
}

func togglePlay(v js.Value) {
	if v.Get("paused").Bool() {
		v.Call("play")
	} else {
		v.Call("pause")
	}
}

// moveFocus moves the focus one step in dir among the visible nav items
// of the top bar and the current view; it reports whether it moved.
func (a *app) moveFocus(dir nav.Direction) bool {
	view := a.currentView()
	if view == "" {
		return false
	}
	nodes := document.Call("querySelectorAll", "#topnav .nav-item, #"+view+" .nav-item")
	type item struct {
		el     js.Value
		top    float64
		parent js.Value
	}
	var rows [][]item
	var lastTop float64
	for i := 0; i < nodes.Length(); i++ {
		n := nodes.Index(i)
		if n.Get("offsetParent").IsNull() || n.Get("disabled").Truthy() {
			continue // hidden or disabled
		}
		top := n.Call("getBoundingClientRect").Get("top").Float()
		it := item{el: n, top: top, parent: n.Get("parentElement")}
		if len(rows) == 0 || math.Abs(top-lastTop) > 8 {
			rows = append(rows, nil)
			lastTop = top
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], it)
	}
	if len(rows) == 0 {
		return false
	}
	lengths := make([]int, len(rows))
	groups := make([]int, len(rows))
	group := 0
	for r, row := range rows {
		lengths[r] = len(row)
		if r > 0 && row[0].parent.Equal(rows[r-1][0].parent) {
			if groups[r-1] == 0 {
				group++
				groups[r-1] = group
			}
			groups[r] = groups[r-1]
		}
	}
	a.mu.Lock()
	g := a.grids[view]
	if g == nil {
		g = nav.New(lengths)
		a.grids[view] = g
	}
	a.mu.Unlock()
	g.SetLengths(lengths)
	g.SetGroups(groups)
	active := document.Get("activeElement")
	found := false
	for r, row := range rows {
		for c, it := range row {
			if it.el.Equal(active) {
				g.SetFocus(r, c)
				found = true
			}
		}
	}
	if !found {
		// Nothing focused yet: start on the view's first item.
		start := 0
		for r, row := range rows {
			if !row[0].el.Call("closest", "#topnav").Truthy() {
				start = r
				break
			}
		}
		g.SetFocus(start, 0)
	} else if !g.Move(dir) {
		return false
	}
	r, c := g.Focus()
	if r < 0 {
		return false
	}
	el := rows[r][c].el
	el.Call("focus", map[string]any{"preventScroll": true})
	el.Call("scrollIntoView", map[string]any{"block": "nearest", "inline": "nearest", "behavior": "smooth"})
	return true
}
