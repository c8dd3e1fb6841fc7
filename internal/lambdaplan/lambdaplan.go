// Package lambdaplan turns the edge function verbs (upload, activate,
// split, rollback, versions) into what Lambda@Edge and the Terraform in
// infrastructure/modules/edge need: the shell commands that rebuild the
// zips with the current JWKS and publish numbered versions, and the
// Terraform variables (pinned_versions for promote and rollback; the
// staging_* variables of a CloudFront continuous-deployment staging
// distribution for canaries).
package lambdaplan

import (
	"crypto/rand"
	"encoding/hex"
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
	// Commands run in order; a failed one stops the run. A self-test
	// step (SelfTestCommand) is run by the edgeflix CLI itself.
	Commands [][]string `json:"commands,omitempty"`
	// TFVars are written (merged) into TFDir/TFVarsFile before Commands run.
	TFVars map[string]any `json:"tfvars,omitempty"`
	TFDir  string         `json:"tf_dir,omitempty"`
	Notes  []string       `json:"notes,omitempty"`
}

// TFVarsFile is the file in a Terraform root that holds the function
// versions' variables; Terraform loads *.auto.tfvars.json by itself, so
// later applies keep them.
const TFVarsFile = "edgeflix-fn.auto.tfvars.json"

// Terraform makes pl write its TFVars into the Terraform root dir and run
// terraform apply there.
func (pl Plan) Terraform(dir string) Plan {
	pl.TFDir = dir
	pl.Commands = append(pl.Commands, []string{"terraform", "-chdir=" + dir, "apply"})
	return pl
}

// SelfTestCommand is the step that runs the edge self-test (the corpus,
// and the operator cases in casesFile if not empty) on module.
func SelfTestCommand(module, casesFile string) []string {
	c := []string{"edgeflix", "fn", "test", "--target", "aws", "--module", module}
	if casesFile != "" {
		c = append(c, "--cases", casesFile)
	}
	return c
}

// SelfTestArgs reports whether c is a SelfTestCommand and returns its
// module and cases file.
func SelfTestArgs(c []string) (module, casesFile string, ok bool) {
	if len(c) < 7 || c[0] != "edgeflix" || c[1] != "fn" || c[2] != "test" || c[5] != "--module" {
		return "", "", false
	}
	if len(c) == 9 && c[7] == "--cases" {
		casesFile = c[8]
	}
	return c[6], casesFile, true
}

// Upload rebuilds both zips with the key set at jwksURL (so a key
// rotation needs no code change), self-tests the module the zips hold
// (with the operator cases in casesFile, if any) and only then publishes
// a version of each function.
func Upload(f Functions, jwksURL, zipDir, casesFile string) Plan {
	return Plan{
		Commands: [][]string{
			{"make", "lambda", "JWKS=" + jwksURL},
			SelfTestCommand(zipDir+"/bundle/edge.wasm", casesFile),
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

// NewStagingHeader is a random staging header value (16 hex digits) for
// a Split whose operator named none.
func NewStagingHeader() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
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
