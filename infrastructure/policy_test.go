// Package infrastructure_test checks the Terraform in this folder for the
// properties edgeflix relies on in production and that no offline tool checks
// here: least-privilege IAM, Multi-AZ encrypted RDS, encrypted and
// authenticated Redis, private S3, HTTPS-only CloudFront, throttled API
// Gateway without EdDSA-incompatible JWT authorizers, published us-east-1 Lambda@Edge versions, IMDSv2 origins, and
// module wiring (every var, local, module output and module argument
// resolves). Providers cannot be downloaded here, so `terraform validate`
// cannot run; these checks read the HCL with hashicorp/hcl/v2 instead.
package infrastructure_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// wildcardResourceActions lists the IAM actions for which AWS accepts only
// Resource "*" (they act on no particular resource). A statement whose
// actions are all in this table may use a bare "*" resource. Each entry
// says why; the current Terraform needs none of them (Lambda@Edge logging is
// scoped to its own log groups in every region), and the table stays so an
// exception has to be written down here to be accepted.
var wildcardResourceActions = map[string]string{
	"cloudwatch:PutMetricData":        "metrics are not resources; scope with a cloudwatch:namespace condition",
	"ec2:DescribeNetworkInterfaces":   "Describe* calls do not support resource-level permissions",
	"xray:PutTraceSegments":           "X-Ray segments are not resources",
	"xray:PutTelemetryRecords":        "X-Ray telemetry is not a resource",
	"ssm:DescribeInstanceInformation": "Describe* calls do not support resource-level permissions",
}

// finding is one violation: where and what.
type finding struct {
	pos  hcl.Pos
	file string
	msg  string
}

func (f finding) String() string { return fmt.Sprintf("%s:%d: %s", f.file, f.pos.Line, f.msg) }

// tfFile is one parsed .tf file; dir groups the files of one module.
type tfFile struct {
	path string
	dir  string
	body *hclsyntax.Body
}

// report collects findings and counts what a checker looked at, so a check
// that silently matches nothing is itself a failure.
type report struct {
	findings []finding
	examined int
}

func (r *report) add(file string, rng hcl.Range, format string, args ...any) {
	r.findings = append(r.findings, finding{pos: rng.Start, file: file, msg: fmt.Sprintf(format, args...)})
}

// checker inspects a set of files (a module tree or a snippet).
type checker func(files []*tfFile, r *report)

// --- parsing and HCL helpers ---------------------------------------------------

func parseSource(t testing.TB, path, dir string, src []byte) (*tfFile, error) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parse %s: %w", path, diags)
	}
	return &tfFile{path: path, dir: dir, body: f.Body.(*hclsyntax.Body)}, nil
}

// loadTree parses every .tf file below root (skipping .terraform folders).
func loadTree(t testing.TB, root string) []*tfFile {
	t.Helper()
	var files []*tfFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".terraform" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".tf") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parseSource(t, path, filepath.Dir(path), src)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatalf("load %s: %v", root, err)
	}
	return files
}

// labeled is a top-level block (resource, data, module …) with its labels.
type labeled struct {
	file   *tfFile
	labels []string
	body   *hclsyntax.Body
	rng    hcl.Range
}

func topBlocks(files []*tfFile, typ string, firstLabel string) []labeled {
	var out []labeled
	for _, f := range files {
		for _, b := range f.body.Blocks {
			if b.Type != typ {
				continue
			}
			if firstLabel != "" && (len(b.Labels) == 0 || b.Labels[0] != firstLabel) {
				continue
			}
			out = append(out, labeled{file: f, labels: b.Labels, body: b.Body, rng: b.TypeRange})
		}
	}
	return out
}

// nested returns the blocks of type typ directly in body, including the
// content of `dynamic "typ"` blocks.
func nested(body *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, b)
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// static evaluates expr when it needs no variables or functions.
func static(expr hclsyntax.Expression) (cty.Value, bool) {
	if len(expr.Variables()) > 0 {
		return cty.NilVal, false
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

func staticBool(body *hclsyntax.Body, name string) (value, present, isStatic bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return false, false, false
	}
	v, ok := static(a.Expr)
	if !ok || v.IsNull() || v.Type() != cty.Bool {
		return false, true, false
	}
	return v.True(), true, true
}

func staticString(body *hclsyntax.Body, name string) (value string, present, isStatic bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return "", false, false
	}
	v, ok := static(a.Expr)
	if !ok || v.IsNull() || v.Type() != cty.String {
		return "", true, false
	}
	return v.AsString(), true, true
}

// literalStrings returns every whole string literal inside expr ("*", "s3:*"),
// ignoring templates that interpolate something ("${arn}/*" is not a
// wildcard), so lists built with references, for expressions or functions
// are still searched.
func literalStrings(expr hclsyntax.Expression) []string {
	var out []string
	hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.TemplateExpr)
		if !ok || len(t.Parts) != 1 {
			return nil
		}
		if lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.IsKnown() && !lit.Val.IsNull() {
			out = append(out, lit.Val.AsString())
		}
		return nil
	})
	return out
}

func requireTrue(r *report, f *tfFile, body *hclsyntax.Body, rng hcl.Range, what, attr string) {
	v, present, isStatic := staticBool(body, attr)
	switch {
	case !present:
		r.add(f.path, rng, "%s: %s is not set (must be true)", what, attr)
	case !isStatic:
		r.add(f.path, body.Attributes[attr].SrcRange, "%s: %s must be the literal true, not an expression", what, attr)
	case !v:
		r.add(f.path, body.Attributes[attr].SrcRange, "%s: %s is false", what, attr)
	}
}

