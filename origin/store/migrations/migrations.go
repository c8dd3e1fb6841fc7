// Package migrations holds edgeflix's versioned MySQL schema, applied with goose.
package migrations

import "embed"

// FS holds the numbered goose SQL migrations.
//
//go:embed *.sql
var FS embed.FS
