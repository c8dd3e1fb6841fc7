//go:build !js

package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/store"
)

// accessLine is the part of an edge access log line the test reads.
type accessLine struct {
	Path   string         `json:"path"`
	Status int            `json:"status"`
	Gate   string         `json:"gate"`
	CMCD   map[string]any `json:"cmcd"`
}

// TestCMCDAndQoEInChromium plays a title in Debian's Chromium through the
// real edge and origin: every media request carries CMCD that the edge's
// access log shows (without the token), the player's QoE reports land in
// MySQL, and the operator view shows them.
func TestCMCDAndQoEInChromium(t *testing.T) {
	var logs testenv.Buffer
	var dsn string
	st, _ := startStack(t, func(c *stack.Config) {
		c.AccessLog = slog.New(slog.NewJSONHandler(&logs, nil))
		dsn = c.MySQLDSN
	})
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := browser.New(t)
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, a := range actions {
			actx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err := chromedp.Do(actx, a)
			cancel()
			if err != nil {
				state, _ := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
				t.Fatalf("%s, action %d: %v (page %+v)", what, i, err, state)
			}
		}
	}
	email := testenv.Name("qoe-") + "@example.com"
	run("sign up and sign in", browser.Actions(browser.SignUpSteps(st.AppURL, email, "correct horse battery staple"))...)
	run("play",
		chromedp.WaitVisible("#rows .title-card h3"),
		chromedp.Click("#rows .title-card h3"),
		chromedp.WaitVisible("#detail-play"),
		chromedp.Click("#detail-play"),
		chromedp.WaitVisible("#view-player"),
	)
	deadline := time.Now().Add(90 * time.Second)
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
		if err != nil {
			t.Fatal(err)
		}
		if state.CurrentTime > 3 && state.Frames > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("video did not play past 3 s: %+v", state)
		}
		time.Sleep(200 * time.Millisecond)
	}
	run("leave the player", chromedp.Click("#back"), chromedp.WaitVisible("#view-detail"))

	// The edge logged CMCD on the master, playlists and segments.
	var sid string
	kinds := map[string]bool{}
	var segment map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var a accessLine
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("access log line: %v: %s", err, l)
		}
		if strings.Contains(a.Path, "/t/") && !strings.HasPrefix(a.Path, "/t/-") {
			t.Fatalf("token in the access log path %q", a.Path)
		}
		if a.Gate != "allow" || a.CMCD == nil {
			continue
		}
		if sid == "" {
			sid, _ = a.CMCD["sid"].(string)
		}
		if a.CMCD["sid"] != sid || a.CMCD["sf"] != "h" || a.CMCD["st"] != "v" || a.CMCD["cid"] == nil {
			t.Errorf("CMCD session keys on %s: %v", a.Path, a.CMCD)
		}
		ot, _ := a.CMCD["ot"].(string)
		kinds[ot] = true
		// The first segments go out before any throughput sample: no mtp yet.
		if (ot == "av" || ot == "v") && a.CMCD["d"] != nil && a.CMCD["mtp"] != nil && segment == nil {
			segment = a.CMCD
		}
	}
	if sid == "" || !kinds["m"] || !kinds["i"] || (!kinds["av"] && !kinds["v"]) {
		t.Fatalf("CMCD object types seen %v (sid %q); log:\n%s", kinds, sid, logs.String())
	}
	for _, k := range []string{"br", "bl", "mtp", "tb", "d"} {
		if segment[k] == nil {
			t.Errorf("segment CMCD lacks %s: %v", k, segment)
		}
	}
	var sawStartup bool
	for _, l := range strings.Split(logs.String(), "\n") {
		sawStartup = sawStartup || strings.Contains(l, `"su":true`)
	}
	if !sawStartup {
		t.Error("no request carried su (start-up)")
	}

	// The player's final QoE report is in MySQL.
	var startup sql.NullInt64
	var watch int64
	var final bool
	var class string
	waitFor := time.Now().Add(20 * time.Second)
	for {
		err := db.QueryRow("SELECT startup_ms, watch_ms, final, device_class FROM qoe_sessions WHERE session_id = ?", sid).
			Scan(&startup, &watch, &final, &class)
		if err == nil && final {
			break
		}
		if time.Now().After(waitFor) {
			t.Fatalf("no final QoE report for %s: %v", sid, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !startup.Valid || startup.Int64 <= 0 || watch < 2000 || class == "" {
		t.Fatalf("stored QoE startup %v watch %d class %q", startup, watch, class)
	}

	// An operator sees it in the operator view.
	if _, err := db.Exec("UPDATE accounts SET role = 'operator' WHERE email = ?", email); err != nil {
		t.Fatal(err)
	}
	run("operator view", chromedp.Navigate(st.AppURL+"operator"), chromedp.WaitVisible("#qoe-table .qoe-row"))
	row, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#qoe-table .qoe-row").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(row, class) || !strings.Contains(row, " ms") {
		t.Fatalf("operator row %q", row)
	}
}