func name(l labeled) string { return strings.Join(l.labels, ".") }

// --- checkers ------------------------------------------------------------------------

// checkIAM: every policy document statement is least privilege, and every
// policy attribute comes from a checkable aws_iam_policy_document.
func checkIAM(files []*tfFile, r *report) {
	actionWildcard := regexp.MustCompile(`\*`)
	for _, doc := range topBlocks(files, "data", "aws_iam_policy_document") {
		for _, st := range nested(doc.body, "statement") {
			r.examined++
			where := name(doc)
			effect := "Allow"
			if v, present, ok := staticString(st.Body, "effect"); present && ok {
				effect = v
			}
			allow := effect == "Allow"
			var actions []string
			if a, ok := st.Body.Attributes["actions"]; ok {
				actions = literalStrings(a.Expr)
				for _, act := range actions {
					if act == "*" {
						r.add(doc.file.path, a.SrcRange, "%s: statement grants action \"*\"", where)
					} else if allow && actionWildcard.MatchString(act) {
						r.add(doc.file.path, a.SrcRange, "%s: Allow statement uses wildcard action %q", where, act)
					}
				}
			}
			if allow {
				for _, attr := range []string{"not_actions", "not_resources"} {
					if a, ok := st.Body.Attributes[attr]; ok {
						r.add(doc.file.path, a.SrcRange, "%s: Allow statement with %s grants everything else", where, attr)
					}
				}
				for _, p := range nested(st.Body, "principals") {
					if a, ok := p.Body.Attributes["identifiers"]; ok {
						for _, id := range literalStrings(a.Expr) {
							if id == "*" {
								r.add(doc.file.path, a.SrcRange, "%s: Allow statement for principal \"*\" (public)", where)
							}
						}
					}
				}
			}
			if a, ok := st.Body.Attributes["resources"]; ok {
				for _, res := range literalStrings(a.Expr) {
					if res == "*" && !allExcepted(actions) {
						r.add(doc.file.path, a.SrcRange, "%s: statement uses resource \"*\" for actions %v (not in the exception table)", where, actions)
					}
				}
			}
		}
	}
	policyAttrs := map[string]bool{"policy": true, "assume_role_policy": true}
	for _, f := range files {
		for _, b := range f.body.Blocks {
			if b.Type != "resource" || len(b.Labels) == 0 || !strings.HasPrefix(b.Labels[0], "aws_") {
				continue
			}
			for attrName, a := range b.Body.Attributes {
				if !policyAttrs[attrName] {
					continue
				}
				r.examined++
				if !isPolicyDocumentJSON(a.Expr) {
					r.add(f.path, a.SrcRange, "%s.%s: %s must be data.aws_iam_policy_document.<name>.json so it can be checked", b.Labels[0], b.Labels[1], attrName)
				}
			}
		}
	}
}

func allExcepted(actions []string) bool {
	if len(actions) == 0 {
		return false
	}
	for _, a := range actions {
		if _, ok := wildcardResourceActions[a]; !ok {
			return false
		}
	}
	return true
}

func isPolicyDocumentJSON(expr hclsyntax.Expression) bool {
	st, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return false
	}
	var names []string
	for _, step := range st.Traversal {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		}
	}
	return len(names) == 4 && names[0] == "data" && names[1] == "aws_iam_policy_document" && names[3] == "json"
}

// checkRDS: Multi-AZ, encrypted, private, password managed by RDS.
func checkRDS(files []*tfFile, r *report) {
	for _, db := range topBlocks(files, "resource", "aws_db_instance") {
		r.examined++
		requireTrue(r, db.file, db.body, db.rng, name(db), "multi_az")
		requireTrue(r, db.file, db.body, db.rng, name(db), "storage_encrypted")
		if v, _, ok := staticBool(db.body, "publicly_accessible"); ok && v {
			r.add(db.file.path, db.rng, "%s: publicly_accessible is true", name(db))
		}
		if a, ok := db.body.Attributes["password"]; ok {
			r.add(db.file.path, a.SrcRange, "%s: password is set; use manage_master_user_password", name(db))
		}
		requireTrue(r, db.file, db.body, db.rng, name(db), "manage_master_user_password")
	}
}

// checkElastiCache: TLS in transit, encryption at rest, an AUTH token that is
// not a literal, automatic failover.
func checkElastiCache(files []*tfFile, r *report) {
	for _, rg := range topBlocks(files, "resource", "aws_elasticache_replication_group") {
		r.examined++
		requireTrue(r, rg.file, rg.body, rg.rng, name(rg), "transit_encryption_enabled")
		requireTrue(r, rg.file, rg.body, rg.rng, name(rg), "at_rest_encryption_enabled")
		requireTrue(r, rg.file, rg.body, rg.rng, name(rg), "automatic_failover_enabled")
		a, ok := rg.body.Attributes["auth_token"]
		switch {
		case !ok:
			r.add(rg.file.path, rg.rng, "%s: no auth_token", name(rg))
		case len(a.Expr.Variables()) == 0:
			r.add(rg.file.path, a.SrcRange, "%s: auth_token is a literal in the source", name(rg))
		}
	}
}

