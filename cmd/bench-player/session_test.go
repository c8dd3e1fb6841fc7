package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// tokenOrigin is a loopback origin whose access tokens expire on demand
// and whose refresh tokens rotate: each is good for one refresh.
type tokenOrigin struct {
	access  string
	refresh map[string]bool // unused refresh tokens
	n       int
	// refuseRefresh makes the token endpoint answer invalid_grant.
	refuseRefresh bool
	refreshes     int
}

func (o *tokenOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == "POST" && r.URL.Path == "/oauth/token":
		o.refreshes++
		if r.FormValue("grant_type") != "refresh_token" || r.FormValue("client_id") != webClientID ||
			o.refuseRefresh || !o.refresh[r.FormValue("refresh_token")] {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		delete(o.refresh, r.FormValue("refresh_token"))
		o.n++
		o.access = fmt.Sprintf("access-%d", o.n)
		next := fmt.Sprintf("refresh-%d", o.n)
		o.refresh[next] = true
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": o.access, "token_type": "Bearer", "expires_in": 900, "refresh_token": next})
	case r.Header.Get("Authorization") != "Bearer "+o.access:
		w.WriteHeader(http.StatusUnauthorized)
	default:
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"session_id":"s","manifest_url":"%s/m.m3u8"}`, "http://"+r.Host)
	}
}

func TestAPIClientRenewsOn401(t *testing.T) {
	tests := []struct {
		name          string
		expire        int // times the access token expires between calls
		refuseRefresh bool
		wantErr       string
		wantRefreshes int
	}{
		{"valid token", 0, false, "", 0},
		{"expired once", 1, false, "", 1},
		{"expired twice: rotated refresh token used", 2, false, "", 2},
		{"refresh refused", 1, true, "HTTP 401 and refreshing the token: HTTP 400", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &tokenOrigin{access: "access-0", refresh: map[string]bool{"refresh-0": true}, refuseRefresh: tc.refuseRefresh}
			srv := httptest.NewServer(o)
			defer srv.Close()
			a := &apiClient{origin: srv.URL, access: "access-0", refresh: "refresh-0"}
			var err error
			for range max(tc.expire, 1) {
				if tc.expire > 0 {
					o.access = "expired-" + o.access
				}
				if _, err = a.start(context.Background(), "t"); err != nil {
					break
				}
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("start: %v, want error %q", err, tc.wantErr)
			}
			if o.refreshes != tc.wantRefreshes {
				t.Errorf("%d refresh requests, want %d", o.refreshes, tc.wantRefreshes)
			}
			if err == nil && a.access != o.access {
				t.Errorf("client kept access %q, origin issued %q", a.access, o.access)
			}
		})
	}
}
