//go:build js && wasm

package main

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/abr"
	"github.com/edgeflix/edgeflix/player/engine"
	"github.com/edgeflix/edgeflix/player/hls"
	"github.com/edgeflix/edgeflix/player/renew"
	"github.com/edgeflix/edgeflix/player/tracks"
	"github.com/edgeflix/edgeflix/player/vtt"
	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// Engine tuning, times in seconds; the scheduling limits are in
// player/engine.
const (
	idlePoll      = 0.25
	appendTimeout = 30.0
	fetchAttempts = 4
	// abandonPoll is how often a video segment download in flight is
	// checked against abr.Controller.Abandon.
	abandonPoll   = 0.25
	maxErrorsKept = 20
)

// thumbFiles are the names a thumbnail map may have beside the master
// playlist, in the order they are tried: ingest writes thumbnails.vtt.
var thumbFiles = []string{"thumbnails.vtt", "thumbs.vtt"}

// errFatal marks errors that end playback.
var errFatal = errors.New("playback failed")

// errAbandoned is a segment download dropped for a lower variant's.
var errAbandoned = errors.New("download abandoned")

// mediaState is one media playlist, a variant's or an audio rendition's,
// fetched lazily, with its cached initialization section.
type mediaState struct {
	url      string
	playlist *hls.Media
	initData js.Value // cached init segment (Uint8Array), undefined until fetched
	initURL  string
}

// variantState is one playable variant and its media playlist.
type variantState struct {
	tracks.Playable
	media mediaState
}

// buffer is one SourceBuffer with its fetch state.
type buffer struct {
	engine.Track
	kind    string // "video" or "audio"
	sb      js.Value
	mime    string
	updates chan error
}

// Engine plays an HLS master playlist of fMP4 variants into a video
// element through Media Source Extensions: muxed variants through one
// SourceBuffer, demuxed ones (EXT-X-MEDIA AUDIO renditions) through a
// video and an audio SourceBuffer. It adapts the variant to the measured
// throughput and the buffer, switches audio language, and shows WebVTT
// subtitle renditions as text tracks.
type Engine struct {
	video     js.Value
	masterURL string
	maxHeight int
	autoplay  bool
	startAt   float64

	master *hls.Master
	base   string
	// tokens is the session's newest playback token: every fetch below
	// base swaps its token segment for it (Renew).
	tokens   renew.Tokens
	variants []*variantState
	ctrl     *abr.Controller
	est      *abr.Estimator
	demuxed  bool

	audioTracks []tracks.Track
	audioSel    int
	audioMedia  map[int]*mediaState
	subTracks   []tracks.Track
	subSel      int
	textTracks  map[int]js.Value
	subStop     chan struct{}
	subCues     int
	thumbsMu    sync.Mutex // guards thumbs and thumbsBase
	thumbs      []vtt.Thumbnail
	thumbsBase  string

	// prefetched holds downloads started ahead of their turn, keyed by
	// URL and byte range (see prefetch).
	prefetched map[string]chan fetched

	ms        js.Value
	vbuf      *buffer
	abuf      *buffer // nil for muxed variants
	objectURL string
	duration  float64

	cur     int // current variant (index into variants)
	started bool
	ended   bool

	switches      int
	abandoned     int
	audioSwitches int
	segments      int
	audioSegments int
	errs          []string
	state         string

	events   chan string // media element events
	requests chan func() // work from the UI, run on the engine's loop
	stop     chan struct{}
	funcs    []js.Func
	// cleanups remove the media element listeners when the engine stops.
	cleanups []func()
	debug    js.Value
}

// EngineOptions are the viewer's choices for NewEngine.
type EngineOptions struct {
	// MaxHeight is the tallest picture worth fetching, 0 for no limit.
	MaxHeight int
	// Autoplay starts playback once the first segment is buffered.
	Autoplay bool
	// StartAt is where playback starts, in seconds (resume).
	StartAt float64
	// Languages are the preferred audio languages, best first.
	Languages []string
	// Subtitle is the stored subtitle choice: a language, tracks.Off or "".
	Subtitle string
}

