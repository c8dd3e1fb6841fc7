// Package wycheproof reads Project Wycheproof's Ed25519 test vectors from
// the shared test data beside the repository (../shared/testdata), for the
// tests of every Ed25519 verifier edgeflix has.
package wycheproof

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Vector is one Ed25519 test case.
type Vector struct {
	ID        int
	Comment   string
	PublicKey []byte
	Msg, Sig  []byte
	// Valid is the expected verification result.
	Valid bool
}

// Ed25519 returns every vector of ed25519_test.json, failing tb if the file
// is missing, malformed or holds fewer than 100 vectors.
func Ed25519(tb testing.TB) []Vector {
	tb.Helper()
	root, err := moduleRoot()
	if err != nil {
		tb.Fatalf("wycheproof: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(root, "..", "shared", "testdata", "wycheproof", "ed25519_test.json"))
	if err != nil {
		tb.Fatalf("wycheproof vectors (expected beside the repository in ../shared): %v", err)
	}
	var file struct {
		TestGroups []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Tests []struct {
				TcID    int    `json:"tcId"`
				Comment string `json:"comment"`
				Msg     string `json:"msg"`
				Sig     string `json:"sig"`
				Result  string `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		tb.Fatalf("wycheproof: %v", err)
	}
	var out []Vector
	for _, g := range file.TestGroups {
		pk, err := hex.DecodeString(g.PublicKey.PK)
		if err != nil || len(pk) != 32 {
			tb.Fatalf("wycheproof: public key %q: %v", g.PublicKey.PK, err)
		}
		for _, tc := range g.Tests {
			msg, err1 := hex.DecodeString(tc.Msg)
			sig, err2 := hex.DecodeString(tc.Sig)
			if err1 != nil || err2 != nil {
				tb.Fatalf("wycheproof: tc%d: bad hex: %v %v", tc.TcID, err1, err2)
			}
			out = append(out, Vector{ID: tc.TcID, Comment: tc.Comment, PublicKey: pk, Msg: msg, Sig: sig, Valid: tc.Result == "valid"})
		}
	}
	if len(out) < 100 {
		tb.Fatalf("wycheproof: only %d vectors read", len(out))
	}
	return out
}

// moduleRoot is the nearest folder above the working directory holding
// go.mod (tests run in their package's folder).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
