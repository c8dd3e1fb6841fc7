package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/internal/stack"
	"github.com/edgeflix/edgeflix/internal/testenv"
)

// checkBypasses is the attack table of issue 11 against the running stack
// (what `make run` starts): every way around the gate to the origin's
// media, and every rendition the played token was not granted. None may
// be accepted.
func checkBypasses(t *testing.T, st *stack.Stack, masterURL string) {
	u, err := url.Parse(masterURL)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/t/"), "/", 2)
	token, master := parts[0], "/"+parts[1]
	assetDir := strings.TrimSuffix(master, "master.m3u8")
	key := st.ProofKeys[0]
	soon := time.Now().Add(30 * time.Second)
	forged := edgeproof.Key{ID: key.ID, Secret: bytes.Repeat([]byte{'f'}, 32)}
	tests := []struct {
		name    string
		url     string
		headers map[string]string
	}{
		{"direct media without a proof", st.OriginURL + master, nil},
		{"direct segment without a proof", st.OriginURL + assetDir + "360p/init.mp4", nil},
		{"proof for another path", st.OriginURL + master, map[string]string{contract.ProofHeader: edgeproof.Sign(key, assetDir+"360p/index.m3u8", soon)}},
		{"expired proof", st.OriginURL + master, map[string]string{contract.ProofHeader: edgeproof.Sign(key, master, time.Now().Add(-time.Second))}},
		{"forged proof", st.OriginURL + master, map[string]string{contract.ProofHeader: edgeproof.Sign(forged, master, soon)}},
		{"X-Origin-Verify alone on media", st.OriginURL + master, map[string]string{contract.OriginVerifyHeader: "guessed-or-leaked-api-secret"}},
		{"thumbnail sprite without a proof", st.OriginURL + assetDir + "sprite.jpg", nil},
		{"thumbnail track without a proof", st.OriginURL + assetDir + "thumbnails.vtt", nil},
		{"guessed 4K folder through the edge", st.EdgeURL + "/t/" + token + assetDir + "2160p/index.m3u8", nil},
		{"guessed HEVC folder through the edge", st.EdgeURL + "/t/" + token + assetDir + "1080p_hevc/init.mp4", nil},
		{"guessed AV1 folder through the edge", st.EdgeURL + "/t/" + token + assetDir + "720p_av1/seg_00000.m4s", nil},
		{"guessed HDR folder through the edge", st.EdgeURL + "/t/" + token + assetDir + "2160p_hdr/index.m3u8", nil},
	}
	accepted := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := testenv.Get(t, tc.url, tc.headers)
			if resp.StatusCode != http.StatusForbidden {
				accepted++
				t.Errorf("status %d, want 403 (body %.60q)", resp.StatusCode, body)
			}
		})
	}
	// The control: the edge's own proof opens what the gate admitted.
	if resp, _ := testenv.Get(t, st.EdgeURL+"/t/"+token+assetDir+"360p/index.m3u8", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("granted rendition through the edge: status %d, want 200", resp.StatusCode)
	}
	t.Logf("bypass attack table: %d of %d accepted", accepted, len(tests))
}
