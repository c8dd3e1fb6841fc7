package edgeproof

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	now = time.Unix(1_800_000_000, 0)
	k1  = Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	k2  = Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}
)

func TestVerify(t *testing.T) {
	const p = "/v1/media/a1/720p/seg_00001.m4s"
	good := Sign(k1, p, now.Add(Lifetime))
	for _, tc := range []struct {
		name  string
		keys  []Key
		proof string
		path  string
		at    time.Time
		ok    bool
	}{
		{"good", []Key{k1}, good, p, now, true},
		{"rotation overlap", []Key{k2, k1}, good, p, now, true},
		{"key retired", []Key{k2}, good, p, now, false},
		{"other path", []Key{k1}, good, p + "x", now, false},
		{"path prefix", []Key{k1}, good, "/v1/media/a1/", now, false},
		{"expired", []Key{k1}, good, p, now.Add(Lifetime), false},
		{"too far ahead", []Key{k1}, Sign(k1, p, now.Add(MaxAhead+time.Second)), p, now, false},
		{"kid swapped", []Key{k1, {ID: "k3", Secret: k1.Secret}}, strings.Replace(good, ".k1.", ".k3.", 1), p, now, false},
		{"expiry changed", []Key{k1}, strings.Replace(good, ".1800000060.", ".1800000061.", 1), p, now, false},
		{"expiry with a sign", []Key{k1}, strings.Replace(good, ".1800000060.", ".+1800000060.", 1), p, now, false},
		{"other version", []Key{k1}, "v2" + good[2:], p, now, false},
		{"empty", []Key{k1}, "", p, now, false},
		{"no keys", nil, good, p, now, false},
		{"mac padded", []Key{k1}, good + "=", p, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.keys, tc.proof, tc.path, tc.at)
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrProof) {
				t.Fatalf("Verify() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), tc.proof[min(len(tc.proof), 20):]) && tc.proof != "" {
				t.Fatalf("error %q repeats the proof", err)
			}
		})
	}
}

func TestParseKeys(t *testing.T) {
	s := FormatKeys([]Key{k2, k1})
	keys, err := ParseKeys(s)
	if err != nil || len(keys) != 2 || keys[0].ID != "k2" || !bytes.Equal(keys[1].Secret, k1.Secret) {
		t.Fatalf("ParseKeys(FormatKeys()) = %v, %v", keys, err)
	}
	for _, bad := range []string{"", "k1", "k1:", ":" + s[3:], "k1:c2hvcnQ", s + "," + s, "k 1:" + s[3:], "k1:!!!"} {
		if _, err := ParseKeys(bad); !errors.Is(err, ErrKeys) {
			t.Errorf("ParseKeys(%q) = %v, want ErrKeys", bad, err)
		}
	}
	if k, err := NewKey("new"); err != nil || len(k.Secret) != 32 {
		t.Fatal(k, err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(Sign(k1, "/v1/media/a/master.m3u8", now.Add(Lifetime)), "/v1/media/a/master.m3u8")
	f.Add("v1.k1.1.AAAA", "/")
	f.Fuzz(func(t *testing.T, proof, path string) {
		if Verify([]Key{k1}, proof, path, now) == nil && proof != Sign(k1, path, time.Unix(exp(proof), 0)) {
			t.Fatalf("accepted %q for %q, not what Sign makes", proof, path)
		}
	})
}

// exp reads a proof's expiry field (fuzz oracle).
func exp(proof string) int64 {
	parts := strings.Split(proof, ".")
	var n int64
	for _, c := range parts[2] {
		n = n*10 + int64(c-'0')
	}
	return n
}

func BenchmarkVerify(b *testing.B) {
	const p = "/v1/media/a1/720p/seg_00001.m4s"
	proof := Sign(k1, p, now.Add(Lifetime))
	for b.Loop() {
		if err := Verify([]Key{k1}, proof, p, now); err != nil {
			b.Fatal(err)
		}
	}
}
