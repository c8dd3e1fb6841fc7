//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"syscall/js"
	"time"

	"github.com/edgeflix/edgeflix/player/abr"
	"github.com/edgeflix/edgeflix/player/device"
	"github.com/edgeflix/edgeflix/player/hls"
)

// Engine tuning.
const (
	forwardBuffer  = 30 * time.Second // stop fetching with this much ahead
	backBuffer     = 20 * time.Second // keep this much behind the playhead
	farAhead       = 90 * time.Second // drop data this far ahead (after seeks)
	idlePoll       = 250 * time.Millisecond
	appendTimeout  = 30 * time.Second
	fetchAttempts  = 4
	defaultCodecs  = "avc1.42e01e,mp4a.40.2"
	maxErrorsKept  = 20
	gapJumpMaxSecs = 1.0
)

// errFatal marks errors that end playback.
var errFatal = errors.New("playback failed")

// variantState is one playable variant and its lazily fetched playlist.
type variantState struct {
	v        hls.Variant
	index    int // in the master playlist
	url      string
	mime     string
	playlist *hls.Media
	initData js.Value // cached init segment (Uint8Array), undefined until fetched
	initURL  string
}

// Engine plays an HLS master playlist of muxed fMP4 variants into a video
// element through Media Source Extensions, adapting the variant to the
// measured throughput and the buffer.
type Engine struct {
	video     js.Value
	masterURL string
	maxHeight int
	autoplay  bool

	variants []*variantState
	ctrl     *abr.Controller
	est      *abr.Estimator

	ms, sb    js.Value
	objectURL string
	mime      string // the SourceBuffer's current MIME type
	duration  float64

	cur      int     // current variant (index into variants)
	initFor  int     // variant whose init segment was appended last, -1 none
	nextTime float64 // start time of the next segment to append
	ended    bool
	started  bool

	switches int
	segments int
	errs     []string
	state    string

	events  chan string // media element events
	updates chan error  // SourceBuffer updateend / error
	stop    chan struct{}
	funcs   []js.Func
	// cleanups remove the media element listeners when the engine stops.
	cleanups []func()
	debug    js.Value
}

// NewEngine prepares playback of masterURL into video: it fetches and
// parses the master playlist and keeps the variants this browser can
// decode and the device can show.
func NewEngine(video js.Value, masterURL string, maxHeight int, autoplay bool) (*Engine, error) {
	e := &Engine{
		video: video, masterURL: masterURL, maxHeight: maxHeight, autoplay: autoplay,
		initFor: -1, events: make(chan string, 16), updates: make(chan error, 4), stop: make(chan struct{}),
		debug: js.Global().Get("Object").New(), state: "loading",
	}
	global.Set("edgeflixPlayer", e.debug)
	e.publish()
	status, body, err := fetchText(request{url: masterURL})
	if err != nil {
		return nil, e.fail(fmt.Errorf("%w: master playlist: %v", errFatal, err))
	}
	if status != 200 {
		return nil, e.fail(fmt.Errorf("%w: master playlist: HTTP %d", errFatal, status))
	}
	master, err := hls.ParseMaster([]byte(body))
	if err != nil {
		return nil, e.fail(fmt.Errorf("%w: master playlist: %v", errFatal, err))
	}
	base, err := url.Parse(masterURL)
	if err != nil {
		return nil, e.fail(fmt.Errorf("%w: %v", errFatal, err))
	}
	ms := global.Get("MediaSource")
	if ms.IsUndefined() {
		return nil, e.fail(fmt.Errorf("%w: this browser has no Media Source Extensions", errFatal))
	}
	var abrVariants []abr.Variant
	for i, v := range master.Variants {
		codecs := v.CodecsString()
		if codecs == "" {
			codecs = defaultCodecs
		}
		mime := device.MIME("video", strings.Split(codecs, ","))
		if !ms.Call("isTypeSupported", mime).Bool() {
			continue
		}
		u, err := hls.Resolve(base, v.URI)
		if err != nil {
			continue
		}
		e.variants = append(e.variants, &variantState{v: v, index: i, url: u, mime: mime, initData: js.Undefined()})
		abrVariants = append(abrVariants, abr.Variant{Bandwidth: v.Bandwidth, Height: v.Height})
	}
	if len(e.variants) == 0 {
		return nil, e.fail(fmt.Errorf("%w: no variant this browser can play", errFatal))
	}
	if e.ctrl, err = abr.NewController(abrVariants, abr.Config{MaxHeight: maxHeight}); err != nil {
		return nil, e.fail(fmt.Errorf("%w: %v", errFatal, err))
	}
	e.est = abr.NewEstimator(abr.EstimatorConfig{})
	e.cur = e.ctrl.Start(e.est.Estimate()).Index
	e.publish()
	return e, nil
}

