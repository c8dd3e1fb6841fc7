//go:build js && wasm

package main

import (
	"strings"
	"syscall/js"
	"time"

	"github.com/edgeflix/edgeflix/player/resume"
	"github.com/edgeflix/edgeflix/player/uri"
)

// searchDebounce is how long the search box waits for typing to pause.
const searchDebounce = 300 * time.Millisecond

func (a *app) bindBrowse() {
	on(byID("search"), "input", false, func(js.Value) {
		a.mu.Lock()
		a.searchSeq++
		seq := a.searchSeq
		a.mu.Unlock()
		time.Sleep(searchDebounce)
		a.mu.Lock()
		latest := a.searchSeq == seq
		a.mu.Unlock()
		if latest {
			a.search(strings.TrimSpace(byID("search").Get("value").String()), seq)
		}
	})
	on(byID("hero-play"), "click", false, func(js.Value) {
		a.mu.Lock()
		h := a.hero
		a.mu.Unlock()
		if h != nil {
			a.playSummary(*h)
		}
	})
	on(byID("hero-info"), "click", false, func(js.Value) {
		a.mu.Lock()
		h := a.hero
		a.mu.Unlock()
		if h != nil {
			a.openDetail(*h, true)
		}
	})
}

// withProfile appends the selected profile to an API path.
func withProfile(path string) string {
	id := profileParam()
	if id == "" {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "profile_id=" + uri.QueryEscape(id)
}

// home shows the hero and the browse rows of GET /v1/browse/home, or the
// title grid when the origin has no browse rows (404).
func (a *app) home() {
	a.signedIn()
	a.show("view-browse", false)
	byID("search").Set("value", "")
	a.showRows()
	setStatus("Loading…", false)
	status, body, err := a.auth.api("GET", withProfile("/v1/browse/home"), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if missing(status) {
		byID("rows").Set("textContent", "")
		byID("hero").Set("hidden", true)
		byID("all-titles").Set("hidden", false)
		a.browse(false)
		return
	}
	if status != 200 {
		setStatus("Could not load your home page: "+problemOr(body, status), true)
		return
	}
	var h browseHome
	if err := jsonUnmarshal(body, &h); err != nil {
		setStatus("Could not load your home page: "+err.Error(), true)
		return
	}
	byID("all-titles").Set("hidden", true)
	rows := byID("rows")
	rows.Set("textContent", "")
	var featured *title
	for _, r := range h.Rows {
		if len(r.Items) == 0 {
			continue
		}
		sec := el("section", "row", "")
		sec.Get("dataset").Set("rowId", r.ID)
		sec.Set("id", "row-"+r.ID)
		sec.Call("appendChild", el("h2", "row-title", r.Title))
		items := el("div", "row-items nav-row", "")
		items.Set("role", "list")
		for _, t := range r.Items {
			items.Call("appendChild", a.card(t))
			if featured == nil && r.ID != "continue-watching" && r.ID != "my-list" {
				t := t
				featured = &t
			}
		}
		sec.Call("appendChild", items)
		rows.Call("appendChild", sec)
	}
	if featured == nil {
		for _, r := range h.Rows {
			if len(r.Items) > 0 {
				featured = &r.Items[0]
				break
			}
		}
	}
	a.setHero(featured)
	if rows.Get("childElementCount").Int() == 0 {
		setStatus("Nothing to watch yet.", false)
		return
	}
	setStatus("", false)
	focusFirst(rows, ".nav-item")
}

// setHero shows t as the featured title, with its backdrop.
func (a *app) setHero(t *title) {
	a.mu.Lock()
	a.hero = t
	a.mu.Unlock()
	hero := byID("hero")
	if t == nil {
		hero.Set("hidden", true)
		return
	}
	hero.Set("hidden", false)
	byID("hero-title").Set("textContent", t.Title)
	byID("hero-facts").Set("textContent", factsLine(*t))
	byID("hero-synopsis").Set("textContent", t.Synopsis)
	img := t.BackdropURL
	if img == "" {
		img = t.PosterURL
	}
	style := hero.Get("style")
	if img != "" {
		style.Set("backgroundImage", "linear-gradient(90deg, rgba(11,11,15,0.95) 25%, rgba(11,11,15,0.2) 70%), url("+cssURL(img)+")")
	} else {
		style.Set("backgroundImage", "")
	}
}

func cssURL(u string) string {
	// As strings.NewReplacer(`"`, `%22`, `\`, `%5C`, "\n", "", ")", "%29")
	// would, without the Replacer machinery in the module.
	b := make([]byte, 0, len(u)+2)
	b = append(b, '"')
	for i := 0; i < len(u); i++ {
		switch c := u[i]; c {
		case '"':
			b = append(b, "%22"...)
		case '\\':
			b = append(b, "%5C"...)
		case '\n':
		case ')':
			b = append(b, "%29"...)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// showRows shows the home rows and hides search results.
func (a *app) showRows() {
	byID("search-results").Set("hidden", true)
	byID("rows").Set("hidden", false)
	a.mu.Lock()
	h := a.hero
	a.mu.Unlock()
	byID("hero").Set("hidden", h == nil)
}

// search runs GET /v1/search?q= for the search box; without the route it
// filters the title list by name.
func (a *app) search(q string, seq int) {
	if a.currentView() != "view-browse" {
		a.home()
	}
	if q == "" {
		a.showRows()
		return
	}
	status, body, err := a.auth.api("GET", withProfile("/v1/search?q="+uri.QueryEscape(q)+"&limit=48"), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	var page titlePage
	switch {
	case missing(status):
		status, body, err = a.auth.api("GET", "/v1/titles?limit=100", nil)
		if err != nil {
			a.apiFailed(err)
			return
		}
		if status == 200 && jsonUnmarshal(body, &page) == nil {
			var hits []title
			for _, t := range page.Items {
				if strings.Contains(strings.ToLower(t.Title), strings.ToLower(q)) {
					hits = append(hits, t)
				}
			}
			page.Items = hits
		}
	case status != 200:
		setStatus("Search failed: "+problemOr(body, status), true)
		return
	default:
		if err := jsonUnmarshal(body, &page); err != nil {
			setStatus("Search failed: "+err.Error(), true)
			return
		}
	}
	a.mu.Lock()
	stale := a.searchSeq != seq
	a.mu.Unlock()
	if stale {
		return
	}
	byID("hero").Set("hidden", true)
	byID("rows").Set("hidden", true)
	byID("all-titles").Set("hidden", true)
	byID("search-results").Set("hidden", false)
	grid := byID("search-grid")
	grid.Set("textContent", "")
	for _, t := range page.Items {
		grid.Call("appendChild", a.card(t))
	}
	if len(page.Items) == 0 {
		byID("search-heading").Set("textContent", "No titles match “"+q+"”")
	} else {
		byID("search-heading").Set("textContent", "Results for “"+q+"”")
	}
	setStatus("", false)
}

// browse shows the plain title grid (GET /v1/titles); more appends the
// next page.
func (a *app) browse(more bool) {
	grid := byID("grid")
	path := "/v1/titles?limit=24"
	if more {
		a.mu.Lock()
		next := a.next
		a.mu.Unlock()
		if next == "" {
			return
		}
		path += "&cursor=" + uri.QueryEscape(next)
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
	if !more && len(page.Items) > 0 {
		t := page.Items[0]
		a.setHero(&t)
	}
	setStatus("", false)
}

// card builds one .title-card: selecting it opens the title's detail,
// its Play button plays (or resumes) it at once.
func (a *app) card(t title) js.Value {
	c := el("article", "title-card nav-item", "")
	c.Set("role", "listitem")
	c.Set("tabIndex", 0)
	c.Call("setAttribute", "aria-label", t.Title)
	c.Get("dataset").Set("titleId", t.ID)
	img := el("img", "", "")
	img.Set("alt", "")
	img.Set("loading", "lazy")
	if t.PosterURL != "" {
		img.Set("src", t.PosterURL)
	}
	c.Call("appendChild", img)
	if t.Progress != nil && t.Progress.DurationS > 0 {
		bar := el("div", "progress", "")
		fill := el("span", "", "")
		fill.Get("style").Set("width", percent(resume.Fraction(t.Progress.PositionS, t.Progress.DurationS)))
		bar.Call("appendChild", fill)
		c.Call("appendChild", bar)
	}
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
	label := "▶ Play"
	if t.Progress != nil && (resume.Rules{}).Start(t.Progress.PositionS, t.Progress.DurationS) > 0 {
		label = "▶ Resume"
	}
	play := el("button", "btn play", label)
	play.Set("type", "button")
	play.Set("tabIndex", -1)
	play.Call("setAttribute", "aria-label", "Play "+t.Title)
	on(play, "click", false, func(js.Value) { a.playSummary(t) })
	// Stop the click reaching the card, which would open the detail.
	stop := js.FuncOf(func(_ js.Value, args []js.Value) any {
		args[0].Call("stopPropagation")
		return nil
	})
	play.Call("addEventListener", "click", stop)
	meta.Call("appendChild", play)
	c.Call("appendChild", meta)
	on(c, "click", false, func(js.Value) { a.openDetail(t, true) })
	return c
}

// focusFirst focuses the first element matching selector inside root.
func focusFirst(root js.Value, selector string) {
	if e := root.Call("querySelector", selector); e.Truthy() {
		e.Call("focus", map[string]any{"preventScroll": true})
	}
}
