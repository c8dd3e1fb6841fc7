package selftest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

var cache = wazero.NewCompilationCache()

func TestRun(t *testing.T) {
	goodSegment := json.RawMessage(`{"Records":[{"cf":{"config":{"eventType":"viewer-request"},"request":{"method":"GET","querystring":"","headers":{},"uri":"/t/{{TOKEN_A1}}/v1/media/a1/720p/seg_00042.m4s"}}}]}`)
	cases := []struct {
		name       string
		module     []byte
		cases      []Case
		passed     bool
		failed     []string // must be among the failed cases
		errPrefix  string
		allFailing bool
	}{
		{name: "release module passes the corpus", module: wasmbuild.Edge(t), passed: true},
		{name: "operator case passes", module: wasmbuild.Edge(t), passed: true,
			cases: []Case{{Name: "segment 42", Event: goodSegment, Status: "request", URI: "/v1/media/a1/720p/seg_00042.m4s"}}},
		{name: "operator case with a wrong expectation fails by name", module: wasmbuild.Edge(t),
			cases:  []Case{{Name: "expects a 403", Event: goodSegment, Status: "403"}},
			failed: []string{"operator/expects a 403"}},
		{name: "a version that denies everything is refused", module: wasmbuild.EdgeFault(t, "deny_all"),
			failed: []string{"vr_good_master", "vr_good_segment"}},
		{name: "a version that traps on later segments fails the operator case", module: wasmbuild.EdgeFault(t, "trap_segments"),
			cases:  []Case{{Name: "segment 42", Event: goodSegment, Status: "request", URI: "/v1/media/a1/720p/seg_00042.m4s"}},
			failed: []string{"operator/segment 42"}},
		{name: "not a module", module: []byte("\x00asm garbage"), errPrefix: "abi: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := Run(context.Background(), c.module, Options{Cases: c.cases, Cache: cache})
			if rep.Passed != c.passed {
				t.Fatalf("passed=%v, want %v: %s", rep.Passed, c.passed, rep.Summary())
			}
			if c.errPrefix != "" && !strings.HasPrefix(rep.Error, c.errPrefix) {
				t.Fatalf("error %q, want prefix %q", rep.Error, c.errPrefix)
			}
			if c.errPrefix == "" && len(rep.Cases) < 24+len(c.cases) {
				t.Fatalf("ran %d cases, want the corpus and the operator's", len(rep.Cases))
			}
			for _, name := range c.failed {
				if !slices.Contains(rep.Failed, name) {
					t.Fatalf("failed %v, want %s among them", rep.Failed, name)
				}
				if !strings.Contains(rep.Summary(), "failed") {
					t.Fatalf("summary %q", rep.Summary())
				}
			}
		})
	}
}