// Start attaches a MediaSource to the video element and runs the fetch and
// append loop on its own goroutine.
func (e *Engine) Start() {
	e.listen(e.video, "seeking", "seeking")
	e.listen(e.video, "error", "error")
	e.listen(e.video, "ended", "ended")
	go e.run()
}

// Stop ends playback and releases the MediaSource.
func (e *Engine) Stop() {
	select {
	case <-e.stop:
		return
	default:
	}
	close(e.stop)
}

func (e *Engine) listen(target js.Value, event, name string) {
	f := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case e.events <- name:
		default: // a burst of events; the loop catches up on state anyway
		}
		return nil
	})
	target.Call("addEventListener", event, f)
	e.funcs = append(e.funcs, f)
	e.cleanups = append(e.cleanups, func() { target.Call("removeEventListener", event, f) })
}

func (e *Engine) release() {
	for _, c := range e.cleanups {
		c()
	}
	e.cleanups = nil
	for _, f := range e.funcs {
		f.Release()
	}
	e.funcs = nil
	if e.objectURL != "" {
		_ = try(func() {
			e.video.Call("removeAttribute", "src")
			e.video.Call("load")
			global.Get("URL").Call("revokeObjectURL", e.objectURL)
		})
	}
}

// run is the engine's loop.
func (e *Engine) run() {
	defer e.release()
	if err := e.open(); err != nil {
		_ = e.fail(err)
		return
	}
	for {
		select {
		case <-e.stop:
			e.setState("stopped")
			return
		default:
		}
		if err := e.step(); err != nil {
			if errors.Is(err, errFatal) {
				_ = e.fail(err)
				return
			}
			e.addError(err)
			if !e.wait(time.Second) {
				return
			}
		}
	}
}

// open creates the MediaSource and the SourceBuffer for the start variant.
func (e *Engine) open() error {
	e.setState("opening")
	first := e.variants[e.cur]
	if err := e.loadPlaylist(first); err != nil {
		return fmt.Errorf("%w: %v", errFatal, err)
	}
	e.duration = first.playlist.Duration()
	e.ms = global.Get("MediaSource").New()
	opened := make(chan struct{}, 1)
	f := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case opened <- struct{}{}:
		default:
		}
		return nil
	})
	e.funcs = append(e.funcs, f)
	e.ms.Call("addEventListener", "sourceopen", f)
	e.objectURL = global.Get("URL").Call("createObjectURL", e.ms).String()
	e.video.Set("src", e.objectURL)
	select {
	case <-opened:
	case <-e.stop:
		return fmt.Errorf("%w: stopped", errFatal)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%w: MediaSource did not open", errFatal)
	}
	if err := try(func() {
		e.sb = e.ms.Call("addSourceBuffer", first.mime)
		if e.duration > 0 {
			e.ms.Set("duration", e.duration)
		}
	}); err != nil {
		return fmt.Errorf("%w: addSourceBuffer(%s): %v", errFatal, first.mime, err)
	}
	e.mime = first.mime
	onUpdate := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case e.updates <- nil:
		default:
		}
		return nil
	})
	onError := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case e.updates <- errors.New("SourceBuffer error"):
		default:
		}
		return nil
	})
	e.funcs = append(e.funcs, onUpdate, onError)
	e.sb.Call("addEventListener", "updateend", onUpdate)
	e.sb.Call("addEventListener", "error", onError)
	e.setState("buffering")
	return nil
}