// checkS3: every public access block sets all four flags, and every bucket
// has one.
func checkS3(files []*tfFile, r *report) {
	covered := map[string]bool{} // dir + "/" + bucket resource name
	for _, pab := range topBlocks(files, "resource", "aws_s3_bucket_public_access_block") {
		r.examined++
		for _, attr := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			requireTrue(r, pab.file, pab.body, pab.rng, name(pab), attr)
		}
		if a, ok := pab.body.Attributes["bucket"]; ok {
			for _, tr := range a.Expr.Variables() {
				if tr.RootName() == "aws_s3_bucket" && len(tr) > 1 {
					if step, ok := tr[1].(hcl.TraverseAttr); ok {
						covered[pab.file.dir+"/"+step.Name] = true
					}
				}
			}
		}
	}
	for _, b := range topBlocks(files, "resource", "aws_s3_bucket") {
		r.examined++
		if !covered[b.file.dir+"/"+b.labels[1]] {
			r.add(b.file.path, b.rng, "%s: bucket has no aws_s3_bucket_public_access_block", name(b))
		}
	}
}

// checkCloudFront: viewers and origins speak HTTPS only.
func checkCloudFront(files []*tfFile, r *report) {
	allowed := map[string]bool{"https-only": true, "redirect-to-https": true}
	for _, d := range topBlocks(files, "resource", "aws_cloudfront_distribution") {
		var behaviors []*hclsyntax.Block
		behaviors = append(behaviors, nested(d.body, "default_cache_behavior")...)
		behaviors = append(behaviors, nested(d.body, "ordered_cache_behavior")...)
		for _, b := range behaviors {
			r.examined++
			v, present, ok := staticString(b.Body, "viewer_protocol_policy")
			switch {
			case !present:
				r.add(d.file.path, b.TypeRange, "%s: %s without viewer_protocol_policy", name(d), b.Type)
			case !ok:
				r.add(d.file.path, b.Body.Attributes["viewer_protocol_policy"].SrcRange, "%s: viewer_protocol_policy must be a literal", name(d))
			case !allowed[v]:
				r.add(d.file.path, b.Body.Attributes["viewer_protocol_policy"].SrcRange, "%s: viewer_protocol_policy %q lets viewers use plain HTTP", name(d), v)
			}
		}
		for _, o := range nested(d.body, "origin") {
			for _, c := range nested(o.Body, "custom_origin_config") {
				r.examined++
				if v, _, ok := staticString(c.Body, "origin_protocol_policy"); !ok || v != "https-only" {
					r.add(d.file.path, c.TypeRange, "%s: custom origin must use origin_protocol_policy \"https-only\"", name(d))
				}
			}
		}
	}
}

// checkAPIThrottling: every HTTP API stage sets default route throttling.
func checkAPIThrottling(files []*tfFile, r *report) {
	for _, st := range topBlocks(files, "resource", "aws_apigatewayv2_stage") {
		r.examined++
		settings := nested(st.body, "default_route_settings")
		if len(settings) == 0 {
			r.add(st.file.path, st.rng, "%s: no default_route_settings (throttling)", name(st))
			continue
		}
		for _, attr := range []string{"throttling_burst_limit", "throttling_rate_limit"} {
			a, ok := settings[0].Body.Attributes[attr]
			if !ok {
				r.add(st.file.path, settings[0].TypeRange, "%s: %s not set", name(st), attr)
				continue
			}
			if v, ok := static(a.Expr); ok && (v.IsNull() || v.Type() != cty.Number || v.LessThanOrEqualTo(cty.Zero).True()) {
				r.add(st.file.path, a.SrcRange, "%s: %s must be a positive number", name(st), attr)
			}
		}
	}
}

// tokenAlgorithms is the JWS alg of edgeflix access tokens (origin/tokens:
// Ed25519). Gateway JWT authorizers cannot verify it: HTTP API JWT
// authorizers accept RSA-signed tokens only, REST API JWT and Cognito
// authorizers RS256/384/512 and ES256/384/512. Such an authorizer would
// refuse every operator token, so the origin authorizes /v1/operator/*
// itself (modules/api/README.md).
const tokenAlgorithm = "EdDSA"

// checkAPIAuthorizers: no API Gateway authorizer or route depends on
// verifying our access tokens with a JWT authorizer, which cannot verify
// EdDSA; authorizer and route types must be literals so this can be told.
func checkAPIAuthorizers(files []*tfFile, r *report) {
	jwtTypes := map[string]bool{"JWT": true, "COGNITO_USER_POOLS": true}
	literal := func(l labeled, attr string) (string, bool) {
		v, present, ok := staticString(l.body, attr)
		if present && !ok {
			r.add(l.file.path, l.body.Attributes[attr].SrcRange, "%s: %s must be a literal so the authorizer type can be checked", name(l), attr)
		}
		return v, present && ok
	}
	for _, a := range topBlocks(files, "resource", "aws_apigatewayv2_authorizer") {
		r.examined++
		if v, ok := literal(a, "authorizer_type"); ok && jwtTypes[v] {
			r.add(a.file.path, a.body.Attributes["authorizer_type"].SrcRange, "%s: HTTP API %s authorizers verify RSA-signed JWTs only; %s access tokens would all be refused", name(a), v, tokenAlgorithm)
		}
		if c := nested(a.body, "jwt_configuration"); len(c) > 0 {
			r.add(a.file.path, c[0].TypeRange, "%s: jwt_configuration cannot verify %s access tokens", name(a), tokenAlgorithm)
		}
	}
	for _, a := range topBlocks(files, "resource", "aws_api_gateway_authorizer") {
		r.examined++
		if v, ok := literal(a, "type"); ok && jwtTypes[v] {
			r.add(a.file.path, a.body.Attributes["type"].SrcRange, "%s: REST API %s authorizers verify RS*/ES* JWTs only; %s access tokens would all be refused", name(a), v, tokenAlgorithm)
		}
	}
	for _, rt := range topBlocks(files, "resource", "aws_apigatewayv2_route") {
		r.examined++
		if v, ok := literal(rt, "authorization_type"); ok && jwtTypes[v] {
			r.add(rt.file.path, rt.body.Attributes["authorization_type"].SrcRange, "%s: authorization_type %s cannot verify %s access tokens", name(rt), v, tokenAlgorithm)
		}
		if a, ok := rt.body.Attributes["authorization_scopes"]; ok {
			r.add(rt.file.path, a.SrcRange, "%s: authorization_scopes need a JWT authorizer, which cannot verify %s access tokens", name(rt), tokenAlgorithm)
		}
	}
	for _, m := range topBlocks(files, "resource", "aws_api_gateway_method") {
		r.examined++
		if v, ok := literal(m, "authorization"); ok && jwtTypes[v] {
			r.add(m.file.path, m.body.Attributes["authorization"].SrcRange, "%s: authorization %s cannot verify %s access tokens", name(m), v, tokenAlgorithm)
		}
	}
}

