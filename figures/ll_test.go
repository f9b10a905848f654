package figures

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLLCurves(t *testing.T) {
	nan := math.NaN()
	series := []LLSeries{
		{Hidden: 500, Epochs: []float64{1, 2, 3},
			AIS:  [][]float64{{-120, -105, -100}, {-121, -104, -99}},
			RAIS: [][]float64{{-122, -107, -103}, {-123, nan, -102}}},
		{Hidden: 784, Epochs: []float64{1, 2, 3},
			AIS:        [][]float64{{-118, -102, -97}},
			RAIS:       [][]float64{{-119, -104, -100}},
			TrajEpochs: []float64{0, 1, 2, 3}, Traj: [][]float64{{-150, -118.5, -103, -98}}},
	}
	base := filepath.Join(t.TempDir(), "fig1_left")
	paths, err := LLCurves(series, LLCurvesOptions{XLabel: "Epochs (×10)"}, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || paths[0] != base+".png" || paths[1] != base+".svg" {
		t.Fatalf("paths %v", paths)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("PNG: %v", err)
	}
	svg, _ := os.ReadFile(paths[1])
	for _, want := range []string{"<svg", "M=500 AIS", "M=784 RAIS", "M=784 trajectory", "Epochs (×10)"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(string(svg), "M=500 trajectory") {
		t.Error("a trajectory legend entry for a series without one")
	}

	// Bad shapes and all-missing data are errors.
	bad := []LLSeries{{Hidden: 500, Epochs: []float64{1, 2}, AIS: [][]float64{{-1}}}}
	if _, err := LLCurves(bad, LLCurvesOptions{}, base); err == nil {
		t.Error("mismatched replica length accepted")
	}
	empty := []LLSeries{{Hidden: 500, Epochs: []float64{1}, AIS: [][]float64{{nan}}}}
	if _, err := LLCurves(empty, LLCurvesOptions{}, base); err == nil {
		t.Error("all-NaN data accepted")
	}
}

// meanSD: mean and sample sd over replicas, skipping NaN.
func TestMeanSD(t *testing.T) {
	pts, errs, err := meanSD([]float64{0, 1}, [][]float64{{1, math.NaN()}, {3, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].Y != 2 || math.Abs(errs[0].Low-math.Sqrt(2)) > 1e-15 || pts[1].Y != 5 || errs[1].High != 0 {
		t.Fatalf("pts %v errs %v", pts, errs)
	}
}