// step does one unit of work: handle events, evict, or append one segment.
func (e *Engine) step() error {
	e.drainEvents()
	now := e.currentTime()
	ahead := e.bufferAhead(now)
	e.publish()
	e.jumpGap(now)
	if err := e.evict(now); err != nil {
		return err
	}
	if e.nextTime >= e.duration-0.05 {
		if !e.ended {
			if err := try(func() {
				if e.ms.Get("readyState").String() == "open" {
					e.ms.Call("endOfStream")
				}
			}); err != nil {
				return err
			}
			e.ended = true
			e.setState("ended-stream")
		}
		e.wait(idlePoll)
		return nil
	}
	if ahead >= forwardBuffer {
		e.setState("playing")
		e.wait(idlePoll)
		return nil
	}
	// Choose the variant for this segment.
	if e.segments > 0 {
		d := e.ctrl.Next(e.cur, e.est.Estimate(), ahead)
		if d.Index != e.cur {
			e.cur = d.Index
			e.switches++
		}
	}
	vs := e.variants[e.cur]
	if err := e.loadPlaylist(vs); err != nil {
		return err
	}
	i := vs.playlist.SegmentAt(e.nextTime + 0.001)
	if i < 0 || i >= len(vs.playlist.Segments) {
		e.nextTime = e.duration
		return nil
	}
	seg := vs.playlist.Segments[i]
	if seg.Key != nil {
		return fmt.Errorf("%w: encrypted segments (%s) are not supported", errFatal, seg.Key.Method)
	}
	if e.initFor != e.cur {
		if err := e.appendInit(vs, seg); err != nil {
			return err
		}
	}
	base, _ := url.Parse(vs.url)
	segURL, err := hls.Resolve(base, seg.URI)
	if err != nil {
		return fmt.Errorf("%w: %v", errFatal, err)
	}
	rng := ""
	if seg.ByteRange != nil {
		rng = seg.ByteRange.HTTPRange()
	}
	data, n, took, err := e.fetchRetry(segURL, rng)
	if err != nil {
		return err
	}
	e.est.Sample(int64(n), took)
	if len(e.events) > 0 { // a seek arrived while fetching: re-plan first
		e.drainEvents()
		if e.nextTime != seg.Start {
			return nil
		}
	}
	if err := e.appendData(data); err != nil {
		return err
	}
	e.segments++
	e.nextTime = seg.Start + seg.Duration
	e.ended = false
	if !e.started {
		e.started = true
		if e.autoplay {
			go e.play()
		}
	}
	return nil
}

func (e *Engine) play() {
	p := e.video.Call("play")
	if p.Type() == js.TypeObject {
		if _, err := await(p); err != nil {
			e.addError(fmt.Errorf("play(): %v", err))
		}
	}
}

func (e *Engine) loadPlaylist(vs *variantState) error {
	if vs.playlist != nil {
		return nil
	}
	status, body, err := fetchText(request{url: vs.url})
	if err != nil {
		return fmt.Errorf("media playlist: %w", err)
	}
	if status != 200 {
		return fmt.Errorf("media playlist %s: %w", vs.v.URI, &httpError{Status: status})
	}
	m, err := hls.ParseMedia([]byte(body))
	if err != nil {
		return fmt.Errorf("%w: media playlist %s: %v", errFatal, vs.v.URI, err)
	}
	if len(m.Segments) == 0 {
		return fmt.Errorf("%w: media playlist %s has no segments", errFatal, vs.v.URI)
	}
	vs.playlist = m
	return nil
}

// appendInit appends the variant's initialization section (EXT-X-MAP),
// changing the SourceBuffer's type first if the codecs differ.
func (e *Engine) appendInit(vs *variantState, seg hls.Segment) error {
	if vs.mime != e.mime {
		if e.sb.Get("changeType").IsUndefined() {
			return fmt.Errorf("%w: cannot switch codecs to %s", errFatal, vs.mime)
		}
		if err := try(func() { e.sb.Call("changeType", vs.mime) }); err != nil {
			return fmt.Errorf("changeType(%s): %w", vs.mime, err)
		}
		e.mime = vs.mime
	}
	if seg.Map == nil {
		e.initFor = e.cur // self-initialising segments
		return nil
	}
	base, _ := url.Parse(vs.url)
	u, err := hls.Resolve(base, seg.Map.URI)
	if err != nil {
		return fmt.Errorf("%w: %v", errFatal, err)
	}
	if vs.initData.IsUndefined() || vs.initURL != u {
		rng := ""
		if seg.Map.ByteRange != nil {
			rng = seg.Map.ByteRange.HTTPRange()
		}
		data, _, _, err := e.fetchRetry(u, rng)
		if err != nil {
			return err
		}
		vs.initData, vs.initURL = data, u
	}
	if err := e.appendData(vs.initData); err != nil {
		return err
	}
	e.initFor = e.cur
	return nil
}

