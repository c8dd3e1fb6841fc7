// Command edgeflix is the one operator binary: it runs the stack locally,
// the origin, the edge, media ingest, edge function tooling and migrations.
package main

import (
	"os"

	"github.com/edgeflix/edgeflix/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
