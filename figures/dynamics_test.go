package figures

import (
	"github.com/rbmscope/rbmscope/autocorr"
	"math"
	"path/filepath"
	"testing"

	"github.com/rbmscope/rbmscope/dynamics"
)

func TestDynamicsFigures(t *testing.T) {
	dir := t.TempDir()
	ms := []dynamics.ModeRelaxation{
		{Mode: 0, Sigma: 6, Unstable: true, TauPredU: math.Inf(1), U: autocorr.IAT{Tau: 30, Err: 2}, W: autocorr.IAT{Tau: 3, Err: 0.1}},
		{Mode: 1, Sigma: 2, TauPredU: 2, U: autocorr.IAT{Tau: 2.5, Err: 0.1}, W: autocorr.IAT{Tau: 0.7, Err: 0.01}},
		{Mode: 2, Sigma: 1, TauPredU: 4.0 / 3, U: autocorr.IAT{Tau: math.NaN(), Err: math.NaN()}, W: autocorr.IAT{Tau: 0.8, Err: 0.01}},
	}
	fs, err := Relaxation(ms, filepath.Join(dir, "relaxation"))
	checkPNG(t, fs, err)
	if _, err := Relaxation(nil, filepath.Join(dir, "x")); err == nil {
		t.Error("no modes accepted")
	}
	xs := make([]float64, 3000)
	for i := range xs {
		xs[i] = math.Sin(float64(i)) + 0.3*math.Cos(float64(i*i))
	}
	lm, err := dynamics.AnalyzeLeading(xs, 60, 500, dynamics.LangevinOptions{Particles: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fs, err = LangevinLeading(lm, filepath.Join(dir, "langevin"))
	checkPNG(t, fs, err)
	if _, err := LangevinLeading(nil, filepath.Join(dir, "y")); err == nil {
		t.Error("nil leading mode accepted")
	}
}