// NewEngine prepares playback of masterURL into video: it fetches and
// parses the master playlist and keeps the variants this browser can
// decode and the device can show.
func NewEngine(video js.Value, masterURL string, opt EngineOptions) (*Engine, error) {
	e := &Engine{
		video: video, masterURL: masterURL, maxHeight: opt.MaxHeight, autoplay: opt.Autoplay, startAt: opt.StartAt,
		events: make(chan string, 16), requests: make(chan func(), 8), stop: make(chan struct{}),
		debug: js.Global().Get("Object").New(), state: "loading", audioSel: -1, subSel: -1,
		audioMedia: map[int]*mediaState{}, textTracks: map[int]js.Value{}, prefetched: map[string]chan fetched{},
	}
	global.Set("edgeflixPlayer", e.debug)
	e.publish()
	status, body, err := fetchText(request{url: masterURL})
	if err != nil {
		return nil, e.fail(errdetail.Wrap(errFatal, "master playlist: "+err.Error()))
	}
	if status != 200 {
		return nil, e.fail(errdetail.Wrap(errFatal, "master playlist: HTTP "+strconv.Itoa(status)))
	}
	master, err := hls.ParseMaster([]byte(body))
	if err != nil {
		return nil, e.fail(errdetail.Wrap(errFatal, "master playlist: "+err.Error()))
	}
	e.master = master
	// A relative masterURL (the ?play= debug hook) is fetched against the
	// page; its playlists and segments are resolved against the same URL.
	if e.base, err = resolve(global.Get("location").Get("href").String(), masterURL); err != nil {
		return nil, e.fail(errdetail.Wrap(errFatal, err.Error()))
	}
	ms := global.Get("MediaSource")
	if ms.IsUndefined() {
		return nil, e.fail(errdetail.Wrap(errFatal, "this browser has no Media Source Extensions"))
	}
	supported := func(mime string) bool { return ms.Call("isTypeSupported", mime).Bool() }
	var abrVariants []abr.Variant
	for _, p := range tracks.PlayableVariants(master, supported) {
		u, err := resolve(e.base, p.Variant.URI)
		if err != nil {
			continue
		}
		e.variants = append(e.variants, &variantState{Playable: p, media: mediaState{url: u, initData: js.Undefined()}})
		abrVariants = append(abrVariants, abr.Variant{Bandwidth: p.Variant.Bandwidth, Height: p.Variant.Height})
	}
	if len(e.variants) == 0 {
		return nil, e.fail(errdetail.Wrap(errFatal, "no variant this browser can play"))
	}
	first := e.variants[0]
	e.demuxed = first.Demuxed
	if e.demuxed {
		for _, t := range tracks.Group(master, "AUDIO", first.Variant.Audio) {
			if t.URI != "" {
				e.audioTracks = append(e.audioTracks, t)
			}
		}
		e.audioSel = tracks.PickAudio(e.audioTracks, opt.Languages)
	}
	for _, t := range tracks.Group(master, "SUBTITLES", first.Variant.Subtitles) {
		if t.URI != "" {
			e.subTracks = append(e.subTracks, t)
		}
	}
	audioLang := ""
	if e.audioSel >= 0 {
		audioLang = e.audioTracks[e.audioSel].Language
	} else if len(opt.Languages) > 0 {
		audioLang = opt.Languages[0]
	}
	e.subSel = tracks.PickSubtitle(e.subTracks, opt.Subtitle, audioLang)
	if e.ctrl, err = abr.NewController(abrVariants, abr.Config{MaxHeight: opt.MaxHeight}); err != nil {
		return nil, e.fail(errdetail.Wrap(errFatal, err.Error()))
	}
	e.est = abr.NewEstimator(abr.EstimatorConfig{Default: downlink()})
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
	go e.loadThumbnails()
	if e.subSel >= 0 {
		e.startSubtitles(e.subSel)
	}
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

// Stopped is closed when the engine stops.
func (e *Engine) Stopped() <-chan struct{} { return e.stop }

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
	for _, tt := range e.textTracks {
		tt.Set("mode", "disabled")
	}
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
			if !e.wait(1) {
				return
			}
		}
	}
}

