package versions

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var clock = func() time.Time { return time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC) }

func TestUploadSurvivesReopenAndIsImmutable(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	m1, created, err := s.Upload([]byte("module one"), Config{Issuer: "iss-1"}, "abc123", "first")
	if err != nil || !created || m1.Number != 1 {
		t.Fatalf("upload 1: %+v %v %v", m1, created, err)
	}
	m2, _, err := s.Upload([]byte("module two"), Config{JWKS: []byte(`{ "keys": [] }`)}, "def456", "")
	if err != nil || m2.Number != 2 {
		t.Fatalf("upload 2: %+v %v", m2, err)
	}
	again, created, err := s.Upload([]byte("module one"), Config{Issuer: "iss-1"}, "other tag", "")
	if err != nil || created || again.Number != 1 {
		t.Fatalf("same content: got %+v created=%v err=%v, want version 1 again", again, created, err)
	}
	if err := s.SetTraffic(Traffic{Active: 1, Canary: 2, Percent: 10, Changed: clock()}); err != nil {
		t.Fatal(err)
	}

	// A restart: a new Store over the same folder.
	s2, err := Open(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s2.List()
	if err != nil || len(list) != 2 || list[0].Tag != "abc123" || list[1].Number != 2 {
		t.Fatalf("list after reopen: %+v %v", list, err)
	}
	m, mod, err := s2.Load(2)
	if err != nil || string(mod) != "module two" || m.Hash != m2.Hash || string(m.Config.JWKS) != `{"keys":[]}` {
		t.Fatalf("load 2: %+v %q %v", m, mod, err)
	}
	if !m.Created.Equal(clock()) {
		t.Fatalf("created %v, want %v", m.Created, clock())
	}
	tr, err := s2.Traffic()
	if err != nil || tr.Active != 1 || tr.Canary != 2 || tr.Percent != 10 {
		t.Fatalf("traffic after reopen: %+v %v", tr, err)
	}
}

func TestCorruptVersionIsRefused(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, vdir string)
	}{
		{"module byte flipped", func(t *testing.T, vdir string) {
			p := filepath.Join(vdir, "module.wasm")
			b, _ := os.ReadFile(p)
			b[3] ^= 1
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"module truncated", func(t *testing.T, vdir string) {
			if err := os.Truncate(filepath.Join(vdir, "module.wasm"), 2); err != nil {
				t.Fatal(err)
			}
		}},
		{"module missing", func(t *testing.T, vdir string) {
			if err := os.Remove(filepath.Join(vdir, "module.wasm")); err != nil {
				t.Fatal(err)
			}
		}},
		{"config edited", func(t *testing.T, vdir string) {
			p := filepath.Join(vdir, "meta.json")
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, bytes.Replace(b, []byte("iss-1"), []byte("iss-2"), 1), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"metadata garbage", func(t *testing.T, vdir string) {
			if err := os.WriteFile(filepath.Join(vdir, "meta.json"), []byte("{"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := Open(dir, clock)
			if _, _, err := s.Upload([]byte("module bytes"), Config{Issuer: "iss-1"}, "", ""); err != nil {
				t.Fatal(err)
			}
			c.damage(t, filepath.Join(dir, "v", "000001"))
			if _, _, err := s.Load(1); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("load of a damaged version: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestUploadRefusesBadInputAndChangesNothing(t *testing.T) {
	cases := []struct {
		name   string
		module []byte
		cfg    Config
		tag    string
	}{
		{"empty module", nil, Config{}, ""},
		{"module too big", make([]byte, MaxModuleBytes+1), Config{}, ""},
		{"jwks not a key set", []byte("m"), Config{JWKS: []byte(`{"nokeys":1}`)}, ""},
		{"jwks not json", []byte("m"), Config{JWKS: []byte(`{`)}, ""},
		{"tag too long", []byte("m"), Config{}, string(make([]byte, 201))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := Open(t.TempDir(), clock)
			if _, _, err := s.Upload(c.module, c.cfg, c.tag, ""); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v, want ErrInvalid", err)
			}
			if list, _ := s.List(); len(list) != 0 {
				t.Fatalf("a refused upload left %+v", list)
			}
		})
	}
	s, _ := Open(t.TempDir(), clock)
	if _, _, err := s.Load(7); !errors.Is(err, ErrNotFound) {
		t.Fatalf("load of a missing version: %v", err)
	}
	for _, tr := range []Traffic{{Active: 1, Canary: 1}, {Active: 1, Percent: 101}, {Active: -1}} {
		if err := s.SetTraffic(tr); !errors.Is(err, ErrInvalid) {
			t.Fatalf("SetTraffic(%+v): %v, want ErrInvalid", tr, err)
		}
	}
}

func FuzzContentHash(f *testing.F) {
	f.Add([]byte("m"), []byte(`{"keys":[]}`))
	f.Add([]byte(""), []byte(`{`))
	f.Fuzz(func(t *testing.T, module, jwks []byte) {
		h1, err1 := ContentHash(module, Config{JWKS: jwks})
		h2, err2 := ContentHash(module, Config{JWKS: jwks})
		if (err1 == nil) != (err2 == nil) || h1 != h2 {
			t.Fatalf("not deterministic: %s %v / %s %v", h1, err1, h2, err2)
		}
		if err1 == nil {
			other, _ := ContentHash(append(module, 0), Config{JWKS: jwks})
			if other == h1 {
				t.Fatal("a different module hashed alike")
			}
		}
	})
}

func TestCasesBesideTheVersion(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, clock)
	if _, _, err := s.Upload([]byte("module bytes"), Config{}, "", ""); err != nil {
		t.Fatal(err)
	}
	good := []json.RawMessage{json.RawMessage(`{"name":"a"}`), json.RawMessage(`{"name":"b"}`)}
	if err := s.SaveCases(1, good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		n     int
		cases []json.RawMessage
		want  error
	}{
		{"not an object", 1, []json.RawMessage{json.RawMessage(`[1]`)}, ErrInvalid},
		{"too many", 1, make([]json.RawMessage, MaxCases+1), ErrInvalid},
		{"no such version", 2, good, ErrNotFound},
	} {
		if err := s.SaveCases(c.n, c.cases); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if got, err := Open(dir, clock); err != nil {
		t.Fatal(err)
	} else if cs, err := got.Cases(1); err != nil || len(cs) != 2 || string(cs[1]) != `{"name":"b"}` {
		t.Fatalf("after refused saves and a reopen: %s %v", cs, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "v", "000001", "cases.json"), []byte("[{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cases(1); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged cases.json: %v, want ErrCorrupt", err)
	}
	if _, _, err := s.Load(1); err != nil {
		t.Fatalf("damaged cases must not make the version itself unloadable: %v", err)
	}
}
