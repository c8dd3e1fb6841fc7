package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgeflix/edgeflix/edge/admin"
	"github.com/edgeflix/edgeflix/edge/selftest"
	"github.com/edgeflix/edgeflix/edge/versions"
	"github.com/edgeflix/edgeflix/internal/lambdaplan"
)

// defaultAdminURL is where `edgeflix edge` serves its admin API (EDGEFLIX_EDGE_ADMIN_ADDR).
const defaultAdminURL = "http://127.0.0.1:9181"

// versionVerbs are the `edgeflix fn` verbs that drive edges' function versions.
var versionVerbs = map[string]string{
	"upload":   "--module FILE [--tag] [--message] [--iss] [--aud] [--jwks FILE]",
	"versions": "",
	"test":     "N [--cases FILE]",
	"activate": "N",
	"split":    "N@PERCENT",
	"rollback": "",
}

// edgeResult is one edge's answer to a verb.
type edgeResult struct {
	Edge   string `json:"edge"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	Result any    `json:"result,omitempty"`
}

func runFnVersions(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fn "+verb, versionVerbs[verb]+" [--edge URL]... [--json] [--target local|aws]", stderr)
	var edges listFlag
	fs.Var(&edges, "edge", "an edge's admin API URL, repeatable or comma-separated (env EDGEFLIX_EDGES; default "+defaultAdminURL+")")
	asJSON := fs.Bool("json", false, "print JSON (for CI)")
	target := fs.String("target", "local", "local: the edges' admin APIs; aws: print what Lambda@Edge and Terraform need")
	apply := fs.Bool("apply", false, "with --target aws: run the make/aws/terraform commands (and write the Terraform variables) instead of printing them")
	tfDir := fs.String("tf-dir", "infrastructure/envs/production", "with --target aws split, activate, rollback: the Terraform root whose "+lambdaplan.TFVarsFile+" gets the variables")
	name := fs.String("name", "edgeflix-edge", "with --target aws: the edge module's name (functions NAME-viewer-request, NAME-origin-request)")
	header := fs.String("staging-header", "", "with --target aws split: value of the staging header (default random)")
	module := fs.String("module", envOr("EDGEFLIX_EDGE_MODULE", "dist/edge.wasm"), "upload, test --target aws: the .wasm module")
	tag := fs.String("tag", "", "upload: a tag, e.g. the git commit")
	message := fs.String("message", "", "upload: a message")
	iss := fs.String("iss", "", "upload: token issuer this version requires (default: the edge's)")
	aud := fs.String("aud", "", "upload: token audience this version requires (default: the edge's)")
	jwks := fs.String("jwks", "", "upload: pin a key set file to this version (default: follow the edge's JWKS); --target aws: the JWKS URL or file baked into the zips")
	cases := fs.String("cases", "", "test: a JSON file of operator cases [{name, event, status, uri}]")
	// Flags may follow the positional argument (fn activate 7 --json).
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *target == "aws" {
		return runFnAWS(ctx, verb, pos, awsOptions{apply: *apply, tfDir: *tfDir, name: *name, header: *header, module: *module, jwks: *jwks, cases: *cases, json: *asJSON}, stdout, stderr)
	}
	if *target != "local" {
		return fmt.Errorf("--target %q: want local or aws", *target)
	}
	token := os.Getenv(admin.TokenEnv)
	if token == "" {
		return fmt.Errorf("set %s to the edges' admin token", admin.TokenEnv)
	}
	if len(edges) == 0 {
		_ = edges.Set(envOr("EDGEFLIX_EDGES", defaultAdminURL))
	}
	call, err := versionCall(verb, pos, *module, *tag, *message, *iss, *aud, *jwks, *cases)
	if err != nil {
		return err
	}
	var results []edgeResult
	var failed []string
	for _, e := range edges {
		c := &admin.Client{BaseURL: e, Token: token}
		out, err := call(ctx, c)
		r := edgeResult{Edge: e, OK: err == nil, Result: out}
		if err != nil {
			failed = append(failed, e)
			r.Error = err.Error()
			var ae *admin.APIError
			if errors.As(err, &ae) && ae.Report != nil {
				r.Result = ae.Report
			}
		}
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(results)
	} else {
		for _, r := range results {
			fmt.Fprintf(stdout, "%s: %s\n", r.Edge, describe(r))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s failed on %d of %d edges: %s", verb, len(failed), len(edges), strings.Join(failed, ", "))
	}
	return nil
}

// versionCall checks a verb's arguments and returns the call to make on each edge.
func versionCall(verb string, args []string, module, tag, message, iss, aud, jwks, casesFile string) (func(context.Context, *admin.Client) (any, error), error) {
	number := func() (int, error) {
		if len(args) != 1 {
			return 0, fmt.Errorf("%w: fn %s needs a version number", errUsage, verb)
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 {
			return 0, fmt.Errorf("version %q: want a positive number", args[0])
		}
		return n, nil
	}
	switch verb {
	case "upload":
		b, err := os.ReadFile(module)
		if err != nil {
			return nil, fmt.Errorf("module: %w", err)
		}
		req := admin.UploadRequest{Module: b, Tag: tag, Message: message, Config: versions.Config{Issuer: iss, Audience: aud}}
		if jwks != "" {
			if req.Config.JWKS, err = os.ReadFile(jwks); err != nil {
				return nil, fmt.Errorf("jwks: %w", err)
			}
		}
		return func(ctx context.Context, c *admin.Client) (any, error) { return c.Upload(ctx, req) }, nil
	case "versions":
		return func(ctx context.Context, c *admin.Client) (any, error) { return c.Versions(ctx) }, nil
	case "test":
		n, err := number()
		if err != nil {
			return nil, err
		}
		var cs []selftest.Case
		if casesFile != "" {
			b, err := os.ReadFile(casesFile)
			if err != nil {
				return nil, fmt.Errorf("cases: %w", err)
			}
			if err := json.Unmarshal(b, &cs); err != nil {
				return nil, fmt.Errorf("cases %s: %w", casesFile, err)
			}
		}
		return func(ctx context.Context, c *admin.Client) (any, error) { return c.Test(ctx, n, cs) }, nil
	case "activate":
		n, err := number()
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *admin.Client) (any, error) { return c.Activate(ctx, n) }, nil
	case "split":
		if len(args) != 1 {
			return nil, fmt.Errorf("%w: fn split needs N@PERCENT", errUsage)
		}
		n, p, err := parseSplit(args[0])
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *admin.Client) (any, error) { return c.Split(ctx, n, p) }, nil
	case "rollback":
		return func(ctx context.Context, c *admin.Client) (any, error) { return c.Rollback(ctx) }, nil
	}
	return nil, fmt.Errorf("%w: unknown verb %s", errUsage, verb)
}

// parseSplit reads N@PERCENT, e.g. 7@10 or 7@2.5.
func parseSplit(s string) (int, float64, error) {
	v, p, ok := strings.Cut(s, "@")
	n, err1 := strconv.Atoi(v)
	pct, err2 := strconv.ParseFloat(strings.TrimSuffix(p, "%"), 64)
	if !ok || err1 != nil || err2 != nil || n < 1 || pct < 0 || pct > 100 {
		return 0, 0, fmt.Errorf("split %q: want N@PERCENT with PERCENT in 0–100, e.g. 7@10", s)
	}
	return n, pct, nil
}

// describe is one edge's answer for people.
func describe(r edgeResult) string {
	if !r.OK {
		return "FAILED: " + r.Error
	}
	b, _ := json.Marshal(r.Result)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	switch {
	case m["version"] != nil:
		v, _ := m["version"].(map[string]any)
		what := "uploaded"
		if m["created"] == false {
			what = "already stored as"
		}
		return fmt.Sprintf("%s version %v (sha256 %.12s…)", what, v["number"], v["hash"])
	case m["versions"] != nil:
		var va admin.VersionsAnswer
		_ = json.Unmarshal(b, &va)
		var sb strings.Builder
		fmt.Fprintf(&sb, "active %d", va.Status.Active)
		if va.Status.Canary != 0 {
			fmt.Fprintf(&sb, ", canary %d at %g%%", va.Status.Canary, va.Status.Percent)
		}
		for _, v := range va.Versions {
			fmt.Fprintf(&sb, "\n  %4d  %.12s  %s  %3d cases  %-12s %s", v.Number, v.Hash, v.Created.Format("2006-01-02 15:04"), v.Cases, v.Tag, v.Message)
		}
		return sb.String()
	case m["passed"] != nil:
		var rep selftest.Report
		_ = json.Unmarshal(b, &rep)
		return rep.Summary()
	default:
		s := fmt.Sprintf("active %v", m["active"])
		if c, _ := m["canary"].(float64); c != 0 {
			s += fmt.Sprintf(", canary %v at %v%%", m["canary"], m["percent"])
		}
		if n, _ := m["note"].(string); n != "" {
			s += " — " + n
		}
		return s
	}
}

type awsOptions struct {
	apply                                    bool
	tfDir, name, header, module, jwks, cases string
	json                                     bool
}

// runFnAWS prints (or, with --apply, runs) what Lambda@Edge and the
// Terraform need for verb.
func runFnAWS(ctx context.Context, verb string, args []string, o awsOptions, stdout, stderr io.Writer) error {
	f := lambdaplan.Names(o.name)
	var plan lambdaplan.Plan
	var err error
	pair := func() (lambdaplan.Pair, error) {
		if len(args) != 1 {
			return lambdaplan.Pair{}, fmt.Errorf("%w: fn %s --target aws needs VIEWER[/ORIGIN] published version numbers", errUsage, verb)
		}
		return lambdaplan.ParsePair(args[0])
	}
	switch verb {
	case "upload":
		jwks := o.jwks
		if jwks == "" {
			jwks = envOr("EDGEFLIX_ORIGIN_URL", defaultOriginURL) + "/.well-known/jwks.json"
		}
		plan = lambdaplan.Upload(f, jwks, "dist/lambda", o.cases)
	case "versions":
		plan = lambdaplan.Versions(f)
	case "test":
		return awsSelfTest(ctx, o, stdout)
	case "activate", "rollback":
		var p lambdaplan.Pair
		if p, err = pair(); err != nil {
			return err
		}
		plan = lambdaplan.Activate(p)
		if verb == "rollback" {
			plan = lambdaplan.Rollback(p)
		}
		plan = plan.Terraform(o.tfDir)
	case "split":
		if len(args) != 1 {
			return fmt.Errorf("%w: fn split --target aws needs VIEWER[/ORIGIN]@PERCENT", errUsage)
		}
		v, pct, ok := strings.Cut(args[0], "@")
		p, err := lambdaplan.ParsePair(v)
		if err != nil {
			return err
		}
		w, perr := strconv.ParseFloat(pct, 64)
		if !ok || perr != nil {
			return fmt.Errorf("split %q: want VIEWER[/ORIGIN]@PERCENT", args[0])
		}
		h := o.header
		if h == "" {
			h = lambdaplan.NewStagingHeader()
		}
		if plan, err = lambdaplan.Split(p, w, h); err != nil {
			return err
		}
		plan = plan.Terraform(o.tfDir)
	default:
		return fmt.Errorf("%w: unknown verb %s", errUsage, verb)
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(plan)
	} else {
		if len(plan.TFVars) > 0 {
			fmt.Fprintf(stdout, "# terraform variables for infrastructure/modules/edge (--apply merges them into %s):\n", filepath.Join(plan.TFDir, lambdaplan.TFVarsFile))
			b, _ := json.MarshalIndent(plan.TFVars, "", "  ")
			fmt.Fprintln(stdout, string(b))
		}
		for _, c := range plan.Commands {
			fmt.Fprintln(stdout, strings.Join(c, " "))
		}
		for _, n := range plan.Notes {
			fmt.Fprintln(stdout, "# "+n)
		}
	}
	if !o.apply {
		return nil
	}
	return applyPlan(ctx, plan, stdout, stderr)
}

// applyPlan writes plan's Terraform variables, then runs its commands in
// order (a self-test step in this process); the first failure stops the
// run and is named in the error.
func applyPlan(ctx context.Context, plan lambdaplan.Plan, stdout, stderr io.Writer) error {
	if len(plan.TFVars) > 0 {
		if err := mergeTFVars(filepath.Join(plan.TFDir, lambdaplan.TFVarsFile), plan.TFVars); err != nil {
			return fmt.Errorf("writing the terraform variables: %w; nothing was run", err)
		}
	}
	for i, c := range plan.Commands {
		step := fmt.Sprintf("step %d of %d (%s)", i+1, len(plan.Commands), strings.Join(c, " "))
		var err error
		if module, cases, ok := lambdaplan.SelfTestArgs(c); ok {
			err = awsSelfTest(ctx, awsOptions{module: module, cases: cases}, stdout)
		} else {
			cmd := exec.CommandContext(ctx, c[0], c[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
			err = cmd.Run()
		}
		if err != nil {
			return fmt.Errorf("%s failed: %w; the later steps were not run", step, err)
		}
	}
	return nil
}

// mergeTFVars sets vars in the JSON variables file name (created if
// missing), keeping the variables it already holds; a file that is not
// a JSON object is refused and left as it is.
func mergeTFVars(name string, vars map[string]any) error {
	all := map[string]any{}
	b, err := os.ReadFile(name)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &all); err != nil || all == nil {
			return fmt.Errorf("%s is not a JSON object of variables: %v", name, err)
		}
	}
	maps.Copy(all, vars)
	out, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// awsSelfTest runs the same self-test an edge runs on the module that
// would be zipped, before anything is published.
func awsSelfTest(ctx context.Context, o awsOptions, stdout io.Writer) error {
	b, err := os.ReadFile(o.module)
	if err != nil {
		return fmt.Errorf("module: %w (build it with `make wasm`)", err)
	}
	var cs []selftest.Case
	if o.cases != "" {
		cb, err := os.ReadFile(o.cases)
		if err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		if err := json.Unmarshal(cb, &cs); err != nil {
			return fmt.Errorf("cases %s: %w", o.cases, err)
		}
	}
	rep := selftest.Run(ctx, b, selftest.Options{Cases: cs})
	if o.json {
		_ = json.NewEncoder(stdout).Encode(rep)
	} else {
		fmt.Fprintln(stdout, rep.Summary())
	}
	if !rep.Passed {
		return errors.New("self-test failed: do not publish this module")
	}
	return nil
}
