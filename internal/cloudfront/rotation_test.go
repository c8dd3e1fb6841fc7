package cloudfront

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/keys"
)

// TestKeyRotationThroughBundles walks the documented Lambda@Edge key
// rotation (docs/EDGE-VERSIONS.md, infrastructure/README.md) with the
// origin's real key store: Lambda@Edge has no environment, so the key set
// is baked into each bundle, and a rotated key must reach a published
// bundle before it signs. Each step runs a viewer-request event through
// both hosts (wazero and Node) with bundles built as `make lambda` builds
// them (ConfigDocument from the origin's /.well-known/jwks.json).
func TestKeyRotationThroughBundles(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	kek := make([]byte, keys.KEKSize)
	ks, err := keys.NewStore(db, kek, keys.Options{Now: clock, ActivationDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	mint := func() string {
		t.Helper()
		k, err := ks.Signer()
		if err != nil {
			t.Fatal(err)
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
			"iss": contract.DefaultIssuer, "aud": contract.DefaultAudience, "sub": "acc_1", "sid": "ses_1",
			// The hosts check claims against the real clock; only the key
			// store's clock moves.
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(), "pfx": "/v1/media/a1/",
			"dev": map[string]any{"cls": "desktop", "mh": 720, "mbr": 4000000, "cdc": []string{"avc1", "mp4a"}, "hdr": false, "rnd": []string{"720p"}},
		})
		tok.Header["kid"] = k.ID
		s, err := tok.SignedString(k.Private)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	type bundle struct {
		h   *Handler
		dir string
	}
	build := func() bundle {
		t.Helper()
		cfg, err := ConfigDocument(ks.MarshalJWKS(), contract.DefaultIssuer, contract.DefaultAudience, contract.DefaultLeewaySeconds)
		if err != nil {
			t.Fatal(err)
		}
		return bundle{h: &Handler{Module: HostModule{Host: newHost(t, cfg)}, ProofKey: &proofKey}, dir: lambdaBundle(t, cfg)}
	}
	// gate answers "request" when both hosts let the token through, else
	// the status both gave; the hosts must agree.
	gate := func(b bundle, token string) string {
		t.Helper()
		ev, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{"cf": map[string]any{
			"config":  map[string]any{"eventType": "viewer-request"},
			"request": map[string]any{"method": "GET", "querystring": "", "headers": map[string]any{}, "uri": "/t/" + token + "/v1/media/a1/720p/seg_00001.m4s"},
		}}}})
		var answers [2]string
		for i, out := range [][]byte{mustHandle(t, b.h, ev), runNode(t, b.dir, ev)} {
			var v map[string]any
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("answer %s: %v", out, err)
			}
			answers[i] = "request"
			if s, ok := v["status"].(string); ok {
				answers[i] = s
			}
		}
		if answers[0] != answers[1] {
			t.Fatalf("hosts disagree: wazero %s, node %s", answers[0], answers[1])
		}
		return answers[0]
	}

	v1 := build()
	oldToken := mint()
	if got := gate(v1, oldToken); got != "request" {
		t.Fatalf("bundle v1, token of the first key: %s", got)
	}

	// `edgeflix keys rotate`: the new key is published at once and signs
	// only after the activation delay, the window in which the bundle is
	// rebuilt from the published key set and a new version published.
	now = now.Add(time.Minute)
	oldToken = mint()
	if _, err := ks.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if k, _ := ks.Signer(); len(ks.JWKS().Keys) != 2 || tokenKID(t, oldToken) != k.ID {
		t.Fatal("the rotated key is not published, or signs before its activation delay")
	}
	v2 := build()

	now = now.Add(time.Hour + time.Second) // the new key signs
	newToken := mint()
	if tokenKID(t, newToken) == tokenKID(t, oldToken) {
		t.Fatal("the rotated key does not sign after its activation delay")
	}
	for _, c := range []struct {
		name   string
		b      bundle
		token  string
		answer string
	}{
		{"old bundle refuses the new key", v1, newToken, "403"},
		{"new bundle takes the new key", v2, newToken, "request"},
		{"new bundle still takes the old key's tokens in flight", v2, oldToken, "request"},
	} {
		if got := gate(c.b, c.token); got != c.answer {
			t.Errorf("%s: %s, want %s", c.name, got, c.answer)
		}
	}
}

func mustHandle(t *testing.T, h *Handler, event []byte) []byte {
	t.Helper()
	out, err := h.Handle(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tokenKID(t *testing.T, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}
