package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/browser"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/player/hls"
)

// webClientID is the web app's public OAuth client, which issued the
// tokens the bench takes over from the app.
const webClientID = "edgeflix-web"

// apiClient calls the origin's API with a viewer's access token and, when
// the origin refuses it (a long run outlives it), renews it once with the
// refresh token, as the web app does. Not safe for concurrent use.
type apiClient struct {
	origin, access, refresh string
}

type session struct {
	SessionID   string `json:"session_id"`
	ManifestURL string `json:"manifest_url"`
}

// signIn signs a new viewer up and in through the web app in Chromium,
// as a person does, and keeps the tokens the app stored.
func signIn(ctx context.Context, st *stack.Stack) (*apiClient, error) {
	ctx, done, err := newBrowser(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	email := fmt.Sprintf("bench-%x@example.com", time.Now().UnixNano())
	password := "correct horse battery staple"
	steps := append(browser.SignUpSteps(st.AppURL, email, password),
		browser.Step{Name: "titles shown", Do: chromedp.WaitVisible(".title-card button.play")})
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, s := range steps {
		if err := chromedp.Do(sctx, s.Do); err != nil {
			return nil, fmt.Errorf("step %q: %w", s.Name, err)
		}
	}
	stored, err := chromedp.Run(sctx, chromedp.Evaluate[string](`sessionStorage.getItem("edgeflix.tokens") || ""`))
	if err != nil {
		return nil, fmt.Errorf("reading the app's session storage: %w", err)
	}
	var t struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(stored), &t); err != nil || t.Access == "" || t.Refresh == "" {
		return nil, fmt.Errorf("no access and refresh token in the app's session storage (%v)", err)
	}
	return &apiClient{origin: st.OriginURL, access: t.Access, refresh: t.Refresh}, nil
}

// do sends one API request; on 401 it renews the tokens and sends it once
// more.
func (a *apiClient) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	status, b, err := a.send(ctx, method, path, payload)
	if err != nil || status != http.StatusUnauthorized {
		return status, b, err
	}
	if err := a.renew(ctx); err != nil {
		return 0, nil, fmt.Errorf("%s %s: HTTP 401 and %w", method, path, err)
	}
	return a.send(ctx, method, path, payload)
}

// renew swaps the refresh token for new tokens (RFC 6749 §6) at the
// origin's token endpoint; the origin rotates refresh tokens, so the new
// one replaces the old.
func (a *apiClient) renew(ctx context.Context) error {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.refresh}, "client_id": {webClientID}}
	req, err := http.NewRequestWithContext(ctx, "POST", a.origin+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("refreshing the token: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("refreshing the token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("refreshing the token: HTTP %d: %.200s", resp.StatusCode, b)
	}
	var t struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(b, &t); err != nil || t.Access == "" {
		return fmt.Errorf("refreshing the token: bad answer %.200s", b)
	}
	a.access = t.Access
	if t.Refresh != "" {
		a.refresh = t.Refresh
	}
	return nil
}

func (a *apiClient) send(ctx context.Context, method, path string, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.origin+path, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.access)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// start starts a playback session of title as a 1080p desktop that
// decodes H.264 and AAC, as the web app does (POST /v1/playback).
func (a *apiClient) start(ctx context.Context, title string) (session, error) {
	status, body, err := a.do(ctx, "POST", "/v1/playback", map[string]any{
		"title_id": title,
		"device": contract.DeviceReport{Class: "desktop", MaxHeight: 1080, ID: "bench-player",
			Codecs: []string{"avc1.640028", "avc1.4d401f", "avc1.42e01e", "mp4a.40.2"}},
	})
	if err != nil {
		return session{}, fmt.Errorf("POST /v1/playback: %w", err)
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return session{}, fmt.Errorf("POST /v1/playback: HTTP %d: %.200s", status, body)
	}
	var s session
	if err := json.Unmarshal(body, &s); err != nil || s.ManifestURL == "" {
		return session{}, fmt.Errorf("POST /v1/playback: bad answer %.200s", body)
	}
	return s, nil
}

// stop ends the session (DELETE /v1/playback/{sid}); failures are ignored,
// the next start replaces the device's stream anyway.
func (a *apiClient) stop(ctx context.Context, s session) {
	_, _, _ = a.do(ctx, "DELETE", "/v1/playback/"+s.SessionID, nil)
}

// masterInfo is what the bench knows of the title's renditions.
type masterInfo struct {
	heights    []int
	bandwidths map[int]int64 // height → BANDWIDTH
	segments   int
	// probe is the URL of the largest segment, for the emulation check.
	probe string
	size  int
}

func (m masterInfo) describe() string {
	var out []string
	for _, h := range m.heights {
		out = append(out, fmt.Sprintf("%dp %.2f Mbit/s", h, float64(m.bandwidths[h])/1e6))
	}
	return strings.Join(out, ", ")
}

// warmEdge fetches the master, every media playlist, init section and
// segment through the edge once, so every player's run meets the same warm
// edge cache.
func warmEdge(ctx context.Context, masterURL string) (masterInfo, error) {
	info := masterInfo{bandwidths: map[int]int64{}}
	body, err := get(ctx, masterURL)
	if err != nil {
		return info, err
	}
	master, err := hls.ParseMaster(body)
	if err != nil {
		return info, err
	}
	for _, v := range master.Variants {
		if _, dup := info.bandwidths[v.Height]; dup || v.Height == 0 {
			return info, fmt.Errorf("variant %s: heights must be distinct and known", v.URI)
		}
		info.bandwidths[v.Height] = v.Bandwidth
		info.heights = append(info.heights, v.Height)
		u, err := hls.Resolve(masterURL, v.URI)
		if err != nil {
			return info, err
		}
		body, err := get(ctx, u)
		if err != nil {
			return info, err
		}
		media, err := hls.ParseMedia(body)
		if err != nil {
			return info, err
		}
		info.segments = len(media.Segments)
		seen := map[string]bool{}
		for _, s := range media.Segments {
			for _, ref := range []string{mapURI(s.Map), s.URI} {
				if ref == "" || seen[ref] {
					continue
				}
				seen[ref] = true
				su, err := hls.Resolve(u, ref)
				if err != nil {
					return info, err
				}
				b, err := get(ctx, su)
				if err != nil {
					return info, err
				}
				if len(b) > info.size {
					info.size, info.probe = len(b), su
				}
			}
		}
	}
	sort.Ints(info.heights)
	return info, nil
}

func mapURI(m *hls.Map) string {
	if m == nil {
		return ""
	}
	return m.URI
}

func get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", shortURL(u), resp.StatusCode)
	}
	return b, nil
}

// shortURL drops the token from a media URL for messages.
func shortURL(u string) string {
	if i := strings.Index(u, "/v1/"); i >= 0 {
		return u[i:]
	}
	return u
}
