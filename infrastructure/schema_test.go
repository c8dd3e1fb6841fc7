package infrastructure_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The AWS provider's schema, offline: the Terraform registry is unreachable
// here, but the npm package @cdktf/provider-aws carries bindings generated
// from the provider's schema (19.65.1 declares hashicorp/aws 5.99.1, the
// version envs/*/versions.tf pin). infrastructure/provider-schema.sh
// installs it into .cache/provider-aws; the loader below reads, for every
// resource and data source, the argument and block names (the keys each
// generated *ToTerraform function emits) and the attribute names its class
// exposes. Nothing of it is committed.

// providerSchemaDir is where provider-schema.sh installs the package.
const providerSchemaDir = "../.cache/provider-aws/node_modules/@cdktf/provider-aws/lib"

// blockSchema is one resource, data source or nested block: its argument and
// block names, with the nested blocks' own schemas.
type blockSchema struct {
	names  map[string]bool
	blocks map[string]*blockSchema // nil value: a name with no known nested schema
}

// typeSchema is a resource or data source type.
type typeSchema struct {
	args  *blockSchema
	attrs map[string]bool // every readable attribute (arguments and computed)
}

// providerSchema maps type names to the package folder of their bindings
// and keeps the ones parsed so far.
type providerSchema struct {
	dir             string
	resources, data map[string]string // type name -> folder under dir
	mu              sync.Mutex        // guards parsed
	parsed          map[string]*typeSchema
}

var (
	reTFType     = regexp.MustCompile(`\.tfResourceType = "([a-z0-9_]+)";`)
	reFuncStart  = regexp.MustCompile(`(?m)^function (\w+)ToTerraform\(struct\) \{$`)
	reSynthStart = regexp.MustCompile(`(?m)^    synthesizeAttributes\(\) \{$`)
	reKeyLine    = regexp.MustCompile(`^\s+(\w+): (.*?),?$`)
	reChildFunc  = regexp.MustCompile(`(?:^|[^.\w])(\w+)ToTerraform\b`)
	reGetAttr    = regexp.MustCompile(`get\w*Attribute\('([a-z0-9_]+)'\)|interpolationForAttribute\('([a-z0-9_]+)'\)|\(this, "([a-z0-9_]+)", (?:false|true)\)`)
	reMainClass  = regexp.MustCompile(`(?m)^class \w+ extends cdktf\.Terraform(?:Resource|DataSource) \{$`)
)

// returnKeys reads the `return { key: expr, … };` object that starts after
// position at in src: each key and the generated function its value calls
// (empty for a leaf such as cdktf.stringToTerraform).
func returnKeys(src string, at int) map[string]string {
	keys := map[string]string{}
	rest := src[at:]
	start := strings.Index(rest, "return {\n")
	if start < 0 {
		return keys
	}
	for _, line := range strings.Split(rest[start+len("return {\n"):], "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "};") {
			break
		}
		m := reKeyLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		child := ""
		if c := reChildFunc.FindStringSubmatch(m[2]); c != nil {
			child = c[1]
		}
		keys[m[1]] = child
	}
	return keys
}

// parseBindings reads one generated index.js.
func parseBindings(src string) (tfType string, ts *typeSchema, ok bool) {
	m := reTFType.FindStringSubmatch(src)
	if m == nil {
		return "", nil, false
	}
	funcs := map[string]map[string]string{}
	for _, loc := range reFuncStart.FindAllStringSubmatchIndex(src, -1) {
		funcs[src[loc[2]:loc[3]]] = returnKeys(src, loc[1])
	}
	var build func(keys map[string]string, depth int) *blockSchema
	build = func(keys map[string]string, depth int) *blockSchema {
		b := &blockSchema{names: map[string]bool{}, blocks: map[string]*blockSchema{}}
		for k, child := range keys {
			b.names[k] = true
			if ck, found := funcs[child]; found && depth < 12 {
				b.blocks[k] = build(ck, depth+1)
			}
		}
		return b
	}
	synth := reSynthStart.FindStringIndex(src)
	if synth == nil {
		return "", nil, false
	}
	ts = &typeSchema{args: build(returnKeys(src, synth[1]), 0), attrs: map[string]bool{}}
	main := reMainClass.FindStringIndex(src)
	if main == nil {
		return "", nil, false
	}
	for _, a := range reGetAttr.FindAllStringSubmatch(src[main[0]:], -1) {
		for _, name := range a[1:] {
			if name != "" {
				ts.attrs[name] = true
			}
		}
	}
	for name := range ts.args.names {
		ts.attrs[name] = true
	}
	return m[1], ts, true
}

var (
	schemaOnce sync.Once
	schemaVal  *providerSchema
	schemaErr  error
)

