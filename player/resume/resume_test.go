package resume

import (
	"math"
	"testing"
)

func TestStart(t *testing.T) {
	var r Rules
	tests := []struct {
		name          string
		pos, duration float64
		want          float64
	}{
		{"nothing saved", 0, 600, 0},
		{"too early", 9.9, 600, 0},
		{"resume with rewind", 100, 600, 97},
		{"at the minimum", 10, 600, 7},
		{"finished by tail", 575, 600, 0},
		{"just before the tail", 569, 600, 566},
		{"long film: 5 % tail", 6900, 7200, 0},
		{"long film before 5 %", 6830, 7200, 6827},
		{"unknown duration", 100, 0, 97},
		{"past the end", 700, 600, 0},
		{"NaN", math.NaN(), 600, 0},
		{"negative", -5, 600, 0},
		{"short clip: tail at most half", 20, 30, 0},
		{"short clip start", 12, 60, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Start(tt.pos, tt.duration); got != tt.want {
				t.Fatalf("Start(%v, %v) = %v, want %v", tt.pos, tt.duration, got, tt.want)
			}
		})
	}
	custom := Rules{MinPosition: 1, Rewind: 0.5}
	if got := custom.Start(2, 600); got != 1.5 {
		t.Fatalf("custom rules: %v", got)
	}
}

func TestOfferNext(t *testing.T) {
	var r Rules
	tests := []struct {
		name          string
		pos, duration float64
		hasNext       bool
		want          bool
	}{
		{"credits", 1285, 1300, true, true},
		{"before credits", 1270, 1300, true, false},
		{"no next episode", 1299, 1300, false, false},
		{"short episode: a tenth", 7.3, 8, true, true},
		{"short episode before", 7, 8, true, false},
		{"unknown duration", 50, 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.OfferNext(tt.pos, tt.duration, tt.hasNext); got != tt.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestFraction(t *testing.T) {
	tests := []struct{ pos, dur, want float64 }{{30, 120, 0.25}, {200, 120, 1}, {5, 0, 0}, {math.Inf(1), 10, 0}}
	for _, tt := range tests {
		if got := Fraction(tt.pos, tt.dur); got != tt.want {
			t.Errorf("Fraction(%v, %v) = %v, want %v", tt.pos, tt.dur, got, tt.want)
		}
	}
	if !(Rules{}).Finished(590, 600) || (Rules{}).Finished(10, 0) {
		t.Error("Finished")
	}
}
