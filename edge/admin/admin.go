// Package admin is an edge's operator API for function versions, served
// on its own listener (loopback by default, never the public port): list
// and upload versions, self-test, activate, split, roll back, status, and
// the edge's Prometheus /metrics. Every call but /metrics needs the admin
// token as "Authorization: Bearer <token>", compared in constant time and
// never logged. Client is the matching client the CLI uses.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/edgeflix/edgeflix/edge/selftest"
	"github.com/edgeflix/edgeflix/edge/traffic"
	"github.com/edgeflix/edgeflix/edge/versions"
)

// TokenEnv is the environment variable holding the admin token, for the
// edge and the CLI alike.
const TokenEnv = "EDGEFLIX_ADMIN_TOKEN"

// maxBody bounds a request body: a base64 module at versions.MaxModuleBytes.
const maxBody = versions.MaxModuleBytes/3*4 + 1<<20

// UploadRequest is the body of POST /v1/fn/versions.
type UploadRequest struct {
	Module  []byte          `json:"module"` // base64 in JSON
	Config  versions.Config `json:"config"`
	Tag     string          `json:"tag,omitempty"`
	Message string          `json:"message,omitempty"`
}

// UploadAnswer answers an upload.
type UploadAnswer struct {
	Version versions.Meta `json:"version"`
	Created bool          `json:"created"` // false: the same content was already stored
}

// TestRequest is the body of POST /v1/fn/versions/{n}/test.
type TestRequest struct {
	Cases []selftest.Case `json:"cases,omitempty"`
}

// TrafficRequest is the body of POST /v1/fn/activate and /v1/fn/split.
type TrafficRequest struct {
	Version int     `json:"version"`
	Percent float64 `json:"percent"`
}

// VersionsAnswer answers GET /v1/fn/versions.
type VersionsAnswer struct {
	Versions []traffic.Listed `json:"versions"`
	Status   traffic.Status   `json:"status"`
}

// ErrorAnswer is the body of every error.
type ErrorAnswer struct {
	Error string `json:"error"`
}

// Handler serves the admin API for r with token; metrics, if not nil,
// serves /metrics.
func Handler(r *traffic.Router, token string, metrics http.Handler, logger *slog.Logger) (http.Handler, error) {
	if len(token) < 16 {
		return nil, errors.New("admin: the admin token must be at least 16 characters")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	want := sha256.Sum256([]byte(token))
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	a := api{r: r, log: logger}
	mux.HandleFunc("GET /v1/fn/versions", a.versions)
	mux.HandleFunc("POST /v1/fn/versions", a.upload)
	mux.HandleFunc("POST /v1/fn/versions/{n}/test", a.test)
	mux.HandleFunc("GET /v1/fn/status", a.status)
	mux.HandleFunc("POST /v1/fn/activate", a.activate)
	mux.HandleFunc("POST /v1/fn/split", a.split)
	mux.HandleFunc("POST /v1/fn/rollback", a.rollback)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/metrics" {
			got := sha256.Sum256([]byte(bearer(req)))
			if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="edgeflix-edge-admin"`)
				writeJSON(w, http.StatusUnauthorized, ErrorAnswer{"admin token missing or wrong"})
				return
			}
		}
		req.Body = http.MaxBytesReader(w, req.Body, maxBody)
		mux.ServeHTTP(w, req)
	}), nil
}

func bearer(req *http.Request) string {
	const p = "Bearer "
	h := req.Header.Get("Authorization")
	if len(h) > len(p) && h[:len(p)] == p {
		return h[len(p):]
	}
	return ""
}

type api struct {
	r   *traffic.Router
	log *slog.Logger
}

func (a api) versions(w http.ResponseWriter, _ *http.Request) {
	list, err := a.r.Versions()
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, VersionsAnswer{Versions: list, Status: a.r.Status()})
}

func (a api) upload(w http.ResponseWriter, req *http.Request) {
	var u UploadRequest
	if !decode(w, req, &u) {
		return
	}
	m, created, err := a.r.Upload(u.Module, u.Config, u.Tag, u.Message)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.log.Info("admin: version uploaded", "version", m.Number, "hash", m.Hash, "created", created)
	code := http.StatusCreated
	if !created {
		code = http.StatusOK
	}
	writeJSON(w, code, UploadAnswer{Version: m, Created: created})
}

func (a api) test(w http.ResponseWriter, req *http.Request) {
	n, err := strconv.Atoi(req.PathValue("n"))
	if err != nil || n <= 0 {
		writeJSON(w, http.StatusBadRequest, ErrorAnswer{"version number must be a positive integer"})
		return
	}
	var t TestRequest
	if req.ContentLength != 0 && !decode(w, req, &t) {
		return
	}
	rep, err := a.r.Test(req.Context(), n, t.Cases)
	if err != nil {
		a.fail(w, err)
		return
	}
	code := http.StatusOK
	if !rep.Passed {
		code = http.StatusUnprocessableEntity
	}
	writeJSON(w, code, rep)
}

func (a api) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, a.r.Status())
}

func (a api) activate(w http.ResponseWriter, req *http.Request) {
	var t TrafficRequest
	if !decode(w, req, &t) {
		return
	}
	a.answer(w, func() (traffic.Status, error) { return a.r.Activate(req.Context(), t.Version) })
}

func (a api) split(w http.ResponseWriter, req *http.Request) {
	var t TrafficRequest
	if !decode(w, req, &t) {
		return
	}
	a.answer(w, func() (traffic.Status, error) { return a.r.Split(req.Context(), t.Version, t.Percent) })
}

func (a api) rollback(w http.ResponseWriter, req *http.Request) {
	a.answer(w, func() (traffic.Status, error) { return a.r.Rollback(req.Context()) })
}

func (a api) answer(w http.ResponseWriter, f func() (traffic.Status, error)) {
	st, err := f()
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// fail maps an error to a status.
func (a api) fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, versions.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, versions.ErrInvalid), errors.Is(err, traffic.ErrState):
		code = http.StatusBadRequest
	case errors.Is(err, traffic.ErrRefused), errors.Is(err, versions.ErrCorrupt):
		code = http.StatusUnprocessableEntity
	}
	if code == http.StatusInternalServerError {
		a.log.Error("admin: request failed", "err", err)
	}
	writeJSON(w, code, ErrorAnswer{err.Error()})
}

func decode(w http.ResponseWriter, req *http.Request, v any) bool {
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorAnswer{fmt.Sprintf("request body: %v", err)})
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeJSON(w, http.StatusBadRequest, ErrorAnswer{"request body: trailing data after the JSON object"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
