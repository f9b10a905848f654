package train

import (
	"fmt"
	"math"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// save adds the ladder to a resume state: the last checkpoint, its
// samples, the working reservoir, the free energies, the counters and the
// frozen checkpoints, so a resumed ptt run continues bit-identically.
func (l *ladder) save(zw *rbm.NPZWriter) {
	zw.Float32("ptt_W", l.ckpt.W.Rows, l.ckpt.W.Cols, l.ckpt.W.Data)
	zw.Float32("ptt_a", -1, 0, l.ckpt.A)
	zw.Float32("ptt_b", -1, 0, l.ckpt.B)
	zw.Float32("ptt_samples", l.samples.Rows, l.samples.Cols, l.samples.Data)
	zw.Float32("ptt_reservoir", l.reservoir.Rows, l.reservoir.Cols, l.reservoir.Data)
	zw.Float64("ptt_samples_F", -1, 0, l.samplesF)
	zw.Float64("ptt_reservoir_F", -1, 0, l.reservoirF)
	zw.Float64("ptt_chains_F", -1, 0, l.chainsF)
	zw.Float64("ptt_scalars", -1, 0, []float64{l.logZ, l.logVar, l.acceptance, l.lrScale})
	zw.Int64("ptt_counters", []int64{int64(l.since), int64(l.rejections), int64(l.totalRejects)})
	recs := make([]float64, 0, 9*len(l.records))
	for _, c := range l.records {
		recs = append(recs, float64(c.Index), float64(c.Update), float64(c.Epoch), c.LogZ, c.LogZErr, c.Acceptance, float64(c.Sweeps), c.TauInt, float64(c.Rejections))
	}
	zw.Float64("ptt_records", len(l.records), 9, recs)
}

// loadLadder restores the ladder of t from a resume state (see save).
func loadLadder(zr *npz.Reader, t *Trainer) {
	n, m := t.P.W.Rows, t.P.W.Cols
	S, R := t.Cfg.PTTReservoirSize(), t.neg.V.Rows
	f32 := func(name string, want int) []float32 {
		var x []float32
		if err := zr.Read(name+".npy", &x); err != nil || len(x) != want {
			panic(fmt.Sprintf("%s: %d values, want %d (%v)", name, len(x), want, err))
		}
		return x
	}
	f64 := func(name string, want int) []float64 {
		var x []float64
		if err := zr.Read(name+".npy", &x); err != nil || (want >= 0 && len(x) != want) {
			panic(fmt.Sprintf("%s: %d values, want %d (%v)", name, len(x), want, err))
		}
		return x
	}
	l := newLadderBuffers(&t.Cfg, t.Backend, t.stream, n, m, t.neg)
	l.ckpt = &rbm.Params32{W: &tensor.Mat32{Rows: n, Cols: m, Data: f32("ptt_W", n*m)}, A: f32("ptt_a", n), B: f32("ptt_b", m)}
	l.samples = &tensor.Mat32{Rows: S, Cols: n, Data: f32("ptt_samples", S*n)}
	l.reservoir = &tensor.Mat32{Rows: S, Cols: n, Data: f32("ptt_reservoir", S*n)}
	l.samplesF, l.reservoirF, l.chainsF = f64("ptt_samples_F", S), f64("ptt_reservoir_F", S), f64("ptt_chains_F", R)
	sc := f64("ptt_scalars", 4)
	l.logZ, l.logVar, l.acceptance, l.lrScale = sc[0], sc[1], sc[2], sc[3]
	var ctr []int64
	if err := zr.Read("ptt_counters.npy", &ctr); err != nil || len(ctr) != 3 {
		panic(fmt.Sprint("bad ptt_counters ", err))
	}
	l.since, l.rejections, l.totalRejects = int(ctr[0]), int(ctr[1]), int(ctr[2])
	recs := f64("ptt_records", -1)
	for i := 0; i+9 <= len(recs); i += 9 {
		r := recs[i : i+9]
		l.records = append(l.records, PTTCheckpoint{Index: int(r[0]), Update: int(r[1]), Epoch: int(r[2]), LogZ: r[3], LogZErr: r[4],
			Acceptance: r[5], Sweeps: int(r[6]), TauInt: r[7], Rejections: int(r[8])})
	}
	if !(l.lrScale > 0) || math.IsInf(l.lrScale, 0) {
		panic(fmt.Sprintf("bad ptt learning-rate scale %v", l.lrScale))
	}
	t.ptt = l
	t.opt.setLR(t.lr())
}
