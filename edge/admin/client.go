package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/edge/selftest"
	"github.com/edgeflix/edgeflix/edge/traffic"
)

// Client calls one edge's admin API.
type Client struct {
	// BaseURL is the admin listener, e.g. http://127.0.0.1:9181.
	BaseURL string
	// Token is the admin token (never logged or printed).
	Token string
	// HTTP is the client; nil means one with a two-minute timeout (a
	// self-test compiles the module).
	HTTP *http.Client
}

// APIError is an answer other than 2xx.
type APIError struct {
	Status int
	Msg    string
	// Report is the self-test report of a refused test, if any.
	Report *selftest.Report
}

func (e *APIError) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Msg) }

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Status: resp.StatusCode}
		var rep selftest.Report
		var ea ErrorAnswer
		switch {
		case json.Unmarshal(b, &ea) == nil && ea.Error != "":
			e.Msg = ea.Error
		case json.Unmarshal(b, &rep) == nil && rep.Cases != nil || rep.Error != "":
			e.Msg, e.Report = rep.Summary(), &rep
		default:
			e.Msg = strings.TrimSpace(string(b))
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("admin: answer: %w", err)
		}
	}
	return nil
}

// Upload stores a version.
func (c *Client) Upload(ctx context.Context, u UploadRequest) (UploadAnswer, error) {
	var a UploadAnswer
	return a, c.do(ctx, http.MethodPost, "/v1/fn/versions", u, &a)
}

// Versions lists the stored versions and the traffic state.
func (c *Client) Versions(ctx context.Context) (VersionsAnswer, error) {
	var a VersionsAnswer
	return a, c.do(ctx, http.MethodGet, "/v1/fn/versions", nil, &a)
}

// Test self-tests version n with extra cases.
func (c *Client) Test(ctx context.Context, n int, cases []selftest.Case) (selftest.Report, error) {
	var r selftest.Report
	return r, c.do(ctx, http.MethodPost, "/v1/fn/versions/"+strconv.Itoa(n)+"/test", TestRequest{Cases: cases}, &r)
}

// Activate sends all traffic to version n.
func (c *Client) Activate(ctx context.Context, n int) (traffic.Status, error) {
	var s traffic.Status
	return s, c.do(ctx, http.MethodPost, "/v1/fn/activate", TrafficRequest{Version: n}, &s)
}

// Split makes version n the canary at percent.
func (c *Client) Split(ctx context.Context, n int, percent float64) (traffic.Status, error) {
	var s traffic.Status
	return s, c.do(ctx, http.MethodPost, "/v1/fn/split", TrafficRequest{Version: n, Percent: percent}, &s)
}

// Rollback returns to the version last at 100 %.
func (c *Client) Rollback(ctx context.Context) (traffic.Status, error) {
	var s traffic.Status
	return s, c.do(ctx, http.MethodPost, "/v1/fn/rollback", nil, &s)
}

// Status is the traffic state with per-version figures.
func (c *Client) Status(ctx context.Context) (traffic.Status, error) {
	var s traffic.Status
	return s, c.do(ctx, http.MethodGet, "/v1/fn/status", nil, &s)
}
