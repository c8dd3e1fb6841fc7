package keys_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edgeflix/edgeflix/internal/testenv"
	"github.com/edgeflix/edgeflix/origin/keys"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newKEK() []byte {
	k := make([]byte, keys.KEKSize)
	rand.Read(k)
	return k
}

func TestEnsureRotateRetire(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	kek := newKEK()
	ks, err := keys.NewStore(db, kek, keys.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Signer(); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("signer before Ensure: %v", err)
	}
	// Concurrent first starts create exactly one key.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ks.Ensure(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var n int
	db.QueryRow("SELECT COUNT(*) FROM signing_keys").Scan(&n)
	if n != 1 {
		t.Fatalf("%d keys after concurrent Ensure", n)
	}
	first, err := ks.Signer()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("encrypted at rest", func(t *testing.T) {
		var sealed []byte
		db.QueryRow("SELECT private_key FROM signing_keys WHERE kid = ?", first.ID).Scan(&sealed)
		if bytes.Contains(sealed, first.Private.Seed()) || bytes.Contains(sealed, first.Private) {
			t.Fatal("private key stored in the clear")
		}
		other, _ := keys.NewStore(db, newKEK(), keys.Options{})
		if err := other.Reload(ctx); !errors.Is(err, keys.ErrBadKEK) {
			t.Fatalf("wrong kek: %v", err)
		}
		// A sealed key moved to another kid does not open.
		if _, err := db.Exec("INSERT INTO signing_keys (kid, private_key) VALUES ('moved', ?)", sealed); err != nil {
			t.Fatal(err)
		}
		if err := ks.Reload(ctx); !errors.Is(err, keys.ErrBadKEK) {
			t.Fatalf("moved key: %v", err)
		}
		db.Exec("DELETE FROM signing_keys WHERE kid = 'moved'")
		if err := ks.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ensure again keeps the key", func(t *testing.T) {
		if err := ks.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
		if k, _ := ks.Signer(); k.ID != first.ID {
			t.Fatal("Ensure replaced a live key")
		}
	})
	clk.Add(time.Hour)
	second, err := ks.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("rotation publishes before signing", func(t *testing.T) {
		if len(ks.JWKS().Keys) != 2 {
			t.Fatalf("jwks %+v", ks.JWKS())
		}
		if k, _ := ks.Signer(); k.ID != first.ID {
			t.Fatal("new key signs before its activation delay")
		}
		clk.Add(keys.DefaultActivationDelay)
		if k, _ := ks.Signer(); k.ID != second {
			t.Fatal("new key does not sign after its activation delay")
		}
		if _, ok := ks.PublicKey(first.ID); !ok {
			t.Fatal("old key no longer verifies")
		}
	})
	t.Run("retire", func(t *testing.T) {
		if err := ks.Retire(ctx, second, false); !errors.Is(err, keys.ErrRetireTooEarly) {
			t.Fatalf("retire signing key: %v", err)
		}
		if err := ks.Retire(ctx, first.ID, false); !errors.Is(err, keys.ErrRetireTooEarly) {
			t.Fatalf("retire while tokens in flight: %v", err)
		}
		if err := ks.Retire(ctx, "nope", false); !errors.Is(err, keys.ErrUnknownKey) {
			t.Fatalf("retire unknown: %v", err)
		}
		clk.Add(keys.MaxTokenLifetime)
		if err := ks.Retire(ctx, first.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, ok := ks.PublicKey(first.ID); ok || len(ks.JWKS().Keys) != 1 {
			t.Fatal("retired key still published")
		}
		infos, _ := ks.List(ctx)
		if len(infos) != 2 || infos[0].ID != second || !infos[0].Signing || infos[1].RetiredAt == nil {
			t.Fatalf("list %+v", infos)
		}
	})
}

func TestKEK(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "keys", "kek")
	a, err := keys.LoadOrCreateKEKFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("kek file mode %v (%v)", st.Mode(), err)
	}
	b, err := keys.LoadOrCreateKEKFile(path)
	if err != nil || !bytes.Equal(a, b) || len(a) != keys.KEKSize {
		t.Fatalf("reloaded kek differs (%v)", err)
	}
	cases := []struct {
		in string
		ok bool
	}{
		{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", true},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", true},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX", false},
		{"", false},
		{"zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			k, err := keys.ParseKEK(c.in)
			if (err == nil) != c.ok || (c.ok && (len(k) != 32 || k[1] != 1)) {
				t.Fatalf("%x %v", k, err)
			}
		})
	}
}

func TestRetireDueAfterRotation(t *testing.T) {
	db, _ := testenv.MySQL(t)
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	ks, err := keys.NewStore(db, newKEK(), keys.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := ks.Signer()
	clk.Add(time.Second)
	kid, err := ks.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at, ok, err := ks.RetireAt(ctx, old.ID)
	want := clk.Now().Add(keys.DefaultActivationDelay + keys.MaxTokenLifetime)
	if err != nil || !ok || at.Sub(want).Abs() > 10*time.Millisecond {
		t.Fatalf("retire at %v %v %v, want %v", at, ok, err, want)
	}
	if _, ok, _ := ks.RetireAt(ctx, kid); ok {
		t.Fatal("the newest key has a retirement time")
	}
	steps := []struct {
		after   time.Duration
		retired bool
	}{
		{keys.DefaultActivationDelay + time.Minute, false}, // new key signs; old still verifies
		{keys.MaxTokenLifetime - 2*time.Minute, false},     // just before the last old token expires
		{2 * time.Minute, true},                            // past it
	}
	for i, st := range steps {
		clk.Add(st.after)
		done, err := ks.RetireDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, published := ks.PublicKey(old.ID)
		if (len(done) == 1) != st.retired || published == st.retired {
			t.Fatalf("step %d: retired %v, still published %v", i, done, published)
		}
	}
	if s, _ := ks.Signer(); s.ID != kid {
		t.Fatalf("signer %s, want %s", s.ID, kid)
	}
}
