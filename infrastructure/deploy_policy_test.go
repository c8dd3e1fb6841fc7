package infrastructure_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// validationFunctions are the Terraform functions the validation blocks
// use, from go-cty's standard library (Terraform's own implementations).
var validationFunctions = map[string]function.Function{
	"length":   stdlib.LengthFunc,
	"regex":    stdlib.RegexFunc,
	"contains": stdlib.ContainsFunc,
	"coalesce": stdlib.CoalesceFunc,
	"can":      tryfunc.CanFunc,
}

// Checks added for a real deploy (issue #14) and for the gate (issue #11):
// behaviour routing, CloudFront TLS/WAF/logging and HTTP/3, the proof header's
// forwarding, security groups, managed-policy attachments, ALB header
// conditions, secrets without values in state, the KEK's protection,
// Lambda runtimes and variable validations evaluated against their bounds.
// Variable defaults are evaluated, so `web_acl_id = var.x` with a null
// default counts as no WAF.

func init() {
	checkers["cloudfront-gate"] = checkCloudFrontGate
	checkers["cloudfront-tls-waf-logs"] = checkCloudFrontTLSWAFLogs
	checkers["proof-forwarding"] = checkProofForwarding
	checkers["security-groups"] = checkSecurityGroups
	checkers["managed-policies"] = checkManagedPolicies
	checkers["alb-header-values"] = checkALBHeaderValues
	checkers["secrets"] = checkSecrets
	checkers["lambda-runtime"] = checkLambdaRuntime
	checkers["module-tags"] = checkModuleTags
}

// proofHeader is the header the gate adds and the origin verifies.
const proofHeader = "X-Edgeflix-Proof"

// gatedProbes are paths under /v1/media/ (and their tokenised forms): the
// first behaviour matching each, in CloudFront's precedence order, must run
// the viewer-request gate.
var gatedProbes = []string{
	"/v1/media/a1/master.m3u8",
	"/v1/media/a1/720p/index.m3u8",
	"/v1/media/a1/1080p/init.mp4",
	"/v1/media/a1/1080p/seg_00001.m4s",
	"/v1/media/a1/poster.jpg",
	"/v1/media/a1/sprite.jpg",
	"/v1/media/",
	"/t/tok/v1/media/a1/master.m3u8",
	"/t/tok/v1/media/a1/720p/seg_00001.m4s",
}

// globMatch implements CloudFront path patterns: * any run of characters
// (including /), ? exactly one.
func globMatch(pattern, path string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(path)
}

// moduleVars returns the variables of dir with their evaluated defaults
// (cty.NilVal when a variable has no default or it is not static).
func moduleVars(files []*tfFile, dir string) map[string]cty.Value {
	out := map[string]cty.Value{}
	for _, v := range topBlocks(files, "variable", "") {
		if v.file.dir != dir || len(v.labels) != 1 {
			continue
		}
		out[v.labels[0]] = cty.NilVal
		if d, ok := v.body.Attributes["default"]; ok {
			if val, ok := static(d.Expr); ok {
				out[v.labels[0]] = val
			}
		}
	}
	return out
}

// moduleLocals returns the locals of dir whose values are static.
func moduleLocals(files []*tfFile, dir string) map[string]cty.Value {
	out := map[string]cty.Value{}
	for _, l := range topBlocks(files, "locals", "") {
		if l.file.dir != dir {
			continue
		}
		for n, a := range l.body.Attributes {
			if v, ok := static(a.Expr); ok {
				out[n] = v
			}
		}
	}
	return out
}

// resolveString evaluates expr as a string: a literal, or var.X with a
// static default, or local.X with a static value. ok is false otherwise;
// isNull reports a null literal or a variable defaulting to null.
func resolveString(files []*tfFile, dir string, expr hclsyntax.Expression) (s string, isNull, ok bool) {
	if v, ok := static(expr); ok {
		if v.IsNull() {
			return "", true, true
		}
		if v.Type() == cty.String {
			return v.AsString(), false, true
		}
		return "", false, false
	}
	st, isTraversal := expr.(*hclsyntax.ScopeTraversalExpr)
	if !isTraversal || len(st.Traversal) != 2 {
		return "", false, false
	}
	attr, isAttr := st.Traversal[1].(hcl.TraverseAttr)
	if !isAttr {
		return "", false, false
	}
	var vals map[string]cty.Value
	switch st.Traversal.RootName() {
	case "var":
		vals = moduleVars(files, dir)
	case "local":
		vals = moduleLocals(files, dir)
	default:
		return "", false, false
	}
	v, found := vals[attr.Name]
	if !found || v == cty.NilVal {
		return "", false, false
	}
	if v.IsNull() {
		return "", true, true
	}
	if v.Type() != cty.String {
		return "", false, false
	}
	return v.AsString(), false, true
}

// behavior is one cache behaviour in precedence order.
type behavior struct {
	block   *hclsyntax.Block
	pattern string // "*" for the default; "" when not static (matches anything, conservatively)
	gated   bool   // a literal viewer-request lambda_function_association
}

