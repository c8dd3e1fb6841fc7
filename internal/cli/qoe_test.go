package cli

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/qoe"
)

// TestQoECommand: `edgeflix qoe` prints the stored sessions' summary as a
// table and as the operator API's JSON.
func TestQoECommand(t *testing.T) {
	db, dsn := testenv.MySQL(t)
	res, err := db.Exec("INSERT INTO accounts (email, password_hash) VALUES ('q@example.com', 'x')")
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := res.LastInsertId()
	st := qoe.NewStore(db)
	now := time.Now()
	ms := func(v int) *int { return &v }
	for i, r := range []qoe.Report{
		{Seq: 1, FnVersion: "v3", StartupMS: ms(800), WatchMS: 60_000, AvgBitrateKbps: 4000},
		{Seq: 1, FnVersion: "v3", StartupMS: ms(1200), WatchMS: 60_000, AvgBitrateKbps: 2000, RebufferCount: 2, RebufferMS: 3000},
		{Seq: 1, FnVersion: "v3", Final: true, ExitBeforeStart: true},
	} {
		sess := qoe.Session{AccountID: itoa(acct), TitleID: "t", DeviceClass: "tv"}
		if err := st.Record(t.Context(), "s"+itoa(int64(i)), sess, r, now); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"qoe", "--mysql-dsn", dsn, "--since", "1h"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "STARTUP P95") {
		t.Fatalf("table:\n%s", out.String())
	}
	for _, want := range []string{"v3", "tv", " 3 ", "800 ms", "1200 ms", "2.44", "3000", "33.3", "0.03"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("row %q lacks %q", lines[2], want)
		}
	}
	out.Reset()
	if code := Main([]string{"qoe", "--mysql-dsn", dsn, "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("json exit %d: %s", code, errOut.String())
	}
	var sum qoe.SummaryResponse
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || len(sum.Groups) != 1 {
		t.Fatalf("json %v: %s", err, out.String())
	}
	g := sum.Groups[0]
	if g.Sessions != 3 || g.Started != 2 || g.StartupP50MS != 800 || g.StartupP95MS != 1200 || g.AvgBitrateKbps != 3000 || g.EBVSRate != 0.3333 {
		t.Fatalf("group %+v", g)
	}
	if code := Main([]string{"qoe", "--mysql-dsn", dsn, "--since", "soon"}, &out, &errOut); code != 1 {
		t.Fatalf("bad --since: exit %d", code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
