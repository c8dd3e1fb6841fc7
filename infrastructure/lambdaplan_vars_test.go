package infrastructure_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/edgeflix/edgeflix/internal/lambdaplan"
)

func init() {
	// pinned_versions' validation uses Terraform's alltrue, which go-cty's
	// standard library does not have.
	validationFunctions["alltrue"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				if !v.IsKnown() || v.IsNull() || v.False() {
					return cty.False, nil
				}
			}
			return cty.True, nil
		},
	})
}

// TestFnPlanVariablesExistAndValidate: every Terraform variable `edgeflix
// fn … --target aws` emits (internal/lambdaplan, for split at both ends
// of its range, activate and rollback) is declared by the edge module and
// by each env that runs it, and passes their validation blocks.
func TestFnPlanVariablesExistAndValidate(t *testing.T) {
	files := loadTree(t, ".")
	var plans []lambdaplan.Plan
	for _, s := range []struct {
		percent float64
		header  string
	}{{0, lambdaplan.NewStagingHeader()}, {15, "smoke-1"}, {2.5, lambdaplan.NewStagingHeader()}} {
		p, err := lambdaplan.Split(lambdaplan.Pair{Viewer: 7, Origin: 5}, s.percent, s.header)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, p)
	}
	plans = append(plans, lambdaplan.Activate(lambdaplan.Pair{Viewer: 12, Origin: 3}), lambdaplan.Rollback(lambdaplan.Pair{Viewer: 1, Origin: 1}))
	seen := 0
	for _, p := range plans {
		for name, v := range p.TFVars {
			val := toCty(t, v)
			for _, dir := range []string{"modules/edge", "envs/production", "envs/staging"} {
				dir = filepath.Clean(dir)
				if _, declared := moduleVars(files, dir)[name]; !declared {
					t.Errorf("%s: variable %s is not declared", dir, name)
					continue
				}
				if hasValidation(files, dir, name) && !validationAccepts(files, dir, name, val) {
					t.Errorf("%s: %s = %#v is refused by its validation", dir, name, val)
				}
				seen++
			}
		}
	}
	// The checks can refuse: a value outside a range is caught.
	for name, v := range map[string]any{"pinned_versions": map[string]string{"viewer_request": "$LATEST", "origin_request": "3"}, "staging_traffic_weight": 0.2, "staging_header_value": "a b"} {
		if validationAccepts(files, "modules/edge", name, toCty(t, v)) {
			t.Errorf("%s = %v accepted, want refused", name, v)
		}
	}
	if seen < 3*6 {
		t.Fatalf("only %d variable checks: the plans emit fewer variables than expected", seen)
	}
}

// toCty converts a plan value as Terraform reads it from a .tfvars.json
// file; a null becomes a null string (every nullable variable here is one).
func toCty(t *testing.T, v any) cty.Value {
	t.Helper()
	if v == nil {
		return cty.NullVal(cty.String)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var s ctyjson.SimpleJSONValue
	if err := s.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	return s.Value
}

func hasValidation(files []*tfFile, dir, name string) bool {
	for _, vb := range topBlocks(files, "variable", name) {
		if vb.file.dir == dir && len(nested(vb.body, "validation")) > 0 {
			return true
		}
	}
	return false
}
