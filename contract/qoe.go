package contract

import "strconv"

// QoEReport is the body of POST /v1/playback/{sid}/qoe: the session's totals
// so far (cumulative, not deltas), so a lost report loses nothing and the
// newest one (highest Seq) is the session's state.
type QoEReport struct {
	// Seq numbers the session's reports from 1; a report whose Seq is not
	// above the stored one is acknowledged and ignored (a retry).
	Seq int `json:"seq"`
	// Final marks the report sent when the session ends.
	Final bool `json:"final"`
	// FnVersion is the edge function version that served the session (the
	// edge's X-Edgeflix-Fn-Version response header), "" if not known.
	FnVersion string `json:"fn_version"`
	// StartupMS is the video startup time: play asked → first frame shown.
	// Nil while (or because) video has not started.
	StartupMS *int `json:"startup_ms"`
	// ExitBeforeStart: the viewer left before the first frame (EBVS).
	ExitBeforeStart bool `json:"exit_before_start"`
	// StartFailed: an error ended the session before the first frame (VSF).
	StartFailed bool `json:"start_failed"`
	// WatchMS is the time video played (not paused, not stalled).
	WatchMS int64 `json:"watch_ms"`
	// RebufferCount and RebufferMS are the stalls after the first frame
	// (seeks excluded) and their total time.
	RebufferCount int   `json:"rebuffer_count"`
	RebufferMS    int64 `json:"rebuffer_ms"`
	// AvgBitrateKbps is the bitrate of the rendition played, weighted by
	// the time each played.
	AvgBitrateKbps int `json:"avg_bitrate_kbps"`
	// Switches counts rendition changes.
	Switches int `json:"switches"`
	// DroppedFrames is the video element's dropped frame count.
	DroppedFrames int `json:"dropped_frames"`
	// Errors counts playback errors (fatal or recovered); LastError is the
	// last one's short text.
	Errors    int    `json:"errors"`
	LastError string `json:"last_error"`
}

// AppendJSON appends r as the JSON object POST /v1/playback/{sid}/qoe
// takes (the members of its json tags), for clients without
// encoding/json's reflection (the player).
func (r *QoEReport) AppendJSON(b []byte) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, int64(r.Seq), 10)
	b = append(b, `,"final":`...)
	b = strconv.AppendBool(b, r.Final)
	b = append(b, `,"fn_version":`...)
	b = appendJSONString(b, r.FnVersion)
	b = append(b, `,"startup_ms":`...)
	if r.StartupMS == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*r.StartupMS), 10)
	}
	b = append(b, `,"exit_before_start":`...)
	b = strconv.AppendBool(b, r.ExitBeforeStart)
	b = append(b, `,"start_failed":`...)
	b = strconv.AppendBool(b, r.StartFailed)
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"watch_ms", r.WatchMS}, {"rebuffer_count", int64(r.RebufferCount)}, {"rebuffer_ms", r.RebufferMS},
		{"avg_bitrate_kbps", int64(r.AvgBitrateKbps)}, {"switches", int64(r.Switches)},
		{"dropped_frames", int64(r.DroppedFrames)}, {"errors", int64(r.Errors)},
	} {
		b = append(b, `,"`...)
		b = append(b, f.name...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, f.v, 10)
	}
	b = append(b, `,"last_error":`...)
	b = appendJSONString(b, r.LastError)
	return append(b, '}')
}
