package testenv_test

import (
	"context"
	"testing"

	"github.com/edgeflix/edgeflix/internal/testenv"
)

func TestMySQLHasSchema(t *testing.T) {
	db, _ := testenv.MySQL(t)
	for _, table := range []string{"accounts", "signing_keys", "assets", "renditions", "titles"} {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestRedisPrefixIsolated(t *testing.T) {
	a, pa := testenv.Redis(t)
	_, pb := testenv.Redis(t)
	if pa == pb {
		t.Fatalf("two tests share prefix %q", pa)
	}
	if err := a.Set(context.Background(), pa+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
}