// objectKeys returns the bare-identifier keys of an object constructor.
func objectKeys(o *hclsyntax.ObjectConsExpr) map[string]hclsyntax.Expression {
	out := map[string]hclsyntax.Expression{}
	for _, it := range o.Items {
		if k, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok {
			if kw := hcl.ExprAsKeyword(k.Wrapped); kw != "" {
				out[kw] = it.ValueExpr
			}
		}
	}
	return out
}

// checkOriginEnv: in a module that launches instances and has a
// `locals { environment = … }` (the origin's SSM-backed service
// environment), Redis TLS is the literal "true", the issuer and the trusted
// proxies are set, nothing merged after the module's own object can
// override them, and some local maps EDGEFLIX_EDGE_PROOF_KEYS to a secret.
// (EDGEFLIX_REDIS_PASSWORD comes from user_data; check.sh greps for it.)
func checkOriginEnv(files []*tfFile, r *report) {
	launches := map[string]bool{}
	for _, lt := range topBlocks(files, "resource", "aws_launch_template") {
		launches[lt.file.dir] = true
	}
	proofKeys := map[string]bool{}
	type envAttr struct {
		file *tfFile
		attr *hclsyntax.Attribute
	}
	var envs []envAttr
	for _, l := range topBlocks(files, "locals", "") {
		for n, a := range l.body.Attributes {
			hclsyntax.VisitAll(a.Expr, func(node hclsyntax.Node) hcl.Diagnostics {
				if o, ok := node.(*hclsyntax.ObjectConsExpr); ok {
					if _, ok := objectKeys(o)["EDGEFLIX_EDGE_PROOF_KEYS"]; ok {
						proofKeys[l.file.dir] = true
					}
				}
				return nil
			})
			if n == "environment" && launches[l.file.dir] {
				envs = append(envs, envAttr{l.file, a})
			}
		}
	}
	for _, e := range envs {
		r.examined++
		f, a := e.file, e.attr
		args := []hclsyntax.Expression{a.Expr}
		if call, ok := a.Expr.(*hclsyntax.FunctionCallExpr); ok && call.Name == "merge" {
			args = call.Args
		}
		own := -1
		var keys map[string]hclsyntax.Expression
		for i, arg := range args {
			if o, ok := arg.(*hclsyntax.ObjectConsExpr); ok {
				if k := objectKeys(o); k["EDGEFLIX_REDIS_ADDR"] != nil {
					own, keys = i, k
				}
			}
		}
		if own < 0 {
			r.add(f.path, a.SrcRange, "local.environment: no object literal with the origin's EDGEFLIX_* variables")
			continue
		}
		if own != len(args)-1 {
			r.add(f.path, a.SrcRange, "local.environment: arguments merged after the module's own object can override EDGEFLIX_REDIS_TLS, EDGEFLIX_ISSUER, EDGEFLIX_TRUSTED_PROXIES")
		}
		if v, ok := keys["EDGEFLIX_REDIS_TLS"]; !ok {
			r.add(f.path, a.SrcRange, "local.environment: EDGEFLIX_REDIS_TLS is not set (ElastiCache has transit encryption on)")
		} else if sv, ok := static(v); !ok || sv.Type() != cty.String || sv.AsString() != "true" {
			r.add(f.path, v.Range(), "local.environment: EDGEFLIX_REDIS_TLS must be the literal \"true\"")
		}
		for _, k := range []string{"EDGEFLIX_ISSUER", "EDGEFLIX_TRUSTED_PROXIES"} {
			if _, ok := keys[k]; !ok {
				r.add(f.path, a.SrcRange, "local.environment: %s is not set", k)
			}
		}
		if !proofKeys[f.dir] {
			r.add(f.path, a.SrcRange, "no local maps EDGEFLIX_EDGE_PROOF_KEYS to a secret: the origin could not verify the gate's proofs")
		}
	}
}

