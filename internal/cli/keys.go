package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/origin/store"
)

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys", "list | rotate | retire <kid>", stderr)
	dsn := fs.String("mysql-dsn", envOr("EDGEFLIX_MYSQL_DSN", defaultMySQLDSN), "MySQL DSN (env EDGEFLIX_MYSQL_DSN)")
	dataDir := fs.String("data-dir", envOr("EDGEFLIX_DATA_DIR", defaultDataDir), "folder holding keys/kek when EDGEFLIX_KEY_ENCRYPTION_KEY is unset (env EDGEFLIX_DATA_DIR)")
	force := fs.Bool("force", false, "retire even if tokens signed by the key may still be in flight")
	// Accept the action and kid before or after the flags.
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	pos = append(pos, fs.Args()...)
	if len(pos) == 0 {
		fs.Usage()
		return errUsage
	}
	action, rest := pos[0], pos[1:]
	if (action == "retire") != (len(rest) == 1) || len(rest) > 1 {
		fs.Usage()
		return errUsage
	}
	kek, err := loadKEK(*dataDir)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ks, err := keys.NewStore(db, kek, keys.Options{})
	if err != nil {
		return err
	}
	switch action {
	case "list":
		// Reading every live key checks the key-encryption key opens them.
		if err := ks.Reload(ctx); err != nil {
			return err
		}
	case "rotate":
		if err := ks.Ensure(ctx); err != nil {
			return err
		}
		kid, err := ks.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added key %s; it is published now and signs after %s\n", kid, keys.DefaultActivationDelay)
		if infos, err := ks.List(ctx); err == nil {
			for _, in := range infos {
				if at, ok, _ := ks.RetireAt(ctx, in.ID); ok {
					fmt.Fprintf(stdout, "key %s stops signing then and is retired automatically by the origin after %s\n", in.ID, at.UTC().Format(time.RFC3339))
				}
			}
		}
	case "retire":
		if err := ks.Retire(ctx, rest[0], *force); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "retired key %s\n", rest[0])
	default:
		fmt.Fprintf(stderr, "edgeflix keys: unknown action %q (want list, rotate or retire)\n", action)
		return errUsage
	}
	infos, err := ks.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tCREATED\tSTATE")
	for _, in := range infos {
		state := "published"
		switch {
		case in.RetiredAt != nil:
			state = "retired " + in.RetiredAt.UTC().Format(time.RFC3339)
		case in.Signing:
			state = "signing"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", in.ID, in.CreatedAt.UTC().Format(time.RFC3339), state)
	}
	return tw.Flush()
}
