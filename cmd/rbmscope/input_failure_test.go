package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npz"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// fmRun runs the binary and returns its exit code, stdout and stderr.
func fmRun(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, o.String(), e.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), o.String(), e.String()
	}
	t.Fatalf("%v: %v", args, err)
	return
}

// fmWriteIDX writes an IDX file of unsigned bytes (gzip-compressed when
// the name ends in .gz).
func fmWriteIDX(t *testing.T, path string, dims []int, data []byte) {
	t.Helper()
	var raw bytes.Buffer
	raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(data)
	b := raw.Bytes()
	if strings.HasSuffix(path, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		b = z.Bytes()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fmIDXDir makes an MNIST-style directory with n side×side images (a
// stripe pattern) and nLabels labels in both splits.
func fmIDXDir(t *testing.T, dir string, n, side, nLabels int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	img := make([]byte, n*side*side)
	for i := range img {
		if (i/side+i/(side*side))%3 == 0 {
			img[i] = 255
		}
	}
	lab := make([]byte, nLabels)
	for i := range lab {
		lab[i] = byte(i % 10)
	}
	for _, p := range []string{"train", "t10k"} {
		fmWriteIDX(t, filepath.Join(dir, p+"-images-idx3-ubyte.gz"), []int{n, side, side}, img)
		fmWriteIDX(t, filepath.Join(dir, p+"-labels-idx1-ubyte.gz"), []int{nLabels}, lab)
	}
	return dir
}

// fmWriteNPY writes a rows×cols 0/1 float32 matrix with a repeating pattern.
func fmWriteNPY(t *testing.T, path string, rows, cols int, seed uint64) {
	t.Helper()
	m := tensor.NewMat32(rows, cols)
	tensor.Bernoulli(m, 0.5, tensor.NewStream(seed, 7).Key())
	// Give the data structure: the second half of each row copies the first.
	for i := 0; i < rows; i++ {
		r := m.Row(i)
		for j := cols / 2; j < cols; j++ {
			r[j] = r[j-cols/2]
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Write(f, fmRows32(m)); err != nil {
		t.Fatal(err)
	}
}

func fmRows32(m *tensor.Mat32) [][]float32 {
	r := make([][]float32, m.Rows)
	for i := range r {
		r[i] = m.Row(i)
	}
	return r
}

// fmWriteRawNPZ writes arbitrary named arrays (any npyio-supported type).
func fmWriteRawNPZ(t *testing.T, path string, arrays map[string]any) {
	t.Helper()
	if err := npz.Write(path, arrays); err != nil {
		t.Fatal(err)
	}
}

// failureInputs builds every bad input file under dir and returns their paths.
type failureInputs struct {
	model20, model784, nanModel, noW, badShape, intDType, w3d, notZip, truncNPZ string
	npy30, npyNot01, npy1D                                                      string
	truncGz, corruptGz, badMagic, idx20, labelsShort, idx2D, emptyDir           string
	file                                                                        string
}

func makeFailureInputs(t *testing.T, dir string) failureInputs {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	in := failureInputs{}

	// Models.
	in.model20 = p("m20.npz")
	m := rbm.New(20, 8)
	for i := range m.W.Data {
		m.W.Data[i] = 0.01 * float64(i%7-3)
	}
	if err := m.Save(in.model20, rbm.Float32); err != nil {
		t.Fatal(err)
	}
	in.model784 = p("m784.npz")
	if err := rbm.New(784, 8).Save(in.model784, rbm.Float32); err != nil {
		t.Fatal(err)
	}
	in.nanModel = p("nan.npz")
	bad := m.Clone()
	bad.W.Data[5] = math.NaN()
	if err := rbm.WriteArrays(in.nanModel, rbm.Float32, map[string]*tensor.Mat64{
		"W": bad.W, "a": {Rows: 1, Cols: 20, Data: bad.A}, "b": {Rows: 1, Cols: 8, Data: bad.B}}, "a", "b"); err != nil {
		t.Fatal(err)
	}
	w := make([][]float32, 20)
	for i := range w {
		w[i] = make([]float32, 8)
	}
	in.noW = p("noW.npz")
	fmWriteRawNPZ(t, in.noW, map[string]any{"a": make([]float32, 20), "b": make([]float32, 8)})
	in.badShape = p("shape.npz")
	fmWriteRawNPZ(t, in.badShape, map[string]any{"W": w, "a": make([]float32, 10), "b": make([]float32, 8)})
	in.intDType = p("int64.npz")
	wi := make([][]int64, 20)
	for i := range wi {
		wi[i] = make([]int64, 8)
	}
	fmWriteRawNPZ(t, in.intDType, map[string]any{"W": wi, "a": make([]int64, 20), "b": make([]int64, 8)})
	in.w3d = p("w3d.npz")
	fmWriteRawNPZ(t, in.w3d, map[string]any{"W": [][][]float32{{{1, 2}, {3, 4}}}, "a": make([]float32, 1), "b": make([]float32, 2)})
	in.notZip = p("notzip.npz")
	os.WriteFile(in.notZip, []byte("this is not a zip archive\n"), 0o644)
	in.truncNPZ = p("trunc.npz")
	good, _ := os.ReadFile(in.model20)
	os.WriteFile(in.truncNPZ, good[:len(good)*2/3], 0o644)

	// .npy data.
	in.npy30 = p("d30.npy")
	fmWriteNPY(t, in.npy30, 64, 30, 1)
	in.npyNot01 = p("not01.npy")
	f, _ := os.Create(in.npyNot01)
	npy.Write(f, [][]float32{{0, 1, 0.5}, {1, 1, 0}})
	f.Close()
	in.npy1D = p("vec.npy")
	f, _ = os.Create(in.npy1D)
	npy.Write(f, []float32{0, 1, 1})
	f.Close()

	// IDX directories.
	in.idx20 = fmIDXDir(t, p("idx20"), 40, 20, 40)
	in.labelsShort = fmIDXDir(t, p("labels"), 40, 28, 30)
	in.truncGz = fmIDXDir(t, p("truncgz"), 40, 28, 40)
	gz, _ := os.ReadFile(filepath.Join(in.truncGz, "train-images-idx3-ubyte.gz"))
	os.WriteFile(filepath.Join(in.truncGz, "train-images-idx3-ubyte.gz"), gz[:len(gz)/2], 0o644)
	in.corruptGz = fmIDXDir(t, p("corruptgz"), 40, 28, 40)
	gz, _ = os.ReadFile(filepath.Join(in.corruptGz, "train-images-idx3-ubyte.gz"))
	for i := 20; i < len(gz)-8; i += 7 {
		gz[i] ^= 0x5a
	}
	os.WriteFile(filepath.Join(in.corruptGz, "train-images-idx3-ubyte.gz"), gz, 0o644)
	in.badMagic = p("magic")
	os.MkdirAll(in.badMagic, 0o755)
	os.WriteFile(filepath.Join(in.badMagic, "train-images-idx3-ubyte"), []byte{0x50, 0x4b, 3, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0}, 0o644)
	in.idx2D = p("idx2d")
	os.MkdirAll(in.idx2D, 0o755)
	fmWriteIDX(t, filepath.Join(in.idx2D, "train-images-idx3-ubyte"), []int{10, 784}, make([]byte, 7840))
	in.emptyDir = p("empty")
	os.MkdirAll(in.emptyDir, 0o755)

	in.file = p("plainfile")
	os.WriteFile(in.file, []byte("x"), 0o644)
	return in
}

// TestBadInputExitCodes runs the built binary on every kind of bad input
// and checks for exit code 2, a single line on stderr naming the problem,
// and no panic trace.
func TestBadInputExitCodes(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	in := makeFailureInputs(t, dir)
	out := filepath.Join(dir, "out")
	existing := filepath.Join(dir, "existing")
	if code, _, e := fmRun(t, bin, "train", "--data", in.npy30, "--hidden", "4", "--epochs", "1", "--batch", "16",
		"--k", "1", "--eval-subset", "0", "--out", existing, "--quiet"); code != 0 {
		t.Fatalf("setup run failed (%d): %s", code, e)
	}

	tiny := []string{"--hidden", "4", "--epochs", "1", "--batch", "16", "--k", "1", "--eval-subset", "0", "--quiet"}
	trainArgs := func(data string, extra ...string) []string {
		a := append([]string{"train", "--data", data, "--out", filepath.Join(dir, "t", filepath.Base(data))}, tiny...)
		return append(a, extra...)
	}
	evalArgs := func(model string, extra ...string) []string {
		return append([]string{"eval", "--model", model, "--data", in.npy30, "--estimator", "ais", "--betas", "10", "--chains", "4", "--quiet"}, extra...)
	}
	anaFast := []string{"--mp-sizes", "10", "--kurt-sizes", "20,30", "--kurt-samples", "0", "--fig5-samples", "10",
		"--gibbs-chains", "2", "--gibbs-steps", "1", "--no-figures", "--quiet"}
	anaArgs := func(model string, extra ...string) []string {
		return append(append([]string{"analyze", "--model", model, "--out", out}, anaFast...), extra...)
	}
	sampleArgs := func(model string, extra ...string) []string {
		return append([]string{"sample", "--model", model, "--chains", "2", "--steps", "1", "--out", filepath.Join(dir, "s.png")}, extra...)
	}
	symArgs := func(model string, extra ...string) []string {
		return append([]string{"symmetry", "--model", model, "--data", "none", "--out", out, "--no-probe", "--gibbs-chains", "10", "--gibbs-steps", "1", "--quiet"}, extra...)
	}
	dynArgs := func(model string, extra ...string) []string {
		return append([]string{"dynamics", "--model", model, "--out", out, "--modes", "2", "--chains", "2", "--sweeps", "100", "--burn-in", "0", "--particles", "10", "--no-figures"}, extra...)
	}

	cases := []struct {
		name string
		args []string
		want string
	}{
		// Data files.
		{"train truncated gzip", trainArgs(in.truncGz), "truncated"},
		{"train corrupt gzip", trainArgs(in.corruptGz), "train-images-idx3-ubyte.gz"},
		{"train wrong IDX magic", trainArgs(in.badMagic), "wrong magic"},
		{"train IDX images not 3-D", trainArgs(in.idx2D), "want 3"},
		{"train labels count mismatch", trainArgs(in.labelsShort), "labels for 40 images"},
		{"train no IDX files", trainArgs(in.emptyDir), "no train images"},
		{"train missing data", trainArgs(filepath.Join(dir, "nope.npy")), "nope.npy"},
		{"train data not 0/1", trainArgs(in.npyNot01), "must be 0/1"},
		{"train data not 2-D", trainArgs(in.npy1D), "2-D"},
		{"train data plain file", trainArgs(in.file), "not .npy"},
		{"eval 20x20 images on 784 model", []string{"eval", "--model", in.model784, "--data", in.idx20, "--estimator", "ais", "--betas", "10", "--chains", "4", "--quiet"}, "400"},
		{"analyze 20x20 images on 784 model", []string{"analyze", "--model", in.model784, "--data", in.idx20, "--out", out, "--quiet"}, "400"},
		{"sample --init data 20x20 images on 784 model", sampleArgs(in.model784, "--init", "data", "--data", in.idx20), "400"},
		{"eval truncated gzip", []string{"eval", "--model", in.model784, "--data", in.truncGz, "--split", "train", "--quiet"}, "truncated"},

		// Model files, for every command that reads one.
		{"eval NaN model", evalArgs(in.nanModel), "non-finite"},
		{"analyze NaN model", anaArgs(in.nanModel), "non-finite"},
		{"sample NaN model", sampleArgs(in.nanModel), "non-finite"},
		{"symmetry NaN model", symArgs(in.nanModel), "non-finite"},
		{"eval model without W", evalArgs(in.noW), `no array "W"`},
		{"analyze model without W", anaArgs(in.noW), `no array "W"`},
		{"sample model without W", sampleArgs(in.noW), `no array "W"`},
		{"eval wrong shapes", evalArgs(in.badShape), "a has length 10"},
		{"analyze wrong shapes", anaArgs(in.badShape), "a has length 10"},
		{"eval int64 dtype", evalArgs(in.intDType), "dtype"},
		{"sample int64 dtype", sampleArgs(in.intDType), "dtype"},
		{"eval 3-D W", evalArgs(in.w3d), "dimensions"},
		{"eval not a zip", evalArgs(in.notZip), "not an .npz"},
		{"analyze not a zip", anaArgs(in.notZip), "not an .npz"},
		{"sample not a zip", sampleArgs(in.notZip), "not an .npz"},
		{"symmetry not a zip", symArgs(in.notZip), "not an .npz"},
		{"dynamics NaN model", dynArgs(in.nanModel), "non-finite"},
		{"dynamics not a zip", dynArgs(in.notZip), "not an .npz"},
		{"dynamics --modes 0", dynArgs(in.model20, "--modes", "0"), "--modes"},
		{"dynamics --sweeps 10", dynArgs(in.model20, "--sweeps", "10"), "--sweeps"},
		{"dynamics unknown backend", dynArgs(in.model20, "--backend", "cuda"), "cuda"},
		{"dynamics --model and --run", dynArgs(in.model20, "--run", dir), "exactly one"},
		{"dynamics --run not a run", []string{"dynamics", "--run", dir, "--out", out}, "checkpoints"},
		{"eval truncated npz", evalArgs(in.truncNPZ), "trunc.npz"},
		{"eval missing model", evalArgs(filepath.Join(dir, "nope.npz")), "nope.npz"},

		// Data of the wrong width for the model.
		{"eval wrong width", evalArgs(in.model784), "784 visible units but the data has 30"},
		{"analyze wrong width", anaArgs(in.model20, "--data", in.npy30), "30 columns"},
		{"sample --init data wrong width", sampleArgs(in.model20, "--init", "data", "--data", in.npy30), "30 columns"},
		{"symmetry wrong width", []string{"symmetry", "--model", in.model20, "--data", in.npy30, "--out", out, "--quiet"}, "30 columns"},

		// Output locations.
		{"train out under a file", []string{"train", "--data", in.npy30, "--out", filepath.Join(in.file, "run"), "--quiet"}, "run directory"},
		{"analyze out under a file", []string{"analyze", "--model", in.model20, "--out", filepath.Join(in.file, "a"), "--quiet"}, "plainfile"},
		{"sample out under a file", sampleArgs(in.model20, "--out", filepath.Join(in.file, "s.png")), "plainfile"},
		{"symmetry out under a file", []string{"symmetry", "--model", in.model20, "--data", "none", "--out", filepath.Join(in.file, "s"), "--quiet"}, "plainfile"},
		{"train existing run", append([]string{"train", "--data", in.npy30, "--out", existing}, tiny...), "--resume"},
		{"train resume nothing", []string{"train", "--out", filepath.Join(dir, "never"), "--resume"}, "nothing to resume"},
		{"train resume other settings", []string{"train", "--out", existing, "--resume", "--hidden", "5"}, "settings differ"},

		// Flags out of range.
		{"train k=0", trainArgs(in.npy30, "--k", "0"), "k (Gibbs sweeps"},
		{"train batch 0", trainArgs(in.npy30, "--batch", "0"), "batch size"},
		{"train batch too big", trainArgs(in.npy30, "--batch", "1000"), "larger than the training set"},
		{"train hidden 0", trainArgs(in.npy30, "--hidden", "0"), "hidden units"},
		{"train negative lr", trainArgs(in.npy30, "--lr", "-0.1"), "learning rate"},
		{"train NaN lr", trainArgs(in.npy30, "--lr", "NaN"), "learning rate"},
		{"train epochs -1", trainArgs(in.npy30, "--epochs", "-1"), "epochs"},
		{"train chains -1", trainArgs(in.npy30, "--chains", "-1"), "chains"},
		{"train momentum 1", trainArgs(in.npy30, "--optimizer", "sgd", "--momentum", "1"), "momentum"},
		{"train momentum NaN", trainArgs(in.npy30, "--optimizer", "sgd", "--momentum", "NaN"), "momentum"},
		{"train weight-decay NaN", trainArgs(in.npy30, "--weight-decay", "NaN"), "weight decay"},
		{"train weight-decay Inf", trainArgs(in.npy30, "--weight-decay", "Inf"), "weight decay"},
		{"train init-std Inf", trainArgs(in.npy30, "--init-std", "+Inf"), "init std"},
		{"train unknown method", trainArgs(in.npy30, "--method", "gibbs"), "method"},
		{"train not a number", trainArgs(in.npy30, "--k", "ten"), "--k"},
		{"train unknown flag", trainArgs(in.npy30, "--learning-rate", "1"), "unknown flag"},
		{"eval chains -1", evalArgs(in.model20, "--chains", "-1"), "--chains"},
		{"eval betas 0", evalArgs(in.model20, "--betas", "0"), "--betas"},
		{"eval resample 2", evalArgs(in.model20, "--resample", "2"), "--resample"},
		{"eval bad estimator", evalArgs(in.model20, "--estimator", "guess"), "--estimator"},
		{"analyze gibbs-chains 0", anaArgs(in.model20, "--gibbs-chains", "0"), "--gibbs-chains"},
		{"analyze init-std -1", anaArgs(in.model20, "--init-std", "-1"), "--init-std"},
		{"symmetry mode 0", symArgs(in.model20, "--mode", "0"), "--mode"},
		{"symmetry mode too big", symArgs(in.model20, "--mode", "9"), "--mode 9"},
		{"symmetry gibbs-chains 0", symArgs(in.model20, "--gibbs-chains", "0"), "--gibbs-chains"},
		{"sample chains -1", sampleArgs(in.model20, "--chains", "-1"), "--chains"},
		{"sample steps -1", sampleArgs(in.model20, "--steps", "-1"), "--steps"},
		{"sample scale 0", sampleArgs(in.model20, "--scale", "0"), "--scale"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := fmRun(t, bin, c.args...)
			msg := strings.TrimSpace(stderr)
			t.Logf("%s", msg)
			if code != 2 {
				t.Errorf("exit code %d, want 2\nstderr: %s", code, msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("stderr %q does not mention %q", msg, c.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("stderr has %d lines, want one:\n%s", strings.Count(msg, "\n")+1, msg)
			}
			if strings.Contains(stderr+stdout, "panic:") || strings.Contains(stderr+stdout, "goroutine ") {
				t.Errorf("panic trace:\n%s", stderr)
			}
		})
	}
	// A failed run leaves no temporary files behind.
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".*.tmp-*"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*", ".*.tmp-*"))
	if all := append(leftovers, more...); len(all) > 0 {
		t.Errorf("temporary files left behind: %v", all)
	}
}