// checkLambdaEdge: in a module whose CloudFront distribution (or a
// distribution in one of its submodules) associates Lambda functions, every
// function publishes versions, lives in us-east-1 (provider aws.us_east_1),
// has a source_code_hash and no environment.
func checkLambdaEdge(files []*tfFile, r *report) {
	edgeDirs := map[string]bool{}
	for _, d := range topBlocks(files, "resource", "aws_cloudfront_distribution") {
		for _, typ := range []string{"default_cache_behavior", "ordered_cache_behavior"} {
			for _, b := range nested(d.body, typ) {
				if len(nested(b.Body, "lambda_function_association")) > 0 {
					for dir := d.file.dir; dir != "." && dir != "/" && filepath.Base(dir) != "modules"; dir = filepath.Dir(dir) {
						edgeDirs[dir] = true
					}
				}
			}
		}
	}
	for _, fn := range topBlocks(files, "resource", "aws_lambda_function") {
		if !edgeDirs[fn.file.dir] {
			continue
		}
		r.examined++
		requireTrue(r, fn.file, fn.body, fn.rng, name(fn), "publish")
		p, ok := fn.body.Attributes["provider"]
		if !ok {
			r.add(fn.file.path, fn.rng, "%s: Lambda@Edge function without provider = aws.us_east_1", name(fn))
		} else if tr, diags := hcl.AbsTraversalForExpr(p.Expr); diags.HasErrors() || traversalString(tr) != "aws.us_east_1" {
			r.add(fn.file.path, p.SrcRange, "%s: Lambda@Edge provider must be aws.us_east_1", name(fn))
		}
		if _, ok := fn.body.Attributes["source_code_hash"]; !ok {
			r.add(fn.file.path, fn.rng, "%s: no source_code_hash, a new zip would not publish a new version", name(fn))
		}
		if env := nested(fn.body, "environment"); len(env) > 0 {
			r.add(fn.file.path, env[0].TypeRange, "%s: Lambda@Edge functions cannot have environment variables", name(fn))
		}
	}
}

func traversalString(tr hcl.Traversal) string {
	var parts []string
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		default:
			parts = append(parts, "[…]")
		}
	}
	return strings.Join(parts, ".")
}

// checkLaunchTemplates: IMDSv2 only and encrypted EBS volumes.
func checkLaunchTemplates(files []*tfFile, r *report) {
	for _, lt := range topBlocks(files, "resource", "aws_launch_template") {
		r.examined++
		md := nested(lt.body, "metadata_options")
		if len(md) == 0 {
			r.add(lt.file.path, lt.rng, "%s: no metadata_options (IMDSv1 allowed)", name(lt))
		} else if v, _, ok := staticString(md[0].Body, "http_tokens"); !ok || v != "required" {
			r.add(lt.file.path, md[0].TypeRange, "%s: metadata_options.http_tokens must be \"required\" (IMDSv2)", name(lt))
		}
		for _, bdm := range nested(lt.body, "block_device_mappings") {
			for _, ebs := range nested(bdm.Body, "ebs") {
				requireTrue(r, lt.file, ebs.Body, ebs.TypeRange, name(lt)+" ebs", "encrypted")
			}
		}
	}
}

