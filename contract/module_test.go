package contract

import (
	"encoding/json"
	"testing"
)

func TestModuleConfigJSON(t *testing.T) {
	jwks := `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	for _, tc := range []struct {
		cfg  ModuleConfig
		want string
	}{
		{ModuleConfig{Issuer: DefaultIssuer, Audience: DefaultAudience, LeewaySeconds: DefaultLeewaySeconds, JWKS: []byte(jwks)},
			`{"iss":"edgeflix-origin","aud":"edgeflix-edge","leeway_s":15,"jwks":` + jwks + `}`},
		{ModuleConfig{Issuer: "a\"b\\c\n\x01é", Audience: "x", CacheSize: -1, JWKS: []byte(`{"keys":[]}`)},
			`{"iss":"a\"b\\c\u000a\u0001é","aud":"x","leeway_s":0,"cache_size":-1,"jwks":{"keys":[]}}`},
	} {
		got := string(tc.cfg.AppendJSON(nil))
		if got != tc.want {
			t.Errorf("AppendJSON = %s\nwant          %s", got, tc.want)
		}
		var back struct {
			Iss, Aud string
			Leeway   int64 `json:"leeway_s"`
		}
		if err := json.Unmarshal([]byte(got), &back); err != nil || back.Iss != tc.cfg.Issuer || back.Aud != tc.cfg.Audience || back.Leeway != tc.cfg.LeewaySeconds {
			t.Errorf("%s reads back as %+v, %v", got, back, err)
		}
	}
}
