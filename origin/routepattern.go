package origin

import "strings"

// exactRoutes are the origin's fixed paths; each is its own route label.
var exactRoutes = map[string]bool{
	"/": true, "/app": true, "/healthz": true, "/readyz": true,
	"/.well-known/oauth-authorization-server": true, "/.well-known/jwks.json": true, OpenIDConfigurationPath: true,
	"/v1/accounts": true, "/v1/account": true,
	"/oauth/authorize": true, "/oauth/token": true, "/oauth/device_authorization": true, "/oauth/revoke": true,
	"/v1/device/approve": true, "/v1/device/deny": true,
	"/v1/profiles": true, "/v1/devices": true, "/v1/titles": true, "/v1/browse/home": true, "/v1/search": true,
	"/v1/my-list": true, "/v1/playback": true, "/v1/operator/titles": true, "/v1/operator/qoe": true,
}

// routePattern is the route label of a request path for metrics: the
// route's pattern with its variable segments named ({id}, {sid}, *), so
// the label set stays bounded whatever paths clients send. Paths that
// match no route are "unmatched".
//
// observe: when the origin's routes move into one table, the table's
// pattern should replace this function.
func routePattern(p string) string {
	if exactRoutes[p] {
		return p
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for _, s := range segs {
		if s == "" {
			return "unmatched"
		}
	}
	switch {
	case strings.HasPrefix(p, "/v1/media/"):
		return "/v1/media/*"
	case strings.HasPrefix(p, "/app/"):
		return "/app/*"
	case strings.HasPrefix(p, "/v1/operator/titles/"):
		return "/v1/operator/titles/*"
	}
	if len(segs) < 3 || segs[0] != "v1" {
		return "unmatched"
	}
	switch {
	case len(segs) == 3 && (segs[1] == "titles" || segs[1] == "my-list" || segs[1] == "devices" || segs[1] == "profiles"):
		return "/v1/" + segs[1] + "/{id}"
	case len(segs) == 4 && segs[1] == "profiles" && segs[3] == "select":
		return "/v1/profiles/{id}/select"
	case len(segs) == 3 && segs[1] == "playback":
		return "/v1/playback/{sid}"
	case len(segs) == 4 && segs[1] == "playback" && (segs[3] == "heartbeat" || segs[3] == "qoe"):
		return "/v1/playback/{sid}/" + segs[3]
	}
	return "unmatched"
}