// checkWiring: every var.X and local.X resolves in its module, every
// module.M.O names a declared output of a local module, and every module call
// passes only declared variables and all required ones.
func checkWiring(files []*tfFile, r *report) {
	type module struct {
		vars    map[string]bool // name -> has default
		locals  map[string]bool
		outputs map[string]bool
		calls   map[string]labeled
		files   []*tfFile
	}
	mods := map[string]*module{}
	get := func(dir string) *module {
		m, ok := mods[dir]
		if !ok {
			m = &module{vars: map[string]bool{}, locals: map[string]bool{}, outputs: map[string]bool{}, calls: map[string]labeled{}}
			mods[dir] = m
		}
		return m
	}
	for _, f := range files {
		m := get(f.dir)
		m.files = append(m.files, f)
		for _, b := range f.body.Blocks {
			switch {
			case b.Type == "variable" && len(b.Labels) == 1:
				_, hasDefault := b.Body.Attributes["default"]
				m.vars[b.Labels[0]] = hasDefault
			case b.Type == "locals":
				for n := range b.Body.Attributes {
					m.locals[n] = true
				}
			case b.Type == "output" && len(b.Labels) == 1:
				m.outputs[b.Labels[0]] = true
			case b.Type == "module" && len(b.Labels) == 1:
				m.calls[b.Labels[0]] = labeled{file: f, labels: b.Labels, body: b.Body, rng: b.TypeRange}
			}
		}
	}
	dirs := make([]string, 0, len(mods))
	for d := range mods {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	meta := map[string]bool{"source": true, "version": true, "providers": true, "count": true, "for_each": true, "depends_on": true}
	for _, dir := range dirs {
		m := mods[dir]
		target := func(call labeled) *module {
			src, _, ok := staticString(call.body, "source")
			if !ok || !(strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")) {
				return nil
			}
			return mods[filepath.Clean(filepath.Join(dir, src))]
		}
		for _, f := range m.files {
			hclsyntax.VisitAll(f.body, func(n hclsyntax.Node) hcl.Diagnostics {
				expr, ok := n.(hclsyntax.Expression)
				if !ok {
					return nil
				}
				st, ok := expr.(*hclsyntax.ScopeTraversalExpr)
				if !ok {
					return nil
				}
				r.examined++
				tr := st.Traversal
				attr := func(i int) string {
					if len(tr) > i {
						if a, ok := tr[i].(hcl.TraverseAttr); ok {
							return a.Name
						}
					}
					return ""
				}
				switch tr.RootName() {
				case "var":
					if _, ok := m.vars[attr(1)]; !ok {
						r.add(f.path, st.SrcRange, "var.%s is not declared in %s", attr(1), dir)
					}
				case "local":
					if !m.locals[attr(1)] {
						r.add(f.path, st.SrcRange, "local.%s is not declared in %s", attr(1), dir)
					}
				case "module":
					call, ok := m.calls[attr(1)]
					if !ok {
						r.add(f.path, st.SrcRange, "module.%s is not called in %s", attr(1), dir)
						return nil
					}
					if tm := target(call); tm != nil && attr(2) != "" && !tm.outputs[attr(2)] {
						r.add(f.path, st.SrcRange, "module.%s has no output %q", attr(1), attr(2))
					}
				}
				return nil
			})
		}
		callNames := make([]string, 0, len(m.calls))
		for n := range m.calls {
			callNames = append(callNames, n)
		}
		sort.Strings(callNames)
		for _, n := range callNames {
			call := m.calls[n]
			r.examined++
			tm := target(call)
			if tm == nil {
				src, _, _ := staticString(call.body, "source")
				if strings.HasPrefix(src, ".") {
					r.add(call.file.path, call.rng, "module.%s: source %q is not a module in the tree", n, src)
				}
				continue
			}
			for arg, a := range call.body.Attributes {
				if meta[arg] {
					continue
				}
				if _, ok := tm.vars[arg]; !ok {
					r.add(call.file.path, a.SrcRange, "module.%s: argument %q is not a variable of the module", n, arg)
				}
			}
			for v, hasDefault := range tm.vars {
				if _, ok := call.body.Attributes[v]; !ok && !hasDefault {
					r.add(call.file.path, call.rng, "module.%s: required variable %q is not set", n, v)
				}
			}
		}
	}
}

// checkVariables: every variable has a description and a type (module
// style of terraform-aws-modules).
func checkVariables(files []*tfFile, r *report) {
	for _, v := range topBlocks(files, "variable", "") {
		r.examined++
		for _, attr := range []string{"description", "type"} {
			if _, ok := v.body.Attributes[attr]; !ok {
				r.add(v.file.path, v.rng, "variable %q has no %s", strings.Join(v.labels, ""), attr)
			}
		}
	}
	for _, o := range topBlocks(files, "output", "") {
		r.examined++
		if _, ok := o.body.Attributes["description"]; !ok {
			r.add(o.file.path, o.rng, "output %q has no description", strings.Join(o.labels, ""))
		}
	}
}

var checkers = map[string]checker{
	"iam":              checkIAM,
	"rds":              checkRDS,
	"elasticache":      checkElastiCache,
	"s3":               checkS3,
	"cloudfront":       checkCloudFront,
	"api-throttling":   checkAPIThrottling,
	"api-authorizers":  checkAPIAuthorizers,
	"lambda-edge":      checkLambdaEdge,
	"origin-env":       checkOriginEnv,
	"launch-templates": checkLaunchTemplates,
	"wiring":           checkWiring,
	"variables":        checkVariables,
}

// --- tests ------------------------------------------------------------------------------

// TestTreeIsClean runs every checker over the real Terraform: no findings,
// and each checker must have examined something (a check that matches
// nothing proves nothing).
func TestTreeIsClean(t *testing.T) {
	files := loadTree(t, ".")
	if len(files) < 20 {
		t.Fatalf("found only %d .tf files under infrastructure/", len(files))
	}
	names := make([]string, 0, len(checkers))
	for n := range checkers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			var r report
			checkers[n](files, &r)
			if r.examined == 0 {
				t.Fatalf("checker %s examined nothing in the tree", n)
			}
			for _, f := range r.findings {
				t.Error(f)
			}
		})
	}
}

// snippet is one HCL file fed to a checker; files in one case share a
// module folder unless dir is set.
type snippet struct {
	dir string
	src string
}

