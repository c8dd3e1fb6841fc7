//go:build js && wasm

package main

import (
	"errors"
	"strings"

	"github.com/edgeflix/edgeflix/player/jsonv"
)

// jsonUnmarshal decodes the API answer s into v, one of the answer types
// below, with player/jsonv: encoding/json's reflection would weigh more
// than the whole app. Fields of another JSON type than expected read as
// their zero value; a top-level value of the wrong kind is an error.
func jsonUnmarshal(s string, v any) error {
	val, err := jsonv.Parse([]byte(s))
	if err != nil {
		return err
	}
	switch p := v.(type) {
	case *browseHome:
		if err := want(val, jsonv.Object); err != nil {
			return err
		}
		p.Rows = nil
		for _, r := range val.Get("rows").Items() {
			p.Rows = append(p.Rows, browseRow{ID: r.Get("id").Text(), Title: r.Get("title").Str(), Items: decodeTitles(r.Get("items"))})
		}
	case *titlePage:
		if err := want(val, jsonv.Object); err != nil {
			return err
		}
		p.Items, p.Next = decodeTitles(val.Get("items")), nil
		if n := val.Get("next"); n.Kind() == jsonv.String {
			next := n.Str()
			p.Next = &next
		}
	case *title:
		if err := want(val, jsonv.Object); err != nil {
			return err
		}
		*p = decodeTitle(val)
	case *profileList:
		*p = nil
		for _, it := range listItems(val, "profiles") {
			*p = append(*p, decodeProfile(it))
		}
	case *profile:
		if err := want(val, jsonv.Object); err != nil {
			return err
		}
		*p = decodeProfile(val)
	case *deviceList:
		*p = nil
		for _, d := range listItems(val, "devices") {
			*p = append(*p, deviceInfo{
				ID: flexID(d.Get("id").Text()), Name: d.Get("name").Str(), Class: d.Get("class").Str(),
				ClientID: d.Get("client_id").Str(), FirstSeen: d.Get("first_seen").Str(),
				LastSeen: d.Get("last_seen").Str(), Current: d.Get("current").Bool(),
			})
		}
	case *playbackSession:
		if err := want(val, jsonv.Object); err != nil {
			return err
		}
		*p = playbackSession{
			SessionID: val.Get("session_id").Text(), ManifestURL: val.Get("manifest_url").Str(),
			ExpiresAt: val.Get("expires_at").Str(), HeartbeatIntervalS: val.Get("heartbeat_interval_s").Int(),
		}
	case *qoeSummary:
		if err := want(val, jsonv.Object); err != nil {
			return err
		}
		p.Groups = nil
		for _, g := range val.Get("groups").Items() {
			p.Groups = append(p.Groups, qoeGroup{
				FnVersion: g.Get("fn_version").Str(), DeviceClass: g.Get("device_class").Str(),
				Sessions: g.Get("sessions").Int(), Started: g.Get("started").Int(),
				StartupP50MS: g.Get("startup_p50_ms").Int(), StartupP95MS: g.Get("startup_p95_ms").Int(),
				RebufferRatio: g.Get("rebuffer_ratio").Float(), AvgBitrateKbps: g.Get("avg_bitrate_kbps").Int(),
				EBVSRate: g.Get("ebvs_rate").Float(), VSFRate: g.Get("vsf_rate").Float(), Errors: g.Get("errors").Int(),
				ErrorSessionRate: g.Get("error_session_rate").Float(), WatchHours: g.Get("watch_hours").Float(),
			})
		}
	default:
		return errors.New("jsonUnmarshal: no decoder for this type")
	}
	return nil
}

// jsonObject parses s, which must be a JSON object.
func jsonObject(s string) (jsonv.Value, error) {
	v, err := jsonv.Parse([]byte(s))
	if err == nil {
		err = want(v, jsonv.Object)
	}
	return v, err
}

func want(v jsonv.Value, k jsonv.Kind) error {
	if v.Kind() != k {
		return errors.New("unexpected JSON value")
	}
	return nil
}

// listItems returns a bare array's elements or those of {"items":[…]}
// followed by {"<alt>":[…]}.
func listItems(v jsonv.Value, alt string) []jsonv.Value {
	if v.Kind() == jsonv.Array {
		return v.Items()
	}
	return append(append([]jsonv.Value(nil), v.Get("items").Items()...), v.Get(alt).Items()...)
}

func decodeTitles(v jsonv.Value) []title {
	var out []title
	for _, it := range v.Items() {
		out = append(out, decodeTitle(it))
	}
	return out
}

func decodeTitle(v jsonv.Value) title {
	t := title{
		ID: v.Get("id").Text(), Kind: v.Get("kind").Str(), Title: v.Get("title").Str(),
		Synopsis: v.Get("synopsis").Str(), Year: v.Get("year").Int(), Maturity: v.Get("maturity").Str(),
		RuntimeS: v.Get("runtime_s").Int(), PosterURL: v.Get("poster_url").Str(),
		BackdropURL: v.Get("backdrop_url").Str(), Genres: decodeNames(v.Get("genres")),
		Cast: decodeNames(v.Get("cast")), InMyList: v.Get("in_my_list").Bool(),
	}
	if p := v.Get("progress"); p.Kind() == jsonv.Object {
		t.Progress = &progress{PositionS: p.Get("position_s").Float(), DurationS: p.Get("duration_s").Float(), EpisodeID: p.Get("episode_id").Text()}
	}
	for _, s := range v.Get("seasons").Items() {
		se := season{Number: s.Get("number").Int(), Name: s.Get("name").Str()}
		for _, e := range s.Get("episodes").Items() {
			ep := episode{
				ID: e.Get("id").Text(), Season: e.Get("season").Int(), Number: e.Get("number").Int(),
				Name: e.Get("name").Str(), Synopsis: e.Get("synopsis").Str(), RuntimeS: e.Get("runtime_s").Int(),
			}
			if pl := e.Get("playable"); pl.Kind() == jsonv.Bool {
				b := pl.Bool()
				ep.Playable = &b
			}
			se.Episodes = append(se.Episodes, ep)
		}
		t.Seasons = append(t.Seasons, se)
	}
	return t
}

// decodeNames reads strings, objects with a name (or slug), or one
// comma-separated string.
func decodeNames(v jsonv.Value) names {
	if v.Kind() == jsonv.String {
		var out names
		for _, p := range strings.Split(v.Str(), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	var out names
	for _, it := range v.Items() {
		switch {
		case it.Kind() == jsonv.String:
			out = append(out, it.Str())
		case it.Get("name").Str() != "":
			out = append(out, it.Get("name").Str())
		case it.Get("slug").Str() != "":
			out = append(out, it.Get("slug").Str())
		}
	}
	return out
}

func decodeProfile(v jsonv.Value) profile {
	return profile{
		ID: flexID(v.Get("id").Text()), Name: v.Get("name").Str(), Kids: v.Get("kids").Bool(),
		Maturity: v.Get("maturity").Str(), HasPIN: v.Get("has_pin").Bool(),
	}
}
