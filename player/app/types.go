//go:build js && wasm

package main

import (
	"strconv"
)

// flexID is an id that the API may send as a JSON string or number.
type flexID string

// names is a list the API may send as strings or as objects with a
// "name" (genres), or as one comma-separated string (cast).
type names []string

// progress is a title's saved position.
type progress struct {
	PositionS float64 `json:"position_s"`
	DurationS float64 `json:"duration_s"`
	EpisodeID string  `json:"episode_id"`
}

// title is a title summary (GET /v1/titles, rows, search) or, with the
// detail fields, GET /v1/titles/{id}.
type title struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Synopsis    string    `json:"synopsis"`
	Year        int       `json:"year"`
	Maturity    string    `json:"maturity"`
	RuntimeS    int       `json:"runtime_s"`
	PosterURL   string    `json:"poster_url"`
	BackdropURL string    `json:"backdrop_url"`
	Genres      names     `json:"genres"`
	Cast        names     `json:"cast"`
	Progress    *progress `json:"progress"`
	Seasons     []season  `json:"seasons"`
	InMyList    bool      `json:"in_my_list"`
}

type season struct {
	Number   int       `json:"number"`
	Name     string    `json:"name"`
	Episodes []episode `json:"episodes"`
}

type episode struct {
	ID       string `json:"id"`
	Season   int    `json:"season"`
	Number   int    `json:"number"`
	Name     string `json:"name"`
	Synopsis string `json:"synopsis"`
	RuntimeS int    `json:"runtime_s"`
	Playable *bool  `json:"playable"`
}

func (e episode) label() string {
	s := "E" + strconv.Itoa(e.Number)
	if e.Season > 0 {
		s = "S" + strconv.Itoa(e.Season) + ":" + s
	}
	if e.Name != "" {
		s += " · " + e.Name
	}
	return s
}

type titlePage struct {
	Items []title `json:"items"`
	Next  *string `json:"next"`
}

type browseRow struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Items []title `json:"items"`
}

type browseHome struct {
	Rows []browseRow `json:"rows"`
}

// profile is one item of GET /v1/profiles.
type profile struct {
	ID       flexID `json:"id"`
	Name     string `json:"name"`
	Kids     bool   `json:"kids"`
	Maturity string `json:"maturity"`
	HasPIN   bool   `json:"has_pin"`
}

// profileList is GET /v1/profiles: {"items":[…]}, {"profiles":[…]} or a
// bare array.
type profileList []profile

// deviceInfo is one item of GET /v1/devices.
type deviceInfo struct {
	ID        flexID `json:"id"`
	Name      string `json:"name"`
	Class     string `json:"class"`
	ClientID  string `json:"client_id"`
	FirstSeen string `json:"first_seen"`
	LastSeen  string `json:"last_seen"`
	Current   bool   `json:"current"`
}

type deviceList []deviceInfo

// playbackSession is the answer of POST /v1/playback.
type playbackSession struct {
	SessionID          string `json:"session_id"`
	ManifestURL        string `json:"manifest_url"`
	ExpiresAt          string `json:"expires_at"`
	HeartbeatIntervalS int    `json:"heartbeat_interval_s"`
}

// missing reports whether status means the route does not exist (yet).
func missing(status int) bool { return status == 404 || status == 405 || status == 501 }
