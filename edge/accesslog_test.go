package edge

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/edgeflix/edgeflix/internal/cmcd"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// logLines decodes every JSON line written to b so far.
func logLines(t *testing.T, b *testenv.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

// segmentCMCD is what the player sends on a segment request.
func segmentCMCD(sid string, bl int) cmcd.Data {
	d := cmcd.Data{ObjectType: cmcd.ObjectVideo, SessionID: sid, ContentID: "t1", StreamingFormat: cmcd.FormatHLS,
		StreamType: cmcd.StreamVOD, NextObject: "seg_00002.m4s"}
	d.SetBitrate(800)
	d.SetBufferLength(bl)
	d.SetMeasuredThroughput(12_000)
	d.SetDuration(4000)
	d.SetTopBitrate(5000)
	return d
}

// TestCMCDAccessLog: CMCD in the query or in headers reaches the access
// log; it never reaches the origin or the cache key (two requests that
// differ only in CMCD make one origin fetch); malformed CMCD is ignored
// and counted, never an error; the token is never logged.
func TestCMCDAccessLog(t *testing.T) {
	o := newCountingOrigin(t, map[string]object{
		"/v1/media/a/master.m3u8":        {ladder, "public, max-age=60"},
		"/v1/media/a/720p/seg_00001.m4s": {strings.Repeat("x", 5000), "public, max-age=60"},
		"/v1/media/a/720p/seg_00002.m4s": {strings.Repeat("y", 300), "public, max-age=60"},
	})
	var logs testenv.Buffer
	srv, edge := startCachingEdge(t, o, newTestClock(), func(c *Config) {
		c.AccessLog = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	tok := deviceToken(t, "/v1/media/a/", desktop)
	seg1 := edge + "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s"
	first, second := segmentCMCD("sess-1", 21_340), segmentCMCD("sess-2", 3_000)
	second.Startup = true
	headers := map[string]string{}
	third := segmentCMCD("sess-3", 800)
	for _, kv := range third.Headers() {
		headers[kv[0]] = kv[1]
	}
	for _, tc := range []struct {
		name      string
		url       string
		header    map[string]string
		wantCache string
		wantCMCD  map[string]any // nil: no cmcd group logged
	}{
		{"query form", first.AppendQuery(seg1), nil, "MISS",
			map[string]any{"sid": "sess-1", "cid": "t1", "ot": "v", "br": 800.0, "bl": 21300.0, "mtp": 12000.0, "d": 4000.0,
				"tb": 5000.0, "sf": "h", "st": "v", "nor": "seg_00002.m4s"}},
		{"other CMCD, same object: a hit", second.AppendQuery(seg1), nil, "HIT",
			map[string]any{"sid": "sess-2", "bl": 3000.0, "su": true}},
		{"header form", seg1, headers, "HIT", map[string]any{"sid": "sess-3", "bl": 800.0}},
		{"malformed query is ignored", seg1 + "?CMCD=bl%3D150%2Cbr%3D-1", nil, "HIT", nil},
		{"malformed header is ignored", seg1, map[string]string{cmcd.HeaderObject: "su"}, "HIT", nil},
		{"unknown key is ignored", seg1 + "?CMCD=zz%3D1", nil, "HIT", nil},
		{"no CMCD", seg1, nil, "HIT", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(logLines(t, &logs))
			resp, body := get(t, tc.url, tc.header)
			if resp.StatusCode != 200 || len(body) != 5000 {
				t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
			}
			if resp.Header.Get("X-Cache") != tc.wantCache {
				t.Fatalf("X-Cache %q, want %q", resp.Header.Get("X-Cache"), tc.wantCache)
			}
			lines := logLines(t, &logs)
			if len(lines) != before+1 {
				t.Fatalf("%d new access log lines, want 1", len(lines)-before)
			}
			l := lines[len(lines)-1]
			for k, want := range map[string]any{"msg": "access", "method": "GET", "path": "/v1/media/a/720p/seg_00001.m4s",
				"status": 200.0, "gate": "allow", "cache": tc.wantCache, "bytes": 5000.0, "device_class": "desktop",
				"caps_class": "cls=desktop;mh=1080;mbr=8000000;cdc=avc1,mp4a;hdr=0", "fn_version": ""} {
				if l[k] != want {
					t.Errorf("log %s = %v, want %v (line %v)", k, l[k], want, l)
				}
			}
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("no duration_ms in %v", l)
			}
			got, _ := l["cmcd"].(map[string]any)
			if tc.wantCMCD == nil && got != nil {
				t.Errorf("cmcd logged for a request without valid CMCD: %v", got)
			}
			for k, want := range tc.wantCMCD {
				if got[k] != want {
					t.Errorf("cmcd.%s = %v, want %v (logged %v)", k, got[k], want, got)
				}
			}
		})
	}
	if n := o.count("/v1/media/a/720p/seg_00001.m4s"); n != 1 {
		t.Errorf("origin fetched the segment %d times for requests differing only in CMCD, want 1", n)
	}
	if st := srv.CMCDStats(); st.Valid != 3 || st.Invalid != 3 {
		t.Errorf("CMCD stats %+v, want 3 valid, 3 invalid", st)
	}

	// A denied request is logged with its verdict and without its token.
	bad := tok[:len(tok)-4] + "AAAA"
	if resp, _ := get(t, edge+"/t/"+bad+"/v1/media/a/720p/seg_00001.m4s", nil); resp.StatusCode != 403 {
		t.Fatalf("altered token: status %d", resp.StatusCode)
	}
	lines := logLines(t, &logs)
	l := lines[len(lines)-1]
	if l["gate"] != "deny" || l["gate_reason"] == "" || l["path"] != "/t/-/v1/media/a/720p/seg_00001.m4s" || l["status"] != 403.0 {
		t.Errorf("denied request logged as %v", l)
	}
	all := logs.String()
	for _, secret := range []string{tok, bad, tok[strings.LastIndexByte(tok, '.')+1:]} {
		if strings.Contains(all, secret) {
			t.Fatal("a playback token reached the access log")
		}
	}
}

// TestCMCDNotForwarded: no CMCD reaches the origin, in the query or in a
// header, also when a range request passes through uncached.
func TestCMCDNotForwarded(t *testing.T) {
	o := newTestOrigin(t, map[string]ed25519.PrivateKey{"a": keyA})
	edge := startEdge(t, o, nil)
	tok := signToken(t, "a", keyA, "/v1/media/a/", testNow.Add(time.Hour))
	d := segmentCMCD("sess-9", 1000)
	h := map[string]string{"Range": "bytes=0-9"}
	for _, kv := range d.Headers() {
		h[kv[0]] = kv[1]
	}
	resp, _ := do(t, "GET", d.AppendQuery(edge+"/t/"+tok+"/v1/media/a/720p/seg_00001.m4s"), h)
	if resp.StatusCode != 206 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lastQuery != "" {
		t.Errorf("origin saw query %q", o.lastQuery)
	}
	for name := range o.lastHeader {
		if strings.HasPrefix(strings.ToLower(name), "cmcd") {
			t.Errorf("origin saw header %s", name)
		}
	}
}

// TestCMCDMetrics: /metrics counts media requests by their CMCD (valid,
// invalid, absent), read with the Prometheus text parser after real
// requests, with and without an access log; requests that are not for
// media (/livez) are not counted, and a denied media request is.
func TestCMCDMetrics(t *testing.T) {
	for _, logged := range []bool{false, true} {
		t.Run(fmt.Sprint("access log ", logged), func(t *testing.T) {
			o := newCountingOrigin(t, map[string]object{
				"/v1/media/a/720p/seg_00001.m4s": {strings.Repeat("x", 500), "public, max-age=60"},
			})
			srv, edge := startCachingEdge(t, o, newTestClock(), func(c *Config) {
				if logged {
					c.AccessLog = slog.New(slog.DiscardHandler)
				}
			})
			tok := deviceToken(t, "/v1/media/a/", desktop)
			seg := edge + "/t/" + tok + "/v1/media/a/720p/seg_00001.m4s"
			valid := segmentCMCD("sess-m", 1_000)
			headers := map[string]string{}
			for _, kv := range valid.Headers() {
				headers[kv[0]] = kv[1]
			}
			for _, r := range []struct {
				url    string
				header map[string]string
				status int
			}{
				{valid.AppendQuery(seg), nil, 200},
				{seg, headers, 200},
				{seg + "?CMCD=bl%3D150", nil, 200},                          // bl not rounded to 100 ms
				{seg, map[string]string{cmcd.HeaderSession: "br=800"}, 200}, // br belongs in CMCD-Request
				{seg + "?CMCD=sid%3D%22unterminated", nil, 200},             // unterminated string
				{seg, nil, 200},                                             // absent
				{seg + "?other=1", nil, 200},                                // absent
				{edge + "/t/" + tok[:len(tok)-4] + "AAAA/v1/media/a/720p/seg_00001.m4s", nil, 403}, // denied, absent
				{edge + "/livez?CMCD=bl%3D150", nil, 200},                                          // not media: not counted
			} {
				if resp, _ := get(t, r.url, r.header); resp.StatusCode != r.status {
					t.Fatalf("%s: status %d, want %d", r.url, resp.StatusCode, r.status)
				}
			}
			fams := testenv.Scrape(t, srv.MetricsHandler())
			f := fams["edge_cmcd_requests_total"]
			if f == nil || f.GetType() != dto.MetricType_COUNTER {
				t.Fatalf("edge_cmcd_requests_total missing or not a counter: %v", f)
			}
			got := map[string]float64{}
			for _, m := range f.GetMetric() {
				if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetName() != "result" {
					t.Fatalf("labels %v, want result only", m.GetLabel())
				}
				got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
			if want := map[string]float64{"valid": 2, "invalid": 3, "absent": 3}; !maps.Equal(got, want) {
				t.Errorf("edge_cmcd_requests_total %v, want %v", got, want)
			}
			if st := srv.CMCDStats(); st != (CMCDStats{Valid: 2, Invalid: 3, Absent: 3}) {
				t.Errorf("CMCDStats %+v, want the scraped figures", st)
			}
		})
	}
}