func behaviorsInOrder(d labeled) []behavior {
	var out []behavior
	add := func(b *hclsyntax.Block, pattern string) {
		bh := behavior{block: b, pattern: pattern}
		for _, a := range b.Body.Blocks {
			if a.Type != "lambda_function_association" {
				continue
			}
			if v, _, ok := staticString(a.Body, "event_type"); ok && v == "viewer-request" {
				bh.gated = true
			}
		}
		out = append(out, bh)
	}
	for _, b := range d.body.Blocks {
		switch {
		case b.Type == "ordered_cache_behavior":
			p, _, _ := staticString(b.Body, "path_pattern")
			add(b, p)
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == "ordered_cache_behavior":
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					for _, p := range dynamicPatterns(b, c) {
						add(c, p)
					}
				}
			}
		}
	}
	for _, b := range nested(d.body, "default_cache_behavior") {
		add(b, "*")
	}
	return out
}

// dynamicPatterns returns the path patterns a dynamic ordered_cache_behavior
// expands to: one per element when for_each is a literal list of strings and
// path_pattern is ordered_cache_behavior.value, else one unknown ("").
func dynamicPatterns(dyn, content *hclsyntax.Block) []string {
	unknown := []string{""}
	fe, ok := dyn.Body.Attributes["for_each"]
	pp, ok2 := content.Body.Attributes["path_pattern"]
	if !ok || !ok2 {
		return unknown
	}
	tr, diags := hcl.AbsTraversalForExpr(pp.Expr)
	if diags.HasErrors() || traversalString(tr) != "ordered_cache_behavior.value" {
		return unknown
	}
	v, ok := static(fe.Expr)
	if !ok || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return unknown
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return unknown
		}
		out = append(out, e.AsString())
	}
	return out
}

// checkCloudFrontGate: no behaviour reaches /v1/media/ without the gate.
// For each probe path, the first behaviour whose pattern matches it (ordered
// behaviours in order, then the default) must run the viewer-request gate.
func checkCloudFrontGate(files []*tfFile, r *report) {
	for _, d := range topBlocks(files, "resource", "aws_cloudfront_distribution") {
		r.examined++
		order := behaviorsInOrder(d)
		for _, probe := range gatedProbes {
			for _, b := range order {
				if b.pattern != "" && !globMatch(b.pattern, probe) {
					continue
				}
				if !b.gated {
					what := fmt.Sprintf("path pattern %q", b.pattern)
					if b.pattern == "" {
						what = "a path pattern that is not a literal"
					}
					r.add(d.file.path, b.block.TypeRange, "%s: %s with %s takes %s without the viewer-request gate", name(d), b.block.Type, what, probe)
				}
				break
			}
		}
	}
}

// checkCloudFrontTLSWAFLogs: TLS 1.2 minimum, a WAF that exists (a variable
// defaulting to null counts as none), standard logging, no HTTP/3 (a
// continuous-deployment staging distribution cannot serve it, and primary and
// staging share one definition).
func checkCloudFrontTLSWAFLogs(files []*tfFile, r *report) {
	for _, d := range topBlocks(files, "resource", "aws_cloudfront_distribution") {
		r.examined++
		dir := d.file.dir
		vc := nested(d.body, "viewer_certificate")
		if len(vc) == 0 {
			r.add(d.file.path, d.rng, "%s: no viewer_certificate", name(d))
		} else if a, ok := vc[0].Body.Attributes["minimum_protocol_version"]; !ok {
			r.add(d.file.path, vc[0].TypeRange, "%s: minimum_protocol_version not set (TLSv1.2_2021)", name(d))
		} else if v, _, ok := resolveString(files, dir, a.Expr); !ok || !strings.HasPrefix(v, "TLSv1.2_") {
			r.add(d.file.path, a.SrcRange, "%s: minimum_protocol_version must be a literal TLSv1.2_* policy", name(d))
		}
		if a, ok := d.body.Attributes["web_acl_id"]; !ok {
			r.add(d.file.path, d.rng, "%s: no web_acl_id (WAF)", name(d))
		} else if _, isNull, ok := resolveString(files, dir, a.Expr); ok && isNull {
			r.add(d.file.path, a.SrcRange, "%s: web_acl_id is null (a variable defaulting to null attaches no WAF)", name(d))
		}
		if len(nested(d.body, "logging_config")) == 0 {
			r.add(d.file.path, d.rng, "%s: no logging_config (standard access logs)", name(d))
		} else {
			for _, b := range d.body.Blocks {
				if b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == "logging_config" {
					r.add(d.file.path, b.TypeRange, "%s: logging_config must not be optional (dynamic)", name(d))
				}
			}
		}
		if a, ok := d.body.Attributes["http_version"]; !ok {
			r.add(d.file.path, d.rng, "%s: http_version not set (the provider default is http2; set it so HTTP/3 stays off visibly)", name(d))
		} else if v, _, ok := resolveString(files, dir, a.Expr); !ok || strings.Contains(v, "3") {
			r.add(d.file.path, a.SrcRange, "%s: http_version must be a literal without HTTP/3 (continuous deployment does not support it)", name(d))
		}
	}
	for _, p := range topBlocks(files, "resource", "aws_cloudfront_continuous_deployment_policy") {
		r.examined++
		for _, tc := range nested(p.body, "traffic_config") {
			for _, sw := range nested(tc.Body, "single_weight_config") {
				a, ok := sw.Body.Attributes["weight"]
				if !ok {
					continue
				}
				if v, ok := static(a.Expr); ok && v.Type() == cty.Number {
					if f, _ := v.AsBigFloat().Float64(); f > 0.15 || f < 0 {
						r.add(p.file.path, a.SrcRange, "%s: weight %v is outside 0..0.15", name(p), f)
					}
					continue
				}
				if !validatedWeight(files, p.file.dir, a.Expr) {
					r.add(p.file.path, a.SrcRange, "%s: weight comes from something no validation bounds to 0..0.15", name(p))
				}
			}
		}
	}
}

