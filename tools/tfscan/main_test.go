package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRun scans small Terraform trees with trivy's embedded checks: an open
// egress rule fails (AWS-0104, CRITICAL), an ignore without a reason fails,
// an ignore that suppresses nothing fails, an ignore with a reason passes.
func TestRun(t *testing.T) {
	cases := []struct {
		dir  string
		code int
		want []string
	}{
		{"testdata/open-egress", 1, []string{"FAIL     CRITICAL AWS-0104 main.tf:12", "CRITICAL=1 HIGH=0"}},
		{"testdata/no-reason", 1, []string{"ignore of AWS-0104 at main.tf:6 has no written reason"}},
		{"testdata/stale-ignore", 1, []string{"ignore of AWS-0104 at main.tf:6 suppresses nothing"}},
		{"testdata/clean", 0, []string{"ignore   AWS-0104 main.tf:6: egress through a filtering proxy appliance, reviewed", "CRITICAL=0 HIGH=0 MEDIUM=0 LOW=0 ignored=1"}},
		{"testdata/missing", 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run([]string{tc.dir}, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