// fetchRetry fetches a media object, retrying transient failures. 403 and
// 404 are fatal: the playback token was refused or the object is missing.
func (e *Engine) fetchRetry(u, rng string) (js.Value, int, time.Duration, error) {
	var lastErr error
	for attempt := 0; attempt < fetchAttempts; attempt++ {
		if attempt > 0 && !e.wait(time.Duration(attempt)*500*time.Millisecond) {
			return js.Value{}, 0, 0, fmt.Errorf("%w: stopped", errFatal)
		}
		data, n, took, err := fetchBytes(u, rng)
		if err == nil {
			return data, n, took, nil
		}
		var he *httpError
		if errors.As(err, &he) && (he.Status == 403 || he.Status == 404 || he.Status == 410) {
			return js.Value{}, 0, 0, fmt.Errorf("%w: %s: %v", errFatal, shortURL(u), err)
		}
		lastErr = err
		e.addError(fmt.Errorf("%s: %v", shortURL(u), err))
	}
	return js.Value{}, 0, 0, fmt.Errorf("%s: %w", shortURL(u), lastErr)
}

// appendData appends to the SourceBuffer and waits for updateend. When the
// buffer is full (QuotaExceededError) it evicts behind the playhead and
// tries once more.
func (e *Engine) appendData(data js.Value) error {
	for attempt := 0; ; attempt++ {
		e.drainUpdates()
		err := try(func() { e.sb.Call("appendBuffer", data) })
		if err == nil {
			return e.waitUpdate()
		}
		if attempt > 0 || !strings.Contains(err.Error(), "QuotaExceeded") {
			return fmt.Errorf("appendBuffer: %w", err)
		}
		now := e.currentTime()
		if err := e.remove(0, math.Max(0, now-5)); err != nil {
			return err
		}
	}
}

func (e *Engine) drainUpdates() {
	for {
		select {
		case <-e.updates:
		default:
			return
		}
	}
}

func (e *Engine) waitUpdate() error {
	select {
	case err := <-e.updates:
		if err != nil {
			return fmt.Errorf("%w: %v", errFatal, err)
		}
		return nil
	case <-time.After(appendTimeout):
		return fmt.Errorf("%w: SourceBuffer update timed out", errFatal)
	}
}

func (e *Engine) remove(from, to float64) error {
	if to-from < 0.5 {
		return nil
	}
	e.drainUpdates()
	if err := try(func() { e.sb.Call("remove", from, to) }); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	return e.waitUpdate()
}

// evict bounds memory: it drops data more than backBuffer behind and more
// than farAhead ahead of the playhead.
func (e *Engine) evict(now float64) error {
	ranges := e.ranges()
	if len(ranges) == 0 {
		return nil
	}
	if behind := now - backBuffer.Seconds(); ranges[0][0] < behind-1 {
		if err := e.remove(ranges[0][0], behind); err != nil {
			return err
		}
	}
	last := ranges[len(ranges)-1]
	if limit := now + farAhead.Seconds(); last[1] > limit+1 {
		if err := e.remove(limit, last[1]); err != nil {
			return err
		}
		if e.nextTime > limit {
			e.nextTime = limit
		}
	}
	return nil
}

// drainEvents handles queued media element events.
func (e *Engine) drainEvents() {
	for {
		select {
		case ev := <-e.events:
			switch ev {
			case "seeking":
				e.seek(e.currentTime())
			case "error":
				if me := e.video.Get("error"); me.Truthy() {
					e.addError(fmt.Errorf("media error %d: %s", me.Get("code").Int(), me.Get("message").String()))
				}
			case "ended":
				e.setState("ended")
			}
		default:
			return
		}
	}
}

