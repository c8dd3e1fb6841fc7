package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestHandler: each check's outcome is named, and any check that fails,
// outlasts its timeout or reports a State makes the answer 503; a check
// slower than others but within its timeout is ok.
func TestHandler(t *testing.T) {
	ok := func(context.Context) error { return nil }
	slowOK := func(ctx context.Context) error {
		select {
		case <-time.After(50 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	hangs := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	refused := func(context.Context) error { return errors.New("dial tcp 10.0.0.1:6379: connection refused") }
	draining := func(context.Context) error { return State("draining") }
	for _, tc := range []struct {
		name   string
		checks []Check
		status int
		want   map[string]string
	}{
		{"all answer", []Check{{"db", time.Second, ok}, {"redis", time.Second, ok}}, 200,
			map[string]string{"db": "ok", "redis": "ok"}},
		{"slow within its timeout", []Check{{"db", 30 * time.Second, slowOK}, {"redis", time.Second, ok}}, 200,
			map[string]string{"db": "ok", "redis": "ok"}},
		{"one fails", []Check{{"db", time.Second, ok}, {"redis", time.Second, refused}}, 503,
			map[string]string{"db": "ok", "redis": "failed"}},
		{"one outlasts its timeout", []Check{{"db", 20 * time.Millisecond, hangs}, {"redis", time.Second, ok}}, 503,
			map[string]string{"db": "timeout", "redis": "ok"}},
		{"a state", []Check{{"db", time.Second, ok}, {"shutdown", time.Second, draining}}, 503,
			map[string]string{"db": "ok", "shutdown": "draining"}},
		{"no checks", nil, 200, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			Handler(slog.New(slog.DiscardHandler), "healthz", tc.checks...)(&ctx)
			var a Answer
			if err := json.Unmarshal(ctx.Response.Body(), &a); err != nil {
				t.Fatal(err)
			}
			got := make(map[string]string, len(a.Checks))
			for name, r := range a.Checks {
				got[name] = r.Status
				if r.LatencyMS < 0 {
					t.Errorf("%s: latency %v", name, r.LatencyMS)
				}
			}
			wantStatus := map[int]string{200: "ok", 503: "unavailable"}[tc.status]
			if ctx.Response.StatusCode() != tc.status || a.Status != wantStatus || !maps.Equal(got, tc.want) {
				t.Fatalf("%d %s, want %d %s %v", ctx.Response.StatusCode(), ctx.Response.Body(), tc.status, wantStatus, tc.want)
			}
			if cc := string(ctx.Response.Header.Peek("Cache-Control")); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			if ct := string(ctx.Response.Header.ContentType()); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestAnswerNamesNoError: the error text (an address here) goes to the
// log, never into the answer.
func TestAnswerNamesNoError(t *testing.T) {
	var ctx fasthttp.RequestCtx
	Handler(slog.New(slog.DiscardHandler), "healthz", Check{"redis", time.Second, func(context.Context) error {
		return errors.New("dial tcp 10.9.8.7:6379: connection refused")
	}})(&ctx)
	if b := string(ctx.Response.Body()); b != `{"status":"unavailable","checks":{"redis":{"status":"failed","latency_ms":`+
		jsonNumber(t, ctx.Response.Body())+`}}}` {
		t.Fatalf("body %s", b)
	}
}

// jsonNumber returns the redis latency of body as it was written.
func jsonNumber(t *testing.T, body []byte) string {
	t.Helper()
	var raw struct {
		Checks map[string]map[string]json.RawMessage `json:"checks"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	return string(raw.Checks["redis"]["latency_ms"])
}

func TestLive(t *testing.T) {
	var ctx fasthttp.RequestCtx
	Live(&ctx)
	if ctx.Response.StatusCode() != 200 || string(ctx.Response.Body()) != "ok\n" {
		t.Fatalf("%d %q", ctx.Response.StatusCode(), ctx.Response.Body())
	}
}
