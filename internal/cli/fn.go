package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgeflix/edgeflix/internal/edgeproof"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/cloudfront"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

const fnUsage = `Usage: edgeflix fn <invoke|rewrite|bundle|upload|versions|test|activate|split|rollback> [flags]

  invoke   run a CloudFront Lambda@Edge event through the module (wazero) and
           print the result exactly as the Lambda@Edge handler would
  rewrite  print the master playlist (stdin) a device with the given caps
           would be served, through the module
  bundle   write config.json (keys, iss, aud, leeway) for the Lambda@Edge zips

Function versions on edges (--edge URL..., admin token in EDGEFLIX_ADMIN_TOKEN;
--target aws prints or --apply runs what Lambda@Edge and Terraform need):
  upload   store a new version (module + config); takes no traffic
  versions list stored versions and the traffic state
  test     self-test version N (ABI, CloudFront corpus, --cases)
  activate send all traffic to version N
  split    N@PERCENT: canary share, sticky per playback session
  rollback back to the version last at 100 %

Run 'edgeflix fn <subcommand> --help' for its flags.
`

func runFn(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, fnUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "invoke":
		return runFnInvoke(ctx, args[1:], stdout, stderr)
	case "rewrite":
		return runFnRewrite(ctx, args[1:], os.Stdin, stdout, stderr)
	case "bundle":
		return runFnBundle(ctx, args[1:], stdout, stderr)
	}
	if _, ok := versionVerbs[args[0]]; ok {
		return runFnVersions(ctx, args[0], args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "edgeflix fn: unknown subcommand %q\n\n%s", args[0], fnUsage)
	return errUsage
}

// openModule loads the .wasm and starts a one-instance host.
func openModule(ctx context.Context, path string) (*fnhost.Host, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (build it with `make wasm`)", err)
	}
	return fnhost.New(ctx, fnhost.Options{Module: b, CacheDir: fnCacheDir(), PoolSize: 1})
}

// fnCacheDir is the per-user compilation cache of `edgeflix fn`:
// <os.UserCacheDir()>/edgeflix/wazero ($XDG_CACHE_HOME or ~/.cache on
// Linux), never a shared temp folder whose name others can predict and
// fill with machine code. "" (compile every run) when the user has none.
func fnCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "edgeflix", "wazero")
}

func runFnInvoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fn invoke", "--event EVENT.json [--origin-body FILE] [--jwks FILE|URL] [--iss] [--aud] [--module dist/edge.wasm]", stderr)
	event := fs.String("event", "", "CloudFront Lambda@Edge event JSON file (- for stdin)")
	originBody := fs.String("origin-body", "", "file served as the origin's answer at origin-request (default: fetch from the event's origin)")
	gate := gateFlags(fs)
	mod := fs.String("module", "dist/edge.wasm", "edge module")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *event == "" {
		fs.Usage()
		return errUsage
	}
	ev, err := readFileOrStdin(*event)
	if err != nil {
		return err
	}
	h, err := openModule(ctx, *mod)
	if err != nil {
		return err
	}
	defer h.Close(context.WithoutCancel(ctx))
	if needsKeys(ev) {
		doc, err := gate(ctx)
		if err != nil {
			return err
		}
		if err := h.Configure(ctx, doc); err != nil {
			return err
		}
	}
	handler := &cloudfront.Handler{Module: cloudfront.HostModule{Host: h}}
	if *originBody != "" {
		b, err := os.ReadFile(*originBody)
		if err != nil {
			return err
		}
		handler.Fetch = cloudfront.StaticFetcher{Body: b}
	}
	out, err := handler.Handle(ctx, ev)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

// needsKeys reports whether the event is a viewer-request (the gate needs
// the key set; origin-request does not).
func needsKeys(ev []byte) bool {
	return strings.Contains(string(ev), `"viewer-request"`)
}

