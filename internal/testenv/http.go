package testenv

import (
	"io"
	"net/http"
	"testing"
)

// rawClient does not ask for gzip on its own, so a test sees the answer as
// the server sent it (Content-Encoding, Content-Length and body included).
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// Do sends a request without a body to url with header set, reads the
// whole answer and closes it. A transport or read error fails the test;
// any HTTP status is the caller's to check. The response's Body is spent:
// use the returned bytes.
func Do(t testing.TB, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp, body
}

// Get is Do with GET.
func Get(t testing.TB, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	return Do(t, http.MethodGet, url, header)
}
