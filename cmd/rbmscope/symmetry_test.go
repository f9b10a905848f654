package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/tensor"
)

// fakeRun writes a run directory with epochs checkpoints of a small model
// whose leading singular value grows.
func fakeRun(t *testing.T, dir string, n, m, epochs int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	key := tensor.NewStream(uint64(m)).Key()
	for e := 0; e < epochs; e++ {
		md := rbm.New(n, m)
		g := tensor.RowRand(key, 0)
		for i := range md.W.Data {
			md.W.Data[i] = 0.3 * g.NormFloat64()
		}
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				md.W.Data[i*m+j] += float64(e) * 3 / float64(n) * float64(1-2*(i%2))
			}
		}
		if err := md.Save(rundir.CheckpointPath(dir, e), rbm.Float32); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSymmetryCommand(t *testing.T) {
	tmp := t.TempDir()
	r1, r2 := filepath.Join(tmp, "m8"), filepath.Join(tmp, "m12")
	fakeRun(t, r1, 16, 8, 3)
	fakeRun(t, r2, 16, 12, 3)
	out := filepath.Join(tmp, "out")
	sf := symFlags{runs: []string{r1}, compare: r2, out: out, quiet: true, o: study.SymmetryOptions{Data: "none", Mode: 1, Chains: 200, Steps: 20,
		Draws: 2, ProbeChains: 30, ProbeSteps: 10, Convention: "mode", Gauge: "mu_w_positive", Seed: 1}}
	if err := runSymmetry(&sf); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"symmetry.json", "fig8_landscapes.png", "fig4_js.svg", "m8/tracking.csv", "m8/fig7_landscape.png",
		"m12/fig6_probe.png", "m12/fig4_js.png", "m12/symmetry.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("missing %s", f)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "m8", "symmetry.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tracking struct {
			Epochs []struct {
				Epoch int     `json:"epoch"`
				Sigma float64 `json:"sigma"`
			} `json:"epochs"`
			M int `json:"n_hidden"`
		} `json:"tracking"`
		JS struct {
			Mean float64 `json:"js_mean"`
		} `json:"js"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Tracking.Epochs) != 3 || got.Tracking.Epochs[2].Epoch != 2 || got.Tracking.M != 8 || got.Tracking.Epochs[2].Sigma <= got.Tracking.Epochs[0].Sigma {
		t.Errorf("tracking %+v", got.Tracking)
	}
	// Bad input is a usage error (exit 2).
	opts := func(mod func(*study.SymmetryOptions)) study.SymmetryOptions {
		o := study.SymmetryOptions{Mode: 1, Chains: 200, Steps: 1, Draws: 1, ProbeChains: 1, ProbeSteps: 1, Data: "none", Convention: "mode"}
		if mod != nil {
			mod(&o)
		}
		return o
	}
	if _, err := study.ParseDigits("12"); !badinput.Is(err) {
		t.Errorf("digits 12: got %v, want a usage error", err)
	}
	for name, bad := range map[string]symFlags{
		"no source":  {out: out, o: opts(nil)},
		"no out":     {runs: []string{r1}, o: opts(nil)},
		"bad mode":   {runs: []string{r1}, out: out, o: opts(func(o *study.SymmetryOptions) { o.Mode = 9 })},
		"not a run":  {runs: []string{tmp}, out: out, o: opts(nil)},
		"convention": {runs: []string{r1}, out: out, o: opts(func(o *study.SymmetryOptions) { o.Convention = "x" })},
	} {
		if err := runSymmetry(&bad); !badinput.Is(err) {
			t.Errorf("%s: got %v, want a usage error", name, err)
		}
	}
}