// newBuffer adds a SourceBuffer of mime to the MediaSource.
func (e *Engine) newBuffer(kind, mime string) (*buffer, error) {
	b := &buffer{Track: *engine.NewTrack(e.startAt), kind: kind, mime: mime, updates: make(chan error, 4)}
	if err := try(func() { b.sb = e.ms.Call("addSourceBuffer", mime) }); err != nil {
		return nil, errdetail.Wrap(errFatal, "addSourceBuffer("+mime+"): "+err.Error())
	}
	onUpdate := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case b.updates <- nil:
		default:
		}
		return nil
	})
	onError := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case b.updates <- errors.New(kind + " SourceBuffer error"):
		default:
		}
		return nil
	})
	e.funcs = append(e.funcs, onUpdate, onError)
	b.sb.Call("addEventListener", "updateend", onUpdate)
	b.sb.Call("addEventListener", "error", onError)
	return b, nil
}

// open creates the MediaSource and the SourceBuffers for the start variant.
func (e *Engine) open() error {
	e.setState("opening")
	first := e.variants[e.cur]
	if err := e.loadPlaylist(&first.media, first.Variant.URI); err != nil {
		return errdetail.Wrap(errFatal, err.Error())
	}
	e.duration = first.media.playlist.Duration()
	if e.startAt >= e.duration-1 {
		e.startAt = 0
	}
	e.prefetchStart(&first.media)
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
		return errdetail.Wrap(errFatal, "stopped")
	case <-after(10):
		return errdetail.Wrap(errFatal, "MediaSource did not open")
	}
	var err error
	if e.vbuf, err = e.newBuffer("video", first.VideoMIME); err != nil {
		return err
	}
	if e.demuxed && e.audioSel >= 0 {
		if e.abuf, err = e.newBuffer("audio", first.AudioMIME); err != nil {
			return err
		}
	}
	if e.duration > 0 {
		_ = try(func() { e.ms.Set("duration", e.duration) })
	}
	if e.startAt > 0 {
		e.video.Set("currentTime", e.startAt)
	}
	e.setState("buffering")
	return nil
}

// buffers returns the engine's SourceBuffers.
func (e *Engine) buffers() []*buffer {
	if e.abuf != nil {
		return []*buffer{e.vbuf, e.abuf}
	}
	return []*buffer{e.vbuf}
}

// step does one unit of work: handle events and requests, evict, or
// append one segment to the buffer engine.Plan picks.
func (e *Engine) step() error {
	e.drainEvents()
	now := e.currentTime()
	ahead := e.bufferAhead(now)
	e.publish()
	e.jumpGap(now)
	for _, b := range e.buffers() {
		for _, r := range b.Evict(bufferRanges(b.sb), now) {
			if err := remove(b, r); err != nil {
				return err
			}
		}
	}
	var audio *engine.Track
	if e.abuf != nil {
		audio = &e.abuf.Track
	}
	t, action := engine.Plan(&e.vbuf.Track, audio, now)
	switch action {
	case engine.EndOfStream:
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
	case engine.Full:
		e.setState("playing")
		e.wait(idlePoll)
		return nil
	}
	if t == audio {
		m, err := e.audioPlaylist(e.audioSel)
		if err != nil {
			return err
		}
		if ok, err := e.appendNext(e.abuf, m, m.playlist.Duration(), e.abuf.mime); !ok || err != nil {
			return err
		}
		e.audioSegments++
		return nil
	}
	return e.stepVideo(ahead)
}

// stepVideo picks the variant and appends its next segment to the main
// (video or muxed) buffer.
func (e *Engine) stepVideo(ahead float64) error {
	upgrade := false
	if e.segments > 0 {
		seg := 0.0
		if p := e.variants[e.cur].media.playlist; p != nil {
			seg = float64(p.TargetDuration)
		}
		d := e.ctrl.Next(abr.State{Current: e.cur, Estimate: e.est.Estimate(), Fast: e.est.Fast(), Last: e.est.Last(), Buffer: ahead, Segment: seg})
		if d.Index != e.cur {
			e.cur = d.Index
			e.switches++
			upgrade = d.Reason == abr.ReasonUp
		}
	}
	vs := e.variants[e.cur]
	if err := e.loadPlaylist(&vs.media, vs.Variant.URI); err != nil {
		return err
	}
	if upgrade {
		// A switch up replaces the old rendition beyond a few seconds
		// ahead (engine.Track.Upgrade).
		if r, ok := e.vbuf.Upgrade(e.currentTime(), bufferRanges(e.vbuf.sb), vs.media.playlist); ok {
			if err := remove(e.vbuf, r); err != nil {
				return err
			}
		}
	}
	if ok, err := e.appendNext(e.vbuf, &vs.media, e.duration, vs.VideoMIME); !ok || err != nil {
		return err
	}
	e.segments++
	if !e.started {
		e.started = true
		if e.autoplay {
			go e.play()
		}
	}
	return nil
}

