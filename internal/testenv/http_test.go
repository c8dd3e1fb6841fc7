package testenv_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

// TestDoShowsTheAnswerAsSent: Do sends the method and headers given, and
// returns the body as the server wrote it, a gzip body included (Go's
// transport would otherwise ask for gzip itself and decode it, hiding
// Content-Encoding and Content-Length from tests of compression).
func TestDoShowsTheAnswerAsSent(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("hello"))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Range", r.Header.Get("Range"))
		w.Header().Set("X-Accept-Encoding", r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusTeapot)
		w.Write(gz.Bytes())
	}))
	defer srv.Close()
	resp, body := testenv.Do(t, http.MethodPut, srv.URL, map[string]string{"Range": "bytes=0-1"})
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Method") != http.MethodPut || resp.Header.Get("X-Range") != "bytes=0-1" {
		t.Errorf("status %d, server saw %v", resp.StatusCode, resp.Header)
	}
	if ae := resp.Header.Get("X-Accept-Encoding"); ae != "" {
		t.Errorf("the request asked for Accept-Encoding %q on its own", ae)
	}
	if !bytes.Equal(body, gz.Bytes()) || resp.Header.Get("Content-Encoding") != "gzip" || resp.Uncompressed {
		t.Errorf("body %q (Content-Encoding %q, uncompressed %v), want the gzip bytes as sent", body, resp.Header.Get("Content-Encoding"), resp.Uncompressed)
	}
	if resp, body := testenv.Get(t, srv.URL, nil); resp.Header.Get("X-Method") != http.MethodGet || !bytes.Equal(body, gz.Bytes()) {
		t.Errorf("Get: server saw %s, body %q", resp.Header.Get("X-Method"), body)
	}
}
