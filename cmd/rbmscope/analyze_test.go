package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
)

func TestAnalyzeCommand(t *testing.T) {
	dir := t.TempDir()
	md := rbm.New(30, 20)
	md.W = reciprocal.GaussianMatrix(30, 20, 1.5, 2)
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
	f, _ := reciprocal.NewFrame(md, "")
	unstable := 0
	for _, x := range f.S {
		if x > 4 {
			unstable++
		}
	}
	if s.N != 30 || s.M != 20 || len(s.Sigma) != 20 || s.NUnstable != unstable || len(s.Spectra) != 2 || len(s.KurtCurves) != 2 {
		t.Errorf("summary: N=%d M=%d %d σ, %d unstable (want %d), %d spectra, %d curves", s.N, s.M, len(s.Sigma), s.NUnstable, unstable, len(s.Spectra), len(s.KurtCurves))
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
