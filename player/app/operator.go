//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/uri"
)

// qoeSummary is the answer of GET /v1/operator/qoe (origin/qoe.Summary).
type qoeSummary struct {
	Groups []qoeGroup
}

// qoeGroup is one row of GET /v1/operator/qoe (origin/qoe.Group).
type qoeGroup struct {
	FnVersion        string  `json:"fn_version"`
	DeviceClass      string  `json:"device_class"`
	Sessions         int     `json:"sessions"`
	Started          int     `json:"started"`
	StartupP50MS     int     `json:"startup_p50_ms"`
	StartupP95MS     int     `json:"startup_p95_ms"`
	RebufferRatio    float64 `json:"rebuffer_ratio"`
	AvgBitrateKbps   int     `json:"avg_bitrate_kbps"`
	EBVSRate         float64 `json:"ebvs_rate"`
	VSFRate          float64 `json:"vsf_rate"`
	Errors           int     `json:"errors"`
	ErrorSessionRate float64 `json:"error_session_rate"`
	WatchHours       float64 `json:"watch_hours"`
}

// qoeColumn is one charted figure of a group.
type qoeColumn struct {
	name  string
	value func(g qoeGroup) float64
	label func(g qoeGroup) string
}

var qoeColumns = []qoeColumn{
	{"Startup p50", func(g qoeGroup) float64 { return float64(g.StartupP50MS) }, func(g qoeGroup) string { return strconv.Itoa(g.StartupP50MS) + " ms" }},
	{"Startup p95", func(g qoeGroup) float64 { return float64(g.StartupP95MS) }, func(g qoeGroup) string { return strconv.Itoa(g.StartupP95MS) + " ms" }},
	{"Rebuffer ratio", func(g qoeGroup) float64 { return g.RebufferRatio }, func(g qoeGroup) string { return pct(g.RebufferRatio) }},
	{"Avg bitrate", func(g qoeGroup) float64 { return float64(g.AvgBitrateKbps) }, func(g qoeGroup) string { return strconv.Itoa(g.AvgBitrateKbps) + " kbit/s" }},
	{"EBVS", func(g qoeGroup) float64 { return g.EBVSRate }, func(g qoeGroup) string { return pct(g.EBVSRate) }},
	{"VSF", func(g qoeGroup) float64 { return g.VSFRate }, func(g qoeGroup) string { return pct(g.VSFRate) }},
	{"Errors", func(g qoeGroup) float64 { return float64(g.Errors) }, func(g qoeGroup) string { return strconv.Itoa(g.Errors) }},
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + " %" }

// operator shows the QoE per edge function version and device class
// (GET /v1/operator/qoe) as a table of bars, each scaled to its column's
// largest value.
func (a *app) operator() {
	a.show("view-operator", true)
	table := byID("qoe-table")
	table.Set("textContent", "")
	since := byID("qoe-since").Get("value").String()
	status, body, err := a.auth.api("GET", "/v1/operator/qoe?since="+uri.QueryEscape(since), nil)
	if err != nil {
		a.apiFailed(err)
		return
	}
	if status == 403 {
		setStatus("The operator view needs the operator role.", true)
		return
	}
	if status != 200 {
		setStatus("Could not load QoE: "+problemOr(body, status), true)
		return
	}
	var sum qoeSummary
	if err := jsonUnmarshal(body, &sum); err != nil {
		setStatus("Could not load QoE: "+err.Error(), true)
		return
	}
	setStatus("", false)
	head := el("tr", "", "")
	for _, h := range []string{"Function version", "Device", "Sessions"} {
		head.Call("appendChild", el("th", "", h))
	}
	for _, c := range qoeColumns {
		head.Call("appendChild", el("th", "", c.name))
	}
	table.Call("appendChild", head)
	top := make([]float64, len(qoeColumns))
	for _, g := range sum.Groups {
		for i, c := range qoeColumns {
			top[i] = max(top[i], c.value(g))
		}
	}
	for _, g := range sum.Groups {
		tr := el("tr", "qoe-row", "")
		tr.Get("dataset").Set("fnVersion", g.FnVersion)
		tr.Get("dataset").Set("deviceClass", g.DeviceClass)
		fn := g.FnVersion
		if fn == "" {
			fn = "(unknown)"
		}
		tr.Call("appendChild", el("td", "", fn))
		tr.Call("appendChild", el("td", "", g.DeviceClass))
		tr.Call("appendChild", el("td", "num", strconv.Itoa(g.Sessions)))
		for i, c := range qoeColumns {
			tr.Call("appendChild", barCell(c.value(g), top[i], c.label(g)))
		}
		table.Call("appendChild", tr)
	}
	if len(sum.Groups) == 0 {
		tr := el("tr", "", "")
		td := el("td", "dim", "No playback sessions reported in this window.")
		td.Set("colSpan", 3+len(qoeColumns))
		tr.Call("appendChild", td)
		table.Call("appendChild", tr)
	}
}

// barCell is a table cell with a CSS bar of v relative to top and a label.
func barCell(v, top float64, label string) js.Value {
	td := el("td", "bar-cell", "")
	bar := el("span", "bar", "")
	w := 0.0
	if top > 0 {
		w = 100 * v / top
	}
	bar.Get("style").Set("width", strconv.FormatFloat(w, 'f', 1, 64)+"%")
	td.Call("appendChild", bar)
	td.Call("appendChild", el("span", "bar-label", label))
	return td
}
