package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// orthonormalColumns returns n×k orthonormal columns: modified Gram–Schmidt,
// applied twice, on Gaussian vectors from key, in float64.
func orthonormalColumns(n, k int, key uint64) [][]float64 {
	q := make([][]float64, k)
	for c := range q {
		g := tensor.RowRand(key, c)
		q[c] = make([]float64, n)
		for i := range q[c] {
			q[c][i] = g.NormFloat64()
		}
		for pass := 0; pass < 2; pass++ {
			for _, p := range q[:c] {
				d := 0.0
				for i := range p {
					d += p[i] * q[c][i]
				}
				for i := range p {
					q[c][i] -= d * p[i]
				}
			}
			nrm := 0.0
			for _, x := range q[c] {
				nrm += x * x
			}
			for i := range q[c] {
				q[c][i] /= math.Sqrt(nrm)
			}
		}
	}
	return q
}

// plantedSpectrum are the singular values of the analysed model: four
// above the instability threshold σ = 4 (at p = ½), none within 0.5 of it.
var plantedSpectrum = []float64{9, 7, 5.5, 4.5, 3.5, 3, 2.6, 2.2, 1.9, 1.6, 1.4, 1.2, 1, 0.85, 0.7, 0.55, 0.45, 0.35, 0.25, 0.15}

func TestAnalyzeCommand(t *testing.T) {
	dir := t.TempDir()
	// W = Σ_k σ_k q_k r_kᵀ with orthonormal q (30) and r (20): its singular
	// values are the planted ones, known without any SVD.
	md := rbm.New(30, 20)
	q, r := orthonormalColumns(30, 20, 5), orthonormalColumns(20, 20, 6)
	for k, sk := range plantedSpectrum {
		for i := 0; i < 30; i++ {
			for j := 0; j < 20; j++ {
				md.W.Set(i, j, md.W.At(i, j)+sk*q[k][i]*r[k][j])
			}
		}
	}
	mpath := filepath.Join(dir, "m.npz")
	if err := md.Save(mpath, rbm.Float32); err != nil {
		t.Fatal(err)
	}
	wide := rbm.New(20, 30)
	wpath := filepath.Join(dir, "wide.npz")
	if err := wide.Save(wpath, rbm.Float64); err != nil {
		t.Fatal(err)
	}
	bin := testBinary(t)
	small := []string{"--mp-sizes", "20,40", "--kurt-sizes", "30,60", "--kurt-samples", "500", "--fig5-samples", "300",
		"--gibbs-chains", "5", "--gibbs-steps", "2", "--quiet"}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, append([]string{"analyze", "--model", mpath, "--model", mpath, "--out", out, "--json", "--kurt-layer", "both"}, small...)...)
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("analyze failed: %v", err)
	}
	var s struct {
		N, M       int
		Sigma      []float64 `json:"sigma"`
		NUnstable  int       `json:"n_unstable"`
		Spectra    []any     `json:"spectra"`
		KurtCurves []any     `json:"kurtosis_curves"`
		Trained    struct {
			Modes []struct{ Mode int } `json:"modes"`
		} `json:"trained"`
	}
	if err := json.Unmarshal(stdout, &s); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	if s.N != 30 || s.M != 20 || len(s.Sigma) != 20 || s.NUnstable != 4 || len(s.Spectra) != 2 || len(s.KurtCurves) != 2 {
		t.Errorf("summary: N=%d M=%d %d σ, %d unstable (want 4), %d spectra, %d curves", s.N, s.M, len(s.Sigma), s.NUnstable, len(s.Spectra), len(s.KurtCurves))
	}
	// The reported σ are the planted ones up to (Weyl: |δσ_k| ≤ ‖δW‖₂)
	//   - the float32 file: |δW_ij| ≤ 2^-24|W_ij|, so ‖δW‖₂ ≤ 2^-24‖W‖_F;
	//   - imperfect orthonormality of q, r: with ‖QᵀQ − I‖ ≤ ε each, the
	//     planted σ_k move by ≤ 2ε·σ_k (to first order);
	//   - the float64 SVD: backward error ≤ p·2^-52·σ₁, p = 4·max(N, M).
	// In all ≈ 9e-7, against a 0.5 margin to the threshold.
	wf, orth := 0.0, 0.0
	for _, x := range md.W.Data {
		wf += x * x
	}
	for _, b := range [][][]float64{q, r} {
		for k := range b {
			for l := range b {
				d := 0.0
				for i := range b[k] {
					d += b[k][i] * b[l][i]
				}
				if k == l {
					d--
				}
				orth = math.Max(orth, math.Abs(d))
			}
		}
	}
	for k, want := range plantedSpectrum {
		tol := 0x1p-24*math.Sqrt(wf) + 2*orth*want + 4*30*0x1p-52*plantedSpectrum[0]
		if k < len(s.Sigma) && math.Abs(s.Sigma[k]-want) > tol {
			t.Errorf("σ_%d = %.9g, planted %v (tolerance %.2g)", k+1, s.Sigma[k], want, tol)
		}
	}
	if got := s.Trained.Modes; len(got) != 4 || got[3].Mode != 20 {
		t.Errorf("default modes %v, want 1,2,3 and 498 clamped to 20", got)
	}
	for _, name := range []string{"summary.json", "modes.csv", "kurtosis_curve.csv", "arrays.npz", "fig1_right.png", "fig2.svg", "fig3_mp.png", "fig3e.png", "fig3f.png", "fig5.png"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s", name)
		}
	}
	arr, err := rbm.ReadArrays(filepath.Join(out, "arrays.npz"), "sigma", "U")
	if err != nil || arr["U"].Rows != 30 || len(arr["sigma"].Data) != 20 {
		t.Errorf("arrays.npz: %v", err)
	}

	// Bad input: exit 2 with a one-line message.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "--out", out}, "--model is required"},
		{[]string{"analyze", "--model", mpath, "--out", out, "--modes", "1,25"}, "mode 25 is out of range"},
		{[]string{"analyze", "--model", mpath, "--out", out, "--modes", "x"}, "--modes"},
		{[]string{"analyze", "--model", mpath, "--out", out, "--untrained", wpath}, "same shape"},
		{[]string{"analyze", "--model", mpath, "--out", out, "--data", "mnist"}, "784 columns"},
		{[]string{"analyze", "--model", mpath, "--out", out, "--gauge", "up"}, "unknown gauge"},
		{[]string{"analyze", "--model", filepath.Join(dir, "nope.npz"), "--out", out}, "nope.npz"},
	} {
		cmd := exec.Command(bin, append(c.args, small...)...)
		b, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		msg := strings.TrimSpace(string(b))
		if !ok || ee.ExitCode() != 2 || !strings.Contains(msg, c.want) || strings.Count(msg, "\n") > 0 {
			t.Errorf("%v: exit %v, output %q; want exit 2 mentioning %q", c.args, err, msg, c.want)
		}
	}
}
