// Command bench-player plays one demo title through the local stack's edge
// in Debian's Chromium under scripted network traces, with edgeflix's own
// player, hls.js and Shaka Player, and prints their startup, stalls,
// time-weighted bitrate and switches side by side (make bench-player).
//
// The network is shaped per browser tab by CDP's
// Network.emulateNetworkConditions, changed on each trace's schedule from
// here; a warm-up check first measures that the shaping reaches the
// page's fetch and XHR downloads of media. Every player plays a fresh
// playback session's token'd master URL, got from the origin's API as the
// web app gets it; the clock starts when playback is asked for, after the
// player's code has loaded.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/internal/benchplayer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench-player:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-player", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{progress: stderr}
	fs.StringVar(&cfg.webDir, "web", "dist/web", "the built web app (make wasm): player.wasm, wasm_exec.js")
	fs.StringVar(&cfg.edgeModule, "edge", "dist/edge.wasm", "the edge module (make wasm)")
	fs.StringVar(&cfg.libDir, "libs", ".cache/bench-player/node_modules", "node_modules holding hls.js and shaka-player (scripts/bench-player-deps.sh)")
	fs.StringVar(&cfg.mysqlDSN, "mysql-dsn", envOr("EDGEFLIX_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/"), "MariaDB server (a database is made and dropped)")
	fs.StringVar(&cfg.redisAddr, "redis", envOr("EDGEFLIX_TEST_REDIS_ADDR", "127.0.0.1:6379"), "Redis address")
	traces := fs.String("traces", os.Getenv("TRACES"), "comma-separated traces to run (default all: "+names(benchplayer.Traces, func(t benchplayer.Trace) string { return t.Name })+")")
	players := fs.String("players", os.Getenv("PLAYERS"), "comma-separated players to run (default all: "+names(benchplayer.Players, func(p benchplayer.Player) string { return p.Name })+")")
	fs.IntVar(&cfg.rounds, "rounds", 1, "runs of each player under each trace (the table shows each metric's median over the rounds)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.traces, err = benchplayer.Select(benchplayer.Traces, func(t benchplayer.Trace) string { return t.Name }, *traces); err != nil {
		return fmt.Errorf("traces: %w", err)
	}
	if cfg.players, err = benchplayer.Select(benchplayer.Players, func(p benchplayer.Player) string { return p.Name }, *players); err != nil {
		return fmt.Errorf("players: %w", err)
	}
	cfg.loadBefore = loadAverage()
	start := time.Now()
	results, sizes, err := bench(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nmake bench-player (%s, %d round(s), took %s; load average before: %s)\n", time.Now().Format("2006-01-02 15:04"), cfg.rounds, time.Since(start).Round(time.Second), cfg.loadBefore)
	goal := ""
	if len(cfg.players) > 1 && cfg.players[0].Name == "edgeflix" {
		goal = "edgeflix"
	}
	benchplayer.WriteTable(stdout, cfg.traces, results, sizes, goal)
	return nil
}

func names[T any](all []T, name func(T) string) string {
	var out []string
	for _, x := range all {
		out = append(out, name(x))
	}
	return strings.Join(out, ",")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