// seek moves the fetch position to the playhead: after the end of the
// buffered range that contains it, or to the segment that contains it.
func (e *Engine) seek(t float64) {
	for _, r := range e.ranges() {
		if r[0] <= t+0.1 && t < r[1] {
			e.nextTime = r[1]
			e.publish()
			return
		}
	}
	vs := e.variants[e.cur]
	if vs.playlist != nil {
		if i := vs.playlist.SegmentAt(t); i >= 0 && i < len(vs.playlist.Segments) {
			e.nextTime = vs.playlist.Segments[i].Start
		} else {
			e.nextTime = t
		}
	}
	e.initFor = -1 // re-append the init segment before jumping
	e.ended = false
	e.setState("seeking")
}

// jumpGap nudges a stalled playhead over a small hole at the start of
// the next buffered range (such as audio priming at time 0).
func (e *Engine) jumpGap(now float64) {
	if e.video.Get("readyState").Int() >= 3 || e.video.Get("seeking").Bool() {
		return
	}
	for _, r := range e.ranges() {
		if r[0] > now && r[0]-now < gapJumpMaxSecs {
			e.video.Set("currentTime", r[0]+0.01)
			return
		}
	}
}

func (e *Engine) currentTime() float64 { return e.video.Get("currentTime").Float() }

// ranges returns the SourceBuffer's buffered ranges.
func (e *Engine) ranges() [][2]float64 {
	if e.sb.IsUndefined() || e.sb.IsNull() || !e.sb.Truthy() {
		return nil
	}
	var out [][2]float64
	_ = try(func() {
		b := e.sb.Get("buffered")
		for i := 0; i < b.Get("length").Int(); i++ {
			out = append(out, [2]float64{b.Call("start", i).Float(), b.Call("end", i).Float()})
		}
	})
	return out
}

// bufferAhead is how much is buffered contiguously after now.
func (e *Engine) bufferAhead(now float64) time.Duration {
	for _, r := range e.ranges() {
		if r[0] <= now+0.1 && now < r[1] {
			return secs(r[1] - now)
		}
	}
	return 0
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// wait sleeps for d or until a media event arrives; it returns false if
// the engine was stopped.
func (e *Engine) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-e.stop:
		return false
	case ev := <-e.events:
		// Put it back for drainEvents.
		select {
		case e.events <- ev:
		default:
		}
		return true
	case <-t.C:
		return true
	}
}

func (e *Engine) setState(s string) {
	e.state = s
	e.publish()
}

func (e *Engine) addError(err error) {
	e.errs = append(e.errs, err.Error())
	if len(e.errs) > maxErrorsKept {
		e.errs = e.errs[len(e.errs)-maxErrorsKept:]
	}
	e.publish()
}

func (e *Engine) fail(err error) error {
	e.addError(err)
	e.setState("error")
	return err
}

// publish updates window.edgeflixPlayer, the debug object tests read.
func (e *Engine) publish() {
	d := e.debug
	d.Set("state", e.state)
	d.Set("masterURL", e.masterURL)
	d.Set("maxHeight", e.maxHeight)
	d.Set("switches", e.switches)
	d.Set("segments", e.segments)
	errs := make([]any, len(e.errs))
	for i, s := range e.errs {
		errs[i] = s
	}
	d.Set("errors", errs)
	if e.est != nil {
		d.Set("bandwidthEstimate", math.Round(e.est.Estimate()))
	}
	if len(e.variants) > 0 {
		vs := e.variants[e.cur]
		d.Set("variant", map[string]any{
			"index": vs.index, "uri": vs.v.URI, "bandwidth": vs.v.Bandwidth,
			"width": vs.v.Width, "height": vs.v.Height, "codecs": vs.v.CodecsString(),
		})
		d.Set("variantIndex", vs.index)
		d.Set("variantCount", len(e.variants))
	}
	if !e.video.IsUndefined() {
		d.Set("bufferAhead", e.bufferAhead(e.currentTime()).Seconds())
	}
}

// stats is a one-line summary for the player view.
func (e *Engine) stats() string {
	if len(e.variants) == 0 {
		return e.state
	}
	v := e.variants[e.cur].v
	return fmt.Sprintf("%s · %dp · %.1f Mbit/s variant · estimate %.1f Mbit/s · buffer %.0f s · %d switches",
		e.state, v.Height, float64(v.Bandwidth)/1e6, e.est.Estimate()/1e6, e.bufferAhead(e.currentTime()).Seconds(), e.switches)
}

func shortURL(u string) string {
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		return u[i+1:]
	}
	return u
}
