// Command precompress writes name.gz and name.br beside every compressible
// file of the web app's build folder (`make wasm` runs it on dist/web), so
// the origin serves compressed assets without compressing at startup.
//
//	go run ./cmd/precompress dist/web
package main

import (
	"fmt"
	"os"

	"github.com/edgeflix/edgeflix/origin/webapp"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress DIR")
		os.Exit(2)
	}
	if err := webapp.Precompress(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