// appendNext appends b's next segment of m (whose MIME type is mime), its
// initialization section first when b last had another playlist's. At the
// end (of m or of end seconds) it marks b ended and reports false.
func (e *Engine) appendNext(b *buffer, m *mediaState, end float64, mime string) (bool, error) {
	i, ok := b.Segment(m.playlist, end)
	if !ok {
		return false, nil
	}
	seg := m.playlist.Segments[i]
	if seg.Key != nil {
		return false, errdetail.Wrap(errFatal, "encrypted segments ("+seg.Key.Method+") are not supported")
	}
	if b.NeedsInit(m.url) {
		if err := e.appendInit(b, m, seg.Map, mime); err != nil {
			return false, err
		}
	}
	return true, e.appendSegment(b, m.url, seg)
}

// appendSegment fetches seg (of the playlist at playlistURL) and appends
// it to b, advancing b's fetch position. A seek during the fetch drops it.
func (e *Engine) appendSegment(b *buffer, playlistURL string, seg hls.Segment) error {
	segURL, err := resolve(playlistURL, seg.URI)
	if err != nil {
		return errdetail.Wrap(errFatal, err.Error())
	}
	rng := segmentRange(seg)
	var watch func(fetchProgress, float64, float64) bool
	if b == e.vbuf {
		watch = func(p fetchProgress, elapsed, recent float64) bool {
			return e.abandon(seg, p, elapsed, recent)
		}
	}
	data, n, took, err := e.fetchMedia(segURL, rng, watch)
	if errors.Is(err, errAbandoned) {
		return nil // the next step fetches the same segment from e.cur
	}
	if err != nil {
		return err
	}
	if b.kind == "video" {
		e.est.Sample(int64(n), took, seg.Duration)
	}
	if len(e.events) > 0 || len(e.requests) > 0 { // a seek or switch arrived while fetching: re-plan first
		gen := b.Gen
		e.drainEvents()
		if b.Gen != gen {
			return nil
		}
	}
	if err := e.appendData(b, data); err != nil {
		return err
	}
	b.Appended(seg)
	e.ended = false
	return nil
}

// abandon reports whether to drop the video segment download in flight
// (abr.Controller.Abandon). If so it switches to the lower variant and
// restarts the estimate from the download's rate. The first segment is
// never dropped: before it there is no buffer to protect, and a refetch
// would only delay the start.
func (e *Engine) abandon(seg hls.Segment, p fetchProgress, elapsed, recent float64) bool {
	if !e.started {
		return false
	}
	dl := abr.Download{
		Current: e.cur, Segment: seg.Duration, Elapsed: elapsed,
		Loaded: int64(p.loaded), Total: int64(p.total), Recent: recent,
		Estimate: e.est.Estimate(), Buffer: e.bufferAhead(e.currentTime()),
	}
	d, ok := e.ctrl.Abandon(dl)
	if !ok {
		return false
	}
	e.est.Restart(dl.Rate())
	e.cur = d.Index
	e.switches++
	e.abandoned++
	return true
}

// downlink is the browser's own estimate of the link (the Network
// Information API's downlink, in bits/s), the estimator's start value
// until segments are measured; 0, for the estimator's default, where the
// browser has none.
func downlink() float64 {
	c := global.Get("navigator").Get("connection")
	if c.Type() != js.TypeObject {
		return 0
	}
	if d := c.Get("downlink"); d.Type() == js.TypeNumber && d.Float() > 0 {
		return d.Float() * 1e6
	}
	return 0
}

func mapRange(m *hls.Map) string {
	if m.ByteRange == nil {
		return ""
	}
	return m.ByteRange.HTTPRange()
}

// segmentRange is seg's Range header value, "" for a whole object.
func segmentRange(seg hls.Segment) string {
	if seg.ByteRange == nil {
		return ""
	}
	return seg.ByteRange.HTTPRange()
}