// validatedWeight reports whether expr is var.X or an iterator over [var.X]
// whose validation refuses 0.16 and -0.01 and accepts 0.15.
func validatedWeight(files []*tfFile, dir string, expr hclsyntax.Expression) bool {
	varName := ""
	hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		if st, ok := n.(*hclsyntax.ScopeTraversalExpr); ok && st.Traversal.RootName() == "var" && len(st.Traversal) >= 2 {
			if a, ok := st.Traversal[1].(hcl.TraverseAttr); ok {
				varName = a.Name
			}
		}
		return nil
	})
	if varName == "" {
		// single_weight_config.value inside a dynamic block: find the
		// dynamic's for_each variable.
		for _, p := range topBlocks(files, "resource", "aws_cloudfront_continuous_deployment_policy") {
			hclsyntax.VisitAll(p.body, func(n hclsyntax.Node) hcl.Diagnostics {
				b, ok := n.(*hclsyntax.Block)
				if !ok || b.Type != "dynamic" || len(b.Labels) != 1 || b.Labels[0] != "single_weight_config" {
					return nil
				}
				if fe, ok := b.Body.Attributes["for_each"]; ok {
					for _, tr := range fe.Expr.Variables() {
						if tr.RootName() == "var" && len(tr) >= 2 {
							if a, ok := tr[1].(hcl.TraverseAttr); ok && strings.Contains(a.Name, "weight") {
								varName = a.Name
							}
						}
					}
				}
				return nil
			})
		}
	}
	if varName == "" {
		return false
	}
	accepts := func(v float64) bool { return validationAccepts(files, dir, varName, cty.NumberFloatVal(v)) }
	return accepts(0.15) && accepts(0) && !accepts(0.16) && !accepts(-0.01)
}

// validationAccepts evaluates every validation block of variable name in dir
// with var.name = v. A condition that cannot be evaluated counts as refusing.
func validationAccepts(files []*tfFile, dir, varName string, v cty.Value) bool {
	found := false
	for _, vb := range topBlocks(files, "variable", varName) {
		if vb.file.dir != dir {
			continue
		}
		for _, val := range nested(vb.body, "validation") {
			found = true
			cond, ok := val.Body.Attributes["condition"]
			if !ok {
				return false
			}
			ctx := &hcl.EvalContext{
				Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{varName: v})},
				Functions: validationFunctions,
			}
			res, diags := cond.Expr.Value(ctx)
			if diags.HasErrors() || res.IsNull() || !res.IsKnown() || res.Type() != cty.Bool || res.False() {
				return false
			}
		}
	}
	return found
}

// checkProofForwarding: the gate's proof reaches the origin and stays out of
// cache keys. Every origin request policy in a module that defines Lambda@Edge
// functions forwards X-Edgeflix-Proof; no cache policy keys on it; and no
// origin that a gated behaviour targets adds a static custom header (the API
// secret is the API behaviours' own).
func checkProofForwarding(files []*tfFile, r *report) {
	lambdaDirs := map[string]bool{}
	for _, fn := range topBlocks(files, "resource", "aws_lambda_function") {
		lambdaDirs[fn.file.dir] = true
	}
	headerItems := func(body *hclsyntax.Body, dir string) []string { return policyHeaders(files, dir, body) }
	for _, p := range topBlocks(files, "resource", "aws_cloudfront_origin_request_policy") {
		if !lambdaDirs[p.file.dir] {
			continue
		}
		r.examined++
		found := false
		for _, h := range headerItems(p.body, p.file.dir) {
			found = found || strings.EqualFold(h, proofHeader)
		}
		if !found {
			r.add(p.file.path, p.rng, "%s: gated origin request policy does not forward %s (a header added by a viewer-request function reaches the origin only when the policy lists it)", name(p), proofHeader)
		}
	}
	for _, c := range topBlocks(files, "resource", "aws_cloudfront_cache_policy") {
		r.examined++
		for _, pk := range nested(c.body, "parameters_in_cache_key_and_forwarded_to_origin") {
			for _, h := range headerItems(pk.Body, c.file.dir) {
				if strings.EqualFold(h, proofHeader) {
					r.add(c.file.path, c.rng, "%s: %s in a cache key would cache media once per proof", name(c), proofHeader)
				}
			}
		}
	}
	for _, d := range topBlocks(files, "resource", "aws_cloudfront_distribution") {
		r.examined++
		origins := map[string]*hclsyntax.Block{}
		for _, o := range nested(d.body, "origin") {
			if id, _, ok := resolveString(files, d.file.dir, o.Body.Attributes["origin_id"].Expr); ok {
				origins[id] = o
			}
		}
		for _, b := range behaviorsInOrder(d) {
			if !b.gated {
				continue
			}
			t, ok := b.block.Body.Attributes["target_origin_id"]
			if !ok {
				continue
			}
			id, _, ok := resolveString(files, d.file.dir, t.Expr)
			if !ok {
				r.add(d.file.path, t.SrcRange, "%s: gated behaviour's target_origin_id is not a literal or static local", name(d))
				continue
			}
			if o := origins[id]; o != nil && len(nested(o.Body, "custom_header")) > 0 {
				r.add(d.file.path, o.TypeRange, "%s: origin %q serves a gated behaviour but adds a static custom header (media must not carry the API secret)", name(d), id)
			}
		}
	}
}

