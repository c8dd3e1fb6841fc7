//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/edgeflix/edgeflix/player/vtt"
)

// exportAPI sets window.edgeflix, the engine's JavaScript API:
//
//	edgeflix.load(video, masterURL, options) → Promise<player>
//
// options (all optional): maxHeight (px), autoplay (bool), startAt (s),
// languages (preferred audio languages, best first), subtitle (stored
// choice: a language or "off"), and for a playback session's CMCD and
// QoE: session (its id), content (the title id), cmcd ("query", the
// default, "headers" or "off") and askedAgoMs (how long ago the viewer
// asked to play, for the startup time). A failed load rejects with an
// Error; with a session, its qoe property holds the final QoE report.
//
// The player: state() (the window.edgeflixPlayer object), stats() (a
// one-line summary), setAudio(i) and setSubtitle(i) (Promises; -1 turns
// subtitles off), renew(manifestURL) (bool), thumbnail(t) ({url, x, y, w,
// h} or null), qoe(final) (the session's QoE report as JSON, "" without a
// session; final ends the measurement) and stop().
func exportAPI() {
	api := global.Get("Object").New()
	api.Set("load", js.FuncOf(load))
	global.Set("edgeflix", api)
}

// loadError is a failed load with the session's final QoE report.
type loadError struct {
	error
	qoe string
}

func load(_ js.Value, args []js.Value) any {
	if len(args) < 2 || args[1].Type() != js.TypeString {
		return promise(func() (any, error) {
			return nil, errors.New("edgeflix.load(video, masterURL, options): masterURL must be a string")
		})
	}
	video, masterURL, o := args[0], args[1].String(), js.Undefined()
	if len(args) > 2 && args[2].Type() == js.TypeObject {
		o = args[2]
	}
	opt := EngineOptions{
		MaxHeight: int(number(o, "maxHeight")), Autoplay: o.Truthy() && o.Get("autoplay").Truthy(),
		StartAt: number(o, "startAt"), Languages: stringList(o, "languages"), Subtitle: text(o, "subtitle"),
	}
	var obs *observer
	if sid := text(o, "session"); sid != "" {
		obs = startObserving(sid, text(o, "content"), text(o, "cmcd"), nowMS()-number(o, "askedAgoMs"))
	}
	return promise(func() (any, error) {
		e, err := NewEngine(video, masterURL, opt)
		if err != nil {
			if obs != nil {
				obs.failed(err)
				return nil, &loadError{err, obs.finish()}
			}
			return nil, err
		}
		e.Start()
		if obs != nil {
			obs.attach(e, video)
		}
		return e.jsPlayer(obs), nil
	})
}

// jsPlayer is e's JavaScript face; obs is its session's observer, nil
// without a session.
func (e *Engine) jsPlayer(obs *observer) js.Value {
	p := global.Get("Object").New()
	method := func(name string, f func(args []js.Value) any) {
		p.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) any { return f(args) }))
	}
	index := func(args []js.Value) int {
		if len(args) == 0 || args[0].Type() != js.TypeNumber {
			return -1
		}
		return args[0].Int()
	}
	method("state", func([]js.Value) any { return e.debug })
	method("stats", func([]js.Value) any { return e.stats() })
	method("setAudio", func(args []js.Value) any {
		i := index(args)
		return promise(func() (any, error) { return nil, e.SetAudio(i) })
	})
	method("setSubtitle", func(args []js.Value) any {
		i := index(args)
		return promise(func() (any, error) { return nil, e.SetSubtitle(i) })
	})
	method("renew", func(args []js.Value) any {
		return len(args) > 0 && args[0].Type() == js.TypeString && e.Renew(args[0].String())
	})
	method("thumbnail", func(args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeNumber {
			return nil
		}
		img, th, ok := e.Thumbnail(args[0].Float())
		if !ok {
			return nil
		}
		return thumbObject(img, th)
	})
	method("qoe", func(args []js.Value) any {
		if obs == nil {
			return ""
		}
		if len(args) > 0 && args[0].Truthy() {
			return obs.finish()
		}
		return obs.report()
	})
	method("stop", func([]js.Value) any {
		e.Stop()
		return nil
	})
	return p
}

func thumbObject(img string, th vtt.Thumbnail) map[string]any {
	return map[string]any{"url": img, "x": th.X, "y": th.Y, "w": th.W, "h": th.H}
}

// promise runs run on its own goroutine (it may block: fetch, await) and
// returns a Promise of its result.
func promise(run func() (any, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := run()
			if err != nil {
				jsErr := global.Get("Error").New(err.Error())
				if le, ok := err.(*loadError); ok {
					jsErr.Set("qoe", le.qoe)
				}
				reject.Invoke(jsErr)
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	defer executor.Release() // the Promise constructor calls it at once
	return global.Get("Promise").New(executor)
}

// number, text and stringList read an option; a missing or mistyped one
// reads as zero.
func number(o js.Value, key string) float64 {
	if v := field(o, key); v.Type() == js.TypeNumber {
		return v.Float()
	}
	return 0
}

func text(o js.Value, key string) string {
	if v := field(o, key); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

func stringList(o js.Value, key string) []string {
	v := field(o, key)
	if !global.Get("Array").Call("isArray", v).Bool() {
		return nil
	}
	var out []string
	for i := 0; i < v.Length(); i++ {
		if s := v.Index(i); s.Type() == js.TypeString {
			out = append(out, s.String())
		}
	}
	return out
}

func field(o js.Value, key string) js.Value {
	if o.Type() != js.TypeObject {
		return js.Undefined()
	}
	return o.Get(key)
}
