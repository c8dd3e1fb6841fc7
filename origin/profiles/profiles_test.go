package profiles

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/accounts"
	"github.com/edgeflix/edgeflix/origin/httpx"
	"github.com/edgeflix/edgeflix/origin/maturity"
)

func TestCheckPIN(t *testing.T) {
	for _, c := range []struct {
		pin string
		ok  bool
	}{{"0000", true}, {"4821", true}, {"123", false}, {"12345", false}, {"12a4", false}, {"١٢٣٤", false}, {"", false}, {" 123", false}} {
		if err := CheckPIN(c.pin); (err == nil) != c.ok {
			t.Errorf("%q: %v", c.pin, err)
		}
	}
}

func FuzzCheckPIN(f *testing.F) {
	for _, s := range []string{"0000", "4821", "12a4", "١٢٣٤", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pin string) {
		if CheckPIN(pin) != nil {
			return
		}
		if n, err := strconv.Atoi(pin); len(pin) != 4 || err != nil || n < 0 || n > 9999 {
			t.Fatalf("accepted %q", pin)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestApplyRules(t *testing.T) {
	base := Profile{Name: "Main", MaturityLevel: maturity.Max}
	kids := Profile{Name: "Kids", Kids: true, MaturityLevel: maturity.KidsMax}
	cases := []struct {
		name  string
		from  Profile
		c     Changes
		err   error
		level int
		kids  bool
	}{
		{"rename", base, Changes{Name: ptr("Ana")}, nil, 4, false},
		{"kids on lowers ceiling", base, Changes{Kids: ptr(true)}, nil, 1, true},
		{"kids on with level 0", base, Changes{Kids: ptr(true), MaturityLevel: ptr(0)}, nil, 0, true},
		{"kids on with level 3", base, Changes{Kids: ptr(true), MaturityLevel: ptr(3)}, ErrInvalidLevel, 0, false},
		{"raise kids ceiling", kids, Changes{MaturityLevel: ptr(2)}, ErrInvalidLevel, 0, false},
		{"clear kids and raise", kids, Changes{Kids: ptr(false), MaturityLevel: ptr(4)}, nil, 4, false},
		{"negative level", base, Changes{MaturityLevel: ptr(-1)}, ErrInvalidLevel, 0, false},
		{"level 5", base, Changes{MaturityLevel: ptr(5)}, ErrInvalidLevel, 0, false},
		{"empty name", base, Changes{Name: ptr("  ")}, ErrInvalidName, 0, false},
		{"bad pin", base, Changes{PIN: ptr("12")}, ErrInvalidPIN, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _, err := apply(c.from, c.c)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err == nil && (p.MaturityLevel != c.level || p.Kids != c.kids) {
				t.Fatalf("%+v", p)
			}
		})
	}
}

// FuzzChanges decodes request bodies the way the handlers do and checks
// that whatever apply accepts keeps the profile rules.
func FuzzChanges(f *testing.F) {
	for _, s := range []string{`{"name":"Kids","kids":true}`, `{"maturity_level":3}`, `{"kids":true,"maturity_level":1}`, `{"name":"x","admin":1}`, `{"kids":"yes"}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, startKids bool) {
		var c Changes
		if err := httpx.DecodeJSON(body, &c); err != nil {
			return
		}
		c.PIN = nil // hashing is slow and covered by TestApplyRules
		from := Profile{Name: "Main", MaturityLevel: maturity.Max}
		if startKids {
			from = Profile{Name: "Kids", Kids: true, MaturityLevel: maturity.KidsMax}
		}
		p, _, err := apply(from, c)
		if err != nil {
			return
		}
		if p.MaturityLevel < 0 || p.MaturityLevel > maturity.Max || (p.Kids && p.MaturityLevel > maturity.KidsMax) || p.Name == "" {
			t.Fatalf("rules broken: %+v from %s", p, body)
		}
	})
}

func TestStoreLimits(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	res, err := db.Exec("INSERT INTO accounts (email, password_hash) VALUES ('p@example.com', 'x')")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.LastInsertId()
	acct := strconv.FormatInt(n, 10)
	s := NewStore(db, nil)
	// Concurrent creates never pass the limit.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Create(ctx, acct, Changes{Name: ptr("P" + strconv.Itoa(i))})
		}()
	}
	wg.Wait()
	tooMany := 0
	for _, err := range errs {
		if errors.Is(err, ErrTooMany) {
			tooMany++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := s.Count(ctx, acct); c != MaxPerAccount || tooMany != 3 {
		t.Fatalf("%d profiles, %d refused", c, tooMany)
	}
	list, _ := s.List(ctx, acct)
	for _, p := range list[1:] {
		if err := s.Delete(ctx, acct, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, acct, list[0].ID); !errors.Is(err, ErrLastProfile) {
		t.Fatalf("last profile: %v", err)
	}
	if _, err := s.CheckPIN(ctx, acct, list[0].ID, ""); err != nil {
		t.Fatalf("no pin: %v", err)
	}
	if _, err := s.Update(ctx, acct, list[0].ID, Changes{PIN: ptr("1234")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pin string
		err error
	}{{"1234", nil}, {"1235", ErrWrongPIN}, {"", ErrWrongPIN}, {"abcd", ErrWrongPIN}} {
		if _, err := s.CheckPIN(ctx, acct, list[0].ID, c.pin); !errors.Is(err, c.err) {
			t.Errorf("pin %q: %v", c.pin, err)
		}
	}
	if _, err := s.Update(ctx, acct, list[0].ID, Changes{PIN: ptr("")}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Get(ctx, acct, list[0].ID); p.HasPIN {
		t.Fatal("pin not removed")
	}
}

// TestPINCheckHoldsTheHashBudget: a PIN check is an Argon2id hash, so it
// takes its memory from the budget the password checks share; with the
// budget full it answers accounts.ErrBusy without checking, and with room
// it checks as before.
func TestPINCheckHoldsTheHashBudget(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	res, err := db.Exec("INSERT INTO accounts (email, password_hash) VALUES ('pin@example.com', 'x')")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.LastInsertId()
	acct := strconv.FormatInt(n, 10)
	s := NewStore(db, nil)
	gate := accounts.NewHashGate(19<<20, 0) // one slot, no wait
	s.SetHashGate(gate)
	p, err := s.Create(ctx, acct, Changes{Name: ptr("Locked"), PIN: ptr("4821")})
	if err != nil {
		t.Fatal(err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	go gate.Run(ctx, func() { close(held); <-release }) // another check holds the only slot
	<-held
	if _, err := s.CheckPIN(ctx, acct, p.ID, "4821"); !errors.Is(err, accounts.ErrBusy) {
		t.Fatalf("full budget: err %v, want ErrBusy", err)
	}
	close(release)
	for _, c := range []struct {
		pin  string
		want error
	}{{"4821", nil}, {"0000", ErrWrongPIN}} {
		var err error
		for range 100 { // the holder gives its slot back asynchronously
			if _, err = s.CheckPIN(ctx, acct, p.ID, c.pin); !errors.Is(err, accounts.ErrBusy) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !errors.Is(err, c.want) {
			t.Fatalf("pin %s: err %v, want %v", c.pin, err, c.want)
		}
	}
	if gate.Peak() != 1 {
		t.Fatalf("peak %d hashes at once, budget 1", gate.Peak())
	}
}
