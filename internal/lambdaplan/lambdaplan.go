// Package lambdaplan turns the edge function verbs (upload, activate,
// split, rollback, versions) into what Lambda@Edge and the Terraform in
// infrastructure/modules/edge need: the shell commands that rebuild the
// zips with the current JWKS and publish numbered versions, and the
// Terraform variables (pinned_versions for promote and rollback; the
// staging_* variables of a CloudFront continuous-deployment staging
// distribution for canaries).
package lambdaplan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxStagingWeight is CloudFront continuous deployment's largest staging share.
const MaxStagingWeight = 0.15

// ErrPlan reports arguments that cannot become a plan.
var ErrPlan = errors.New("lambdaplan: invalid")

// Functions names the two Lambda@Edge functions.
type Functions struct {
	Viewer, Origin string
}

// Names are the function names the edge module gives name (its var.name).
func Names(name string) Functions {
	return Functions{Viewer: name + "-viewer-request", Origin: name + "-origin-request"}
}

// Pair is a published version of each function.
type Pair struct{ Viewer, Origin int }

// ParsePair reads "V" (both functions) or "V/O".
func ParsePair(s string) (Pair, error) {
	v, o, two := strings.Cut(s, "/")
	pv, err1 := strconv.Atoi(v)
	po := pv
	var err2 error
	if two {
		po, err2 = strconv.Atoi(o)
	}
	if err1 != nil || err2 != nil || pv < 1 || po < 1 {
		return Pair{}, fmt.Errorf("%w: version %q: want N or VIEWER/ORIGIN published version numbers", ErrPlan, s)
	}
	return Pair{pv, po}, nil
}

// Plan is what to run and which Terraform variables to set.
type Plan struct {
	Commands [][]string     `json:"commands,omitempty"`
	TFVars   map[string]any `json:"tfvars,omitempty"`
	Notes    []string       `json:"notes,omitempty"`
}

// Upload rebuilds both zips with the key set at jwksURL (so a key
// rotation needs no code change) and publishes a version of each function.
func Upload(f Functions, jwksURL, zipDir string) Plan {
	return Plan{
		Commands: [][]string{
			{"make", "lambda", "JWKS=" + jwksURL},
			{"aws", "lambda", "update-function-code", "--region", "us-east-1", "--function-name", f.Viewer, "--zip-file", "fileb://" + zipDir + "/viewer-request.zip", "--publish"},
			{"aws", "lambda", "update-function-code", "--region", "us-east-1", "--function-name", f.Origin, "--zip-file", "fileb://" + zipDir + "/origin-request.zip", "--publish"},
		},
		Notes: []string{"each update-function-code --publish answers the published Version; pass VIEWER/ORIGIN to split, activate or rollback"},
	}
}

// Versions lists the published versions.
func Versions(f Functions) Plan {
	return Plan{Commands: [][]string{
		{"aws", "lambda", "list-versions-by-function", "--region", "us-east-1", "--function-name", f.Viewer},
		{"aws", "lambda", "list-versions-by-function", "--region", "us-east-1", "--function-name", f.Origin},
	}}
}

// Split sends percent of requests (at most 15 %) and every request with
// the staging header to p through the staging distribution.
func Split(p Pair, percent float64, headerValue string) (Plan, error) {
	w := percent / 100
	if w < 0 || w > MaxStagingWeight || percent != percent {
		return Plan{}, fmt.Errorf("%w: CloudFront continuous deployment sends 0–15 %% to staging, not %g %%", ErrPlan, percent)
	}
	if headerValue == "" {
		return Plan{}, fmt.Errorf("%w: a staging header value is needed", ErrPlan)
	}
	return Plan{
		TFVars: map[string]any{
			"staging_viewer_request_version": strconv.Itoa(p.Viewer),
			"staging_origin_request_version": strconv.Itoa(p.Origin),
			"staging_traffic_weight":         w,
			"staging_header_value":           headerValue,
		},
		Notes: []string{"terraform apply; CloudFront's staging distribution does not serve HTTP/3, and its weight policy keeps a viewer on staging by session stickiness"},
	}, nil
}

// Activate pins p on the primary distribution and removes the staging one.
func Activate(p Pair) Plan {
	return Plan{TFVars: map[string]any{
		"pinned_versions":                map[string]string{"viewer_request": strconv.Itoa(p.Viewer), "origin_request": strconv.Itoa(p.Origin)},
		"staging_viewer_request_version": nil,
		"staging_origin_request_version": nil,
	}, Notes: []string{"terraform apply; Lambda@Edge replicas of the old version keep serving for minutes while CloudFront deploys"}}
}

// Rollback pins the earlier pair to (the version last at 100 %).
func Rollback(to Pair) Plan {
	pl := Activate(to)
	pl.Notes = append(pl.Notes, "do not delete the rolled-back version: Lambda@Edge replicas outlive a delete by hours")
	return pl
}
