//go:build js && wasm

package main

import (
	"strings"
	"sync"
	"syscall/js"

	"github.com/edgeflix/edgeflix/internal/cmcd"
	"github.com/edgeflix/edgeflix/player/qoe"
)

// FnVersionHeader names the edge function version on media responses.
const fnVersionHeader = "X-Edgeflix-Fn-Version"

// observer is one playback session's CMCD and QoE: the fetch layer asks it
// for the CMCD of each media request, the video element's events feed its
// QoE tracker, and it writes the reports the web app posts to
// /v1/playback/{sid}/qoe.
type observer struct {
	sid, cid string
	// mode is how CMCD travels: "query" (the default, "": no CORS
	// preflight), "headers" or "off".
	mode string
	// quit is closed by finish.
	quit chan struct{}

	mu        sync.Mutex // guards the fields below
	engine    *Engine    // nil until the engine exists
	tracker   *qoe.Tracker
	fnVersion string
	seenErrs  int
	// cleanups remove the video element listeners.
	cleanups []func()
	done     bool
}

// observing is the observer of the session playing now, nil when none.
var observing struct {
	sync.Mutex
	o *observer
}

// startObserving begins observing session sid of title titleID, whose
// play was asked for at asked (nowMS's clock); mode is how CMCD travels.
func startObserving(sid, titleID, mode string, asked float64) *observer {
	o := &observer{sid: sid, cid: titleID, tracker: qoe.New(asked), mode: mode, quit: make(chan struct{})}
	observing.Lock()
	observing.o = o
	observing.Unlock()
	return o
}

func currentObserver() *observer {
	observing.Lock()
	defer observing.Unlock()
	return observing.o
}

// attach listens to the video element of engine e and ticks the tracker
// every second until finish or the engine stops.
func (o *observer) attach(e *Engine, video js.Value) {
	o.mu.Lock()
	o.engine = e
	o.mu.Unlock()
	listen := func(event string, f func(now float64, kbps int)) {
		fn := js.FuncOf(func(js.Value, []js.Value) any {
			o.mu.Lock()
			defer o.mu.Unlock()
			f(nowMS(), o.bitrateKbps())
			return nil
		})
		video.Call("addEventListener", event, fn)
		o.cleanups = append(o.cleanups, func() {
			video.Call("removeEventListener", event, fn)
			fn.Release()
		})
	}
	listen("playing", func(now float64, kbps int) { o.tracker.Playing(now, kbps) })
	listen("pause", func(now float64, kbps int) { o.tracker.Paused(now, kbps) })
	listen("seeking", func(now float64, kbps int) { o.tracker.Seeking(now, kbps) })
	listen("waiting", func(now float64, kbps int) {
		o.tracker.Waiting(now, video.Get("seeking").Bool(), kbps)
	})
	go func() {
		tick, stopTick := every(1)
		defer stopTick()
		for {
			select {
			case <-o.quit:
				return
			case <-e.Stopped():
				return
			case <-tick:
				o.mu.Lock()
				o.tracker.Tick(nowMS(), o.bitrateKbps())
				o.noteErrors()
				o.mu.Unlock()
			}
		}
	}()
}

// failed records an error that ended the session before an engine ran.
func (o *observer) failed(err error) {
	o.mu.Lock()
	o.tracker.Error(err.Error(), true)
	o.mu.Unlock()
}

// noteErrors passes the engine's new errors to the tracker. o.mu held.
func (o *observer) noteErrors() {
	e := o.engine
	if e == nil {
		return
	}
	fatal := e.state == "error"
	for ; o.seenErrs < len(e.errs); o.seenErrs++ {
		o.tracker.Error(e.errs[o.seenErrs], fatal && o.seenErrs == len(e.errs)-1)
	}
	if len(e.errs) < o.seenErrs { // the engine keeps its last errors only
		o.seenErrs = len(e.errs)
	}
}

// bitrateKbps is the playing variant's bitrate. o.mu held.
func (o *observer) bitrateKbps() int {
	e := o.engine
	if e == nil || len(e.variants) == 0 {
		return 0
	}
	return int(e.variants[e.cur].Variant.Bandwidth / 1000)
}

// finish stops listening and returns the final report; "" if it was
// made already.
func (o *observer) finish() string {
	o.mu.Lock()
	if o.done {
		o.mu.Unlock()
		return ""
	}
	o.done = true
	close(o.quit)
	for _, c := range o.cleanups {
		c()
	}
	o.cleanups = nil
	o.mu.Unlock()
	observing.Lock()
	if observing.o == o {
		observing.o = nil
	}
	observing.Unlock()
	return o.write(true)
}

