package stats

import (
	"math"
	"testing"
)

func TestMeanSD(t *testing.T) {
	xs := []float64{1, 2, 3, 4}
	if m, sd := MeanSD(xs, 0); m != 2.5 || math.Abs(sd-math.Sqrt(1.25)) > 1e-15 {
		t.Errorf("population: %v %v", m, sd)
	}
	if m, sd := MeanSD(xs, 1); m != 2.5 || math.Abs(sd-math.Sqrt(5.0/3)) > 1e-15 {
		t.Errorf("sample: %v %v", m, sd)
	}
	if m, sd := MeanSD([]float64{7}, 1); m != 7 || sd != 0 {
		t.Errorf("one value: %v %v", m, sd)
	}
	if m, sd := MeanSD(nil, 1); !math.IsNaN(m) || !math.IsNaN(sd) {
		t.Errorf("no values: %v %v", m, sd)
	}
	if f := Finite([]float64{1, math.NaN(), math.Inf(1), 2}); len(f) != 2 || f[1] != 2 {
		t.Errorf("Finite: %v", f)
	}
}

func TestSum(t *testing.T) {
	if got := Sum([]int{3, -1, 4}); got != 6 {
		t.Errorf("Sum of ints = %d, want 6", got)
	}
	if got := Sum([]float64{0.5, 0.25, 2}); got != 2.75 {
		t.Errorf("Sum of floats = %v, want 2.75", got)
	}
	if got := Sum[float64](nil); got != 0 {
		t.Errorf("Sum of none = %v, want 0", got)
	}
}