// TestCheckersFindViolations feeds each checker a bad snippet (which must
// produce at least the expected findings, each matching want) and a good
// one (which must produce none).
func TestCheckersFindViolations(t *testing.T) {
	cases := []struct {
		name    string
		checker string
		files   []snippet
		want    []string // substrings, one finding each; empty means clean
	}{
		{"iam star action", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["*"]
    resources = ["arn:aws:s3:::b/*"]
  }
}`}}, []string{`action "*"`}},
		{"iam service wildcard", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:Get*"]
    resources = ["arn:aws:s3:::b/*"]
  }
}`}}, []string{`wildcard action "s3:Get*"`}},
		{"iam bare star resource", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}`}}, []string{`resource "*"`}},
		{"iam star resource hidden in concat", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = concat(var.arns, ["*"])
  }
}`}}, []string{`resource "*"`}},
		{"iam dynamic statement", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  dynamic "statement" {
    for_each = var.x
    content {
      actions   = ["kms:*"]
      resources = [statement.value]
    }
  }
}`}}, []string{`wildcard action "kms:*"`}},
		{"iam not_actions and public principal", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  statement {
    not_actions = ["iam:*"]
    resources   = ["arn:aws:s3:::b"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}`}}, []string{"not_actions", `principal "*"`}},
		{"iam inline json policy", "iam", []snippet{{src: `
resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}`}}, []string{"must be data.aws_iam_policy_document"}},
		{"iam documented exception and deny are fine", "iam", []snippet{{src: `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["${aws_s3_bucket.b.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = data.aws_iam_policy_document.p.json
}`}}, nil},
		{"rds single az unencrypted", "rds", []snippet{{src: `
resource "aws_db_instance" "db" {
  multi_az          = false
  storage_encrypted = var.encrypted
  password          = "hunter2"
}`}}, []string{"multi_az is false", "storage_encrypted must be the literal true", "password is set", "manage_master_user_password is not set"}},
		{"rds good", "rds", []snippet{{src: `
resource "aws_db_instance" "db" {
  multi_az                    = true
  storage_encrypted           = true
  manage_master_user_password = true
  publicly_accessible         = false
}`}}, nil},
		{"elasticache plain", "elasticache", []snippet{{src: `
resource "aws_elasticache_replication_group" "r" {
  transit_encryption_enabled = false
  automatic_failover_enabled = true
}`}}, []string{"transit_encryption_enabled is false", "at_rest_encryption_enabled is not set", "no auth_token"}},
		{"elasticache literal token", "elasticache", []snippet{{src: `
resource "aws_elasticache_replication_group" "r" {
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  automatic_failover_enabled = true
  auth_token                 = "0123456789abcdef0123"
}`}}, []string{"auth_token is a literal"}},
		{"elasticache good", "elasticache", []snippet{{src: `
resource "aws_elasticache_replication_group" "r" {
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  automatic_failover_enabled = true
  auth_token                 = var.token
}`}}, nil},
		{"s3 partial block and uncovered bucket", "s3", []snippet{{src: `
resource "aws_s3_bucket" "a" {}
resource "aws_s3_bucket" "b" {}
resource "aws_s3_bucket_public_access_block" "a" {
  bucket                  = aws_s3_bucket.a.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
}`}}, []string{"block_public_policy is false", "restrict_public_buckets is not set", "aws_s3_bucket.b: bucket has no"}},
		{"s3 block in another module does not cover", "s3", []snippet{
			{dir: "one", src: `resource "aws_s3_bucket" "a" {}`},
			{dir: "two", src: `
resource "aws_s3_bucket_public_access_block" "a" {
  bucket                  = aws_s3_bucket.a.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}`}}, []string{"bucket has no"}},
		{"cloudfront allow-all", "cloudfront", []snippet{{src: `
resource "aws_cloudfront_distribution" "d" {
  origin {
    custom_origin_config {
      origin_protocol_policy = "match-viewer"
    }
  }
  default_cache_behavior {
    viewer_protocol_policy = "allow-all"
  }
  dynamic "ordered_cache_behavior" {
    for_each = var.x
    content {
      viewer_protocol_policy = var.policy
    }
  }
  ordered_cache_behavior {
    path_pattern = "/x"
  }
}`}}, []string{`"allow-all"`, "must be a literal", "without viewer_protocol_policy", "https-only"}},
		{"api no throttling", "api-throttling", []snippet{{src: `
resource "aws_apigatewayv2_stage" "a" {
  name = "$default"
}
resource "aws_apigatewayv2_stage" "b" {
  default_route_settings {
    throttling_burst_limit = 0
  }
}`}}, []string{"no default_route_settings", "throttling_burst_limit must be a positive", "throttling_rate_limit not set"}},
		{"api throttled", "api-throttling", []snippet{{src: `
resource "aws_apigatewayv2_stage" "a" {
  default_route_settings {
    throttling_burst_limit = var.burst
    throttling_rate_limit  = 10
  }
}`}}, nil},
		{"api jwt authorizer cannot verify EdDSA", "api-authorizers", []snippet{{src: `
resource "aws_apigatewayv2_authorizer" "jwt" {
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = "https://watch.example.com"
    audience = ["edgeflix-origin"]
  }
}
resource "aws_apigatewayv2_authorizer" "dyn" {
  authorizer_type = var.kind
}
resource "aws_apigatewayv2_route" "op" {
  route_key            = "ANY /v1/operator/{proxy+}"
  authorization_type   = "JWT"
  authorizer_id        = aws_apigatewayv2_authorizer.jwt.id
  authorization_scopes = ["operator"]
}
resource "aws_api_gateway_authorizer" "rest" {
  type = "COGNITO_USER_POOLS"
}
resource "aws_api_gateway_method" "m" {
  authorization = "JWT"
}`}}, []string{"HTTP API JWT authorizers verify RSA-signed JWTs only", "jwt_configuration cannot verify EdDSA", "authorizer_type must be a literal", "authorization_type JWT cannot verify", "authorization_scopes need a JWT authorizer", "REST API COGNITO_USER_POOLS authorizers", "authorization JWT cannot verify"}},
		{"api origin-enforced or lambda authorizer is fine", "api-authorizers", []snippet{{src: `
resource "aws_apigatewayv2_authorizer" "lambda" {
  authorizer_type = "REQUEST"
}
resource "aws_apigatewayv2_route" "op" {
  route_key          = "ANY /v1/operator/{proxy+}"
  authorization_type = "NONE"
}
resource "aws_apigatewayv2_route" "custom" {
  route_key          = "GET /x"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.lambda.id
}`}}, nil},
		{"origin env without TLS, issuer, proxies, edge secret", "origin-env", []snippet{{src: `
resource "aws_launch_template" "o" {}
locals {
  environment = merge({
    EDGEFLIX_REDIS_ADDR = "r:6379"
    EDGEFLIX_REDIS_TLS  = var.tls
  }, var.extra_environment)
  secrets = var.extra_secret_arns
}`}}, []string{"can override", `EDGEFLIX_REDIS_TLS must be the literal "true"`, "EDGEFLIX_ISSUER is not set", "EDGEFLIX_TRUSTED_PROXIES is not set", "EDGEFLIX_EDGE_PROOF_KEYS"}},
		{"origin env complete", "origin-env", []snippet{{src: `
resource "aws_launch_template" "o" {}
locals {
  environment = merge(var.extra_environment, {
    EDGEFLIX_REDIS_ADDR      = "r:6379"
    EDGEFLIX_REDIS_TLS       = "true"
    EDGEFLIX_ISSUER          = var.issuer
    EDGEFLIX_TRUSTED_PROXIES = var.vpc_cidr_block
  })
  secrets = merge(var.extra_secret_arns, { EDGEFLIX_EDGE_PROOF_KEYS = var.edge_proof_keys_secret_arn })
}`}}, nil},
		{"lambda edge unpublished in default region", "lambda-edge", []snippet{{src: `
resource "aws_lambda_function" "v" {
  publish = false
  environment {
    variables = { A = "b" }
  }
}
resource "aws_lambda_function" "o" {
  provider         = aws.eu_west_1
  publish          = true
  source_code_hash = "x"
}
resource "aws_cloudfront_distribution" "d" {
  ordered_cache_behavior {
    lambda_function_association {
      lambda_arn = aws_lambda_function.v.qualified_arn
    }
  }
}`}}, []string{"publish is false", "without provider", "no source_code_hash", "environment variables", "provider must be aws.us_east_1"}},
		{"lambda outside an edge module is not Lambda@Edge", "lambda-edge", []snippet{
			{dir: "edge", src: `
resource "aws_lambda_function" "v" {
  provider         = aws.us_east_1
  publish          = true
  source_code_hash = filebase64sha256(var.zip)
}
resource "aws_cloudfront_distribution" "d" {
  default_cache_behavior {
    lambda_function_association {
      lambda_arn = aws_lambda_function.v.qualified_arn
    }
  }
}`},
			{dir: "other", src: `resource "aws_lambda_function" "plain" {}`}}, nil},
		{"launch template imdsv1 unencrypted", "launch-templates", []snippet{{src: `
resource "aws_launch_template" "a" {
  metadata_options {
    http_tokens = "optional"
  }
  block_device_mappings {
    ebs {
      encrypted = false
    }
  }
}
resource "aws_launch_template" "b" {}`}}, []string{"http_tokens must be", "encrypted is false", "no metadata_options"}},
		{"wiring typos", "wiring", []snippet{
			{dir: "mod", src: `
variable "required" {
  description = "d"
  type        = string
}
variable "optional" {
  description = "d"
  type        = string
  default     = "x"
}
locals {
  a = var.requried
}
output "out" {
  description = "d"
  value       = local.b
}`},
			{dir: "root", src: `
module "m" {
  source  = "../mod"
  optinal = "y"
}
module "gone" {
  source = "../nowhere"
}
output "x" {
  description = "d"
  value       = module.m.nope
}
output "y" {
  description = "d"
  value       = module.n.out
}`}}, []string{"var.requried is not declared", "local.b is not declared", `argument "optinal"`, `required variable "required"`, `no output "nope"`, "module.n is not called", `source "../nowhere"`}},
		{"wiring good", "wiring", []snippet{
			{dir: "mod", src: `
variable "required" {
  description = "d"
  type        = string
}
output "out" {
  description = "d"
  value       = var.required
}`},
			{dir: "root", src: `
module "m" {
  source   = "../mod"
  required = "y"
}
output "x" {
  description = "d"
  value       = module.m.out
}`}}, nil},
		{"variables without description or type", "variables", []snippet{{src: `
variable "a" {}
output "b" {
  value = 1
}`}}, []string{`"a" has no description`, `"a" has no type`, `output "b" has no description`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runCheckerCase(t, tc.checker, tc.files, tc.want) })
	}
}

