// Command tfscan runs trivy's embedded Terraform checks (AWS-*) offline over
// a folder, through trivy's Go library, and fails when any HIGH or CRITICAL
// finding is left, when an inline `trivy:ignore:<ID>` comment has no written
// reason, or when an ignore comment no longer suppresses anything.
//
// Usage (from the repository root; the library needs GOEXPERIMENT=jsonv2):
//
//	tfscan [-fail-on HIGH,CRITICAL] [-v] infrastructure
//
// Scan the whole infrastructure/ folder: an environment folder scanned alone
// cannot follow `../../modules` and trivy then silently skips the modules.
// It lives in its own Go module so trivy's dependencies stay out of the
// product's go.mod.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraform"
	"github.com/aquasecurity/trivy/pkg/log"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("tfscan", flag.ContinueOnError)
	fl.SetOutput(stderr)
	failOn := fl.String("fail-on", "HIGH,CRITICAL", "comma-separated severities that fail the scan")
	verbose := fl.Bool("v", false, "also list LOW/MEDIUM findings and every ignored one")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: tfscan [-fail-on HIGH,CRITICAL] [-v] DIR")
		return 2
	}
	root, err := filepath.Abs(fl.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tfscan: %v\n", err)
		return 2
	}
	log.InitLogger(false, true)

	comments, err := ignoreComments(root)
	if err != nil {
		fmt.Fprintf(stderr, "tfscan: %v\n", err)
		return 2
	}
	findings, err := scanDir(context.Background(), root)
	if err != nil {
		fmt.Fprintf(stderr, "tfscan: %v\n", err)
		return 2
	}
	if findings.checked == 0 {
		fmt.Fprintf(stderr, "tfscan: no checks ran under %s (no Terraform found?)\n", root)
		return 2
	}
	return report(stdout, findings, comments, strings.Split(*failOn, ","), *verbose)
}

// finding is one failed or ignored check, deduplicated over root modules
// (a module reached from production, staging and its example is one place).
type finding struct {
	id, severity, file, title string
	line                      int
	ignored                   bool
}

type scanResult struct {
	all     []finding
	checked int // results of any status, passed included
}

func scanDir(ctx context.Context, root string) (scanResult, error) {
	s := terraform.New(
		rego.WithEmbeddedPolicies(true),
		rego.WithEmbeddedLibraries(true),
		terraform.ScannerWithAllDirectories(true),
		terraform.ScannerWithDownloadsAllowed(false),
	)
	results, err := s.ScanFS(ctx, os.DirFS(root), ".")
	if err != nil {
		return scanResult{}, fmt.Errorf("scan %s: %w", root, err)
	}
	seen := map[string]bool{}
	out := scanResult{checked: len(results)}
	for _, r := range results {
		if r.Status() != scan.StatusFailed && r.Status() != scan.StatusIgnored {
			continue
		}
		rng := r.Range()
		f := finding{
			id:       r.Rule().ID,
			severity: string(r.Severity()),
			file:     rng.GetLocalFilename(),
			line:     rng.GetStartLine(),
			title:    r.Description(),
			ignored:  r.Status() == scan.StatusIgnored,
		}
		key := fmt.Sprintf("%s|%s|%d|%v", f.id, f.file, f.line, f.ignored)
		if seen[key] {
			continue
		}
		seen[key] = true
		out.all = append(out.all, f)
	}
	sort.Slice(out.all, func(i, j int) bool {
		a, b := out.all[i], out.all[j]
		if a.file != b.file {
			return a.file < b.file
		}
		if a.line != b.line {
			return a.line < b.line
		}
		return a.id < b.id
	})
	return out, nil
}

// ignoreComment is one `trivy:ignore:<ID>` in a .tf file and its reason.
type ignoreComment struct {
	id, file, reason string
	line             int
}

// ignoreComments finds every inline ignore under root. The reason is the
// text after the ID ("# trivy:ignore:AWS-0104 -- why"), which trivy skips.
func ignoreComments(root string) ([]ignoreComment, error) {
	var out []ignoreComment
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
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
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(src), "\n") {
			for _, prefix := range []string{"trivy:ignore:", "tfsec:ignore:"} {
				at := strings.Index(line, prefix)
				if at < 0 {
					continue
				}
				rest := line[at+len(prefix):]
				id, reason, _ := strings.Cut(rest, " ")
				reason = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(reason), "-—:"))
				out = append(out, ignoreComment{id: id, file: rel, line: i + 1, reason: reason})
			}
		}
		return nil
	})
	return out, err
}

func report(w io.Writer, res scanResult, comments []ignoreComment, failOn []string, verbose bool) int {
	fail := map[string]bool{}
	for _, s := range failOn {
		fail[strings.ToUpper(strings.TrimSpace(s))] = true
	}
	counts := map[string]int{}
	ignoredIDs := map[string]int{}
	bad := 0
	for _, f := range res.all {
		if f.ignored {
			ignoredIDs[f.id]++
			if verbose {
				fmt.Fprintf(w, "ignored  %-8s %s %s:%d %s\n", f.severity, f.id, f.file, f.line, f.title)
			}
			continue
		}
		counts[f.severity]++
		if fail[f.severity] {
			bad++
			fmt.Fprintf(w, "FAIL     %-8s %s %s:%d %s\n", f.severity, f.id, f.file, f.line, f.title)
		} else if verbose {
			fmt.Fprintf(w, "finding  %-8s %s %s:%d %s\n", f.severity, f.id, f.file, f.line, f.title)
		}
	}
	for _, c := range comments {
		switch {
		case len(strings.Fields(c.reason)) < 3:
			bad++
			fmt.Fprintf(w, "FAIL     ignore of %s at %s:%d has no written reason (write `# trivy:ignore:%s -- why`)\n", c.id, c.file, c.line, c.id)
		case ignoredIDs[c.id] == 0:
			bad++
			fmt.Fprintf(w, "FAIL     ignore of %s at %s:%d suppresses nothing; remove it\n", c.id, c.file, c.line)
		default:
			fmt.Fprintf(w, "ignore   %s %s:%d: %s\n", c.id, c.file, c.line, c.reason)
		}
	}
	total := 0
	for _, n := range ignoredIDs {
		total += n
	}
	fmt.Fprintf(w, "tfscan: CRITICAL=%d HIGH=%d MEDIUM=%d LOW=%d ignored=%d (%d ignore comments)\n",
		counts["CRITICAL"], counts["HIGH"], counts["MEDIUM"], counts["LOW"], total, len(comments))
	if bad > 0 {
		return 1
	}
	return 0
}