// report returns the session's cumulative QoE so far as JSON.
func (o *observer) report() string { return o.write(false) }

func (o *observer) write(final bool) string {
	o.mu.Lock()
	o.noteErrors()
	dropped := 0
	switches := 0
	if e := o.engine; e != nil {
		switches = e.switches
		if q := e.video.Get("getVideoPlaybackQuality"); q.Type() == js.TypeFunction {
			dropped = e.video.Call("getVideoPlaybackQuality").Get("droppedVideoFrames").Int()
		}
	}
	r := o.tracker.Report(nowMS(), final, o.bitrateKbps(), switches, dropped, o.fnVersion)
	o.mu.Unlock()
	return string(r.AppendJSON(nil))
}

// isEdgeMedia reports whether u is a gated media request (/t/<token>/v1/media/…).
func isEdgeMedia(u string) bool {
	return strings.Contains(u, "/t/") && strings.Contains(u, "/v1/media/")
}

// decorateMedia adds the CMCD of the current session to a media request
// and returns a function that reads the response's headers.
func decorateMedia(r *request) func(resp js.Value) {
	o := currentObserver()
	if o == nil || o.mode == "off" || !isEdgeMedia(r.url) {
		return nil
	}
	o.mu.Lock()
	d := o.cmcdFor(r.url)
	o.mu.Unlock()
	if o.mode == "headers" {
		if r.headers == nil {
			r.headers = map[string]string{}
		}
		for _, kv := range d.Headers() {
			r.headers[kv[0]] = kv[1]
		}
	} else {
		r.url = d.AppendQuery(r.url)
	}
	return func(resp js.Value) {
		if v := resp.Get("headers").Call("get", fnVersionHeader); v.Type() == js.TypeString {
			o.mu.Lock()
			o.fnVersion = v.String()
			o.mu.Unlock()
		}
	}
}

// cmcdFor is the CMCD of a request for u. o.mu held.
func (o *observer) cmcdFor(u string) cmcd.Data {
	d := cmcd.Data{SessionID: o.sid, ContentID: o.cid, StreamingFormat: cmcd.FormatHLS, StreamType: cmcd.StreamVOD,
		ObjectType: objectType(u)}
	d.Startup = !o.tracker.Started() || o.tracker.Stalled()
	d.BufferStarvation = o.tracker.TakeStarved()
	e := o.engine
	if e == nil || len(e.variants) == 0 {
		return d
	}
	top := int64(0)
	for _, v := range e.variants {
		top = max(top, v.Variant.Bandwidth)
	}
	d.SetTopBitrate(int(top / 1000))
	if e.est != nil && e.est.Samples() > 0 {
		d.SetMeasuredThroughput(int(e.est.Estimate() / 1000))
	}
	if !e.video.IsUndefined() {
		d.SetBufferLength(int(1000 * e.bufferAhead(e.currentTime())))
	}
	if d.ObjectType == cmcd.ObjectVideo && !e.demuxed {
		d.ObjectType = cmcd.ObjectMuxed
	}
	vs := e.variants[e.cur]
	if d.ObjectType == cmcd.ObjectVideo || d.ObjectType == cmcd.ObjectMuxed || d.ObjectType == cmcd.ObjectInit {
		d.SetBitrate(int(vs.Variant.Bandwidth / 1000))
	}
	if vs.media.playlist != nil && (d.ObjectType == cmcd.ObjectVideo || d.ObjectType == cmcd.ObjectMuxed) {
		p := u
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		segs := vs.media.playlist.Segments
		for i, s := range segs {
			if strings.HasSuffix(p, "/"+s.URI) {
				d.SetDuration(int(s.Duration * 1000))
				if i+1 < len(segs) && segs[i+1].URI != s.URI {
					d.NextObject = segs[i+1].URI
				}
				break
			}
		}
	}
	return d
}

// objectType guesses the CMCD object type from the URL's file name.
func objectType(u string) cmcd.ObjectType {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	name := u[strings.LastIndexByte(u, '/')+1:]
	switch {
	case strings.HasSuffix(name, ".m3u8"):
		return cmcd.ObjectManifest
	case strings.HasSuffix(name, ".vtt"):
		return cmcd.ObjectTimedText
	case strings.HasPrefix(name, "init") || strings.HasSuffix(name, ".mp4"):
		return cmcd.ObjectInit
	case strings.Contains(u, "/audio"):
		return cmcd.ObjectAudio
	case strings.HasSuffix(name, ".m4s") || strings.HasSuffix(name, ".ts"):
		return cmcd.ObjectVideo
	}
	return cmcd.ObjectOther
}
