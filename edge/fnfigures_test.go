package edge

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/edgeflix/edgeflix/edge/admin"
	"github.com/edgeflix/edgeflix/edge/traffic"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/internal/wasmbuild"
)

// uncachedMasterOrigin publishes keyA's JWKS and serves the test master
// (media, without #EXT-X-INDEPENDENT-SEGMENTS) with no-store, so every
// master request is a cache miss the request's version rewrites.
func uncachedMasterOrigin(t *testing.T) string {
	t.Helper()
	return keyAOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		body, ok := media[r.URL.Path]
		if !ok || !strings.HasSuffix(r.URL.Path, "/master.m3u8") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		io.WriteString(w, body)
	})
}

// TestCanaryRewriteFaultRolledBack: a canary whose master rewrite alone
// fails or is slow (its gate is the active's; the self-test passes it) is
// rolled back by the edge itself, the note names the origin-request
// trigger, and /metrics has every version's series at both triggers.
func TestCanaryRewriteFaultRolledBack(t *testing.T) {
	for _, c := range []struct {
		fault string
		note  string // in the rollback note
		fails bool   // the canary's master requests fail (503)
	}{
		{"trap_masters", "failed: viewer-request 0 of ", true},
		{"slow_masters", "origin-request p99 ", false},
	} {
		t.Run(c.fault, func(t *testing.T) {
			srv, url, ac := versionedEdge(t, uncachedMasterOrigin(t), t.TempDir())
			ctx := context.Background()
			u, err := ac.Upload(ctx, admin.UploadRequest{Module: wasmbuild.EdgeFault(t, c.fault), Tag: c.fault})
			if err != nil || u.Version.Number != 2 {
				t.Fatalf("upload: %+v %v", u, err)
			}
			// The split runs the self-test: the corpus passes the fault.
			if _, err := ac.Split(ctx, 2, 50); err != nil {
				t.Fatalf("split: %v", err)
			}
			const sessions = 64
			tokens := make([]string, sessions)
			for i := range tokens {
				tokens[i] = sessionToken(t, fmt.Sprintf("ses_%d", i))
			}
			type answer struct {
				status  int
				version string
			}
			var mu sync.Mutex
			var answers []answer
			get := func(n int) bool {
				resp, err := http.Get(url + "/t/" + tokens[n%sessions] + "/v1/media/a/master.m3u8")
				if err != nil {
					t.Errorf("master: %v", err)
					return false
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Errorf("master: %v", err)
					return false
				}
				body := string(b)
				mu.Lock()
				answers = append(answers, answer{resp.StatusCode, resp.Header.Get(traffic.VersionHeader)})
				mu.Unlock()
				if resp.StatusCode == http.StatusOK && !strings.HasPrefix(body, "#EXTM3U") {
					t.Errorf("master: %q", body)
				}
				return true
			}
			// Master load until the canary is gone; a generous deadline
			// for a busy machine. Two workers never queue a gate behind
			// the canary's two busy instances (PoolSize 2), so only the
			// rewrite is slow.
			deadline := time.Now().Add(2 * time.Minute)
			var st traffic.Status
			var load sync.WaitGroup
			const workers = 2
			for w := range workers {
				load.Add(1)
				go func() {
					defer load.Done()
					for n := w; time.Now().Before(deadline) && srv.Versions().Status().Canary != 0; n += workers {
						if !get(n) {
							return
						}
					}
				}()
			}
			load.Wait()
			if st, err = ac.Status(ctx); err != nil {
				t.Fatal(err)
			}
			if st.Canary != 0 || st.Active != 1 || !strings.Contains(st.Note, "automatic rollback of canary version 2") || !strings.Contains(st.Note, c.note) {
				t.Fatalf("canary not rolled back for its rewrite (after %d masters): %+v", len(answers), st.Traffic)
			}
			t.Logf("%d masters; %s", len(answers), st.Note)
			byVersion := map[string]int{}
			for _, a := range answers {
				byVersion[a.version]++
				if a.status != http.StatusOK && !(c.fails && a.version == "2" && a.status == http.StatusServiceUnavailable) {
					t.Fatalf("master answered %d by version %q", a.status, a.version)
				}
			}
			if byVersion["1"] == 0 || byVersion["2"] == 0 {
				t.Fatalf("answers by version %v: both sides should have served", byVersion)
			}
			// After the rollback every master is the active's.
			for n := range 8 {
				resp, _ := do(t, "GET", url+"/t/"+tokens[n]+"/v1/media/a/master.m3u8", nil)
				if resp.StatusCode != http.StatusOK || resp.Header.Get(traffic.VersionHeader) != "1" {
					t.Fatalf("after the rollback: %d from version %q", resp.StatusCode, resp.Header.Get(traffic.VersionHeader))
				}
			}

			fams := testenv.Scrape(t, srv.MetricsHandler())
			calls := fnSeries(t, fams, "edge_fn_requests_total", dto.MetricType_COUNTER)
			errs := fnSeries(t, fams, "edge_fn_errors_total", dto.MetricType_COUNTER)
			hist := fnSeries(t, fams, "edge_fn_duration_seconds", dto.MetricType_HISTOGRAM)
			for _, v := range []string{"1", "2"} {
				for _, tr := range []string{"viewer-request", "origin-request"} {
					k := [2]string{v, tr}
					if calls[k] == nil || errs[k] == nil || hist[k] == nil {
						t.Fatalf("version %s, %s: series missing", v, tr)
					}
					if n := calls[k].GetCounter().GetValue(); n == 0 || uint64(n) != hist[k].GetHistogram().GetSampleCount() {
						t.Errorf("version %s, %s: %v calls, %d timed", v, tr, n, hist[k].GetHistogram().GetSampleCount())
					}
				}
			}
			value := func(m map[[2]string]*dto.Metric, v, tr string) float64 {
				return m[[2]string{v, tr}].GetCounter().GetValue()
			}
			for _, v := range []string{"1", "2"} {
				if n := value(errs, v, "viewer-request"); n != 0 {
					t.Errorf("version %s: %v gate errors, want none", v, n)
				}
			}
			if n := value(errs, "1", "origin-request"); n != 0 {
				t.Errorf("active: %v rewrite errors, want none", n)
			}
			rewriteErrs, rewrites := value(errs, "2", "origin-request"), value(calls, "2", "origin-request")
			if c.fails && rewriteErrs != rewrites {
				t.Errorf("faulty canary: %v of %v rewrites counted as errors, want all", rewriteErrs, rewrites)
			}
			if !c.fails {
				h := hist[[2]string{"2", "origin-request"}].GetHistogram()
				if rewriteErrs != 0 || h.GetSampleSum() < 0.1*float64(h.GetSampleCount()) {
					t.Errorf("slow canary: %v rewrite errors, mean rewrite %vs, want none and ≥ 100 ms", rewriteErrs, h.GetSampleSum()/float64(h.GetSampleCount()))
				}
			}
		})
	}
}

// fnSeries indexes a per-version metric family by (version, trigger),
// failing unless it has that type and exactly those labels.
func fnSeries(t *testing.T, fams map[string]*dto.MetricFamily, name string, typ dto.MetricType) map[[2]string]*dto.Metric {
	t.Helper()
	f := fams[name]
	if f == nil || f.GetType() != typ {
		t.Fatalf("%s missing or not a %v: %v", name, typ, f)
	}
	out := map[[2]string]*dto.Metric{}
	for _, m := range f.GetMetric() {
		l := m.GetLabel()
		if len(l) != 2 || l[0].GetName() != "trigger" || l[1].GetName() != "version" {
			t.Fatalf("%s labels %v, want trigger and version", name, l)
		}
		out[[2]string{l[1].GetValue(), l[0].GetValue()}] = m
	}
	return out
}