func (e *Engine) play() {
	p := e.video.Call("play")
	if p.Type() == js.TypeObject {
		if _, err := await(p); err != nil {
			e.addError(errors.New("play(): " + err.Error()))
		}
	}
}

// Renew makes the playback token of manifestURL (a heartbeat's renewed
// manifest_url) the one every later playlist, segment, subtitle and
// thumbnail fetch uses; fetches in flight finish with the old token, which
// stays valid until its exp. It reports false when the URL has no token.
func (e *Engine) Renew(manifestURL string) bool { return e.tokens.Set(manifestURL) }

// fetchPlaylist fetches and parses a media playlist.
func fetchPlaylist(u, name string) (*hls.Media, error) {
	status, body, err := fetchText(request{url: u})
	if err != nil {
		return nil, errdetail.Prefix("media playlist", err)
	}
	if status != 200 {
		return nil, errdetail.Prefix("media playlist "+name, &httpError{Status: status})
	}
	m, err := hls.ParseMedia([]byte(body))
	if err != nil {
		return nil, errdetail.Wrap(errFatal, "media playlist "+name+": "+err.Error())
	}
	if len(m.Segments) == 0 {
		return nil, errdetail.Wrap(errFatal, "media playlist "+name+" has no segments")
	}
	return m, nil
}

// loadPlaylist fetches m's playlist once; name is its URI for errors.
func (e *Engine) loadPlaylist(m *mediaState, name string) error {
	if m.playlist != nil {
		return nil
	}
	p, err := fetchPlaylist(e.tokens.Fresh(m.url), name)
	if err != nil {
		return err
	}
	m.playlist = p
	return nil
}

// audioPlaylist returns audio track i's playlist, fetching it once.
func (e *Engine) audioPlaylist(i int) (*mediaState, error) {
	if m := e.audioMedia[i]; m != nil && m.playlist != nil {
		return m, nil
	}
	t := e.audioTracks[i]
	u, err := resolve(e.base, t.URI)
	if err != nil {
		return nil, errdetail.Wrap(errFatal, err.Error())
	}
	m := &mediaState{url: u, initData: js.Undefined()}
	if err := e.loadPlaylist(m, t.URI); err != nil {
		return nil, err
	}
	e.audioMedia[i] = m
	return m, nil
}

// changeType switches b to mime when the codecs of the next playlist
// differ from what b was fed.
func changeType(b *buffer, mime string) error {
	if mime == b.mime {
		return nil
	}
	if b.sb.Get("changeType").IsUndefined() {
		return errdetail.Wrap(errFatal, "cannot switch codecs to "+mime)
	}
	if err := try(func() { b.sb.Call("changeType", mime) }); err != nil {
		return errdetail.Prefix("changeType("+mime+")", err)
	}
	b.mime = mime
	return nil
}

// appendInit readies b for m's segments, whose MIME type is mime: it
// changes b's type if the codecs differ, then appends m's initialization
// section (EXT-X-MAP), fetched once; without one the segments initialise
// themselves.
func (e *Engine) appendInit(b *buffer, m *mediaState, sec *hls.Map, mime string) error {
	if err := changeType(b, mime); err != nil {
		return err
	}
	if sec == nil {
		b.InitFor = m.url
		return nil
	}
	u, err := resolve(m.url, sec.URI)
	if err != nil {
		return errdetail.Wrap(errFatal, err.Error())
	}
	if m.initData.IsUndefined() || m.initURL != u {
		data, _, _, err := e.fetchMedia(u, mapRange(sec), nil)
		if err != nil {
			return err
		}
		m.initData, m.initURL = data, u
	}
	if err := e.appendData(b, m.initData); err != nil {
		return err
	}
	b.InitFor = m.url
	return nil
}

// fetched is a download's outcome, as fetchBytes returns it.
type fetched struct {
	data js.Value
	n    int
	took float64
	err  error
}

// prefetchStart starts downloading the start variant's initialization
// section and first segment while the MediaSource opens: the first
// picture then waits for one round trip after the media playlist, not for
// the MediaSource to open, then the init section, then the segment.
func (e *Engine) prefetchStart(m *mediaState) {
	i, ok := engine.NewTrack(e.startAt).Segment(m.playlist, e.duration)
	if !ok {
		return
	}
	seg := m.playlist.Segments[i]
	if seg.Key != nil {
		return // appendNext refuses it
	}
	if seg.Map != nil {
		if u, err := resolve(m.url, seg.Map.URI); err == nil {
			e.prefetch(u, mapRange(seg.Map))
		}
	}
	if u, err := resolve(m.url, seg.URI); err == nil {
		e.prefetch(u, segmentRange(seg))
	}
}

