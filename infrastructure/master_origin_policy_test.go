package infrastructure_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Checks for the master rewrite at the origin (RATIONALE.md: "Why does
// the origin rewrite master playlists?") and the ALB health checks.

func init() {
	checkers["master-at-origin"] = checkMasterAtOrigin
	checkers["alb-health-check"] = checkALBHealthCheck
}

// capsHeader is the header the gate sets and the origin rewrites masters by.
const capsHeader = "X-Edgeflix-Caps"

// readinessPath is the origin's probe that touches MySQL and Redis.
const readinessPath = "/readyz"

// checkMasterAtOrigin: every master_rewrite_at_origin variable defaults to
// true (the origin-request function's fetch cannot pass the ALB's prefix
// list); where a module maps policies for the master behaviour
// (locals cache_policy_ids and origin_request_policy_ids, key "master"),
// the cache policy keys on X-Edgeflix-Caps (one entry per caps class) and
// the origin request policy forwards it (the origin rewrites by it).
func checkMasterAtOrigin(files []*tfFile, r *report) {
	for _, v := range topBlocks(files, "variable", "") {
		if len(v.labels) != 1 || v.labels[0] != "master_rewrite_at_origin" {
			continue
		}
		r.examined++
		if def := moduleVars(files, v.file.dir)[v.labels[0]]; def == cty.NilVal || def.IsNull() || !def.Type().Equals(cty.Bool) || !def.True() {
			r.add(v.file.path, v.rng, "master_rewrite_at_origin does not default to true: the origin-request function's own fetch is refused by the ALB's CloudFront prefix list")
		}
	}
	policies := []struct{ local, resource, block, what string }{
		{"cache_policy_ids", "aws_cloudfront_cache_policy", "parameters_in_cache_key_and_forwarded_to_origin", "master cache policy does not key on"},
		{"origin_request_policy_ids", "aws_cloudfront_origin_request_policy", "", "master origin request policy does not forward"},
	}
	for _, l := range topBlocks(files, "locals", "") {
		for _, p := range policies {
			a, ok := l.body.Attributes[p.local]
			if !ok {
				continue
			}
			o, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
			if !ok {
				continue
			}
			r.examined++
			body := policyResource(files, l.file.dir, objectKeys(o)["master"], p.resource)
			if body == nil {
				r.add(l.file.path, a.SrcRange, "local.%s.master is not a %s of this module", p.local, p.resource)
				continue
			}
			bodies := []*hclsyntax.Body{body}
			if p.block != "" {
				bodies = nil
				for _, b := range nested(body, p.block) {
					bodies = append(bodies, b.Body)
				}
			}
			found := false
			for _, b := range bodies {
				for _, h := range policyHeaders(files, l.file.dir, b) {
					found = found || strings.EqualFold(h, capsHeader)
				}
			}
			if !found {
				r.add(l.file.path, a.SrcRange, "%s %s (the origin rewrites masters by it)", p.what, capsHeader)
			}
		}
	}
}

// policyResource returns the body of the resource of type typ in dir that
// expr (typ.NAME.id) references, nil if it is not one.
func policyResource(files []*tfFile, dir string, expr hclsyntax.Expression, typ string) *hclsyntax.Body {
	st, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(st.Traversal) < 2 || st.Traversal.RootName() != typ {
		return nil
	}
	attr, ok := st.Traversal[1].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	for _, res := range topBlocks(files, "resource", typ) {
		if res.file.dir == dir && len(res.labels) == 2 && res.labels[1] == attr.Name {
			return res.body
		}
	}
	return nil
}

// checkALBHealthCheck: every ALB target group checks /readyz, which
// touches MySQL and Redis, so an instance that lost either (a rotated
// credential read once at start) leaves the load balancer. It is not
// replaced for it: the ASG's health is EC2 (asg-health-check), and the
// watchdog in user_data restarts the process after /readyz has failed for
// 10 minutes.
func checkALBHealthCheck(files []*tfFile, r *report) {
	for _, tg := range topBlocks(files, "resource", "aws_lb_target_group") {
		r.examined++
		hcs := nested(tg.body, "health_check")
		if len(hcs) == 0 {
			r.add(tg.file.path, tg.rng, "%s: no health_check (the default / does not touch the database)", name(tg))
			continue
		}
		for _, hc := range hcs {
			a, ok := hc.Body.Attributes["path"]
			if !ok {
				r.add(tg.file.path, hc.TypeRange, "%s: health_check has no path", name(tg))
				continue
			}
			if p, _, ok := resolveString(files, tg.file.dir, a.Expr); !ok || p != readinessPath {
				r.add(tg.file.path, a.SrcRange, "%s: health_check path is not %s (the probe that touches MySQL and Redis)", name(tg), readinessPath)
			}
		}
	}
}

// masterModule is a module that rewrites masters at the origin, wired right.
const masterModule = `
variable "master_rewrite_at_origin" {
  type    = bool
  default = true
}
locals {
  caps = "X-Edgeflix-Caps"
  cache_policy_ids = {
    master = aws_cloudfront_cache_policy.master.id
  }
  origin_request_policy_ids = {
    master = aws_cloudfront_origin_request_policy.master.id
  }
}
resource "aws_cloudfront_cache_policy" "master" {
  parameters_in_cache_key_and_forwarded_to_origin {
    headers_config {
      headers {
        items = [local.caps]
      }
    }
  }
}
resource "aws_cloudfront_origin_request_policy" "master" {
  headers_config {
    headers {
      items = [local.caps, "X-Edgeflix-Proof"]
    }
  }
}
`

// healthyTargetGroup checks the readiness probe.
const healthyTargetGroup = `
resource "aws_lb_target_group" "origin" {
  health_check {
    path    = "/readyz"
    matcher = "200"
  }
}
`

func TestMasterAndHealthCheckersFindViolations(t *testing.T) {
	edit := func(src, old, new string) string {
		if !strings.Contains(src, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(src, old, new, 1)
	}
	cases := []struct {
		name, checker, src string
		want               []string
	}{
		{"master: good module", "master-at-origin", masterModule, nil},
		{"master: defaults to the origin-request trigger", "master-at-origin", edit(masterModule, "default = true", "default = false"), []string{"does not default to true"}},
		{"master: no default", "master-at-origin", edit(masterModule, "  default = true\n", ""), []string{"does not default to true"}},
		{"master: cache key without caps", "master-at-origin", edit(masterModule, "items = [local.caps]", `items = ["Accept"]`), []string{"master cache policy does not key on X-Edgeflix-Caps"}},
		{"master: caps only forwarded, not keyed", "master-at-origin", edit(masterModule, "parameters_in_cache_key_and_forwarded_to_origin {", "other {"), []string{"master cache policy does not key on X-Edgeflix-Caps"}},
		{"master: origin request policy without caps", "master-at-origin", edit(masterModule, `items = [local.caps, "X-Edgeflix-Proof"]`, `items = ["X-Edgeflix-Proof"]`), []string{"master origin request policy does not forward X-Edgeflix-Caps"}},
		{"master: master entry is a managed policy", "master-at-origin", edit(masterModule, "master = aws_cloudfront_cache_policy.master.id", "master = data.aws_cloudfront_cache_policy.optimized.id"), []string{"local.cache_policy_ids.master is not a aws_cloudfront_cache_policy"}},
		{"health: readiness probe", "alb-health-check", healthyTargetGroup, nil},
		{"health: static probe", "alb-health-check", edit(healthyTargetGroup, `"/readyz"`, `"/healthz"`), []string{"health_check path is not /readyz"}},
		{"health: computed path", "alb-health-check", edit(healthyTargetGroup, `"/readyz"`, `var.p`), []string{"health_check path is not /readyz"}},
		{"health: no path", "alb-health-check", edit(healthyTargetGroup, "    path    = \"/readyz\"\n", ""), []string{"health_check has no path"}},
		{"health: no health check", "alb-health-check", `resource "aws_lb_target_group" "x" {}`, []string{"no health_check"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runCheckerCase(t, c.checker, []snippet{{src: c.src}}, c.want)
		})
	}
}