// loadProviderSchema parses the installed bindings once per test binary.
// It skips the test when the package is not installed, unless
// EDGEFLIX_REQUIRE_PROVIDER_SCHEMA is set (make check-infra sets it).
func loadProviderSchema(t *testing.T) *providerSchema {
	t.Helper()
	if _, err := os.Stat(providerSchemaDir); err != nil {
		if os.Getenv("EDGEFLIX_REQUIRE_PROVIDER_SCHEMA") != "" {
			t.Fatalf("provider schema not installed at %s (run infrastructure/provider-schema.sh): %v", providerSchemaDir, err)
		}
		t.Skipf("provider schema not installed (infrastructure/provider-schema.sh; make check-infra runs it)")
	}
	schemaOnce.Do(func() { schemaVal, schemaErr = newProviderSchema(providerSchemaDir) })
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schemaVal
}

// newProviderSchema indexes the package's folders by type name. Reading all
// 2,000 bindings (360 MB) takes minutes on a busy machine, so a type's
// bindings are parsed on first use only.
func newProviderSchema(dir string) (*providerSchema, error) {
	dirs, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ps := &providerSchema{dir: dir, resources: map[string]string{}, data: map[string]string{}, parsed: map[string]*typeSchema{}}
	marker := []byte(`.tfResourceType = "`)
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, d.Name(), "index.js"))
		if err != nil {
			continue
		}
		at := bytes.LastIndex(src, marker)
		if at < 0 {
			continue
		}
		rest := src[at+len(marker):]
		typ := string(rest[:bytes.IndexByte(rest, '"')])
		if strings.HasPrefix(d.Name(), "data-aws-") {
			ps.data[typ] = d.Name()
		} else {
			ps.resources[typ] = d.Name()
		}
	}
	if len(ps.resources) < 1000 || len(ps.data) < 400 {
		return nil, fmt.Errorf("provider schema: only %d resources and %d data sources found in %s", len(ps.resources), len(ps.data), dir)
	}
	return ps, nil
}

