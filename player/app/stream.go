//go:build js && wasm

package main

import (
	"errors"
	"sync"
	"syscall/js"

	"github.com/edgeflix/edgeflix/wasm/errdetail"
)

// startStream is the start segment's download, begun while the
// MediaSource opens (Engine.prefetchStart). Its body is appended as it
// arrives (Engine.appendStream): the first picture waits for the first
// frames of the segment, not for all of it.
type startStream struct {
	// key is the URL and byte range, as fetchMedia keys a prefetch.
	key   string
	abort js.Value // the download's AbortController

	mu     sync.Mutex
	chunks []js.Value // arrived and not yet taken
	size   int        // bytes in chunks
	done   bool
	res    fetched // n, took and err once done
	// more is signalled whenever chunks or done change.
	more chan struct{}
}

// streamStart starts downloading u (byte range rng; the fetch goes to
// fresh, u with the current token) on its own goroutine.
func streamStart(u, fresh, rng string) *startStream {
	s := &startStream{key: u + " " + rng, abort: global.Get("AbortController").New(), more: make(chan struct{}, 1)}
	go func() {
		var p fetchProgress
		start := 0.0
		resp, err := openBody(fresh, rng, s.abort.Get("signal"))
		if err == nil {
			start = now()
			err = readChunks(resp, &p, func(c js.Value) {
				s.mu.Lock()
				s.chunks = append(s.chunks, c)
				s.size += c.Get("byteLength").Int()
				s.mu.Unlock()
				s.signal()
			})
		}
		s.mu.Lock()
		s.done, s.res = true, fetched{n: p.loaded, took: now() - start, err: err}
		s.mu.Unlock()
		s.signal()
	}()
	return s
}

func (s *startStream) signal() {
	select {
	case s.more <- struct{}{}:
	default:
	}
}

// take returns the chunks arrived so far joined into one (undefined if
// none) and whether the download has ended.
func (s *startStream) take() (js.Value, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data := js.Undefined()
	if len(s.chunks) > 0 {
		data = concat(s.chunks, s.size)
		s.chunks, s.size = nil, 0
	}
	return data, s.done
}

// appendStream appends s's body to b as it arrives, asking the video to
// play once the first piece is in, and returns the body's length and
// time. If the download fails midway, the SourceBuffer's parser is reset
// so that the whole segment can be appended again over the part that
// arrived.
func (e *Engine) appendStream(b *buffer, s *startStream) (int, float64, error) {
	for {
		select {
		case <-s.more:
		case <-e.stop:
			s.abort.Call("abort")
			return 0, 0, errdetail.Wrap(errFatal, "stopped")
		}
		data, done := s.take()
		if !data.IsUndefined() {
			if err := e.appendData(b, data); err != nil {
				s.abort.Call("abort")
				return 0, 0, err
			}
			e.autoplayOnce()
		}
		if !done {
			continue
		}
		if data, _ := s.take(); !data.IsUndefined() { // arrived between the append and the end
			if err := e.appendData(b, data); err != nil {
				return 0, 0, err
			}
		}
		if s.res.err != nil {
			_ = try(func() { b.sb.Call("abort") })
			return 0, 0, errors.Join(errStreamBroken, s.res.err)
		}
		return s.res.n, s.res.took, nil
	}
}

// errStreamBroken marks a start segment whose download failed after part
// of it was appended; it is fetched again whole.
var errStreamBroken = errors.New("start segment download broke off")
