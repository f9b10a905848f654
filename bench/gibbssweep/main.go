// Command gibbssweep times block-Gibbs sweeps of a 784×500 RBM: R chains
// (default 500) run k sweeps (default 100) of v → h → v, sampling both
// layers, in float32 through rbm.Sampler — the code path of PCD-k's
// negative phase, AIS and the landscapes. Only the sweeps are timed (one
// untimed warm-up sweep first, then the chains restart from their initial
// states); it prints "<backend> <seconds> <sweeps/s>". It is the rbmscope
// side of bench/gibbs.sh.
//
// The default model is deterministic and MNIST-like, so that the visible
// states have MNIST's sparsity (about 13 % ones), which rbmscope's sparse
// v·W kernel depends on: visible biases are the log-odds of the binarised
// MNIST training pixel means (clamped to [0.001, 0.999]), hidden biases are
// zero and W ~ N(0, 0.01²) from a fixed seed; the chains start from the
// first R binarised training images. -model reads W, a, b (and, if present,
// the R×N starting states v0) from an .npz instead; -save writes the model
// and starting states for the NumPy and PyTorch loops (bench/gibbs_python.py)
// and exits.
package main

import (
	"archive/zip"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

func main() {
	backend := flag.String("backend", "", "openblas or gonum (default: the fastest compiled in)")
	chains := flag.Int("chains", 500, "number of chains R")
	k := flag.Int("k", 100, "sweeps to time")
	hidden := flag.Int("hidden", 500, "hidden units of the default model")
	seed := flag.Uint64("seed", 1, "seed of the default model's weights and of the sampler")
	modelPath := flag.String("model", "", ".npz with W, a, b and optionally v0 (R×N starting states) instead of the default model")
	save := flag.String("save", "", "write the model and starting states (W, a, b, v0; float32) to this .npz and exit")
	breakdown := flag.Bool("breakdown", false, "time each backend operation of the sweep and print the shares to stderr")
	flag.Parse()
	be, ok := tensor.ByName(*backend)
	if !ok {
		fail(fmt.Errorf("backend not compiled in: %s", *backend))
	}
	p, v0, err := setup(*modelPath, *chains, *hidden, *seed)
	if err != nil {
		fail(err)
	}
	if *save != "" {
		md := p.Model()
		err := rbm.WriteArrays(*save, rbm.Float32, map[string]*tensor.Mat64{
			"W":  md.W,
			"a":  {Rows: 1, Cols: len(md.A), Data: md.A},
			"b":  {Rows: 1, Cols: len(md.B), Data: md.B},
			"v0": v0.To64(),
		}, "a", "b")
		if err != nil {
			fail(err)
		}
		return
	}

	n, m := p.W.Rows, p.W.Cols
	s := rbm.NewSampler(be, p, tensor.NewStream(*seed, 0x61bb5))
	c := rbm.NewChains(v0.Rows, n, m)
	copy(c.V.Data, v0.Data)
	sweep(s, c) // warm-up: first-call allocations of the BLAS and the pool
	copy(c.V.Data, v0.Data)

	var el time.Duration
	var parts [4]time.Duration
	if *breakdown {
		el, parts = timedSweeps(s, c, *k)
	} else {
		start := time.Now()
		for t := 0; t < *k; t++ {
			sweep(s, c)
		}
		el = time.Since(start)
	}
	fmt.Printf("%s %.4f %.1f\n", be.Name(), el.Seconds(), float64(*k)/el.Seconds())
	fmt.Fprintf(os.Stderr, "%s: %d chains of %d×%d, %d sweeps; last states: %.1f %% visible ones, %.1f %% hidden ones\n",
		be.Name(), c.V.Rows, n, m, *k, 100*mean(c.V.Data), 100*mean(c.H.Data))
	if *breakdown {
		for i, name := range []string{"v·W (MulSparse)", "sigmoid+sample h", "h·Wᵀ (Gemm)", "sigmoid+sample v"} {
			fmt.Fprintf(os.Stderr, "  %-18s %5.1f %%  %7.3f ms/sweep\n", name, 100*parts[i].Seconds()/el.Seconds(), parts[i].Seconds()*1e3/float64(*k))
		}
	}
}

// sweep is one block-Gibbs sweep v → h → v, as in PCD-k's negative phase
// (train.Trainer.Update) and AIS.
func sweep(s *rbm.Sampler, c *rbm.Chains) {
	s.Hidden(c.V, c.ProbH, c.H)
	s.Visible(c.H, c.ProbV, c.V)
}

// timedSweeps runs k sweeps with the four backend calls of rbm.Sampler's
// Hidden and Visible made and timed one by one.
func timedSweeps(s *rbm.Sampler, c *rbm.Chains, k int) (el time.Duration, parts [4]time.Duration) {
	be, p := s.Backend, s.P
	start := time.Now()
	for t := 0; t < k; t++ {
		t0 := time.Now()
		be.MulSparse(c.V, p.W, c.ProbH)
		t1 := time.Now()
		be.SigmoidSample(c.ProbH, p.B, 1, c.ProbH, c.H, s.Stream.Key())
		t2 := time.Now()
		be.Gemm(false, true, 1, c.H, p.W, 0, c.ProbV)
		t3 := time.Now()
		be.SigmoidSample(c.ProbV, p.A, 1, c.ProbV, c.V, s.Stream.Key())
		t4 := time.Now()
		parts[0] += t1.Sub(t0)
		parts[1] += t2.Sub(t1)
		parts[2] += t3.Sub(t2)
		parts[3] += t4.Sub(t3)
	}
	return time.Since(start), parts
}

// setup returns the float32 model and the R×N starting states.
func setup(path string, r, hidden int, seed uint64) (*rbm.Params32, *tensor.Mat32, error) {
	if path == "" {
		data, err := mnist(r)
		if err != nil {
			return nil, nil, err
		}
		md := rbm.New(data.Width(), hidden)
		for j, mu := range data.Means() {
			mu = min(max(mu, 0.001), 0.999)
			md.A[j] = math.Log(mu / (1 - mu))
		}
		key := tensor.NewStream(seed, 0x77).Key()
		for i := 0; i < md.W.Rows; i++ {
			g := tensor.RowRand(key, i)
			for j := range md.W.Row(i) {
				md.W.Data[i*md.W.Cols+j] = 0.01 * g.NormFloat64()
			}
		}
		return md.To32(), data.X.Slice(0, r).Clone(), nil
	}
	md, err := rbm.Load(path)
	if err != nil {
		return nil, nil, err
	}
	p := md.To32()
	if hasArray(path, "v0") {
		arrs, err := rbm.ReadArrays(path, "v0")
		if err != nil {
			return nil, nil, err
		}
		v := arrs["v0"]
		if v.Cols != p.W.Rows || v.Rows < r {
			return nil, nil, fmt.Errorf("%s: v0 is %d×%d, want at least %d rows of %d", path, v.Rows, v.Cols, r, p.W.Rows)
		}
		return p, v.To32().Slice(0, r), nil
	}
	if p.W.Rows == 784 {
		data, err := mnist(r)
		if err != nil {
			return nil, nil, err
		}
		return p, data.X.Slice(0, r).Clone(), nil
	}
	// No starting states and not MNIST-sized: draw them from the visible
	// biases alone.
	v := tensor.NewMat32(r, p.W.Rows)
	key := tensor.NewStream(seed, 0x5747).Key()
	for i := 0; i < r; i++ {
		g := tensor.RowRand(key, i)
		for j, a := range p.A {
			if g.Float64() < 1/(1+math.Exp(-float64(a))) {
				v.Data[i*v.Cols+j] = 1
			}
		}
	}
	return p, v, nil
}

// mnist returns the binarised MNIST training set, which must have at
// least r images.
func mnist(r int) (*dataset.Set, error) {
	data, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		return nil, err
	}
	if data.Len() < r {
		return nil, fmt.Errorf("%d chains but only %d MNIST images to start them from", r, data.Len())
	}
	return data, nil
}

// hasArray reports whether the .npz at path holds an array called name.
func hasArray(path, name string) bool {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name+".npy" || f.Name == name {
			return true
		}
	}
	return false
}

func mean(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(max(len(x), 1))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gibbssweep:", err)
	os.Exit(1)
}