// prefetch starts downloading u (byte range rng) on its own goroutine, for
// the next fetchMedia of the same object.
func (e *Engine) prefetch(u, rng string) {
	ch := make(chan fetched, 1)
	e.prefetched[u+" "+rng] = ch
	fresh := e.tokens.Fresh(u)
	go func() {
		data, n, took, err := fetchBytes(fresh, rng, js.Undefined(), nil)
		ch <- fetched{data, n, took, err}
	}()
}

// fetchMedia is fetchRetry served, when one was started, by the prefetch
// of the same object; a prefetch that failed is fetched again, with
// fetchRetry's retries.
func (e *Engine) fetchMedia(u, rng string, watch func(fetchProgress, float64, float64) bool) (js.Value, int, float64, error) {
	key := u + " " + rng
	if ch, ok := e.prefetched[key]; ok {
		delete(e.prefetched, key)
		select {
		case r := <-ch:
			if r.err == nil {
				return r.data, r.n, r.took, nil
			}
		case <-e.stop:
			return js.Value{}, 0, 0, errdetail.Wrap(errFatal, "stopped")
		}
	}
	return e.fetchRetry(u, rng, watch)
}

// fetchRetry fetches a media object, retrying transient failures. 403 and
// 404 are fatal: the playback token was refused or the object is missing.
// watch, if not nil, is asked every abandonPoll during a download whether
// to abort it (errAbandoned); it sees the progress, the time since the
// request and the recent rate (abr.RecentRate).
func (e *Engine) fetchRetry(u, rng string, watch func(fetchProgress, float64, float64) bool) (js.Value, int, float64, error) {
	var lastErr error
	for attempt := 0; attempt < fetchAttempts; attempt++ {
		if attempt > 0 && !e.wait(float64(attempt)*0.5) {
			return js.Value{}, 0, 0, errdetail.Wrap(errFatal, "stopped")
		}
		data, n, took, err := e.fetchWatched(e.tokens.Fresh(u), rng, watch)
		if err == nil || errors.Is(err, errAbandoned) {
			return data, n, took, err
		}
		if s := httpStatus(err); s == 403 || s == 404 || s == 410 {
			return js.Value{}, 0, 0, errdetail.Wrap(errFatal, shortURL(u)+": "+err.Error())
		}
		lastErr = err
		e.addError(errors.New(shortURL(u) + ": " + err.Error()))
	}
	return js.Value{}, 0, 0, errdetail.Prefix(shortURL(u), lastErr)
}

// fetchWatched is fetchBytes with the download run on its own goroutine
// and aborted, with errAbandoned, once watch says so (see fetchRetry).
func (e *Engine) fetchWatched(u, rng string, watch func(fetchProgress, float64, float64) bool) (js.Value, int, float64, error) {
	if watch == nil {
		return fetchBytes(u, rng, js.Undefined(), nil)
	}
	ctrl := global.Get("AbortController").New()
	var p fetchProgress
	done := make(chan fetched, 1)
	start := now()
	go func() {
		data, n, took, err := fetchBytes(u, rng, ctrl.Get("signal"), &p)
		done <- fetched{data, n, took, err}
	}()
	tick, stopTick := every(abandonPoll)
	defer stopTick()
	var recent abr.RecentRate
	for {
		select {
		case r := <-done:
			return r.data, r.n, r.took, r.err
		case <-e.stop:
			ctrl.Call("abort")
			<-done
			return js.Value{}, 0, 0, errdetail.Wrap(errFatal, "stopped")
		case <-tick:
			elapsed := now() - start
			if watch(p, elapsed, recent.Add(elapsed, int64(p.loaded))) {
				ctrl.Call("abort")
				<-done
				return js.Value{}, 0, 0, errAbandoned
			}
		}
	}
}