// runCheckerCase parses the snippets into one tree, runs the checker and
// expects one finding matching each want (none when want is empty).
func runCheckerCase(t *testing.T, checker string, snippets []snippet, want []string) {
	t.Helper()
	root := t.TempDir()
	var files []*tfFile
	for i, s := range snippets {
		dir := filepath.Join(root, s.dir)
		f, err := parseSource(t, filepath.Join(dir, fmt.Sprintf("s%d.tf", i)), dir, []byte(s.src))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var r report
	checkers[checker](files, &r)
	if r.examined == 0 {
		t.Fatalf("checker %s examined nothing", checker)
	}
	if len(want) == 0 {
		for _, f := range r.findings {
			t.Errorf("unexpected finding: %v", f)
		}
		return
	}
	for _, w := range want {
		found := false
		for _, f := range r.findings {
			if strings.Contains(f.msg, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no finding containing %q; got %v", w, r.findings)
		}
	}
}

// FuzzCheckers feeds arbitrary HCL to every checker: whatever parses must
// be checked without a panic.
func FuzzCheckers(f *testing.F) {
	matches, err := filepath.Glob("modules/*/main.tf")
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range matches {
		src, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(`data "aws_iam_policy_document" "p" { statement { actions = ["*"] } }`))
	f.Add([]byte(`resource "aws_apigatewayv2_stage" "s" { default_route_settings { throttling_rate_limit = null } }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := parseSource(t, "fuzz/main.tf", "fuzz", src)
		if err != nil {
			return
		}
		for _, c := range checkers {
			var r report
			c([]*tfFile{file}, &r)
		}
	})
}
