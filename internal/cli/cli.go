// Package cli implements the edgeflix operator binary's subcommands. Each
// subcommand parses its flags and calls into the packages that do the work.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand of the edgeflix binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order --help shows them.
var commands = []command{
	{"up", "start the whole local service: S3 store, demo catalog, origin, edge, web app", runUp},
	{"migrate", "apply or inspect the MySQL schema migrations", runMigrate},
	{"origin", "run the origin server (API, OAuth, media, web app)", runOrigin},
	{"keys", "list, rotate or retire the token signing keys", runKeys},
	{"ingest", "encode a video to HLS, upload it and publish it as a title", runIngest},
	{"edge", "run the edge server (token gate in Wasm, origin proxy)", runEdge},
	{"fn", "run CloudFront events or a master rewrite through the edge module; bundle Lambda@Edge config", runFn},
	{"qoe", "print playback QoE per edge function version and device class", runQoE},
}

// errUsage marks an error already reported by a flag set.
var errUsage = errors.New("usage")

// Main runs the subcommand named by args[0] and returns the process exit
// code: 0 on success, 2 for usage errors, 1 otherwise.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "edgeflix %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "edgeflix: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "edgeflix — an edge-first streaming service.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: edgeflix <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'edgeflix <command> --help' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors to stderr and whose
// usage line names the subcommand.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("edgeflix "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: edgeflix %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, mapping flag errors to errUsage (already reported).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
