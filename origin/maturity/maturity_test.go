package maturity

import "testing"

func TestLevelAndLabelAgree(t *testing.T) {
	for want, label := range Labels {
		got, ok := Level(label)
		if !ok || got != want || Label(got) != label {
			t.Errorf("%q: level %d %v, label %q", label, got, ok, Label(got))
		}
	}
	for _, bad := range []string{"", "g", "X", "PG13", "NC17"} {
		if _, ok := Level(bad); ok {
			t.Errorf("Level(%q) accepted", bad)
		}
	}
	for _, bad := range []int{-1, Max + 1} {
		if Label(bad) != "" {
			t.Errorf("Label(%d) = %q", bad, Label(bad))
		}
	}
	if KidsMax > Max || Labels[KidsMax] != "PG" || Labels[Max] != "NC-17" {
		t.Errorf("KidsMax %d, Max %d", KidsMax, Max)
	}
}
