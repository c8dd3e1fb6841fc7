package testenv

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/internal/health"
)

// CheckHealth gets a health probe at url (internal/health's answer) and
// reports an HTTP status other than status, checks whose statuses differ
// from checks (by name, none more or fewer), and a body that contains any
// of forbidden (addresses, user names, error text).
func CheckHealth(t testing.TB, url string, status int, checks map[string]string, forbidden ...string) {
	t.Helper()
	resp, body := Get(t, url, nil)
	var a health.Answer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%s: %v in %q", url, err, body)
	}
	if resp.StatusCode != status || len(a.Checks) != len(checks) {
		t.Errorf("%s: %d %s, want %d %v", url, resp.StatusCode, body, status, checks)
	}
	for name, want := range checks {
		if got := a.Checks[name].Status; got != want {
			t.Errorf("%s: %s is %q, want %q (%s)", url, name, got, want, body)
		}
	}
	for _, s := range forbidden {
		if strings.Contains(string(body), s) {
			t.Errorf("%s names %q: %s", url, s, body)
		}
	}
}
