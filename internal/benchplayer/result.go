package benchplayer

import (
	"fmt"
	"io"
	"strings"
)

// Result is one player's run under one trace, as measure.js reports it.
type Result struct {
	Player, Trace string
	// StartupMs is from the play request to the first "playing" event;
	// negative if playback never started within the trace.
	StartupMs float64 `json:"startupMs"`
	// Stalls counts "waiting" events after the start (no seek, no end);
	// StallMs is the time spent in them.
	Stalls  int     `json:"stalls"`
	StallMs float64 `json:"stallMs"`
	// Bitrate is the time-weighted BANDWIDTH (bit/s) of the rendition on
	// screen, known by its height, over the time spent playing.
	Bitrate float64 `json:"bitrate"`
	PlayMs  float64 `json:"playMs"`
	// Switches counts changes of the displayed height.
	Switches int      `json:"switches"`
	Heights  []int    `json:"heights"`
	Errors   []string `json:"errors"`
	// State is the element's at the end, for the progress line.
	State string `json:"state"`
	// Err is set when the run itself failed (the player did not load).
	Err string `json:"-"`
}

// Started reports whether playback started within the trace.
func (r Result) Started() bool { return r.StartupMs >= 0 && r.Err == "" }

// Size is one player's code as a viewer downloads it.
type Size struct {
	Player string
	Files  []string
	// Raw and Gzip are the summed sizes in bytes (gzip -9 of each file).
	Raw, Gzip int64
}

// Goal checks player against the better of the others on one trace:
// startup and stall time no worse than the best, time-weighted bitrate at
// least 95 % of the best. judged is false when player has no result or no
// other player started, so there is nothing to compare with; otherwise miss
// is "" when the goal is met, else what missed it.
func Goal(player string, results []Result) (miss string, judged bool) {
	var mine *Result
	best := struct{ startup, stall, bitrate float64 }{-1, -1, 0}
	for i := range results {
		r := &results[i]
		if r.Player == player {
			mine = r
			continue
		}
		if !r.Started() {
			continue
		}
		if best.startup < 0 || r.StartupMs < best.startup {
			best.startup = r.StartupMs
		}
		if best.stall < 0 || r.StallMs < best.stall {
			best.stall = r.StallMs
		}
		best.bitrate = max(best.bitrate, r.Bitrate)
	}
	if mine == nil || best.startup < 0 {
		return "", false
	}
	if !mine.Started() {
		return "did not start", true
	}
	var misses []string
	// Differences under 50 ms are within the measurement's own noise.
	if mine.StartupMs > best.startup+50 {
		misses = append(misses, fmt.Sprintf("startup %s > %s", secs(mine.StartupMs), secs(best.startup)))
	}
	if mine.StallMs > best.stall+50 {
		misses = append(misses, fmt.Sprintf("stall time %s > %s", secs(mine.StallMs), secs(best.stall)))
	}
	if mine.Bitrate < 0.95*best.bitrate {
		misses = append(misses, fmt.Sprintf("bitrate %.0f %% of the best", 100*mine.Bitrate/best.bitrate))
	}
	return strings.Join(misses, ", "), true
}

func secs(ms float64) string { return fmt.Sprintf("%.2f s", ms/1000) }

// WriteTable writes the results as markdown: one table per trace, players
// side by side, with goal's verdict for player goalFor, then the sizes.
func WriteTable(w io.Writer, traces []Trace, results []Result, sizes []Size, goalFor string) {
	for _, t := range traces {
		fmt.Fprintf(w, "\n**%s** (%s, %v)\n\n", t.Name, t.Desc, t.Length)
		fmt.Fprintln(w, "| player | startup | stalls | stall time | bitrate (time-weighted) | switches | heights shown |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
		var these []Result
		for _, r := range results {
			if r.Trace != t.Name {
				continue
			}
			these = append(these, r)
			if r.Err != "" {
				fmt.Fprintf(w, "| %s | failed: %s | | | | | |\n", r.Player, r.Err)
				continue
			}
			startup := "did not start"
			if r.Started() {
				startup = secs(r.StartupMs)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %.2f Mbit/s | %d | %s |\n",
				r.Player, startup, r.Stalls, secs(r.StallMs), r.Bitrate/1e6, r.Switches, heights(r.Heights))
		}
		if goalFor != "" && len(these) > 1 {
			switch miss, judged := Goal(goalFor, these); {
			case !judged:
				fmt.Fprintf(w, "\n%s vs the better of the others: not judged (no other player started)\n", goalFor)
			case miss != "":
				fmt.Fprintf(w, "\n%s vs the better of the others: not met (%s)\n", goalFor, miss)
			default:
				fmt.Fprintf(w, "\n%s vs the better of the others: met\n", goalFor)
			}
		}
	}
	if len(sizes) > 0 {
		fmt.Fprintln(w, "\n| player | download (gzip -9) | raw | files |")
		fmt.Fprintln(w, "|---|---:|---:|---|")
		for _, s := range sizes {
			fmt.Fprintf(w, "| %s | %d KB | %d KB | %s |\n", s.Player, s.Gzip/1000, s.Raw/1000, strings.Join(s.Files, " + "))
		}
	}
}

func heights(hs []int) string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%dp", h))
	}
	return strings.Join(out, ", ")
}

// Seconds formats milliseconds as seconds, for progress lines.
func Seconds(ms float64) string { return secs(ms) }
