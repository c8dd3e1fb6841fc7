package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/edgeflix/edgeflix/origin/store"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "[up|status]", stderr)
	dsn := fs.String("mysql-dsn", envOr("EDGEFLIX_MYSQL_DSN", defaultMySQLDSN), "MySQL DSN (env EDGEFLIX_MYSQL_DSN)")
	if err := parse(fs, args); err != nil {
		return err
	}
	action := "up"
	if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	if fs.NArg() == 1 {
		action = fs.Arg(0)
	}
	if action != "up" && action != "status" {
		fmt.Fprintf(stderr, "edgeflix migrate: unknown action %q (want up or status)\n", action)
		return errUsage
	}
	if err := store.EnsureDatabase(ctx, *dsn); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if action == "up" {
		if err := store.Migrate(ctx, db); err != nil {
			return err
		}
	}
	current, latest, err := store.MigrateStatus(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d (newest %d)\n", current, latest)
	return nil
}
