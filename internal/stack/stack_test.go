package stack_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/stack/stacktest"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/keys"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// masterSpy records, for each master fetch from the origin, the caps
// header it carried (the origin rewrites a master only when one is
// present).
type masterSpy struct {
	mu   sync.Mutex
	caps []string
}

func (m *masterSpy) seen(r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/master.m3u8") {
		m.mu.Lock()
		m.caps = append(m.caps, r.Header.Get(contract.CapsHeader))
		m.mu.Unlock()
	}
}

// TestMasterRewrittenOnceThroughStack fetches a master through the local
// stack's edge and checks it is the module's rewrite of the stored
// master, done once: the edge asks the origin for the stored bytes, never
// for the origin's own rewrite.
func TestMasterRewrittenOnceThroughStack(t *testing.T) {
	kek := bytes.Repeat([]byte{'k'}, keys.KEKSize)
	spy := &masterSpy{}
	cfg, db := stacktest.Config(t, "edgeflix-stack", kek)
	cfg.EdgeUpstream = stacktest.Upstream(t, spy.seen)
	cfg.SkipDemo = true
	st := stacktest.Start(t, cfg)
	ctx := context.Background()

	master, err := os.ReadFile("../../wasm/manifest/testdata/ladder8.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Media.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(st.Media.Bucket), Key: aws.String("media/once/master.m3u8"), Body: bytes.NewReader(master)}); err != nil {
		t.Fatal(err)
	}
	// A playback token signed with the origin's own signing key.
	ks, err := keys.NewStore(db, kek, keys.Options{ActivationDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	key, err := ks.Signer()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": contract.DefaultIssuer, "aud": contract.DefaultAudience, "sub": "acc_1", "sid": "ses_once",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "pfx": "/v1/media/once/",
		"dev": map[string]any{"cls": "phone", "mh": 720, "mbr": 5000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false},
	})
	tok.Header["kid"] = key.ID
	signed, err := tok.SignedString(key.Private)
	if err != nil {
		t.Fatal(err)
	}
	caps, err := contract.ParseHeader("cls=phone;mh=720;mbr=5000000;cdc=avc1,mp4a;hdr=0")
	if err != nil {
		t.Fatal(err)
	}
	want, err := manifest.Rewrite(master, caps)
	if err != nil {
		t.Fatal(err)
	}
	for i, xcache := range []string{"MISS", "HIT"} {
		resp, body := testenv.Get(t, st.EdgeURL+"/t/"+signed+"/v1/media/once/master.m3u8", nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) || resp.Header.Get("X-Cache") != xcache {
			t.Fatalf("request %d: %d, X-Cache %q:\n%s\nwant the module's rewrite:\n%s", i, resp.StatusCode, resp.Header.Get("X-Cache"), body, want)
		}
	}
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.caps) != 1 || spy.caps[0] != "" {
		t.Fatalf("master fetches from the origin carried caps %q: want one fetch without %s (the origin would rewrite too)", spy.caps, contract.CapsHeader)
	}
}
