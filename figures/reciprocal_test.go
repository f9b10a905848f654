package figures_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/tensor"
)

// Every reciprocal figure renders PNG and SVG from a small analysis.
func TestReciprocalFigures(t *testing.T) {
	md := rbm.New(30, 20)
	md.W = reciprocal.GaussianMatrix(30, 20, 0.5, 1)
	for i := range md.A {
		md.A[i] = 0.1 * float64(i%3-1)
	}
	data := tensor.NewMat64(40, 30)
	labels := make([]int, 40)
	for i := range data.Data {
		data.Data[i] = float64((i / 3) % 2)
	}
	for i := range labels {
		labels[i] = i % 10
	}
	s, err := study.AnalyzeModel(md, study.ReciprocalOptions{Data: data, Labels: labels, MPSizes: []int{20, 40},
		KurtSizes: []int{30, 60, 90}, KurtSamples: 500, Fig5Samples: 500, GibbsChains: 8, GibbsSteps: 2, Grid: 10, Seed: 1,
		KurtLayers: []reciprocal.Layer{reciprocal.LayerVisible, reciprocal.LayerHidden}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if d := os.Getenv("RBMSCOPE_KEEP_FIGURES"); d != "" {
		dir = d
	}
	draws := map[string]func(string) ([]string, error){
		"fig1_right": func(b string) ([]string, error) { return figures.Fig1Right(s.Trained, b) },
		"fig2":       func(b string) ([]string, error) { return figures.Fig2(s.Untrained, s.Trained, b) },
		"fig3_mp":    func(b string) ([]string, error) { return figures.Fig3MP(s.MPPanels, b) },
		"fig3e":      func(b string) ([]string, error) { return figures.Fig3e(s.KurtCurves, b) },
		"fig3f": func(b string) ([]string, error) {
			return figures.Fig3f(append(s.Spectra, reciprocal.SpectrumHistogram("untrained", s.SigmaUntrained, 40, 41)), b)
		},
		"fig5": func(b string) ([]string, error) { return figures.Fig5(s.Fig5, b) },
	}
	for name, draw := range draws {
		paths, err := draw(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(paths) != 2 {
			t.Errorf("%s: wrote %v", name, paths)
		}
		for _, p := range paths {
			if st, err := os.Stat(p); err != nil || st.Size() < 1000 {
				t.Errorf("%s: %s missing or tiny", name, p)
			}
		}
	}
	if _, err := figures.Fig2(s.Untrained, nil, filepath.Join(dir, "x")); err == nil {
		t.Error("Fig2 without a trained side succeeded")
	}
	if _, err := figures.Fig3MP(nil, filepath.Join(dir, "x")); err == nil {
		t.Error("Fig3MP without panels succeeded")
	}
}
