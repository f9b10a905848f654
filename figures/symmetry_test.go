package figures

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/rbmscope/rbmscope/symmetry"
	"github.com/rbmscope/rbmscope/tensor"
)

func checkPNG(t *testing.T, paths []string, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || filepath.Ext(paths[0]) != ".png" || filepath.Ext(paths[1]) != ".svg" {
		t.Fatalf("paths %v", paths)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", paths[0], err)
	}
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 200 {
		t.Errorf("%s is only %v", paths[0], b)
	}
	if st, err := os.Stat(paths[1]); err != nil || st.Size() < 1000 {
		t.Errorf("svg %s missing or tiny", paths[1])
	}
}

func tracking(m int, epochs int) *symmetry.Tracking {
	tr := &symmetry.Tracking{Mode: 1, M: m, N: 784}
	for e := 0; e < epochs; e++ {
		x := float64(e)
		tr.Epochs = append(tr.Epochs, symmetry.EpochResult{Epoch: e, MuU: 0.1 * x, MuW: 1 + 0.05*x,
			DataU: [2]float64{-0.3 * x, 0.5}, DataW: [2]float64{0.4, 0.3}, GibbsU: [2]float64{-0.25 * x, 0.6}, GibbsW: [2]float64{0.35, math.NaN()}})
	}
	return tr
}

func TestSymmetryFigures(t *testing.T) {
	dir := t.TempDir()
	res := &symmetry.JSResult{M: 500, PDFEdges: []float64{-1, 0, 1, 2}, PDFBefore: []float64{0.2, 0.5, 0.3}, PDFAfter: []float64{0.25, 0, 0.3}}
	pts := []symmetry.JSPoint{{M: 500, Mean: 0.01, SD: 0.002}, {M: 784, Mean: 0.005, SD: 0.001}, {M: 3000, Mean: 0.0015, SD: 0.003}}
	p, err := Fig4(pts, 6e-4, res, filepath.Join(dir, "fig4"))
	checkPNG(t, p, err)
	imgs := tensor.NewMat64(100, 784)
	for i := range imgs.Data {
		imgs.Data[i] = float64(i % 3 % 2)
	}
	pr := &symmetry.ProbeResult{Original: symmetry.ProbePanel{Name: "original", Images: imgs},
		TopTwo:   symmetry.ProbePanel{Name: "top_two_pi", Images: imgs, MeanHamming: 40},
		RandomPi: symmetry.ProbePanel{Name: "random_pi", Images: imgs, MeanHamming: 3, Rotation: symmetry.Rotation{{I: 5, J: 9, Theta: math.Pi}}}}
	p, err = Fig6(pr, filepath.Join(dir, "fig6"))
	checkPNG(t, p, err)
	p, err = Fig7(tracking(3000, 6), filepath.Join(dir, "fig7"))
	checkPNG(t, p, err)
	p, err = Fig8([]*symmetry.Tracking{tracking(500, 4), tracking(784, 5), tracking(1200, 1)}, filepath.Join(dir, "fig8"))
	checkPNG(t, p, err)
	if _, err := Fig7(&symmetry.Tracking{}, filepath.Join(dir, "x")); err == nil {
		t.Error("empty tracking accepted")
	}
	if _, err := Fig4(nil, 0, nil, filepath.Join(dir, "x")); err == nil {
		t.Error("no points accepted")
	}
}

// TestEpochTicks: epoch axes carry integer labels only (Fig. 7's axis was
// labelled 0, 2.50, 5.00), at most ~10 of them.
func TestEpochTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 5, "0 1 2 3 4 5"},
		{0, 8, "0 1 2 3 4 5 6 7 8"},
		{0, 20, "0 2 4 6 8 10 12 14 16 18 20"},
		{0, 100, "0 10 20 30 40 50 60 70 80 90 100"},
		{0.5, 3.2, "1 2 3"},
		{0, 0, "0"},
	} {
		var got []string
		for _, tk := range (EpochTicks{}).Ticks(tc.lo, tc.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("ticks on [%v, %v]: %q, want %q", tc.lo, tc.hi, strings.Join(got, " "), tc.want)
		}
	}
	// Fig. 7's panels: the x axis of 6 epochs (0–5) is labelled 0..5, and
	// the legend is shared, outside the panels.
	pu, pw, leg := landscapePanels(tracking(3000, 6), "M = 3000")
	for _, p := range []*plot.Plot{pu, pw} {
		p.X.Min, p.X.Max = 0, 5
		var labels []string
		for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if strings.Join(labels, ",") != "0,1,2,3,4,5" {
			t.Errorf("epoch axis labels %v", labels)
		}
	}
	c := draw.New(vgimg.New(400, 400))
	height := func(l plot.Legend) vg.Length { r := l.Rectangle(c); return r.Max.Y - r.Min.Y }
	if height(leg) <= 0 || height(pu.Legend) != 0 || height(pw.Legend) != 0 {
		t.Errorf("legend heights: shared %v, panels %v and %v (want the panels' empty)", height(leg), height(pu.Legend), height(pw.Legend))
	}
}

// Epoch axes carry integer labels only.
func ExampleEpochTicks() {
	for _, t := range (EpochTicks{}).Ticks(0, 20) {
		fmt.Print(t.Label, " ")
	}
	fmt.Println()
	// Output:
	// 0 2 4 6 8 10 12 14 16 18 20
}
