//go:build js && wasm

package main

import (
	"strconv"
	"strings"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/resume"
	"github.com/edgeflix/edgeflix/player/uri"
)

func (a *app) bindDetail() {
	on(byID("detail-back"), "click", false, func(js.Value) { a.back() })
	on(byID("detail-play"), "click", false, func(js.Value) {
		a.mu.Lock()
		d := a.detail
		a.mu.Unlock()
		if d != nil {
			a.playSummary(*d)
		}
	})
	on(byID("detail-mylist"), "click", false, func(js.Value) { a.toggleMyList() })
	on(byID("season-select"), "change", false, func(js.Value) {
		a.mu.Lock()
		d := a.detail
		a.mu.Unlock()
		if d != nil {
			n, _ := strconv.Atoi(byID("season-select").Get("value").String())
			a.renderEpisodes(*d, n)
		}
	})
}

// openDetail shows t's detail page from GET /v1/titles/{id}; without the
// detail route it shows what the summary has.
func (a *app) openDetail(t title, push bool) {
	a.show("view-detail", push)
	a.renderDetail(t)
	status, body, err := a.auth.api("GET", withProfile("/v1/titles/"+uri.PathEscape(t.ID)), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status == 200 {
		var d title
		if err := jsonUnmarshal(body, &d); err == nil && d.ID != "" {
			if d.Progress == nil {
				d.Progress = t.Progress
			}
			t = d
		}
	} else if !missing(status) {
		setStatus("Could not load "+t.Title+": "+problemOr(body, status), true)
	}
	a.renderDetail(t)
	focusFirst(byID("view-detail"), "#detail-play")
}

func (a *app) renderDetail(t title) {
	a.mu.Lock()
	a.detail = &t
	a.mu.Unlock()
	byID("detail-title").Set("textContent", t.Title)
	facts := byID("detail-facts")
	facts.Set("textContent", factsLine(t))
	if t.Maturity != "" {
		facts.Call("appendChild", el("span", "maturity", t.Maturity))
	}
	byID("detail-synopsis").Set("textContent", t.Synopsis)
	byID("detail-cast").Set("textContent", labelled("Cast", t.Cast))
	byID("detail-genres").Set("textContent", labelled("Genres", t.Genres))
	img := t.BackdropURL
	if img == "" {
		img = t.PosterURL
	}
	bg := ""
	if img != "" {
		bg = "linear-gradient(0deg, rgba(11,11,15,1) 5%, rgba(11,11,15,0.3) 60%), url(" + cssURL(img) + ")"
	}
	byID("detail-backdrop").Get("style").Set("backgroundImage", bg)
	a.setMyList(t.InMyList)
	play := "▶ Play"
	bar := byID("detail-progress")
	bar.Set("hidden", true)
	if p := t.Progress; p != nil {
		if (resume.Rules{}).Start(p.PositionS, p.DurationS) > 0 {
			play = "▶ Resume"
			if ep, ok := findEpisode(t, p.EpisodeID); ok {
				play = "▶ Resume " + ep.label()
			}
		}
		if p.DurationS > 0 {
			bar.Set("hidden", false)
			bar.Get("firstElementChild").Get("style").Set("width", percent(resume.Fraction(p.PositionS, p.DurationS)))
		}
	}
	byID("detail-play").Set("textContent", play)
	series := t.Kind == "series" && len(t.Seasons) > 0
	byID("detail-series").Set("hidden", !series)
	if !series {
		return
	}
	sel := byID("season-select")
	sel.Set("textContent", "")
	current := t.Seasons[0].Number
	if p := t.Progress; p != nil {
		if ep, ok := findEpisode(t, p.EpisodeID); ok {
			current = ep.Season
		}
	}
	for _, s := range t.Seasons {
		name := s.Name
		if name == "" {
			name = "Season " + strconv.Itoa(s.Number)
		}
		o := el("option", "", name)
		o.Set("value", strconv.Itoa(s.Number))
		o.Set("selected", s.Number == current)
		sel.Call("appendChild", o)
	}
	a.renderEpisodes(t, current)
}

func labelled(label string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	return label + ": " + strings.Join(items, ", ")
}

// renderEpisodes lists season n's episodes; each plays on select.
func (a *app) renderEpisodes(t title, n int) {
	list := byID("episodes")
	list.Set("textContent", "")
	for _, s := range t.Seasons {
		if s.Number != n {
			continue
		}
		for _, ep := range s.Episodes {
			ep := ep
			if ep.Season == 0 {
				ep.Season = s.Number
			}
			li := el("li", "episode nav-row", "")
			b := el("button", "btn episode-play nav-item", "")
			b.Set("type", "button")
			b.Get("dataset").Set("episodeId", ep.ID)
			b.Call("appendChild", el("span", "episode-name", ep.label()))
			if ep.RuntimeS > 0 {
				b.Call("appendChild", el("span", "dim", " "+minutes(ep.RuntimeS)))
			}
			if ep.Playable != nil && !*ep.Playable {
				b.Set("disabled", true)
			}
			on(b, "click", false, func(js.Value) { a.playEpisode(t, ep, 0) })
			li.Call("appendChild", b)
			if ep.Synopsis != "" {
				li.Call("appendChild", el("p", "synopsis", ep.Synopsis))
			}
			list.Call("appendChild", li)
		}
	}
}

// findEpisode looks an episode up in t's seasons.
func findEpisode(t title, id string) (episode, bool) {
	if id == "" {
		return episode{}, false
	}
	for _, s := range t.Seasons {
		for _, ep := range s.Episodes {
			if ep.ID == id {
				if ep.Season == 0 {
					ep.Season = s.Number
				}
				return ep, true
			}
		}
	}
	return episode{}, false
}

// nextEpisode returns the episode after id in t's seasons.
func nextEpisode(t title, id string) (episode, bool) {
	found := false
	for _, s := range t.Seasons {
		for _, ep := range s.Episodes {
			if ep.Season == 0 {
				ep.Season = s.Number
			}
			if found && (ep.Playable == nil || *ep.Playable) {
				return ep, true
			}
			if ep.ID == id {
				found = true
			}
		}
	}
	return episode{}, false
}

// firstEpisode returns t's first playable episode.
func firstEpisode(t title) (episode, bool) {
	for _, s := range t.Seasons {
		for _, ep := range s.Episodes {
			if ep.Playable == nil || *ep.Playable {
				if ep.Season == 0 {
					ep.Season = s.Number
				}
				return ep, true
			}
		}
	}
	return episode{}, false
}

func (a *app) setMyList(in bool) {
	b := byID("detail-mylist")
	if in {
		b.Set("textContent", "✓ My List")
	} else {
		b.Set("textContent", "+ My List")
	}
	b.Call("setAttribute", "aria-pressed", strconv.FormatBool(in))
}

// toggleMyList adds the detail's title to My List or removes it.
func (a *app) toggleMyList() {
	a.mu.Lock()
	d := a.detail
	a.mu.Unlock()
	if d == nil {
		return
	}
	method := "PUT"
	if d.InMyList {
		method = "DELETE"
	}
	status, body, err := a.auth.api(method, withProfile("/v1/my-list/"+uri.PathEscape(d.ID)), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	switch {
	case missing(status) && status != 404:
		setStatus("My List is not available yet.", true)
	case status == 404 && method == "PUT":
		setStatus("My List is not available yet.", true)
	case status >= 200 && status < 300, status == 404:
		a.mu.Lock()
		if a.detail != nil && a.detail.ID == d.ID {
			a.detail.InMyList = !d.InMyList
		}
		in := a.detail != nil && a.detail.InMyList
		a.mu.Unlock()
		a.setMyList(in)
		setStatus("", false)
	default:
		setStatus("Could not update My List: "+problemOr(body, status), true)
	}
}