// policyHeaders returns the header names a CloudFront policy body (or its
// parameters_in_cache_key_and_forwarded_to_origin block) lists in
// headers_config, those that resolve to strings.
func policyHeaders(files []*tfFile, dir string, body *hclsyntax.Body) []string {
	var out []string
	for _, hc := range nested(body, "headers_config") {
		for _, h := range nested(hc.Body, "headers") {
			a, ok := h.Body.Attributes["items"]
			if !ok {
				continue
			}
			tup, ok := a.Expr.(*hclsyntax.TupleConsExpr)
			if !ok {
				continue
			}
			for _, e := range tup.Exprs {
				if s, _, ok := resolveString(files, dir, e); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// checkSecurityGroups: no rule opens to or from the whole internet, whether
// written as a literal or through a variable default; no inline rules.
func checkSecurityGroups(files []*tfFile, r *report) {
	open := map[string]bool{"0.0.0.0/0": true, "::/0": true}
	for _, typ := range []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
		for _, rule := range topBlocks(files, "resource", typ) {
			r.examined++
			for _, attr := range []string{"cidr_ipv4", "cidr_ipv6"} {
				a, ok := rule.body.Attributes[attr]
				if !ok {
					continue
				}
				if v, _, ok := resolveString(files, rule.file.dir, a.Expr); ok && open[v] {
					r.add(rule.file.path, a.SrcRange, "%s: %s %s opens the rule to the internet", name(rule), attr, v)
				}
			}
		}
	}
	for _, sg := range topBlocks(files, "resource", "aws_security_group") {
		r.examined++
		for _, b := range sg.body.Blocks {
			if b.Type == "ingress" || b.Type == "egress" || (b.Type == "dynamic" && len(b.Labels) == 1 && (b.Labels[0] == "ingress" || b.Labels[0] == "egress")) {
				r.add(sg.file.path, b.TypeRange, "%s: inline %s rule (use aws_vpc_security_group_*_rule resources)", name(sg), b.Type)
			}
		}
	}
}

// allowedManagedPolicies are the AWS managed policies a role may have, each
// with its reason.
var allowedManagedPolicies = map[string]string{
	"AmazonSSMManagedInstanceCore": "Session Manager on the origins instead of SSH",
}

// checkManagedPolicies: every managed-policy attachment names an allowed AWS
// managed policy (no AdministratorAccess, no *FullAccess).
func checkManagedPolicies(files []*tfFile, r *report) {
	for _, typ := range []string{"aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"} {
		for _, a := range topBlocks(files, "resource", typ) {
			r.examined++
			p, ok := a.body.Attributes["policy_arn"]
			if !ok {
				r.add(a.file.path, a.rng, "%s: no policy_arn", name(a))
				continue
			}
			ok = false
			hclsyntax.VisitAll(p.Expr, func(n hclsyntax.Node) hcl.Diagnostics {
				if lit, isLit := n.(*hclsyntax.LiteralValueExpr); isLit && lit.Val.Type() == cty.String {
					s := strings.TrimPrefix(lit.Val.AsString(), ":iam::aws:policy/")
					if _, allowed := allowedManagedPolicies[s]; allowed {
						ok = true
					}
				}
				return nil
			})
			if !ok {
				r.add(a.file.path, p.SrcRange, "%s: managed policy is not in the allowed table (%v)", name(a), allowedManagedPolicies)
			}
		}
	}
}

// checkALBHeaderValues: an http_header condition takes at most 3 values. A
// literal list is counted; anything else needs a precondition bounding it.
func checkALBHeaderValues(files []*tfFile, r *report) {
	for _, rule := range topBlocks(files, "resource", "aws_lb_listener_rule") {
		for _, c := range nested(rule.body, "condition") {
			for _, h := range nested(c.Body, "http_header") {
				r.examined++
				a, ok := h.Body.Attributes["values"]
				if !ok {
					continue
				}
				if tup, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok {
					if len(tup.Exprs) > 3 {
						r.add(rule.file.path, a.SrcRange, "%s: http_header condition with %d values (ALB allows 3)", name(rule), len(tup.Exprs))
					}
					continue
				}
				if !hasLengthPrecondition(rule.body, 3) {
					r.add(rule.file.path, a.SrcRange, "%s: http_header values are computed and no precondition bounds them to 3", name(rule))
				}
			}
		}
	}
}

// hasLengthPrecondition reports whether body has a lifecycle precondition
// `length(…) <= max`.
func hasLengthPrecondition(body *hclsyntax.Body, max int64) bool {
	for _, lc := range nested(body, "lifecycle") {
		for _, pc := range nested(lc.Body, "precondition") {
			a, ok := pc.Body.Attributes["condition"]
			if !ok {
				continue
			}
			op, ok := a.Expr.(*hclsyntax.BinaryOpExpr)
			if !ok || op.Op != hclsyntax.OpLessThanOrEqual {
				continue
			}
			call, ok := op.LHS.(*hclsyntax.FunctionCallExpr)
			if !ok || call.Name != "length" {
				continue
			}
			if v, ok := static(op.RHS); ok && v.Type() == cty.Number && v.Equals(cty.NumberIntVal(max)).True() {
				return true
			}
		}
	}
	return false
}

// checkSecrets: secret versions never put a value in state (write-only
// secret_string_wo with its version), and the key-encryption key's secret and
// version refuse destruction and are never fed from a variable.
func checkSecrets(files []*tfFile, r *report) {
	for _, v := range topBlocks(files, "resource", "aws_secretsmanager_secret_version") {
		r.examined++
		for _, attr := range []string{"secret_string", "secret_binary"} {
			if a, ok := v.body.Attributes[attr]; ok {
				r.add(v.file.path, a.SrcRange, "%s: %s keeps the value in state; use secret_string_wo and secret_string_wo_version", name(v), attr)
			}
		}
		if _, ok := v.body.Attributes["secret_string_wo"]; ok {
			if _, ok := v.body.Attributes["secret_string_wo_version"]; !ok {
				r.add(v.file.path, v.rng, "%s: secret_string_wo without secret_string_wo_version is never updated", name(v))
			}
		}
	}
	for _, s := range topBlocks(files, "resource", "aws_secretsmanager_secret") {
		if !strings.Contains(strings.Join(s.labels, "."), "kek") {
			continue
		}
		r.examined++
		requirePreventDestroy(r, s)
		for _, v := range topBlocks(files, "resource", "aws_secretsmanager_secret_version") {
			if v.file.dir != s.file.dir || !strings.Contains(strings.Join(v.labels, "."), "kek") {
				continue
			}
			requirePreventDestroy(r, v)
			if a, ok := v.body.Attributes["secret_string_wo"]; ok {
				for _, tr := range a.Expr.Variables() {
					if tr.RootName() == "var" {
						r.add(v.file.path, a.SrcRange, "%s: the KEK comes from a variable (a mistyped value would replace it); generate it once", name(v))
					}
				}
			}
			if a, ok := v.body.Attributes["secret_string_wo_version"]; ok {
				if _, isStatic := static(a.Expr); !isStatic {
					r.add(v.file.path, a.SrcRange, "%s: the KEK's version must be a constant", name(v))
				}
			}
		}
	}
}

func requirePreventDestroy(r *report, l labeled) {
	for _, lc := range nested(l.body, "lifecycle") {
		if v, _, ok := staticBool(lc.Body, "prevent_destroy"); ok && v {
			return
		}
	}
	r.add(l.file.path, l.rng, "%s: no lifecycle { prevent_destroy = true }", name(l))
}

// supportedNodeRuntimes are the Node.js runtimes Lambda@Edge runs and
// provider 5.99 accepts that are not past end of support (nodejs20.x ended
// 2026-04-30).
var supportedNodeRuntimes = map[string]bool{"nodejs22.x": true}

// checkLambdaRuntime: every function's runtime (literal or variable default)
// is a supported Node.js runtime.
func checkLambdaRuntime(files []*tfFile, r *report) {
	for _, fn := range topBlocks(files, "resource", "aws_lambda_function") {
		r.examined++
		a, ok := fn.body.Attributes["runtime"]
		if !ok {
			r.add(fn.file.path, fn.rng, "%s: no runtime", name(fn))
			continue
		}
		v, _, ok := resolveString(files, fn.file.dir, a.Expr)
		if !ok || !supportedNodeRuntimes[v] {
			r.add(fn.file.path, a.SrcRange, "%s: runtime %q is not a supported Node.js runtime (%v)", name(fn), v, supportedNodeRuntimes)
		}
	}
}

// checkModuleTags: every call of a local module that declares a tags
// variable passes tags, so resources are tagged by project and environment.
func checkModuleTags(files []*tfFile, r *report) {
	hasTags := map[string]bool{}
	for _, v := range topBlocks(files, "variable", "tags") {
		hasTags[v.file.dir] = true
	}
	for _, m := range topBlocks(files, "module", "") {
		src, _, ok := staticString(m.body, "source")
		if !ok || !(strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
			continue
		}
		if !hasTags[filepath.Clean(filepath.Join(m.file.dir, src))] {
			continue
		}
		r.examined++
		if _, ok := m.body.Attributes["tags"]; !ok {
			r.add(m.file.path, m.rng, "module %s does not pass tags", strings.Join(m.labels, ""))
		}
	}
}

// --- variable bounds, evaluated --------------------------------------------------

// TestVariableValidations evaluates the validation blocks of the variables
// that carry AWS limits, with values just inside and just outside them.
func TestVariableValidations(t *testing.T) {
	files := loadTree(t, ".")
	list := func(n int) cty.Value {
		if n == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vals := make([]cty.Value, n)
		for i := range vals {
			vals[i] = cty.StringVal(strings.Repeat("s", 40))
		}
		return cty.ListVal(vals)
	}
	cases := []struct {
		dir, variable string
		good, bad     []cty.Value
	}{
		{"modules/edge", "staging_traffic_weight", []cty.Value{cty.NumberFloatVal(0), cty.NumberFloatVal(0.15)}, []cty.Value{cty.NumberFloatVal(0.16), cty.NumberFloatVal(-0.01), cty.NumberFloatVal(1)}},
		{"modules/edge", "staging_viewer_request_version", []cty.Value{cty.NullVal(cty.String), cty.StringVal("12")}, []cty.Value{cty.StringVal("$LATEST"), cty.StringVal("live"), cty.StringVal("0")}},
		{"modules/edge", "staging_origin_request_version", []cty.Value{cty.NullVal(cty.String), cty.StringVal("3")}, []cty.Value{cty.StringVal("$LATEST")}},
		{"modules/edge", "staging_header_value", []cty.Value{cty.NullVal(cty.String), cty.StringVal("smoke-1")}, []cty.Value{cty.StringVal("a b"), cty.StringVal("")}},
		{"modules/edge", "lambda_runtime", []cty.Value{cty.StringVal("nodejs22.x")}, []cty.Value{cty.StringVal("nodejs20.x"), cty.StringVal("nodejs18.x")}},
		{"modules/origin", "api_origin_previous_secrets", []cty.Value{list(0), list(2)}, []cty.Value{list(3)}},
		{"modules/origin", "ami_id", []cty.Value{cty.StringVal("ami-0123456789abcdef0")}, []cty.Value{cty.StringVal("latest"), cty.StringVal("")}},
		{"modules/origin", "artifact_prefix", []cty.Value{cty.StringVal("releases/")}, []cty.Value{cty.StringVal("releases"), cty.StringVal("")}},
		{"modules/data", "db_engine_version", []cty.Value{cty.StringVal("8.4")}, []cty.Value{cty.StringVal("8.0"), cty.StringVal("5.7")}},
		{"envs/production", "api_origin_previous_secrets", []cty.Value{list(2)}, []cty.Value{list(3)}},
	}
	for _, tc := range cases {
		t.Run(tc.dir+"/"+tc.variable, func(t *testing.T) {
			dir := filepath.Clean(tc.dir)
			defaults := moduleVars(files, dir)
			def, declared := defaults[tc.variable]
			if !declared {
				t.Fatalf("variable %s not declared in %s", tc.variable, dir)
			}
			if def != cty.NilVal && !validationAccepts(files, dir, tc.variable, def) {
				t.Errorf("default %#v is refused by its own validation", def)
			}
			for _, v := range tc.good {
				if !validationAccepts(files, dir, tc.variable, v) {
					t.Errorf("%#v refused, want accepted", v)
				}
			}
			for _, v := range tc.bad {
				if validationAccepts(files, dir, tc.variable, v) {
					t.Errorf("%#v accepted, want refused", v)
				}
			}
		})
	}
}

// gatedDistribution is a distribution that passes every CloudFront check;
// the cases below break it one way at a time.
const gatedDistribution = `
locals {
  media = "alb-media"
}
resource "aws_cloudfront_distribution" "d" {
  http_version = "http2"
  web_acl_id   = aws_wafv2_web_acl.w.arn
  origin {
    origin_id   = "alb-api"
    domain_name = "o.example.com"
    custom_header {
      name  = "X-Origin-Verify"
      value = var.secret
    }
  }
  origin {
    origin_id   = local.media
    domain_name = "o.example.com"
  }
  default_cache_behavior {
    target_origin_id       = "alb-api"
    viewer_protocol_policy = "redirect-to-https"
  }
  ordered_cache_behavior {
    path_pattern           = "/t/*"
    target_origin_id       = local.media
    viewer_protocol_policy = "https-only"
    lambda_function_association {
      event_type = "viewer-request"
      lambda_arn = var.gate
    }
  }
  ordered_cache_behavior {
    path_pattern           = "/v1/media/*"
    target_origin_id       = local.media
    viewer_protocol_policy = "https-only"
    lambda_function_association {
      event_type = "viewer-request"
      lambda_arn = var.gate
    }
  }
  logging_config {
    bucket = "logs.s3.amazonaws.com"
  }
  viewer_certificate {
    minimum_protocol_version = "TLSv1.2_2021"
  }
}`

// TestDeployCheckersFindViolations: each new rule fails on a bad fixture and
// passes on the good one.
func TestDeployCheckersFindViolations(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(gatedDistribution, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(gatedDistribution, old, new, 1)
	}
	cases := []struct {
		name, checker string
		files         []snippet
		want          []string
	}{
		{"gate: good distribution", "cloudfront-gate", []snippet{{src: gatedDistribution}}, nil},
		{"gate: default behaviour serves /v1/media/ without the gate", "cloudfront-gate", []snippet{{src: replace(`path_pattern           = "/v1/media/*"`, `path_pattern           = "/v1/other/*"`)}},
			[]string{`default_cache_behavior with path pattern "*" takes /v1/media/a1/master.m3u8 without the viewer-request gate`}},
		{"gate: an earlier ungated behaviour shadows the gated one", "cloudfront-gate", []snippet{{src: replace(`  ordered_cache_behavior {
    path_pattern           = "/t/*"`, `  ordered_cache_behavior {
    path_pattern           = "/v1/*"
    target_origin_id       = "alb-api"
    viewer_protocol_policy = "https-only"
  }
  ordered_cache_behavior {
    path_pattern           = "/t/*"`)}}, []string{`path pattern "/v1/*" takes /v1/media/a1/master.m3u8`}},
		{"gate: ungated artwork under /v1/media/ before the gate", "cloudfront-gate", []snippet{{src: replace(`  ordered_cache_behavior {
    path_pattern           = "/t/*"`, `  ordered_cache_behavior {
    path_pattern           = "/v1/media/*/poster.jpg"
    target_origin_id       = "alb-api"
    viewer_protocol_policy = "https-only"
  }
  ordered_cache_behavior {
    path_pattern           = "/t/*"`)}}, []string{`"/v1/media/*/poster.jpg" takes /v1/media/a1/poster.jpg`}},
		{"gate: origin-request only is no gate", "cloudfront-gate", []snippet{{src: strings.Replace(replace(`event_type = "viewer-request"`, `event_type = "origin-request"`), `"/v1/media/*"`, `"/v1/other/*"`, 1)}},
			[]string{`"/t/*" takes /t/tok/v1/media/a1/master.m3u8`}},
		{"gate: computed path pattern counts as match-all", "cloudfront-gate", []snippet{{src: replace(`  ordered_cache_behavior {
    path_pattern           = "/t/*"`, `  ordered_cache_behavior {
    path_pattern           = var.pattern
    target_origin_id       = "alb-api"
    viewer_protocol_policy = "https-only"
  }
  ordered_cache_behavior {
    path_pattern           = "/t/*"`)}}, []string{"a path pattern that is not a literal"}},

		{"gate: dynamic behaviours over a literal list are expanded in order", "cloudfront-gate", []snippet{{src: replace(`  ordered_cache_behavior {
    path_pattern           = "/t/*"`, `  dynamic "ordered_cache_behavior" {
    for_each = ["/v1/*"]
    content {
      path_pattern           = ordered_cache_behavior.value
      target_origin_id       = "alb-api"
      viewer_protocol_policy = "https-only"
    }
  }
  ordered_cache_behavior {
    path_pattern           = "/t/*"`)}}, []string{`content with path pattern "/v1/*" takes /v1/media/a1/master.m3u8`}},
		{"tls/waf/logs: good distribution", "cloudfront-tls-waf-logs", []snippet{{src: gatedDistribution}}, nil},
		{"tls/waf/logs: WAF variable defaulting to null", "cloudfront-tls-waf-logs", []snippet{{src: replace(`web_acl_id   = aws_wafv2_web_acl.w.arn`, `web_acl_id   = var.web_acl_arn`) + `
variable "web_acl_arn" {
  type    = string
  default = null
}`}}, []string{"web_acl_id is null"}},
		{"tls/waf/logs: no WAF", "cloudfront-tls-waf-logs", []snippet{{src: replace(`web_acl_id   = aws_wafv2_web_acl.w.arn`, ``)}}, []string{"no web_acl_id"}},
		{"tls/waf/logs: TLSv1 through a default", "cloudfront-tls-waf-logs", []snippet{{src: replace(`minimum_protocol_version = "TLSv1.2_2021"`, `minimum_protocol_version = var.tls`) + `
variable "tls" {
  type    = string
  default = "TLSv1"
}`}}, []string{"minimum_protocol_version must be a literal TLSv1.2_* policy"}},
		{"tls/waf/logs: optional logging", "cloudfront-tls-waf-logs", []snippet{{src: replace(`  logging_config {
    bucket = "logs.s3.amazonaws.com"
  }`, `  dynamic "logging_config" {
    for_each = var.logs
    content {
      bucket = logging_config.value
    }
  }`)}}, []string{"logging_config must not be optional"}},
		{"tls/waf/logs: HTTP/3 on", "cloudfront-tls-waf-logs", []snippet{{src: replace(`http_version = "http2"`, `http_version = "http2and3"`)}}, []string{"without HTTP/3"}},
		{"tls/waf/logs: canary weight above 15 %", "cloudfront-tls-waf-logs", []snippet{{src: gatedDistribution + `
resource "aws_cloudfront_continuous_deployment_policy" "c" {
  traffic_config {
    single_weight_config {
      weight = 0.2
    }
  }
}`}}, []string{"weight 0.2 is outside 0..0.15"}},
		{"tls/waf/logs: canary weight from an unbounded variable", "cloudfront-tls-waf-logs", []snippet{{src: gatedDistribution + `
variable "w" {
  type = number
  validation {
    condition     = var.w <= 1
    error_message = "w"
  }
}
resource "aws_cloudfront_continuous_deployment_policy" "c" {
  traffic_config {
    single_weight_config {
      weight = var.w
    }
  }
}`}}, []string{"no validation bounds to 0..0.15"}},
		{"tls/waf/logs: canary weight bounded", "cloudfront-tls-waf-logs", []snippet{{src: gatedDistribution + `
variable "w" {
  type = number
  validation {
    condition     = var.w >= 0 && var.w <= 0.15
    error_message = "w"
  }
}
resource "aws_cloudfront_continuous_deployment_policy" "c" {
  traffic_config {
    single_weight_config {
      weight = var.w
    }
  }
}`}}, nil},

		{"proof: policies forward the proof, media origin has no secret", "proof-forwarding", []snippet{{src: gatedDistribution + `
resource "aws_lambda_function" "gate" {}
locals {
  proof = "X-Edgeflix-Proof"
}
resource "aws_cloudfront_origin_request_policy" "media" {
  headers_config {
    headers {
      items = [local.proof]
    }
  }
}`}}, nil},
		{"proof: gated origin request policy without the proof", "proof-forwarding", []snippet{{src: `
resource "aws_lambda_function" "gate" {}
resource "aws_cloudfront_origin_request_policy" "media" {
  headers_config {
    headers {
      items = ["X-Edgeflix-Caps"]
    }
  }
}`}}, []string{"does not forward X-Edgeflix-Proof"}},
		{"proof: proof in a cache key", "proof-forwarding", []snippet{{src: `
resource "aws_cloudfront_cache_policy" "media" {
  parameters_in_cache_key_and_forwarded_to_origin {
    headers_config {
      headers {
        items = ["X-Edgeflix-Proof"]
      }
    }
  }
}`}}, []string{"in a cache key"}},
		{"proof: gated behaviour targets the origin carrying the API secret", "proof-forwarding", []snippet{{src: replace(`    path_pattern           = "/v1/media/*"
    target_origin_id       = local.media`, `    path_pattern           = "/v1/media/*"
    target_origin_id       = "alb-api"`)}}, []string{`origin "alb-api" serves a gated behaviour but adds a static custom header`}},

		{"security groups: restricted rules", "security-groups", []snippet{{src: `
resource "aws_vpc_security_group_egress_rule" "e" {
  cidr_ipv4 = var.vpc_cidr
}
variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}`}}, nil},
		{"security groups: egress to the internet", "security-groups", []snippet{{src: `
resource "aws_vpc_security_group_egress_rule" "e" {
  cidr_ipv4 = "0.0.0.0/0"
}`}}, []string{"cidr_ipv4 0.0.0.0/0 opens the rule to the internet"}},
		{"security groups: internet through a variable default", "security-groups", []snippet{{src: `
resource "aws_vpc_security_group_ingress_rule" "i" {
  cidr_ipv6 = var.anywhere
}
variable "anywhere" {
  type    = string
  default = "::/0"
}`}}, []string{"cidr_ipv6 ::/0"}},
		{"security groups: inline rules", "security-groups", []snippet{{src: `
resource "aws_security_group" "s" {
  ingress {
    from_port = 443
  }
}`}}, []string{"inline ingress rule"}},

		{"managed policies: Session Manager", "managed-policies", []snippet{{src: `
resource "aws_iam_role_policy_attachment" "a" {
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}`}}, nil},
		{"managed policies: administrator", "managed-policies", []snippet{{src: `
resource "aws_iam_role_policy_attachment" "a" {
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}`}}, []string{"not in the allowed table"}},
		{"managed policies: full access through a variable", "managed-policies", []snippet{{src: `
resource "aws_iam_role_policy_attachment" "a" {
  policy_arn = var.policy
}`}}, []string{"not in the allowed table"}},

		{"alb: bounded header values", "alb-header-values", []snippet{{src: `
resource "aws_lb_listener_rule" "r" {
  condition {
    http_header {
      values = local.secrets
    }
  }
  lifecycle {
    precondition {
      condition     = length(local.secrets) <= 3
      error_message = "at most 3"
    }
  }
}`}}, nil},
		{"alb: four literal header values", "alb-header-values", []snippet{{src: `
resource "aws_lb_listener_rule" "r" {
  condition {
    http_header {
      values = ["a", "b", "c", "d"]
    }
  }
}`}}, []string{"with 4 values (ALB allows 3)"}},
		{"alb: computed header values without a bound", "alb-header-values", []snippet{{src: `
resource "aws_lb_listener_rule" "r" {
  condition {
    http_header {
      values = concat([var.secret], var.previous)
    }
  }
}`}}, []string{"no precondition bounds them to 3"}},

		{"secrets: write-only values, protected generated KEK", "secrets", []snippet{{src: `
resource "aws_secretsmanager_secret" "kek" {
  lifecycle {
    prevent_destroy = true
  }
}
resource "aws_secretsmanager_secret_version" "kek" {
  secret_string_wo         = sha256(ephemeral.random_password.kek.result)
  secret_string_wo_version = 1
  lifecycle {
    prevent_destroy = true
  }
}`}}, nil},
		{"secrets: value in state", "secrets", []snippet{{src: `
resource "aws_secretsmanager_secret_version" "v" {
  secret_string = var.token
}`}}, []string{"secret_string keeps the value in state"}},
		{"secrets: write-only without a version", "secrets", []snippet{{src: `
resource "aws_secretsmanager_secret_version" "v" {
  secret_string_wo = var.token
}`}}, []string{"without secret_string_wo_version"}},
		{"secrets: KEK from a variable, destroyable", "secrets", []snippet{{src: `
resource "aws_secretsmanager_secret" "kek" {}
resource "aws_secretsmanager_secret_version" "kek" {
  secret_string_wo         = var.key_encryption_key
  secret_string_wo_version = var.kek_version
}`}}, []string{"aws_secretsmanager_secret.kek: no lifecycle { prevent_destroy = true }", "aws_secretsmanager_secret_version.kek: no lifecycle", "the KEK comes from a variable", "the KEK's version must be a constant"}},

		{"module tags: passed", "module-tags", []snippet{
			{dir: "modules/m", src: `
variable "tags" {
  type = map(string)
}`},
			{dir: "envs/e", src: `
module "m" {
  source = "../../modules/m"
  tags   = local.tags
}`}}, nil},
		{"module tags: forgotten", "module-tags", []snippet{
			{dir: "modules/m", src: `
variable "tags" {
  type = map(string)
}`},
			{dir: "envs/e", src: `
module "m" {
  source = "../../modules/m"
}`}}, []string{"module m does not pass tags"}},

		{"runtime: supported through a default", "lambda-runtime", []snippet{{src: `
resource "aws_lambda_function" "f" {
  runtime = var.runtime
}
variable "runtime" {
  type    = string
  default = "nodejs22.x"
}`}}, nil},
		{"runtime: Node.js 20 is past end of support", "lambda-runtime", []snippet{{src: `
resource "aws_lambda_function" "f" {
  runtime = "nodejs20.x"
}`}}, []string{`runtime "nodejs20.x" is not a supported`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runCheckerCase(t, tc.checker, tc.files, tc.want) })
	}
}
