package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pressly/goose/v3"

	"github.com/edgeflix/edgeflix/origin/store"
	"github.com/edgeflix/edgeflix/origin/store/migrations"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "[up|down|status]", stderr)
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
	if action != "up" && action != "down" && action != "status" {
		fmt.Fprintf(stderr, "edgeflix migrate: unknown action %q (want up, down or status)\n", action)
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
	switch action {
	case "up":
		if err := store.Migrate(ctx, db); err != nil {
			return err
		}
	case "down":
		// Roll back the newest applied migration only: one step at a time.
		p, err := goose.NewProvider(goose.DialectMySQL, db, migrations.FS)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		res, err := p.Down(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		if res != nil && res.Source != nil {
			fmt.Fprintf(stdout, "rolled back %d (%s)\n", res.Source.Version, filepath.Base(res.Source.Path))
		}
	}
	current, latest, err := store.MigrateStatus(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d (newest %d)\n", current, latest)
	return nil
}