// lookup returns the schema of a resource (data false) or data source type,
// or nil when the provider has no such type.
func (ps *providerSchema) lookup(typ string, data bool) *typeSchema {
	dirs := ps.resources
	if data {
		dirs = ps.data
	}
	folder, ok := dirs[typ]
	if !ok {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ts, ok := ps.parsed[folder]; ok {
		return ts
	}
	src, err := os.ReadFile(filepath.Join(ps.dir, folder, "index.js"))
	if err != nil {
		return nil
	}
	_, ts, ok := parseBindings(string(src))
	if !ok {
		return nil
	}
	ps.parsed[folder] = ts
	return ts
}

// metaArguments are Terraform's own names in resource and data blocks.
var metaArguments = map[string]bool{
	"count": true, "for_each": true, "provider": true, "depends_on": true,
	"lifecycle": true, "provisioner": true, "connection": true,
}

// checkSchema reports every resource or data source type, argument, block
// and referenced attribute (aws_x.name.attr, data.aws_x.name.attr) in files
// that the provider schema does not know.
func checkSchema(ps *providerSchema, files []*tfFile, r *report) {
	for _, f := range files {
		for _, blk := range f.body.Blocks {
			if (blk.Type != "resource" && blk.Type != "data") || len(blk.Labels) != 2 || !strings.HasPrefix(blk.Labels[0], "aws_") {
				continue
			}
			r.examined++
			ts := ps.lookup(blk.Labels[0], blk.Type == "data")
			if ts == nil {
				r.add(f.path, blk.DefRange(), "%s type %q does not exist in hashicorp/aws 5.99.1", blk.Type, blk.Labels[0])
				continue
			}
			checkBody(f.path, blk.Labels[0], blk.Body, ts.args, true, r)
		}
		checkReferences(ps, f, r)
	}
}

func checkBody(file, where string, body *hclsyntax.Body, bs *blockSchema, top bool, r *report) {
	for name, attr := range body.Attributes {
		if top && metaArguments[name] {
			continue
		}
		if !bs.names[name] {
			r.add(file, attr.SrcRange, "%s: argument %q does not exist in hashicorp/aws 5.99.1", where, name)
		}
	}
	for _, blk := range body.Blocks {
		name, inner := blk.Type, blk.Body
		if top && metaArguments[name] {
			continue
		}
		if name == "dynamic" && len(blk.Labels) == 1 {
			name = blk.Labels[0]
			inner = nil
			for _, c := range blk.Body.Blocks {
				if c.Type == "content" {
					inner = c.Body
				}
			}
		}
		if !bs.names[name] {
			r.add(file, blk.DefRange(), "%s: block %q does not exist in hashicorp/aws 5.99.1", where, name)
			continue
		}
		if child := bs.blocks[name]; child != nil && inner != nil {
			checkBody(file, where+"."+name, inner, child, false, r)
		}
	}
}

// checkReferences walks every expression for traversals into aws_* resources
// and data sources and checks the type and its first attribute.
func checkReferences(ps *providerSchema, f *tfFile, r *report) {
	_ = hclsyntax.VisitAll(f.body, func(n hclsyntax.Node) hcl.Diagnostics {
		st, ok := n.(*hclsyntax.ScopeTraversalExpr)
		if !ok {
			return nil
		}
		tr := st.Traversal
		root := tr.RootName()
		data, steps := false, tr[1:]
		if root == "data" {
			data = true
			if len(steps) == 0 {
				return nil
			}
			name, ok := steps[0].(hcl.TraverseAttr)
			if !ok {
				return nil
			}
			root, steps = name.Name, steps[1:]
		}
		if !strings.HasPrefix(root, "aws_") {
			return nil
		}
		ts := ps.lookup(root, data)
		if ts == nil {
			r.add(f.path, st.SrcRange, "reference to unknown type %q", root)
			return nil
		}
		// steps: .name, optional [index], .attribute
		if len(steps) < 2 {
			return nil
		}
		rest := steps[1:]
		if _, isIndex := rest[0].(hcl.TraverseIndex); isIndex {
			rest = rest[1:]
		}
		if _, isSplat := rest[0].(hcl.TraverseSplat); isSplat && len(rest) > 1 {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return nil
		}
		if attr, ok := rest[0].(hcl.TraverseAttr); ok && !ts.attrs[attr.Name] {
			r.add(f.path, st.SrcRange, "%s has no attribute %q in hashicorp/aws 5.99.1", root, attr.Name)
		}
		return nil
	})
}

// TestProviderSchema checks every name in infrastructure/ against the
// provider schema, and that a planted typo of each kind is caught.
func TestProviderSchema(t *testing.T) {
	ps := loadProviderSchema(t)

	t.Run("infrastructure", func(t *testing.T) {
		var r report
		checkSchema(ps, loadTree(t, "."), &r)
		if r.examined < 50 {
			t.Fatalf("only %d aws_* blocks examined; is the tree loaded?", r.examined)
		}
		msgs := make([]string, 0, len(r.findings))
		for _, f := range r.findings {
			msgs = append(msgs, f.String())
		}
		sort.Strings(msgs)
		if len(msgs) > 0 {
			t.Errorf("%d names unknown to hashicorp/aws 5.99.1:\n%s", len(msgs), strings.Join(msgs, "\n"))
		}
		t.Logf("%d aws_* resources and data sources checked", r.examined)
	})

	planted := []struct {
		name, src, want string
	}{
		{"resource type", `resource "aws_s3_buckett" "x" {}`, `resource type "aws_s3_buckett"`},
		{"data source type", `data "aws_caller_identty" "x" {}`, `data type "aws_caller_identty"`},
		{"argument", `resource "aws_s3_bucket" "x" { buckett = "b" }`, `argument "buckett"`},
		{"nested block", `resource "aws_cloudfront_distribution" "x" {
  defualt_cache_behavior {}
}`, `block "defualt_cache_behavior"`},
		{"argument in nested block", `resource "aws_cloudfront_distribution" "x" {
  default_cache_behavior { viewer_protocol_polcy = "https-only" }
}`, `default_cache_behavior: argument "viewer_protocol_polcy"`},
		{"dynamic block content", `resource "aws_lb" "x" {
  dynamic "access_logs" {
    for_each = [1]
    content { buckt = "b" }
  }
}`, `access_logs: argument "buckt"`},
		{"attribute reference", `output "o" { value = aws_lb.x.arn_sufix }`, `no attribute "arn_sufix"`},
		{"data attribute reference", `output "o" { value = data.aws_caller_identity.x.acount_id }`, `no attribute "acount_id"`},
		{"indexed attribute reference", `output "o" { value = aws_lb.x[0].dns_nam }`, `no attribute "dns_nam"`},
	}
	for _, tc := range planted {
		t.Run("planted/"+tc.name, func(t *testing.T) {
			f, err := parseSource(t, "planted.tf", ".", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			var r report
			checkSchema(ps, []*tfFile{f}, &r)
			if len(r.findings) != 1 || !strings.Contains(r.findings[0].msg, tc.want) {
				t.Fatalf("want one finding containing %q, got %v", tc.want, r.findings)
			}
		})
	}

	valid := `resource "aws_cloudfront_distribution" "x" {
  count = 1
  default_cache_behavior {
    viewer_protocol_policy = "https-only"
    lambda_function_association { event_type = "viewer-request" }
  }
  lifecycle { prevent_destroy = true }
}
resource "aws_secretsmanager_secret_version" "x" {
  secret_string_wo         = "v"
  secret_string_wo_version = 1
}
output "o" { value = [aws_cloudfront_distribution.x[0].hosted_zone_id, aws_db_instance.d.master_user_secret[0].secret_arn, data.aws_caller_identity.c.account_id, aws_lb.l.arn_suffix] }`
	t.Run("valid names pass", func(t *testing.T) {
		f, err := parseSource(t, "valid.tf", ".", []byte(valid))
		if err != nil {
			t.Fatal(err)
		}
		var r report
		checkSchema(ps, []*tfFile{f}, &r)
		if len(r.findings) != 0 {
			t.Fatalf("valid names reported: %v", r.findings)
		}
	})
}