// appendData appends to b and waits for updateend. When the buffer is
// full (QuotaExceededError) it evicts behind the playhead and tries once
// more.
func (e *Engine) appendData(b *buffer, data js.Value) error {
	for attempt := 0; ; attempt++ {
		drain(b.updates)
		err := try(func() { b.sb.Call("appendBuffer", data) })
		if err == nil {
			return waitUpdate(b)
		}
		if attempt > 0 || !strings.Contains(err.Error(), "QuotaExceeded") {
			return errdetail.Prefix("appendBuffer ("+b.kind+")", err)
		}
		if r, ok := engine.QuotaEvict(e.currentTime()); ok {
			if err := remove(b, r); err != nil {
				return err
			}
		}
	}
}

func drain(ch chan error) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func waitUpdate(b *buffer) error {
	select {
	case err := <-b.updates:
		if err != nil {
			return errdetail.Wrap(errFatal, err.Error())
		}
		return nil
	case <-after(appendTimeout):
		return errdetail.Wrap(errFatal, b.kind+" SourceBuffer update timed out")
	}
}

// remove removes span r from b and waits for the update.
func remove(b *buffer, r engine.Range) error {
	drain(b.updates)
	if err := try(func() { b.sb.Call("remove", r.Start, r.End) }); err != nil {
		return errdetail.Prefix("remove ("+b.kind+")", err)
	}
	return waitUpdate(b)
}

// drainEvents handles queued media element events and UI requests.
func (e *Engine) drainEvents() {
	for {
		select {
		case ev := <-e.events:
			switch ev {
			case "seeking":
				e.seek(e.currentTime())
			case "error":
				if me := e.video.Get("error"); me.Truthy() {
					e.addError(errors.New("media error " + strconv.Itoa(me.Get("code").Int()) + ": " + me.Get("message").String()))
				}
			case "ended":
				e.setState("ended")
			}
		case f := <-e.requests:
			f()
		default:
			return
		}
	}
}

// seek moves every buffer's fetch position to the playhead t (see
// engine.Track.Seek).
func (e *Engine) seek(t float64) {
	for _, b := range e.buffers() {
		var p *hls.Media
		if b == e.abuf {
			if m := e.audioMedia[e.audioSel]; m != nil {
				p = m.playlist
			}
		} else {
			p = e.variants[e.cur].media.playlist
		}
		b.Seek(t, bufferRanges(b.sb), p)
	}
	e.ended = false
	e.setState("seeking")
}

// jumpGap nudges a stalled playhead over a small hole (engine.GapJump).
func (e *Engine) jumpGap(now float64) {
	stalled := e.video.Get("readyState").Int() < 3 && !e.video.Get("seeking").Bool()
	if !stalled {
		return
	}
	if to, ok := engine.GapJump(timeRanges(e.video.Get("buffered")), now, stalled); ok {
		e.video.Set("currentTime", to)
	}
}

func (e *Engine) currentTime() float64 { return e.video.Get("currentTime").Float() }

// bufferRanges returns a SourceBuffer's buffered ranges.
func bufferRanges(sb js.Value) []engine.Range {
	if sb.IsUndefined() || sb.IsNull() || !sb.Truthy() {
		return nil
	}
	var out []engine.Range
	_ = try(func() { out = timeRanges(sb.Get("buffered")) })
	return out
}

// timeRanges converts a TimeRanges object.
func timeRanges(b js.Value) []engine.Range {
	var out []engine.Range
	for i := 0; i < b.Get("length").Int(); i++ {
		out = append(out, engine.Range{Start: b.Call("start", i).Float(), End: b.Call("end", i).Float()})
	}
	return out
}

// bufferAhead is how much is buffered contiguously after now in every
// SourceBuffer.
func (e *Engine) bufferAhead(now float64) float64 {
	if e.vbuf == nil {
		return 0
	}
	var ranges [][]engine.Range
	for _, b := range e.buffers() {
		ranges = append(ranges, bufferRanges(b.sb))
	}
	return engine.Ahead(now, ranges...)
}

// wait sleeps for d seconds or until a media event or request arrives; it
// returns false if the engine was stopped.
func (e *Engine) wait(d float64) bool {
	timeout := after(d)
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
	case f := <-e.requests:
		f()
		return true
	case <-timeout:
		return true
	}
}

