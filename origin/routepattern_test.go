package origin

import "testing"

func TestRoutePattern(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/titles":                     "/v1/titles",
		"/v1/titles/t-123":               "/v1/titles/{id}",
		"/v1/titles/t-123/extra":         "unmatched",
		"/v1/playback/abc":               "/v1/playback/{sid}",
		"/v1/playback/abc/heartbeat":     "/v1/playback/{sid}/heartbeat",
		"/v1/playback/abc/qoe":           "/v1/playback/{sid}/qoe",
		"/v1/playback/abc/other":         "unmatched",
		"/v1/profiles/9/select":          "/v1/profiles/{id}/select",
		"/v1/media/a/720p/seg_00001.m4s": "/v1/media/*",
		"/app/player.wasm":               "/app/*",
		"/v1/operator/titles/x/seasons":  "/v1/operator/titles/*",
		"/v1/operator/qoe":               "/v1/operator/qoe",
		"/readyz":                        "/readyz",
		"/random/path":                   "unmatched",
		"/v1//titles":                    "unmatched",
		"/wp-login.php":                  "unmatched",
	} {
		if got := routePattern(path); got != want {
			t.Errorf("routePattern(%q) = %q, want %q", path, got, want)
		}
	}
}
