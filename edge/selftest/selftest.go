// Package selftest decides whether an edge function version may take
// traffic: it loads the module in the edge's own host (edge/fnhost, so the
// ABI check is the one serving uses), configures it with a self-test key
// set, and runs the shared CloudFront event corpus (wasm/lambda) and any
// operator-supplied cases through the Lambda@Edge handler twin
// (internal/cloudfront), comparing each answer with the expected one.
package selftest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/edge/fnhost"
	"github.com/edgeflix/edgeflix/internal/cloudfront"
	"github.com/edgeflix/edgeflix/internal/edgeproof"
	"github.com/edgeflix/edgeflix/wasm/lambda"
)

// Case is an operator-supplied case, in the corpus's form: a CloudFront
// event (placeholders such as {{TOKEN_A1}} are filled in) and the answer
// it must produce — a response Status ("403") or Status "request" and the
// URI the request leaves with.
type Case struct {
	Name   string          `json:"name"`
	Event  json.RawMessage `json:"event"`
	Status string          `json:"status"`
	URI    string          `json:"uri,omitempty"`
}

// Options configure a run.
type Options struct {
	// Issuer and Audience are the version's token iss and aud; empty means
	// the cloudfront defaults.
	Issuer, Audience string
	// Cases are operator cases run after the corpus.
	Cases []Case
	// Cache is a compilation cache shared with serving, so the version's
	// code is compiled once.
	Cache wazero.CompilationCache
	// Now is the clock tokens are minted and checked at; nil means time.Now.
	Now func() time.Time
}

// Outcome is one case's result.
type Outcome struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Want   string `json:"want"`
	Got    string `json:"got,omitempty"`
}

// Report is a run's result. Passed is true only if the module loaded and
// every case passed; Failed names the failed cases.
type Report struct {
	Passed bool      `json:"passed"`
	Error  string    `json:"error,omitempty"` // why the module could not be run at all
	Failed []string  `json:"failed,omitempty"`
	Cases  []Outcome `json:"cases"`
}

// Summary is a one-line account of r.
func (r Report) Summary() string {
	switch {
	case r.Error != "":
		return "self-test failed: " + r.Error
	case !r.Passed:
		for _, c := range r.Cases {
			if !c.Passed {
				return fmt.Sprintf("self-test failed %d of %d cases; first %s: want %s, got %s", len(r.Failed), len(r.Cases), c.Name, c.Want, c.Got)
			}
		}
	}
	return fmt.Sprintf("self-test passed %d cases", len(r.Cases))
}

// Keys mint the self-test's tokens. They are fixed test keys: the
// self-test configures its own instance with their key set, never a
// serving one, so they grant nothing.
var keys = lambda.Keys{
	Signing: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'s'}, 32)),
	Unknown: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'u'}, 32)),
	Proof:   edgeproof.Key{ID: "selftest", Secret: bytes.Repeat([]byte{'p'}, 32)},
}

// Run self-tests module.
func Run(ctx context.Context, module []byte, opts Options) Report {
	if opts.Issuer == "" {
		opts.Issuer = contract.DefaultIssuer
	}
	if opts.Audience == "" {
		opts.Audience = contract.DefaultAudience
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// A generous call deadline: the self-test judges answers, not speed,
	// and runs beside serving traffic on a busy edge.
	host, err := fnhost.New(ctx, fnhost.Options{Module: module, Cache: opts.Cache, PoolSize: 1, CallTimeout: 30 * time.Second})
	if err != nil {
		return Report{Error: "abi: " + err.Error()}
	}
	defer host.Close(context.WithoutCancel(ctx))
	k := keys
	k.Issuer, k.Audience = opts.Issuer, opts.Audience
	doc, err := cloudfront.ConfigDocument(k.JWKS(), opts.Issuer, opts.Audience, contract.DefaultLeewaySeconds)
	if err != nil {
		return Report{Error: err.Error()}
	}
	if err := host.Configure(ctx, doc); err != nil {
		return Report{Error: "configure: " + err.Error()}
	}
	now := opts.Now()
	h := &cloudfront.Handler{Module: cloudfront.HostModule{Host: host}, Fetch: originFetcher{key: k.Proof, now: now}, ProofKey: &k.Proof, Now: func() time.Time { return now }}
	vars := k.Vars(now, 443)
	var rep Report
	run := func(name string, event []byte, status, uri string) {
		o := check(ctx, h, name, event, status, uri)
		rep.Cases = append(rep.Cases, o)
		if !o.Passed {
			rep.Failed = append(rep.Failed, name)
		}
	}
	for _, c := range lambda.Cases() {
		run(c.Name, lambda.Render(c.Event, vars), c.Status, c.URI)
	}
	for _, c := range opts.Cases {
		run("operator/"+c.Name, lambda.Render(string(c.Event), vars), c.Status, c.URI)
	}
	rep.Passed = len(rep.Failed) == 0
	return rep
}

// check runs one event and compares the answer.
func check(ctx context.Context, h *cloudfront.Handler, name string, event []byte, status, uri string) Outcome {
	o := Outcome{Name: name, Want: status}
	if status == "request" {
		o.Want = "request " + uri
	}
	out, err := h.Handle(ctx, event)
	if err != nil {
		o.Got = "error: " + err.Error()
		return o
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		o.Got = "unparsable answer"
		return o
	}
	if s, ok := got["status"].(string); ok {
		o.Got = s
		body, _ := got["body"].(string)
		o.Passed = s == status && (s != "200" || strings.HasPrefix(body, "#EXTM3U"))
		if s == "200" && !o.Passed && s == status {
			o.Got = "200 without a playlist body"
		}
		return o
	}
	u, _ := got["uri"].(string)
	o.Got = "request " + u
	o.Passed = status == "request" && u == uri
	return o
}

// originFetcher answers origin-request fetches from the corpus origin
// (lambda.Origin) for requests that carry a valid gate proof for their
// path, as the production origin (origin/media) and the parity test's HTTP
// origin do, without a socket.
type originFetcher struct {
	key edgeproof.Key
	now time.Time
}

func (f originFetcher) Fetch(_ context.Context, _ map[string]any, uri, proof string) ([]byte, error) {
	if err := edgeproof.Verify([]edgeproof.Key{f.key}, proof, uri, f.now); err != nil {
		return nil, fmt.Errorf("%w: status 403", cloudfront.ErrFetch)
	}
	b, err := fs.ReadFile(lambda.Origin, strings.TrimPrefix(uri, "/"))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return nil, fmt.Errorf("%w: status 404", cloudfront.ErrFetch)
	}
	return b, err
}
