//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"syscall/js"
)

var global = js.Global()

// errHTTP is wrapped by errors for non-2xx HTTP answers.
var errHTTP = errors.New("http error")

// httpError is a non-2xx answer; Detail comes from a problem+json body.
type httpError struct {
	Status int
	Detail string
}

func (e *httpError) Error() string {
	if e.Detail != "" {
		return strconv.Itoa(e.Status) + ": " + e.Detail
	}
	return "HTTP " + strconv.Itoa(e.Status)
}

func (e *httpError) Unwrap() error { return errHTTP }

// httpStatus returns the status of the first *httpError in err's chain,
// 0 if there is none: errors.As without the reflection it links in.
func httpStatus(err error) int {
	for ; err != nil; err = errors.Unwrap(err) {
		if he, ok := err.(*httpError); ok {
			return he.Status
		}
	}
	return 0
}

// await blocks the calling goroutine until the JS promise p settles. It must
// never run on the goroutine of a JS callback: callbacks start goroutines.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "promise rejected"
		if len(args) > 0 {
			msg = jsErrorString(args[0])
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	r := <-ch
	return r.v, r.err
}

// jsErrorString describes a thrown JS value.
func jsErrorString(v js.Value) string {
	if v.Type() == js.TypeObject {
		name, msg := v.Get("name"), v.Get("message")
		if msg.Type() == js.TypeString {
			if name.Type() == js.TypeString {
				return name.String() + ": " + msg.String()
			}
			return msg.String()
		}
	}
	return v.String()
}

// try runs f and turns a JS exception (a js.Error panic) into an error.
func try(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = errors.New(jsErrorString(je.Value))
				return
			}
			err = errors.New(panicString(r))
		}
	}()
	f()
	return nil
}

// request describes one fetch.
type request struct {
	method  string
	url     string
	headers map[string]string
	body    string
	// signal is an AbortSignal that cancels the request; undefined for none.
	signal js.Value
}

// doFetch runs window.fetch and returns the Response once headers arrive.
func doFetch(r request) (js.Value, error) {
	read := decorateMedia(&r) // observe: CMCD on media requests (observe.go)
	init := map[string]any{"method": r.method}
	if r.method == "" {
		init["method"] = "GET"
	}
	if len(r.headers) > 0 {
		h := map[string]any{}
		for k, v := range r.headers {
			h[k] = v
		}
		init["headers"] = h
	}
	if r.body != "" {
		init["body"] = r.body
	}
	if !r.signal.IsUndefined() {
		init["signal"] = r.signal
	}
	var p js.Value
	if err := try(func() { p = global.Call("fetch", r.url, init) }); err != nil {
		return js.Value{}, err
	}
	resp, err := await(p)
	if err == nil && read != nil {
		read(resp)
	}
	return resp, err
}

// fetchText fetches r and returns the status and body text.
func fetchText(r request) (int, string, error) {
	resp, err := doFetch(r)
	if err != nil {
		return 0, "", err
	}
	text, err := await(resp.Call("text"))
	if err != nil {
		return 0, "", err
	}
	return resp.Get("status").Int(), text.String(), nil
}

// fetchProgress is how far a download got, updated as its body arrives.
type fetchProgress struct {
	// loaded counts the bytes arrived; total is the Content-Length, 0 if
	// unknown.
	loaded, total int
}

// fetchBytes fetches url (with an optional Range header) and returns the
// body as a JS Uint8Array, its length and how many seconds the body took
// from the response headers on: the throughput the estimator wants, not
// the round trip before it (which a switch decision does not scale).
// signal (an AbortSignal, or undefined) cancels it; p, if not nil, follows
// the body as it streams in.
func fetchBytes(url, byteRange string, signal js.Value, p *fetchProgress) (js.Value, int, float64, error) {
	r := request{url: url, signal: signal}
	if byteRange != "" {
		r.headers = map[string]string{"Range": byteRange}
	}
	resp, err := doFetch(r)
	if err != nil {
		return js.Value{}, 0, 0, err
	}
	if !resp.Get("ok").Bool() {
		return js.Value{}, 0, 0, &httpError{Status: resp.Get("status").Int()}
	}
	start := now()
	if p == nil || !resp.Get("body").Truthy() {
		buf, err := await(resp.Call("arrayBuffer"))
		if err != nil {
			return js.Value{}, 0, 0, err
		}
		data := global.Get("Uint8Array").New(buf)
		return data, data.Get("byteLength").Int(), now() - start, nil
	}
	if n, err := strconv.Atoi(resp.Get("headers").Call("get", "content-length").String()); err == nil {
		p.total = n
	}
	reader := resp.Get("body").Call("getReader")
	var chunks []js.Value
	for {
		c, err := await(reader.Call("read"))
		if err != nil {
			return js.Value{}, 0, 0, err
		}
		if c.Get("done").Bool() {
			break
		}
		chunks = append(chunks, c.Get("value"))
		p.loaded += c.Get("value").Get("byteLength").Int()
	}
	data := global.Get("Uint8Array").New(p.loaded)
	off := 0
	for _, c := range chunks {
		data.Call("set", c, off)
		off += c.Get("byteLength").Int()
	}
	return data, p.loaded, now() - start, nil
}
