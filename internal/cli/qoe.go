package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgeflix/edgeflix/origin/qoe"
	"github.com/edgeflix/edgeflix/origin/store"
)

// runQoE prints the QoE summary per edge function version and device
// class, the figures of GET /v1/operator/qoe, read from MySQL.
func runQoE(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("qoe", "[flags]", stderr)
	dsn := fs.String("mysql-dsn", envOr("EDGEFLIX_MYSQL_DSN", defaultMySQLDSN), "MySQL DSN (env EDGEFLIX_MYSQL_DSN)")
	since := fs.String("since", "24h", "sessions reported since: an RFC 3339 time or a duration back from now (at most 90 days)")
	asJSON := fs.Bool("json", false, "print JSON, as the operator API answers")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	from, err := qoe.ParseSince(*since, time.Now())
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	groups, err := qoe.NewStore(db).Summary(ctx, from)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(qoe.SummaryResponse{Since: from.UTC(), Groups: groups})
	}
	return writeQoETable(stdout, from, groups)
}

// writeQoETable prints groups as an aligned table.
func writeQoETable(w io.Writer, since time.Time, groups []qoe.Group) error {
	fmt.Fprintf(w, "QoE since %s\n", since.UTC().Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join([]string{"FN VERSION", "DEVICE", "SESSIONS", "STARTUP P50", "STARTUP P95",
		"REBUFFER %", "AVG KBPS", "EBVS %", "VSF %", "ERRORS", "WATCH H", ""}, "\t"))
	for _, g := range groups {
		fn := g.FnVersion
		if fn == "" {
			fn = "(unknown)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d ms\t%d ms\t%.2f\t%d\t%.1f\t%.1f\t%d\t%.2f\t\n", fn, g.DeviceClass, g.Sessions,
			g.StartupP50MS, g.StartupP95MS, 100*g.RebufferRatio, g.AvgBitrateKbps, 100*g.EBVSRate, 100*g.VSFRate, g.Errors, g.WatchHours)
	}
	if len(groups) == 0 {
		fmt.Fprintln(tw, "no sessions reported\t\t\t\t\t\t\t\t\t\t\t")
	}
	return tw.Flush()
}
