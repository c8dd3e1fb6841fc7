package cloudfront

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/wasm/gate"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// HostModule adapts an fnhost.Host to Module: Gate is the host's Gate,
// Rewrite calls the module's rewrite export through CallExport.
type HostModule struct {
	// Host runs the module (required).
	Host *fnhost.Host
}

var _ Module = HostModule{}

// Gate runs the gate export.
func (m HostModule) Gate(ctx context.Context, rawPath string, now time.Time) (gate.Result, error) {
	return m.Host.Gate(ctx, rawPath, now)
}

// Rewrite runs the rewrite export (wasm/ABI.md) for caps and master.
func (m HostModule) Rewrite(ctx context.Context, caps string, master []byte) (manifest.Result, error) {
	out, err := m.Host.CallExport(ctx, "rewrite", manifest.AppendInput(nil, caps, master))
	if err != nil {
		return manifest.Result{}, err
	}
	return manifest.ParseResult(out)
}

// LoadJWKS reads a JWKS document from an http(s) URL (the origin's
// /.well-known/jwks.json) or a file, and checks it is a JSON object.
func LoadJWKS(ctx context.Context, src string) ([]byte, error) {
	var b []byte
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, err
		}
		c := &http.Client{Timeout: 10 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("jwks: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("jwks: %s answered %d", src, resp.StatusCode)
		}
		if b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
			return nil, fmt.Errorf("jwks: %w", err)
		}
	} else {
		var err error
		if b, err = os.ReadFile(src); err != nil {
			return nil, fmt.Errorf("jwks: %w", err)
		}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj["keys"] == nil {
		return nil, fmt.Errorf("jwks: %s is not a JWKS document", strconv.Quote(src))
	}
	return b, nil
}

// ConfigDocument returns the configure document for jwks, iss, aud and
// leeway (seconds), checking that jwks is JSON.
func ConfigDocument(jwks []byte, iss, aud string, leewayS int) ([]byte, error) {
	if !json.Valid(jwks) {
		return nil, errors.New("jwks: not JSON")
	}
	cfg := contract.ModuleConfig{Issuer: iss, Audience: aud, LeewaySeconds: int64(leewayS), JWKS: jwks}
	return cfg.AppendJSON(nil), nil
}
