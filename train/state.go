package train

import (
	"fmt"
	"io"
	"os"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// SaveState writes everything needed to continue the run exactly —
// parameters, optimiser moments, chains, random stream and counters — to
// path (an .npz), atomically.
func (t *Trainer) SaveState(path string) error {
	key, ctr := t.stream.State()
	started := int64(0)
	if t.started {
		started = 1
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		zw := rbm.NewNPZWriter(w)
		zw.Float32("W", t.P.W.Rows, t.P.W.Cols, t.P.W.Data)
		zw.Float32("a", -1, 0, t.P.A)
		zw.Float32("b", -1, 0, t.P.B)
		zw.Float32("chains", t.neg.V.Rows, t.neg.V.Cols, t.neg.V.Data)
		for i, s := range t.opt.state() {
			zw.Float32(fmt.Sprintf("opt%d", i), -1, 0, s)
		}
		zw.Int64("meta", []int64{int64(t.Epoch), int64(t.Updates), int64(*t.opt.counter()), started})
		zw.Uint64("rng", []uint64{key, ctr})
		if t.ptt != nil {
			t.ptt.save(zw)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("cannot save the training state: %w", err)
		}
		return nil
	})
}

// LoadState restores a trainer saved by SaveState. cfg must be the run's
// configuration; data is the training set (for shapes).
func LoadState(path string, cfg Config, be tensor.Backend, data *Shape) (t *Trainer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s is corrupt: %v", path, r)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, _ := f.Stat()
	zr, err := npz.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable state file: %v", path, err)
	}
	n, m, R := data.Visible, cfg.Hidden, cfg.NumChains()
	get := func(name string, want int) []float32 {
		var x []float32
		if err := zr.Read(name+".npy", &x); err != nil {
			panic(err)
		}
		if len(x) != want {
			panic(fmt.Sprintf("%s has %d values, want %d (was the run configured differently?)", name, len(x), want))
		}
		return x
	}
	p := &rbm.Params32{W: &tensor.Mat32{Rows: n, Cols: m, Data: get("W", n*m)}, A: get("a", n), B: get("b", m)}
	t = &Trainer{Cfg: cfg, Backend: be, P: p}
	t.opt = newOptimizer(&cfg, be, p)
	for i, s := range t.opt.state() {
		copy(s, get(fmt.Sprintf("opt%d", i), len(s)))
	}
	t.neg = &rbm.Chains{V: &tensor.Mat32{Rows: R, Cols: n, Data: get("chains", R*n)}}
	var meta []int64
	var rng []uint64
	if err := zr.Read("meta.npy", &meta); err != nil || len(meta) != 4 {
		panic(fmt.Sprint("bad meta ", err))
	}
	if err := zr.Read("rng.npy", &rng); err != nil || len(rng) != 2 {
		panic(fmt.Sprint("bad rng ", err))
	}
	t.Epoch, t.Updates, *t.opt.counter(), t.started = int(meta[0]), int(meta[1]), int(meta[2]), meta[3] == 1
	t.stream = tensor.RestoreStream(rng[0], rng[1])
	t.alloc()
	if cfg.Method == "ptt" {
		loadLadder(zr, t)
	}
	return t, nil
}

// Shape describes the data a state belongs to.
type Shape struct{ Visible int }