// do runs f on the engine's loop; it reports false if the engine stopped.
func (e *Engine) do(f func()) bool {
	done := make(chan struct{})
	select {
	case e.requests <- func() { f(); close(done) }:
	case <-e.stop:
		return false
	}
	select {
	case <-done:
		return true
	case <-e.stop:
		return false
	}
}

// SetAudio selects audio track i: the audio buffer's content from the
// playhead on is replaced by the new rendition's, so the language changes
// within a segment's time. It runs on the engine's loop.
func (e *Engine) SetAudio(i int) error {
	if i < 0 || i >= len(e.audioTracks) {
		return errors.New("no audio track " + strconv.Itoa(i))
	}
	var err error
	ok := e.do(func() {
		if i == e.audioSel || e.abuf == nil {
			return
		}
		now := e.currentTime()
		var m *mediaState
		if m, err = e.audioPlaylist(i); err != nil {
			return
		}
		e.audioSel = i
		e.audioSwitches++
		b := e.abuf
		if err = remove(b, b.Switch(now, e.duration, bufferRanges(b.sb), m.playlist)); err != nil {
			return
		}
		e.ended = false
		e.publish()
	})
	if !ok {
		return errors.New("player stopped")
	}
	return err
}

// publish updates window.edgeflixPlayer, the debug object tests read.
func (e *Engine) publish() {
	d := e.debug
	d.Set("state", e.state)
	d.Set("masterURL", e.masterURL)
	d.Set("maxHeight", e.maxHeight)
	d.Set("switches", e.switches)
	d.Set("abandoned", e.abandoned)
	d.Set("segments", e.segments)
	d.Set("audioSegments", e.audioSegments)
	d.Set("audioSwitches", e.audioSwitches)
	d.Set("demuxed", e.demuxed)
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
			"index": vs.Index, "uri": vs.Variant.URI, "bandwidth": vs.Variant.Bandwidth,
			"width": vs.Variant.Width, "height": vs.Variant.Height, "codecs": vs.Variant.CodecsString(),
		})
		d.Set("codecs", vs.Variant.CodecsString())
		d.Set("variantIndex", vs.Index)
		d.Set("variantCount", len(e.variants))
		playable := make([]any, len(e.variants))
		for i, v := range e.variants {
			playable[i] = v.Variant.CodecsString()
		}
		d.Set("playableCodecs", playable)
	}
	d.Set("audioTracks", trackList(e.audioTracks))
	d.Set("audioIndex", e.audioSel)
	d.Set("audioLanguage", trackLang(e.audioTracks, e.audioSel))
	d.Set("subtitleTracks", trackList(e.subTracks))
	d.Set("subtitleIndex", e.subSel)
	d.Set("subtitleLanguage", trackLang(e.subTracks, e.subSel))
	d.Set("subtitleCues", e.subCues)
	e.thumbsMu.Lock()
	d.Set("thumbnails", len(e.thumbs))
	e.thumbsMu.Unlock()
	n := 0
	if !e.ms.IsUndefined() && e.ms.Truthy() {
		n = e.ms.Get("sourceBuffers").Get("length").Int()
	}
	d.Set("sourceBuffers", n)
	if !e.video.IsUndefined() {
		d.Set("bufferAhead", e.bufferAhead(e.currentTime()))
	}
}

func trackList(ts []tracks.Track) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = map[string]any{"name": tracks.Label(t, i), "language": t.Language, "default": t.Default, "forced": t.Forced}
	}
	return out
}

func trackLang(ts []tracks.Track, i int) string {
	if i < 0 || i >= len(ts) {
		return ""
	}
	return ts[i].Language
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

// stats is a one-line summary for the player view.
func (e *Engine) stats() string {
	if len(e.variants) == 0 {
		return e.state
	}
	v := e.variants[e.cur].Variant
	return e.state + " · " + strconv.Itoa(v.Height) + "p " + tracks.Family(firstOr(v.Codecs, "")) +
		" · " + fixed(float64(v.Bandwidth)/1e6, 1) + " Mbit/s variant · estimate " + fixed(e.est.Estimate()/1e6, 1) +
		" Mbit/s · buffer " + fixed(e.bufferAhead(e.currentTime()), 0) + " s · " + strconv.Itoa(e.switches) + " switches"
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

func shortURL(u string) string {
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		return u[i+1:]
	}
	return u
}