func readFileOrStdin(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

func runFnRewrite(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("fn rewrite", "--max-height N --max-bandwidth N --codecs LIST [--hdr] [--class desktop] < master.m3u8", stderr)
	mh := fs.Int("max-height", 1080, "device max height, pixels")
	mbr := fs.Int("max-bandwidth", 8_000_000, "device max bandwidth, bits/s")
	codecs := fs.String("codecs", "avc1,mp4a", "codec families the device plays, comma-separated")
	hdr := fs.Bool("hdr", false, "the device plays HDR")
	class := fs.String("class", "desktop", "device class: phone, tablet, desktop, tv")
	mod := fs.String("module", "dist/edge.wasm", "edge module")
	if err := parse(fs, args); err != nil {
		return err
	}
	master, err := io.ReadAll(io.LimitReader(stdin, 8<<20))
	if err != nil {
		return err
	}
	h, err := openModule(ctx, *mod)
	if err != nil {
		return err
	}
	defer h.Close(context.WithoutCancel(ctx))
	caps := RewriteCaps(*class, *mh, *mbr, *codecs, *hdr)
	r, err := cloudfront.HostModule{Host: h}.Rewrite(ctx, caps, master)
	if err != nil {
		return err
	}
	switch r.Status {
	case manifest.StatusOK:
		_, err = stdout.Write(r.Body)
		return err
	case manifest.StatusNotMaster:
		fmt.Fprintln(stderr, "edgeflix fn rewrite: not a master playlist; served unchanged")
		_, err = stdout.Write(master)
		return err
	case manifest.StatusUnplayable:
		return errors.New("no rendition playable by this device (the edge answers 422)")
	default:
		return fmt.Errorf("module answered %s: %s", r.Status, r.Body)
	}
}

// RewriteCaps is the X-Edgeflix-Caps value for the rewrite flags.
func RewriteCaps(class string, maxHeight, maxBandwidth int, codecs string, hdr bool) string {
	h := "0"
	if hdr {
		h = "1"
	}
	return fmt.Sprintf("cls=%s;mh=%d;mbr=%d;cdc=%s;hdr=%s", class, maxHeight, maxBandwidth, strings.ReplaceAll(codecs, " ", ""), h)
}

// gateFlags registers the flags of the gate's configuration (the JWKS and
// the claims it checks) and returns a function that loads the JWKS and
// builds the module's configuration document from them once parsed.
func gateFlags(fs *flag.FlagSet) func(context.Context) ([]byte, error) {
	jwks := fs.String("jwks", envOr("EDGEFLIX_ORIGIN_URL", defaultOriginURL)+"/.well-known/jwks.json", "JWKS file or URL the gate trusts (the origin's /.well-known/jwks.json)")
	iss := fs.String("iss", contract.DefaultIssuer, "token issuer")
	aud := fs.String("aud", contract.DefaultAudience, "token audience")
	leeway := fs.Int("leeway", contract.DefaultLeewaySeconds, "clock skew allowed, seconds")
	return func(ctx context.Context) ([]byte, error) {
		keys, err := cloudfront.LoadJWKS(ctx, *jwks)
		if err != nil {
			return nil, err
		}
		return cloudfront.ConfigDocument(keys, *iss, *aud, *leeway)
	}
}

func runFnBundle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fn bundle", "--jwks URL|FILE [--iss] [--aud] [--leeway] --out DIR", stderr)
	gate := gateFlags(fs)
	out := fs.String("out", "", "folder to write config.json into")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errUsage
	}
	doc, err := gate(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	p := filepath.Join(*out, "config.json")
	if err := os.WriteFile(p, append(doc, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", p)
	// The gate's proof key: the first of EDGEFLIX_EDGE_PROOF_KEYS (the
	// origin's list; never a flag, flags show in ps). Without it the
	// bundle forwards no proof and the origin refuses its media.
	if v := os.Getenv("EDGEFLIX_EDGE_PROOF_KEYS"); v != "" {
		keys, err := edgeproof.ParseKeys(v)
		if err != nil {
			return err
		}
		if err := cloudfront.WriteProofFile(*out, keys[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (proof key %s)\n", filepath.Join(*out, cloudfront.ProofFile), keys[0].ID)
	} else {
		_ = os.Remove(filepath.Join(*out, cloudfront.ProofFile)) // no stale key from an earlier bundle
		fmt.Fprintln(stderr, "fn bundle: EDGEFLIX_EDGE_PROOF_KEYS unset; the bundle forwards no proof and the origin will refuse its media")
	}
	return nil
}
